"""Property-based EDF structure (hypothesis): EDF+D record onsets and the header's start date and time.

Each generated file is either read with results that agree with it (every sample at its record's onset, NaN in
the gaps; the start MNE reads) or refused in one line naming the file; staging and conversion of a few of them
through the CLI either succeed with outputs on the file's time line or fail in one line, writing nothing.
Remote file lists are covered in ``tests/data/test_download_paths.py``. Few examples, derandomized.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
import warnings
from pathlib import Path

import mne
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hf_sleep.data import RecordingError
from hf_sleep.data.edf import gap_epochs, read_edf_header, read_edf_signals, write_edf

from . import test_bad_input_properties as bad_input
from .edf_files import set_header_field, write_discontinuous
from .test_bad_input_properties import assert_one_line_naming, run_cli

base = bad_input.base  # the fixture: a valid Sleep-EDF pair and a tiny saved model

SETTINGS = dict(derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Gaps between runs of records: whole epochs, an hour, parts of a second, a sample's fraction, none, overlaps.
GAPS = st.sampled_from([0.0, 1.0, 30.0, 45.5, 3600.0, 0.25, 0.005, 7.0, -0.5, -1.0])
RUNS = st.lists(st.tuples(st.integers(1, 40), GAPS), min_size=1, max_size=4)


def record_onsets(runs) -> list[float]:
    onsets, at = [], 0.0
    for index, (length, gap) in enumerate(runs):
        at += gap if index else 0.0
        onsets += [at + k for k in range(length)]
        at += length
    return onsets


@settings(max_examples=40, **SETTINGS)
@given(runs=RUNS, seed=st.integers(0, 2**16))
def test_record_onsets_place_every_sample(runs, seed) -> None:
    onsets = record_onsets(runs)
    signal = np.random.default_rng(seed).normal(0, 30, 100 * len(onsets))
    with tempfile.TemporaryDirectory() as tmp:
        path = write_discontinuous(Path(tmp) / "night.edf", [("EEG Fpz-Cz", signal, 100.0, "uV")], onsets)
        try:
            header = read_edf_header(path)
            values = read_edf_signals(header, ["EEG Fpz-Cz"])[0] * 1e6
        except RecordingError as error:
            assert "\n" not in str(error) and "night.edf" in str(error)
            overlapping = any(b < a + 1 - 1e-9 for a, b in zip(onsets, onsets[1:], strict=False))
            off_grid = any(abs(o * 100 - round(o * 100)) > 1e-6 for o in onsets)
            assert overlapping or off_grid, error
            return
    assert header.duration == pytest.approx(onsets[-1] + 1.0)
    expected = np.full(int(round(header.duration * 100)), np.nan)
    for k, onset in enumerate(onsets):
        expected[round(onset * 100) : round(onset * 100) + 100] = signal[100 * k : 100 * (k + 1)]
    assert np.array_equal(np.isnan(values), np.isnan(expected))
    np.testing.assert_allclose(values[~np.isnan(values)], expected[~np.isnan(expected)], atol=0.1)


@settings(max_examples=4, **SETTINGS)
@given(runs=st.lists(st.tuples(st.integers(60, 150), st.sampled_from([0.0, 30.0, 45.5, 600.0, 0.5])),
                     min_size=2, max_size=3))  # fmt: skip
def test_stage_and_convert_edf_plus_d(base, runs) -> None:
    onsets = record_onsets(runs)
    span = onsets[-1] + 1.0
    n_epochs = int(span // 30)
    stages = ["W", "N2", "N3", "REM", "N1"]
    annotations = [(k * 30.0, 30.0, f"Sleep stage {stages[k % 5]}") for k in range(n_epochs)]
    signal = np.random.default_rng(0).normal(0, 30, 100 * len(onsets))
    gaps = [(a + 1.0, b) for a, b in zip(onsets, onsets[1:], strict=False) if b > a + 1.0 + 1e-9]
    in_gaps = gap_epochs(gaps, 30.0, n_epochs)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        path = write_discontinuous(folder / "night.edf", [("EEG Fpz-Cz", signal, 100.0, "uV")], onsets,
                                   annotations=annotations)  # fmt: skip
        out = Path(tmp) / "staged"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code, lines = run_cli("stage", path, "--model", base["model"], "--out-dir", out, "--quiet")
        if code == 0:
            with open(out / "night_hypnogram.csv", newline="") as handle:
                rows = list(csv.DictReader(handle))
            assert [float(row["onset"]) for row in rows] == [30.0 * k for k in range(n_epochs)]
            assert [row["stage"] == "?" for row in rows] == in_gaps.tolist()
        else:
            assert in_gaps.all()  # only a night without one whole recorded epoch is refused
            assert_one_line_naming(code, lines, path.name)
        converted = Path(tmp) / "dataset"
        code, lines = run_cli("convert", "edf", folder, "--channels", "EEG Fpz-Cz", "--out", converted)
        if code == 0:
            from datasets import load_from_disk

            ds = load_from_disk(str(converted)).with_format("numpy")[:]
            assert not in_gaps[ds["epoch_index"]].any()
            assert ds["onset_s"].tolist() == (ds["epoch_index"] * 30.0).tolist()
            assert [stages[k % 5] for k in ds["epoch_index"]] == [
                ["W", "N1", "N2", "N3", "REM"][label] for label in ds["labels"]
            ]
        else:
            assert_one_line_naming(code, lines, path.name)
            assert not converted.exists()


DATES = st.one_of(
    st.sampled_from([b"04.03.21", b"4.3.2021", b"04.03.2021", b"31.02.21", b"00.00.00", b"04-03-21", b"04.03.85",
                     b"04.03.84", b"yy.mm.dd", b"", b"1.1.1", b"04.13.21", b"04.03.2099", b"04.03.1900"]),
    st.binary(max_size=8),
)  # fmt: skip
TIMES = st.one_of(
    st.sampled_from([b"22.00.00", b"22:00:00", b"24.00.00", b"23.59.60", b"1.2.3", b"", b"hh.mm.ss", b"22.00"]),
    st.binary(max_size=8),
)  # fmt: skip
RECORDING_FIELDS = st.sampled_from([b"Startdate 04-MAR-2021 X X X", b"Startdate X X X X", b"X",
                                    b"Startdate 31-FEB-2021 X X X", b"Startdate 04-mar-2021 X", b""])  # fmt: skip


@settings(max_examples=60, **SETTINGS)
@given(date=DATES, time=TIMES, recording=RECORDING_FIELDS)
def test_start_date_and_time_fields(date, time, recording) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_edf(Path(tmp) / "night.edf", [("EEG Fpz-Cz", np.arange(3000.0), 100.0, "uV")],
                         start=dt.datetime(2021, 3, 4, 22))  # fmt: skip
        set_header_field(path, 168, 8, date)
        set_header_field(path, 176, 8, time)
        set_header_field(path, 88, 80, recording)
        try:
            start = read_edf_header(path).start
        except RecordingError as error:
            assert "\n" not in str(error) and "night.edf" in str(error)
            assert "start date" in str(error) or "start time" in str(error), error
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mne_date = mne.io.read_raw_edf(path, verbose="error").info["meas_date"]
        fields = recording.split()
        # MNE reads a Startdate subfield only when the recording field has exactly five subfields (EDF+ allows
        # more, and fewer are malformed); the reader here takes any well-formed one.
        startdate_differs = len(fields) != 5 and fields[:1] == [b"Startdate"] and fields[1] != b"X"
        if mne_date is not None and 1985 <= mne_date.year <= 2084 and not startdate_differs:
            assert start.date() == mne_date.date()
            if re.fullmatch(rb" *\d+\.\d+\.\d+ *", time):  # MNE reads other times (22:00:00) as midnight
                assert start == mne_date.replace(tzinfo=None)
        # whatever the start, a staged night's EDF hypnogram can be written with it
        write_edf(Path(tmp) / "hypnogram.edf", annotations=[(0.0, 30.0, "Sleep stage W")], start=start)
