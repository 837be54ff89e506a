"""Bring-your-own scored PSG: every hypnogram layout converts with exact counts; bad hypnograms fail in one line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from hf_sleep import SleepFeatureExtractor
from hf_sleep.data import AASM_LABELS, ConversionOptions, RecordingError
from hf_sleep.data.cli import add_subparsers
from hf_sleep.data.edf import write_annotations_edf
from hf_sleep.data.generic import convert_edf, parse_label_map
from hf_sleep.data.synthetic import HYPNOGRAM_FORMATS, write_scored_night

NIGHT = (
    ["W"] * 12 + ["N1"] * 4 + ["N2"] * 20 + ["N3"] * 6 + ["S4"] * 5 + ["REM"] * 9 + ["MT"]
    + ["N2"] * 6 + ["?"] * 2 + ["W"] * 5
)  # fmt: skip
EXPECTED = {"W": 17, "N1": 4, "N2": 26, "N3": 11, "REM": 9}
CHANNELS = ["EEG C4-M1", "EMG chin"]


def counts(ds) -> dict[str, int]:
    labels = Counter(ds["labels"])
    return {name: labels.get(i, 0) for i, name in enumerate(AASM_LABELS)}


@pytest.mark.parametrize(
    ("hypnogram_format", "vocabulary"),
    [
        ("embedded", "sleep-stage"),
        ("edf+", "rk"),
        ("csv", "aasm"),
        ("labels", "numeric"),
        ("bids", "sleep-stage"),
    ],
)
def test_each_layout_exact_counts(
    tmp_path: Path, cache_dir: Path, hypnogram_format: str, vocabulary: str
) -> None:
    name = "sub-07_ses-2_task-sleep_eeg" if hypnogram_format == "bids" else "night01"
    write_scored_night(tmp_path, hypnogram=NIGHT, name=name, hypnogram_format=hypnogram_format,
                       vocabulary=vocabulary, sfreq=128.0)  # fmt: skip
    pattern = None if hypnogram_format == "embedded" else HYPNOGRAM_FORMATS[hypnogram_format]
    ds = convert_edf(tmp_path, hypnogram=pattern, channels=CHANNELS, options=ConversionOptions(cache_dir=cache_dir, progress=False))
    assert ds.features["input_values"].shape == (2, 3000) and counts(ds) == EXPECTED
    assert SleepFeatureExtractor.from_dataset(ds).ch_names == CHANNELS
    assert len(ds) == sum(EXPECTED.values()) and 56 not in list(ds["epoch_index"])  # MT dropped
    if hypnogram_format == "bids":
        assert set(ds["subject"]) == {"07"} and set(ds["night"]) == {2}


def test_derivation_and_keep_unknown(tmp_path: Path, cache_dir: Path) -> None:
    edf, _ = write_scored_night(
        tmp_path, hypnogram=NIGHT, channels=("EEG C4", "EEG M1", "EMG chin"), sfreq=100.0
    )
    ds = convert_edf(edf, hypnogram="{stem}.csv", channels=["EEG C4-EEG M1"], options=ConversionOptions(keep_unknown=True, cache_dir=cache_dir, progress=False))  # fmt: skip
    assert len(ds) == len(NIGHT) and (np.asarray(ds["labels"]) == -100).sum() == 3
    import mne

    raw = mne.io.read_raw_edf(edf, verbose="error").get_data(picks=["EEG C4", "EEG M1"], units="uV")
    np.testing.assert_allclose(ds.with_format("numpy")[5]["input_values"][0], (raw[0] - raw[1])[15000:18000],
                               rtol=1e-4, atol=1e-2)  # fmt: skip


def test_custom_label_maps_and_5s_codes(tmp_path: Path, cache_dir: Path) -> None:
    edf, _ = write_scored_night(tmp_path, hypnogram=NIGHT, name="lab", hypnogram_format="labels", sfreq=128.0)
    words = {"W": "Wake", "N1": "Light", "N2": "Light", "N3": "Deep", "S4": "Deep", "REM": "Paradoxical",
             "MT": "Art", "?": "Art"}  # fmt: skip
    (tmp_path / "lab.txt").write_text("\n".join(words[s] for s in NIGHT for _ in range(6)))  # 5-s codes
    mapping = {"Wake": "W", "Light": "N2", "Deep": "N3", "Paradoxical": "R", "Art": None}
    (tmp_path / "map.json").write_text(json.dumps(mapping))
    (tmp_path / "map.yaml").write_text("Wake: W\nLight: N2\nDeep: N3\nParadoxical: REM\nArt: ignore\n")
    inline = "wake=W, light=N2, deep=N3, paradoxical=REM, art=ignore"
    want = {"W": 17, "N1": 0, "N2": 30, "N3": 11, "REM": 9}
    for spec in (tmp_path / "map.json", tmp_path / "map.yaml", inline):
        ds = convert_edf(edf, hypnogram="{stem}.txt", channels=["EEG C4-M1"], label_map=spec, label_seconds=5, options=ConversionOptions(cache_dir=cache_dir, progress=False))  # fmt: skip
        assert counts(ds) == want
    # one 5-s code out of step: an epoch with two stages
    lines = (tmp_path / "lab.txt").read_text().splitlines()
    (tmp_path / "lab.txt").write_text("\n".join(["Wake", *lines[:-1]]))
    with pytest.raises(RecordingError, match="not aligned to the 30-s epoch grid"):
        convert_edf(edf, hypnogram="{stem}.txt", channels=["EEG C4-M1"], label_map=inline, label_seconds=5, options=ConversionOptions(progress=False))  # fmt: skip


def test_parse_label_map() -> None:
    assert parse_label_map("numeric")["4"] == "N3" and parse_label_map(None)["Sleep stage N3"] == "N3"
    mapped = parse_label_map({"a": "r", "b": None})
    assert mapped["a"] == "REM" and mapped["b"] is None and mapped == {**parse_label_map("auto"), **mapped}
    with pytest.raises(ValueError, match="label map sends 'x' to 'N4'"):
        parse_label_map("x=N4")
    with pytest.raises(ValueError, match="is not 'text=STAGE'"):
        parse_label_map("aasmm")


def test_label_map_extends_the_vocabulary() -> None:
    extended = parse_label_map("U=ignore")
    assert extended["U"] is None and {extended[t] for t in ("W", "N1", "N2", "N3", "REM")} == set(AASM_LABELS)
    assert parse_label_map("rk,U=ignore") == {**parse_label_map("rk"), "U": None}  # a named vocabulary extended
    # a user entry overrides the built-in one for the same text, matched ignoring case and spaces
    renumbered = parse_label_map("4=REM, sleep  stage w=ignore")
    assert renumbered["4"] == "REM" and renumbered["sleep  stage w"] is None and "Sleep stage W" not in renumbered
    assert parse_label_map("U=W,u=w") == {**parse_label_map(None), "U": "W"}  # the same stage twice: one entry
    for conflicting in ("U=W,u=ignore", {"Art": "N1", "ART": "N2"}):
        with pytest.raises(ValueError, match="label map gives '(U|Art)' two stages, (W and ignore|N1 and N2)"):
            parse_label_map(conflicting)
    with pytest.raises(ValueError, match="or, once, a vocabulary to extend"):
        parse_label_map("rk,aasm,U=ignore")


def test_cli_label_map_extends_builtin_stages(tmp_path: Path) -> None:
    """``--label-map U=ignore`` on a hypnogram of AASM texts and a lab's ``U``: both are known."""
    edf, hyp = write_scored_night(tmp_path, hypnogram=NIGHT, name="n1", hypnogram_format="csv", sfreq=100.0)
    hyp.write_text(hyp.read_text().replace(",?", ",U"))  # the lab writes U for unscored
    parser = argparse.ArgumentParser(prog="hf-sleep")
    add_subparsers(parser.add_subparsers(dest="command", required=True))
    argv = ["convert", "edf", str(edf), "--out", str(tmp_path / "ds"), "--hypnogram", "{stem}.csv",
            "--channels", "EEG C4-M1", "--label-map", "U=ignore"]  # fmt: skip
    args = parser.parse_args(argv)
    assert args.handler(args) == 0
    from datasets import load_from_disk

    assert counts(load_from_disk(str(tmp_path / "ds"))) == EXPECTED


@pytest.fixture()
def csv_night(tmp_path: Path) -> tuple[Path, Path]:
    return write_scored_night(tmp_path, hypnogram=NIGHT, name="n1", hypnogram_format="csv", sfreq=100.0)


def _rewrite(path: Path, rows: list[tuple[float, float, str]]) -> None:
    path.write_text("onset,duration,stage\n" + "".join(f"{o},{d},{s}\n" for o, d, s in rows))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(0, 360, "W"), (375, 120, "N1"), (495, 1500, "N2")], "annotation 'N1' at 375.0 s .* not aligned"),
        ([(0, 360, "W"), (360, 120, "Dozing"), (480, 1500, "N2")], r"unknown annotation label\(s\) \['Dozing'\]"),
        ([(20.0 * i, 20, "N2") for i in range(96)], "stages are scored in 20-s epochs, not 30-s ones"),
        ([(0, 360, "W"), (360, 9000, "N2")], "does not belong to n1.edf: it scores stages up to 9360 s"),
        ([(0, 300, "W"), (300, 300, "N2")], "does not belong to n1.edf: it covers 600 s of a 2100-s PSG"),
    ],
)
def test_bad_csv_hypnograms(csv_night: tuple[Path, Path], rows, message: str) -> None:
    edf, hyp = csv_night
    _rewrite(hyp, rows)
    with pytest.raises(RecordingError, match=message) as info:
        convert_edf(edf, hypnogram="{stem}.csv", channels=["EEG C4-M1"], options=ConversionOptions(progress=False))
    assert str(info.value).startswith(str(hyp)) and "\n" not in str(info.value)


def test_hypnogram_of_another_recording(tmp_path: Path) -> None:
    edf, hyp = write_scored_night(tmp_path, hypnogram=NIGHT, name="n2", hypnogram_format="edf+", sfreq=100.0)
    write_annotations_edf(hyp, [(0.0, 2100.0, "Sleep stage 2")], start=dt.datetime(2021, 3, 5, 23, 0))
    with pytest.raises(
        RecordingError, match=r"does not belong to n2.edf: annotations start 2021-03-05 23:00:00"
    ):
        convert_edf(edf, hypnogram="{stem}-Hypnogram.edf", channels=["EEG C4-M1"], options=ConversionOptions(progress=False))
    (tmp_path / "n2.txt").write_text("\n".join(["2"] * 400))  # 400 epochs for a 70-epoch PSG
    with pytest.raises(
        RecordingError, match="scores stages up to 12000 s .*another recording, or scored in epochs"
    ):
        convert_edf(edf, hypnogram="{stem}.txt", channels=["EEG C4-M1"], options=ConversionOptions(progress=False))


def test_missing_hypnograms(tmp_path: Path) -> None:
    edf, hyp = write_scored_night(tmp_path, hypnogram=NIGHT, name="n3", hypnogram_format="csv", sfreq=100.0)
    with pytest.raises(
        RecordingError, match="n3.edf: has no EDF\\+ annotations; give the hypnogram file pattern"
    ):
        convert_edf(tmp_path, channels=["EEG C4-M1"], options=ConversionOptions(progress=False))
    with pytest.raises(RecordingError, match="no hypnogram found: nothing matches"):
        convert_edf(tmp_path, hypnogram="{stem}.tsv", channels=["EEG C4-M1"], options=ConversionOptions(progress=False))
    with pytest.raises(RecordingError, match=r"channel\(s\) 'EEG Fpz-Cz' not found; available: EEG C4-M1"):
        convert_edf(tmp_path, hypnogram="{stem}.csv", channels=["EEG Fpz-Cz"], options=ConversionOptions(progress=False))


def test_cli_generate_then_convert_bids(tmp_path: Path, capsys) -> None:
    parser = argparse.ArgumentParser(prog="hf-sleep")
    add_subparsers(parser.add_subparsers(dest="command", required=True))

    def run(argv: list[str]) -> int:
        args = parser.parse_args(argv)
        return args.handler(args)

    raw, out = tmp_path / "bids", tmp_path / "ds"
    gen = [
        "generate",
        "edf",
        "--out",
        str(raw),
        "--format",
        "bids",
        "--vocabulary",
        "sleep-stage",
        "--hours",
        "0.4",
    ]
    assert run([*gen, "--n-nights", "2"]) == 0
    argv = ["convert", "edf", str(raw), "--out", str(out), "--hypnogram", "{base}_events.tsv", "--channels",
            "EEG C4-M1", "EOG E1-M2", "--label-map", "sleep-stage"]  # fmt: skip
    assert run(argv) == 0
    from datasets import load_from_disk

    ds = load_from_disk(str(out))
    assert ds.features["input_values"].shape == (2, 3000) and set(ds["subject"]) == {"01", "02"}
    assert "wrote" in capsys.readouterr().out
