"""The one EDF+ writer (`data.edf.write_edf`): its files read back alike with MNE, edfio and our readers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import mne
import numpy as np
import pytest
from edfio import read_edf

from hf_sleep.data.edf import (
    read_annotations,
    read_edf_header,
    read_edf_signals,
    write_annotations_edf,
    write_edf,
)
from hf_sleep.data.synthetic import write_sleep_edf_night

START = dt.datetime(2021, 3, 5, 23, 4, 5)
ANNOTATIONS = [
    (90.0, 30.0, "Sleep stage 2"), (0.0, 30.0, "Sleep stage W"), (30.0, 0.0, "Lights off"),
    (30.0, 60.0, "Sleep stage 1"), (12.5, 0.0, "Arousal"), (95.25, 1.5, "Spindle \u00e9t\u00e9"),
]  # fmt: skip


def _sorted(annotations):
    return sorted(annotations, key=lambda a: (a[0], a[1]))


def _mne_annotations(path: Path) -> list[tuple[float, float, str]]:
    annotations = mne.read_annotations(path)
    return list(zip(annotations.onset, annotations.duration, annotations.description, strict=True))


def _signals(rng: np.random.Generator, n_seconds: int):
    return [
        ("EEG Fpz-Cz", rng.normal(0, 40, 100 * n_seconds).astype(np.float32), 100.0, "uV"),
        ("EMG submental", rng.normal(0, 5, 256 * n_seconds) ** 2, 256.0, "uV"),
        ("Temp rectal", 36.5 + rng.random(n_seconds), 1.0, "DegC"),
        ("Marker", np.zeros(10 * n_seconds), 10.0, ""),  # flat: the range is widened, the values stay exact
    ]


def test_signals_and_annotations_round_trip(tmp_path: Path) -> None:
    signals = _signals(np.random.default_rng(0), 120)
    path = write_edf(
        tmp_path / "psg.edf", signals, annotations=ANNOTATIONS, start=START, patient="P01 F X Jane_Doe",
        equipment="hf_sleep-test", additional=("generated",), record_duration=30.0,
    )  # fmt: skip
    header = read_edf_header(path)
    assert header.start == START and header.channels == tuple(s[0] for s in signals)
    assert header.recording_id.split()[-2:] == ["hf_sleep-test", "generated"]
    edf = read_edf(path)
    for (label, data, rate, unit), signal in zip(signals, edf.signals, strict=True):
        index = header.labels.index(label)
        step = (header.physical_max[index] - header.physical_min[index]) / 65535  # one digital step
        volts = 1e-6 if unit == "uV" else 1.0
        ours = read_edf_signals(header, [label])[0] / volts
        alone = mne.io.read_raw_edf(path, include=[label], verbose="error")  # one channel: its own rate
        mne_values = alone.get_data()[0] / volts
        assert signal.sampling_frequency == rate and signal.physical_dimension == unit
        for got in (ours, mne_values, signal.data):
            np.testing.assert_allclose(got, data, rtol=0, atol=step / 2 * 1.0001)
    want = _sorted(ANNOTATIONS)
    _, onset, duration, text = read_annotations(path)
    assert [(float(o), float(d), str(t)) for o, d, t in zip(onset, duration, text, strict=True)] == want
    assert [(a.onset, a.duration, a.text) for a in edf.annotations] == want
    assert _mne_annotations(path) == want


@pytest.mark.parametrize("start", [START, START.replace(microsecond=250000, tzinfo=dt.timezone.utc), None])
def test_annotation_only_file_round_trip(tmp_path: Path, start) -> None:
    path = write_annotations_edf(tmp_path / "hyp.edf", ANNOTATIONS, start=start, patient="X M X Male_50yr")
    header = read_edf_header(path)
    assert header.labels == ("EDF Annotations",) and header.n_records == 1 and header.record_duration == 0
    assert header.start == (dt.datetime(1985, 1, 1) if start is None else START)  # seconds and zone dropped
    want = _sorted(ANNOTATIONS)
    _, onset, duration, text = read_annotations(path)
    assert list(zip(onset.tolist(), duration.tolist(), text.tolist(), strict=True)) == want
    assert [(a.onset, a.duration, a.text) for a in read_edf(path).annotations] == want
    assert _mne_annotations(path) == want


def test_generated_night_reads_with_mne(tmp_path: Path) -> None:
    stages = ["W"] * 4 + ["N2"] * 6 + ["REM"] * 2
    psg, hypnogram = write_sleep_edf_night(tmp_path, hypnogram=stages, subject=1, night=1)
    raw = mne.io.read_raw_edf(psg, include=["EEG Fpz-Cz", "EMG submental"], preload=True, verbose="error")
    assert raw.n_times == 12 * 30 * 100 and 1e-6 < raw.get_data()[0].std() < 1e-3  # volts, EEG-sized
    annotations = mne.read_annotations(hypnogram)
    assert list(annotations.description[:3]) == ["Sleep stage W", "Sleep stage 2", "Sleep stage R"]
    assert list(annotations.onset[:3]) == [0.0, 120.0, 300.0]
