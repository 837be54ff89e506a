"""`rescore`: the one rule that puts a hypnogram on another epoch grid (majority of time, ties unscored)."""

from __future__ import annotations

import pytest

from hf_sleep.data.labels import rescore, rescore_intervals


def test_five_second_codes_take_the_stage_of_most_of_each_epoch():
    codes = ["W"] * 6 + ["N1"] * 4 + ["N2"] * 2 + ["N2"] * 3 + ["N3"] * 3
    assert rescore(codes, 5, 30) == ["W", "N1", None]  # the third epoch: 15 s N2, 15 s N3


def test_a_tie_of_two_stages_is_unscored():
    assert rescore(["N1"] * 3 + ["N2"] * 3, 5, 30) == [None]


def test_twenty_second_codes_weigh_the_seconds_each_shares_with_the_epoch():
    # 30-s epochs [0,30) = 20 s W + 10 s N1, [30,60) = N1, [60,90) = 20 s N2 + 10 s REM (the code [80,100)).
    assert rescore(["W", "N1", "N1", "N2", "REM", "REM"], 20, 30) == ["W", "N1", "N2", "REM"]


def test_unscored_time_counts_against_a_stage():
    assert rescore(["N2", None, None], 10, 30) == [None]
    assert rescore(["N2", "N2", None], 10, 30) == ["N2"]
    assert rescore(["N2", "N2", "N2", "N2"], 10, 30) == ["N2", None]  # a last epoch covered 10 s of 30


def test_intervals_off_the_grid_and_a_late_start():
    # Sleep-EDF telemetry hypnograms start 30 s in; a table may start mid-epoch.
    assert rescore_intervals([30.0, 90.0], [60.0, 30.0], ["W", "N1"], 30) == [None, "W", "W", "N1"]
    assert rescore_intervals([10.0], [50.0], ["N2"], 30) == ["N2", "N2"]


def test_bad_lengths_are_refused_in_one_line():
    with pytest.raises(ValueError, match="positive"):
        rescore(["W"], 0, 30)
    with pytest.raises(ValueError, match="one each per interval"):
        rescore_intervals([0.0], [30.0, 30.0], ["W"], 30)


def test_real_ten_second_mouse_scores_agree_with_a_direct_count(shared_data):
    from hf_sleep.data.rodent import read_rodent_scores

    labels, seconds = read_rodent_scores(shared_data / "rodent" / "335scores_GS.txt")
    assert seconds == 10
    thirty = rescore(labels, 10, 30)
    assert len(thirty) == len(labels) // 3
    for index in range(0, len(thirty), 97):  # an independent count of every 97th epoch
        trio = labels[3 * index : 3 * index + 3]
        top = max(set(trio), key=trio.count)
        assert thirty[index] == (top if trio.count(top) >= 2 else None)
