"""Sleep statistics against hand-computed values and on real hypnograms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hf_sleep.staging.sleep_stats import format_statistics, sleep_statistics, time_in_bed

YASA_CODES = {0: "W", 1: "N1", 2: "N2", 3: "N3", 4: "REM"}


def test_hand_computed_small_hypnogram():
    # 0  1  2   3   4   5   6   7   8    9    10   11  12  13
    hypno = ["W", "W", "N1", "N2", "N2", "W", "N3", "N3", "REM", "REM", "W", "?", "N2", "W"]
    stats = sleep_statistics(hypno)
    assert stats["TIB"] == 7.0  # 14 epochs of 30 s
    assert stats["SOL"] == 1.0  # first sleep at epoch 2
    assert stats["SPT"] == 5.5  # epochs 2..12
    assert stats["TST"] == 4.0  # 8 sleep epochs
    assert stats["WASO"] == 1.0  # epochs 5 and 10; the unscored epoch 11 is neither sleep nor wake
    assert stats["SE"] == pytest.approx(100 * 4.0 / 7.0)
    assert stats["SME"] == pytest.approx(100 * 4.0 / 5.5)
    assert stats["REM_latency"] == 3.0  # REM at epoch 8, sleep onset at epoch 2
    assert (stats["W"], stats["N1"], stats["N2"], stats["N3"], stats["REM"]) == (2.5, 0.5, 1.5, 1.0, 1.0)
    assert stats["%N2"] == pytest.approx(37.5)
    assert "%W" not in stats


def test_matches_yasa_documented_example():
    # The example of YASA's `sleep_statistics` docstring (published values): TIB 10, SPT 8, TST 8,
    # WASO 0, N1 1.5, N2 2, N3 2.5, REM 2, Lat_REM 7 from the record start, TST/SPT = 100 %.
    codes = [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 2, 3, 3, 4, 4, 4, 4, 0, 0]
    stats = sleep_statistics([YASA_CODES[c] for c in codes])
    assert (stats["TIB"], stats["SPT"], stats["TST"], stats["WASO"]) == (10.0, 8.0, 8.0, 0.0)
    assert (stats["N1"], stats["N2"], stats["N3"], stats["REM"]) == (1.5, 2.0, 2.5, 2.0)
    assert stats["SOL"] + stats["REM_latency"] == 7.0
    assert stats["SME"] == 100.0 and stats["SE"] == 80.0
    assert (stats["%N1"], stats["%N2"], stats["%N3"], stats["%REM"]) == (18.75, 25.0, 31.25, 25.0)


def test_no_sleep_and_other_epoch_lengths_and_stage_sets():
    stats = sleep_statistics(["W"] * 6)
    assert stats["TST"] == 0.0 and stats["SE"] == 0.0
    assert math.isnan(stats["SOL"]) and math.isnan(stats["REM_latency"]) and math.isnan(stats["%N2"])
    rodent = sleep_statistics(["Wake", "NREM", "NREM", "REM", "Wake"], epoch_seconds=10.0,
                              stages=("Wake", "NREM", "REM"), wake="Wake", rem="REM")
    assert rodent["TST"] == pytest.approx(0.5) and rodent["REM_latency"] == pytest.approx(2 / 6)
    assert "SE" in format_statistics(rodent)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="empty"):
        sleep_statistics([])
    with pytest.raises(ValueError, match="wake label"):
        sleep_statistics(["W"], stages=("Wake", "NREM"))


def _independent(codes: np.ndarray) -> dict[str, float]:
    """The definitions again, vectorised over integer codes, as a cross-check."""
    asleep = np.flatnonzero(codes > 0)
    spt = codes[asleep[0] : asleep[-1] + 1]
    rem = np.flatnonzero(codes == 4)
    return {
        "TIB": codes.size / 2, "TST": asleep.size / 2, "SPT": spt.size / 2, "WASO": (spt == 0).sum() / 2,
        "SOL": asleep[0] / 2, "REM_latency": (rem[0] - asleep[0]) / 2 if rem.size else math.nan,
    }


@pytest.mark.parametrize("name", ["data_full_6hrs_100Hz_hypno_30s.txt", "sub-02_hypno_30s.txt"])
def test_real_yasa_hypnograms(shared_data, name):
    lines = [line.strip() for line in (shared_data / "yasa" / name).read_text().splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    letters = {"W": 0, "N1": 1, "N2": 2, "N3": 3, "R": 4, "REM": 4}
    codes = np.array([int(line) if line.isdigit() else letters[line] for line in lines])
    stats = sleep_statistics([YASA_CODES[c] for c in codes])
    expected = _independent(codes)
    for key, value in expected.items():
        np.testing.assert_allclose(stats[key], value, err_msg=key)
    assert stats["TST"] + stats["WASO"] == pytest.approx(stats["SPT"])
    assert sum(stats[s] for s in ("W", "N1", "N2", "N3", "REM")) == pytest.approx(stats["TIB"])
    assert sum(stats[f"%{s}"] for s in ("N1", "N2", "N3", "REM") if not math.isnan(stats[f"%{s}"])) == (
        pytest.approx(100.0)
    )
    if name.startswith("data_full"):
        # Whole night of 720 epochs = 6 h in bed.
        assert stats["TIB"] == 360.0 and stats["REM"] > 0


def test_time_in_bed_crops_a_real_sleep_edf_day_to_lights_off_on(shared_data):
    """A real Sleep-EDF cassette hypnogram spans 24 h, mostly wake: statistics over lights off to lights on."""
    import mne

    annotations = mne.read_annotations(shared_data / "sleep-edf" / "hypnograms" / "SC4001EC-Hypnogram.edf")
    rk = {"Sleep stage W": "W", "Sleep stage 1": "N1", "Sleep stage 2": "N2", "Sleep stage 3": "N3",
          "Sleep stage 4": "N3", "Sleep stage R": "REM"}  # fmt: skip
    stages = [rk.get(text, "?") for onset, length, text in zip(annotations.onset, annotations.duration,
              annotations.description, strict=True) for _ in range(int(length // 30))]  # fmt: skip
    asleep = [i for i, stage in enumerate(stages) if stage not in ("W", "?")]
    whole = sleep_statistics(stages)
    lights_off, lights_on = asleep[0] * 30 - 1795.0, (asleep[-1] + 1) * 30 + 3605.0  # rounded to the 30-s grid
    in_bed = stages[time_in_bed(len(stages), 30.0, lights_off, lights_on)]
    stats = sleep_statistics(in_bed)
    assert stats["TIB"] == pytest.approx(30 + (asleep[-1] + 1 - asleep[0]) / 2 + 60)  # minutes, lights off to on
    assert stats["SOL"] == 30.0 and whole["SOL"] > 8 * 60  # from lights off, not from the recording's start
    for key in ("TST", "SPT", "WASO", "REM_latency", "N1", "N2", "N3", "REM"):
        assert stats[key] == whole[key], key  # all the sleep lies in bed
    assert stats["SE"] == pytest.approx(100 * whole["TST"] / stats["TIB"])
    assert stats["SE"] > 2 * whole["SE"]  # the day's wake no longer counts against the night
    assert stats["W"] == in_bed.count("W") / 2 < whole["W"]
    assert time_in_bed(10, 30.0) == slice(0, 10) and time_in_bed(10, 30.0, 40.0, 9999.0) == slice(1, 10)
    with pytest.raises(ValueError, match="lights on must come after lights off"):
        time_in_bed(10, 30.0, 200.0, 100.0)


def test_naps_report_sleep_onset_rem_periods():
    from hf_sleep.staging.sleep_stats import sleep_statistics

    # 20-min MSLT trial: sleep onset after 4 min (8 epochs), REM 15 min (30 epochs) after onset: a SOREMP.
    nap = ["W"] * 8 + ["N1"] * 4 + ["N2"] * 26 + ["REM"] * 2
    stats = sleep_statistics(nap)
    assert stats["SOL"] == 4.0 and stats["REM_latency"] == 15.0 and stats["SOREMP"] == 1.0
    # REM 15.5 min after onset is not one; a nap without sleep has none to judge.
    assert sleep_statistics(["W"] * 8 + ["N2"] * 31 + ["REM"])["SOREMP"] == 0.0
    assert math.isnan(sleep_statistics(["W"] * 40)["SOREMP"])
    # Whole nights report no SOREMP unless asked; a long nap can be declared one.
    night = ["W"] * 20 + ["N2"] * 300 + ["REM"] * 20
    assert "SOREMP" not in sleep_statistics(night)
    assert sleep_statistics(night, nap=True)["SOREMP"] == 0.0
    assert "SOREMP" not in sleep_statistics(nap, nap=False)


def test_soremp_is_printed_as_yes_or_no():
    from hf_sleep.staging.sleep_stats import format_statistics, sleep_statistics

    text = format_statistics(sleep_statistics(["W"] * 4 + ["N1"] * 2 + ["REM"] * 4))
    assert any(line.split() == ["SOREMP", "yes"] for line in text.splitlines())
