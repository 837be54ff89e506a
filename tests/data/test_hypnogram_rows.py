"""Hypnogram rows and patterns that used to be dropped, shifted or crash (issue 25, items 5, 7, 8 and the CSV one).

Every case goes through `hf-sleep convert edf` in this process: it converts with the labels the rows say, or it
fails with one line naming the hypnogram (and the row) and writes nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from hf_sleep.cli import main
from hf_sleep.data import IGNORE_INDEX, RecordingError
from hf_sleep.data.preprocess import epoch_labels
from hf_sleep.data.synthetic import write_scored_night

NIGHT = ["W"] * 4 + ["N1"] * 2 + ["N2"] * 8 + ["N3"] * 4 + ["REM"] * 4 + ["W"] * 2  # 24 epochs, 12 min
RUNS = "onset,duration,stage\n0,120,W\n120,60,N1\n180,240,N2\n420,120,N3\n540,120,REM\n660,60,W\n"


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("night")
    edf, _ = write_scored_night(folder, hypnogram=NIGHT, channels=("EEG C4-M1",), sfreq=100.0)
    return edf


def convert(capsys, tmp_path: Path, night: Path, table: str | bytes, pattern: str = "{stem}.csv", *extra):
    """Converts `night` with `table` as its hypnogram: `(exit status, error lines, labels or None)`."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    shutil.copyfile(night, folder / night.name)
    hypnogram = folder / f"{night.stem}.csv"
    hypnogram.write_bytes(table.encode() if isinstance(table, str) else table)
    out = tmp_path / "out"
    code = main(["convert", "edf", str(folder), "--hypnogram", pattern, "--channels", "EEG C4-M1",
                 "--out", str(out / "dataset"), *extra])  # fmt: skip
    pieces = [piece.split("/s]")[-1] for piece in capsys.readouterr().err.replace("\r", "\n").splitlines()]
    errors = [piece for piece in pieces if "error" in piece]
    if code != 0:
        assert not out.exists() or list(out.iterdir()) == []  # nothing half-written
        return code, errors, None
    from datasets import load_from_disk

    names = {IGNORE_INDEX: "?", **dict(enumerate(["W", "N1", "N2", "N3", "REM"]))}
    return code, errors, [names[i] for i in load_from_disk(str(out / "dataset"))["labels"]]


def test_the_clean_table_converts(tmp_path, capsys, night):
    code, errors, labels = convert(capsys, tmp_path, night, RUNS)
    assert code == 0 and errors == [] and labels == NIGHT


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("nan,60,N1", "row 3: onset and duration must be finite, got nan and 60 s"),
        ("120,nan,N1", "row 3: onset and duration must be finite, got 120 and nan s"),
        ("120,-60,N1", "row 3: duration -60 s is negative"),
        ("120,inf,N1", "row 3: onset and duration must be finite, got 120 and inf s"),
        ("120,sixty,N1", "row 3: onset and duration must be numbers of seconds"),
    ],
)
def test_a_row_with_a_nan_onset_or_a_negative_duration_is_refused_naming_the_row(
    tmp_path, capsys, night, row, message
):
    table = RUNS.replace("120,60,N1", row)
    code, errors, _ = convert(capsys, tmp_path, night, table)
    assert code == 2 and len(errors) == 1, errors
    assert f"{tmp_path / 'in' / 'night01.csv'}: {message}" in errors[0]


def test_overlapping_rows_are_refused_naming_both(tmp_path, capsys, night):
    table = RUNS.replace("180,240,N2", "150,270,N2")  # N2 from 150 s: the N1 epoch at 150 s has two stages
    code, errors, _ = convert(capsys, tmp_path, night, table)
    assert code == 2 and len(errors) == 1, errors
    assert "night01.csv: stages overlap: 'N1' at 120 s lasting 60 s and 'N2' at 150 s lasting 270 s" in errors[0]
    assert "epoch at 150 s" in errors[0]


def test_an_unscored_row_may_overlap_and_a_trailing_one_may_run_past_the_end(tmp_path, capsys, night):
    # Sleep-EDF's last 'Sleep stage ?' runs hours past the PSG; a '?' over scored epochs scores nothing.
    table = RUNS + "720,7200,?\n600,60,?\n"
    code, errors, labels = convert(capsys, tmp_path, night, table, "{stem}.csv", "--keep-unknown")
    assert code == 0 and errors == []
    assert labels == NIGHT[:20] + ["?", "?"] + NIGHT[22:]  # the later '?' unscores the REM epochs it covers


def test_an_absurd_duration_is_one_line_without_a_giant_allocation(tmp_path, capsys, night):
    code, errors, _ = convert(capsys, tmp_path, night, RUNS + "0,1e12,?\n")
    assert code == 2 and len(errors) == 1, errors
    assert "night01.csv: stage '?' at 0 s lasting 1e+12 s ends far past the end of the 720-s PSG" in errors[0]


def test_epoch_labels_expands_only_what_lies_inside_the_recording():
    ids, texts = epoch_labels(
        "h.csv", np.array([0.0, 60.0, -90.0]), np.array([3e12, 30.0, 120.0]),
        np.array(["?", "W", "N2"], dtype=object), n_epochs=4, epoch_seconds=30.0,
        label_ids={"?": IGNORE_INDEX, "W": 0, "N2": 2},
    )  # fmt: skip
    assert ids.tolist() == [2, IGNORE_INDEX, 0, IGNORE_INDEX] and texts.tolist() == ["N2", "?", "W", "?"]


def test_epoch_labels_refuses_overlapping_stages_and_negative_durations():
    label_ids = {"W": 0, "N2": 2}
    with pytest.raises(RecordingError, match=r"h.csv: stages overlap: 'W' at 0 s lasting 60 s and 'N2' at 30 s"):
        epoch_labels("h.csv", np.array([0.0, 30.0]), np.array([60.0, 30.0]), np.array(["W", "N2"], dtype=object),
                      n_epochs=4, epoch_seconds=30.0, label_ids=label_ids)  # fmt: skip
    with pytest.raises(RecordingError, match="durations not negative"):
        epoch_labels("h.csv", np.array([0.0]), np.array([-30.0]), np.array(["W"], dtype=object),
                     n_epochs=4, epoch_seconds=30.0, label_ids=label_ids)  # fmt: skip


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be"])
def test_semicolon_table_with_decimal_commas_is_read(tmp_path, capsys, night, encoding):
    table = RUNS.replace(",", ";").replace(";60;", ";60,0;").replace("0;120;W", "0,0;120,0;W")
    assert "0,0;120,0;W" in table
    data = table.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # a big-endian file with its byte-order mark
    code, errors, labels = convert(capsys, tmp_path, night, data)
    assert code == 0 and errors == [] and labels == NIGHT


def test_a_hypnogram_in_another_encoding_is_one_line(tmp_path, capsys, night):
    table = RUNS.replace("N2", "Réveil")
    code, errors, _ = convert(capsys, tmp_path, night, table.encode("latin-1"))
    assert code == 2 and len(errors) == 1, errors
    assert "night01.csv: is not UTF-8 text (byte 0xe9 at" in errors[0] and "save the hypnogram as UTF-8" in errors[0]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{foo}.csv", "--hypnogram '{foo}.csv': unknown field {foo}; a pattern may use {stem}, {base}, {name}"),
        ("{0}.csv", "--hypnogram '{0}.csv': unknown field {0}"),
        ("{}.csv", "--hypnogram '{}.csv': unknown field {}"),
        ("{stem.upper}.csv", "unknown field {stem.upper}"),
        ("{stem.csv", "--hypnogram '{stem.csv': expected '}' before end of string"),
        ("stem}.csv", "--hypnogram 'stem}.csv': Single '}' encountered"),
        ("{stem:>{base}}.csv", "--hypnogram '{stem:>{base}}.csv': "),
        ("{stem:d}.csv", "--hypnogram '{stem:d}.csv': Unknown format code 'd'"),
    ],
)
def test_hypnogram_patterns_with_unknown_fields_are_one_line(tmp_path, capsys, night, pattern, message):
    code, errors, _ = convert(capsys, tmp_path, night, RUNS, pattern)
    assert code == 2 and len(errors) == 1 and message in errors[0], errors


def test_absolute_hypnogram_pattern_is_supported(tmp_path, capsys, night):
    scores = tmp_path / "scores"
    scores.mkdir()
    (scores / f"{night.stem}.csv").write_text(RUNS)
    # The hypnogram beside the EDF is broken: the absolute pattern must be the one read.
    code, errors, labels = convert(capsys, tmp_path, night, "onset,duration,stage\n0,30,Bogus\n", f"{scores}/{{stem}}.csv")
    assert code == 0 and errors == [] and labels == NIGHT


def test_one_hypnogram_for_two_recordings_is_refused(tmp_path, capsys, night):
    scores = tmp_path / "scores"
    scores.mkdir()
    (scores / "all.csv").write_text(RUNS)
    shutil.copytree(night.parent, tmp_path / "in")
    shutil.copyfile(night, tmp_path / "in" / "night02.edf")
    code = main(["convert", "edf", str(tmp_path / "in"), "--hypnogram", str(scores / "all.csv"), "--channels",
                 "EEG C4-M1", "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and f"{scores / 'all.csv'}: is the hypnogram of both night01.edf and night02.edf" in err
    assert not (tmp_path / "out").exists()
