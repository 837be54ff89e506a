"""Scoring in 5-, 10- or 20-s epochs turned into 30-s labels: the stage covering most of each epoch, ties unscored."""

from __future__ import annotations

from pathlib import Path

import pytest

from hf_sleep.data import RecordingError
from hf_sleep.data.labels import AASM_LABELS, rescore

AASM_INDEX = {name: i for i, name in enumerate(AASM_LABELS)}


def test_twenty_second_epochs_give_the_stage_scoring_twenty_of_thirty_seconds() -> None:
    # [0, 30): W 20 s + N1 10 s; [30, 60): N1 10 s + N1 20 s; [60, 90): N2 20 s + REM 10 s; 100 s: 3 whole epochs
    # the last 10 s (REM) are a third of an epoch: mostly unscored, so that epoch stays unscored
    assert rescore(["W", "N1", "N1", "N2", "REM"], 20, 30) == ["W", "N1", "N2", None]


def test_five_and_ten_second_epochs_vote_and_ties_stay_unscored() -> None:
    assert rescore(["W"] * 4 + ["N1"] * 2 + ["N1"] * 3 + ["N2"] * 3, 5, 30) == ["W", None]  # 3 N1 vs 3 N2
    assert rescore(["N2", "N3", "N3", "W", "N1", "REM"], 10, 30) == ["N3", None]  # one each: a tie
    # unscored time competes as a stage: mostly unscored stays unscored, a minority does not hide the majority
    assert rescore(["N2", None, None, "N2", "N2", None], 10, 30) == [None, "N2"]


def test_independent_of_the_grid_the_stages_are_written_on() -> None:
    twenty = ["W", "W", "N1", "N2", "N2", "N2", "REM", "REM", "W"]
    five = [stage for stage in twenty for _ in range(4)]
    assert rescore(five, 5, 30) == rescore(twenty, 20, 30) == ["W", "N1", "N2", "N2", "REM", "W"]
    assert rescore(["N3", "REM"], 30, 30) == ["N3", "REM"]


@pytest.mark.parametrize(("seconds", "target"), [(0, 30), (20, -30), (float("nan"), 30), ("20", 30)])
def test_lengths_must_be_positive_seconds(seconds, target) -> None:
    with pytest.raises(ValueError, match="must be a positive number of seconds"):
        rescore(["W"], seconds, target)


# A night scored in 20-s epochs (R&K era): 43 epochs, 860 s, so 28 whole 30-s epochs.
NIGHT_20S = ["W"] * 9 + ["N1"] * 2 + ["N2"] * 13 + ["N3"] * 6 + ["REM"] * 6 + ["MT"] + ["N2"] * 3 + ["W"] * 3
# [210, 240): N1 10 s + N2 20 s -> N2; [720, 750): MT 20 s + N2 10 s -> unscored; [780, 810): N2 20 s + W 10 s -> N2
RESCORED = ["W"] * 6 + ["N1"] + ["N2"] * 9 + ["N3"] * 4 + ["REM"] * 4 + [None] + ["N2"] * 2 + ["W"]


def _cli(argv: list[str]) -> int:
    import argparse

    from hf_sleep.data.cli import add_subparsers

    parser = argparse.ArgumentParser(prog="hf-sleep")
    add_subparsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_convert_rescores_a_20s_hypnogram(tmp_path: Path) -> None:
    from datasets import load_from_disk

    from hf_sleep.data.synthetic import write_scored_night

    edf, hyp = write_scored_night(tmp_path / "raw", hypnogram=NIGHT_20S, epoch_seconds=20, sfreq=100.0)
    base = ["convert", "edf", str(edf), "--hypnogram", "{stem}.csv", "--channels", "EEG C4-M1"]
    with pytest.raises(RecordingError, match=r"not aligned to the 30-s epoch grid .*rescore them: --rescore 30\)$"):
        _cli([*base, "--out", str(tmp_path / "refused")])
    assert not (tmp_path / "refused").exists()
    assert _cli([*base, "--out", str(tmp_path / "ds"), "--rescore", "30", "--keep-unknown"]) == 0
    ds = load_from_disk(str(tmp_path / "ds"))
    assert ds.features["input_values"].shape == (1, 3000)
    assert [None if i == -100 else AASM_LABELS[i] for i in ds["labels"]] == RESCORED
    assert ds["source_label"][6:8] == ["N1", "N1+N2"] and ds["source_label"][24:27] == ["?+N2", "N2", "N2+W"]
    assert "rescored: into 30-s epochs" in ds.info.description


def test_rescore_votes_5s_codes_out_of_step(tmp_path: Path) -> None:
    """5-s codes one step late: refused on the 30-s grid, but each epoch keeps the stage of 5 of its 6 codes."""
    from hf_sleep.data import ConversionOptions
    from hf_sleep.data.generic import convert_edf
    from hf_sleep.data.synthetic import write_scored_night

    night = ["W"] * 6 + ["N1"] * 2 + ["N2"] * 10 + ["REM"] * 4 + ["W"] * 2
    edf, hyp = write_scored_night(tmp_path, hypnogram=night, name="lab", hypnogram_format="labels", sfreq=100.0)
    codes = [stage for stage in night for _ in range(6)]
    hyp.write_text("\n".join(["W", *codes[:-1]]))
    options = ConversionOptions(progress=False)
    with pytest.raises(RecordingError, match="not aligned to the 30-s epoch grid"):
        convert_edf(edf, hypnogram="{stem}.txt", channels=["EEG C4-M1"], label_seconds=5, options=options)
    ds = convert_edf(edf, hypnogram="{stem}.txt", channels=["EEG C4-M1"], label_seconds=5, rescore=30, options=options)
    assert list(ds["labels"]) == [AASM_INDEX[stage] for stage in night]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rescore": 0}, "rescore must be a positive number of seconds"),
        ({"rescore": 30, "epoch_seconds": 20}, "rescore 30 and epoch_seconds 20 disagree"),
    ],
)
def test_rescore_arguments(tmp_path: Path, kwargs, message: str) -> None:
    from hf_sleep.data.generic import convert_edf
    from hf_sleep.data.synthetic import write_scored_night

    edf, _ = write_scored_night(tmp_path, hypnogram=NIGHT_20S, epoch_seconds=20, sfreq=100.0)
    with pytest.raises(ValueError, match=message):
        convert_edf(edf, hypnogram="{stem}.csv", channels=["EEG C4-M1"], **kwargs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["night01.csv", "night01.edf"]  # nothing written


def test_dreams_codes_out_of_step_rescored(tmp_path: Path) -> None:
    """DREAMS' 5-s codes one step late: an error on the 30-s grid, each epoch's own stage with ``rescore``."""
    from hf_sleep.data import ConversionOptions
    from hf_sleep.data.cohorts import convert_cohort
    from hf_sleep.data.synthetic import write_cohort_night

    night = ["W"] * 4 + ["N1"] * 2 + ["N2"] * 6 + ["N3"] * 3 + ["REM"] * 3 + ["W"] * 2
    _, hyp = write_cohort_night("dreams", tmp_path, hypnogram=night, subject=1)
    title, *codes = hyp.read_text().splitlines()
    hyp.write_text("\n".join([title, codes[0], *codes[:-1]]))
    options = ConversionOptions(progress=False)
    with pytest.raises(RecordingError, match="not aligned to the 30-s epoch grid .*--rescore 30"):
        convert_cohort("dreams", tmp_path, options=options)
    ds = convert_cohort("dreams", tmp_path, rescore=30, options=options)
    assert list(ds["labels"]) == [AASM_INDEX[stage] for stage in night]
