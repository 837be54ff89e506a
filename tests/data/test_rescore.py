"""Scoring in 5-, 10- or 20-s epochs turned into 30-s labels: the stage covering most of each epoch, ties unscored."""

from __future__ import annotations

import pytest

from hf_sleep.data.labels import rescore_stages


def test_twenty_second_epochs_give_the_stage_scoring_twenty_of_thirty_seconds() -> None:
    # [0, 30): W 20 s + N1 10 s; [30, 60): N1 10 s + N1 20 s; [60, 90): N2 20 s + REM 10 s; 100 s: 3 whole epochs
    assert rescore_stages(["W", "N1", "N1", "N2", "REM"], 20) == ["W", "N1", "N2"]


def test_five_and_ten_second_epochs_vote_and_ties_stay_unscored() -> None:
    assert rescore_stages(["W"] * 4 + ["N1"] * 2 + ["N1"] * 3 + ["N2"] * 3, 5) == ["W", None]  # 3 N1 vs 3 N2
    assert rescore_stages(["N2", "N3", "N3", "W", "N1", "REM"], 10) == ["N3", None]  # one each: a tie
    # unscored time competes as a stage: mostly unscored stays unscored, a minority does not hide the majority
    assert rescore_stages(["N2", None, None, "N2", "N2", None], 10) == [None, "N2"]


def test_independent_of_the_grid_the_stages_are_written_on() -> None:
    twenty = ["W", "W", "N1", "N2", "N2", "N2", "REM", "REM", "W"]
    five = [stage for stage in twenty for _ in range(4)]
    assert rescore_stages(five, 5) == rescore_stages(twenty, 20) == ["W", "N1", "N2", "N2", "REM", "W"]
    assert rescore_stages(["N3", "REM"], 30, 30) == ["N3", "REM"]


@pytest.mark.parametrize(("seconds", "target"), [(0, 30), (20, -30), (float("nan"), 30), ("20", 30)])
def test_lengths_must_be_positive_seconds(seconds, target) -> None:
    with pytest.raises(ValueError, match="must be a positive number of seconds"):
        rescore_stages(["W"], seconds, target)
