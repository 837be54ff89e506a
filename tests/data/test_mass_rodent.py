"""MASS and rodent conversion."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import mne
import numpy as np
import pytest

from hf_sleep.data import (
    RODENT_LABELS,
    RODENT_OPTIONS,
    ConversionOptions,
    RecordingError,
    RodentArrays,
    convert_mass,
    convert_rodent,
    slumbernet_preprocess,
    write_mass_night,
    write_rodent_recording,
)
from hf_sleep.data.edf import read_annotations

HYPNO = ["W"] * 6 + ["N1", "N2", "N2", "N3", "S4", "N3", "N2", "REM", "REM", "?", "N2"] + ["W"] * 3


@pytest.fixture(scope="module")
def mass_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mass")
    write_mass_night(out, hypnogram=HYPNO, subset=2, subject=1, seed=0, reference="LER")  # R&K, 20 s
    write_mass_night(out, hypnogram=HYPNO, subset=3, subject=2, seed=1, reference="CLE")  # AASM, 30 s
    return out


def test_mass_windows_are_centred_30s(mass_dir: Path, cache_dir: Path) -> None:
    ds = convert_mass(mass_dir, options=ConversionOptions(sfreq=None, cache_dir=cache_dir, progress=False))  # native 256 Hz
    assert ds.features["input_values"].shape == (1, 30 * 256)
    ss2 = ds.filter(lambda r: r == "01-02-0001", input_columns="recording").with_format("numpy")[:]
    _, onset, duration, text = read_annotations(mass_dir / "01-02-0001 Base.edf")
    raw = mne.io.read_raw_edf(mass_dir / "01-02-0001 PSG.edf", include=["EEG C4-LER"], verbose="error")
    signal = raw.get_data(units="uV")[0]
    for row in range(len(ss2["labels"])):
        k = ss2["epoch_index"][row]
        assert duration[k] == 20 and ss2["onset_s"][row] == pytest.approx(onset[k])
        start = int(round((onset[k] + 10 - 15) * 256))  # 5 s of context each side
        np.testing.assert_allclose(
            ss2["input_values"][row, 0], signal[start : start + 7680], rtol=1e-4, atol=1e-3
        )
    # R&K 3 and 4 both N3; '?' dropped (scoring starts >= 5 s in, so every window fits)
    want = [{"W": 0, "N1": 1, "N2": 2, "N3": 3, "S4": 3, "REM": 4}[s] for s in HYPNO if s != "?"]
    assert list(ss2["labels"]) == want
    assert "Sleep stage 4" in set(ss2["source_label"])


def test_mass_resampled_and_filtered(mass_dir: Path, cache_dir: Path) -> None:
    ds = convert_mass(mass_dir, channels=("EEG C4-CLE|EEG C4-LER", "EMG Chin1"), options=ConversionOptions(l_freq=0.3, h_freq=35.0, cache_dir=cache_dir, progress=False))  # fmt: skip
    assert ds.features["input_values"].shape == (2, 3000)
    assert set(ds["subject"]) == {"01-02-0001", "01-03-0002"}
    with pytest.raises(RecordingError, match="'EEG C4-A2' not found; available: EEG F3-LER"):
        convert_mass(mass_dir, channels=("EEG C4-A2",), subsets=[2], options=ConversionOptions(progress=False, cache_dir=cache_dir))


def expected_rodent_counts(path: Path) -> Counter:
    with open(path) as f:
        rows = list(csv.reader(f))[1:]
    names = {"Wake": "Wake", "Non REM": "NREM", "REM": "REM"}
    return Counter(names[r[4].strip()] for r in rows if r[4].strip() in names)


def test_rodent_real_scores(tmp_path: Path, shared_data: Path, cache_dir: Path) -> None:
    scores = shared_data / "rodent" / "345scores_LJ.txt"  # has Unscored and artefact epochs
    write_rodent_recording(tmp_path, scores=scores, animal="345", scorer="LJ", seed=0, sfreq=64.0)
    ds = convert_rodent(tmp_path, options=RODENT_OPTIONS.replace(cache_dir=cache_dir, progress=False))
    assert ds.features["input_values"].shape == (2, 640) and ds.features["labels"].names == list(
        RODENT_LABELS
    )
    labels = np.asarray(ds["labels"])
    got = Counter({RODENT_LABELS[i]: int((labels == i).sum()) for i in range(3)})
    assert got == expected_rodent_counts(scores)
    assert set(ds["recording"]) == {"345_LJ"}
    keep = convert_rodent(tmp_path, keep_artifacts=True, options=RODENT_OPTIONS.replace(cache_dir=cache_dir, progress=False))
    assert len(keep) > len(ds)


def test_rodent_slumbernet_and_arrays(tmp_path: Path, cache_dir: Path) -> None:
    write_rodent_recording(tmp_path, animal="m1", epoch_seconds=4.0, n_hours=0.25, seed=3)
    ds = convert_rodent(tmp_path, preprocessing="slumbernet", options=RODENT_OPTIONS.replace(cache_dir=cache_dir, progress=False))
    assert ds.features["input_values"].shape == (2, 256)  # SlumberNet: 4 s at 64 Hz
    x = ds.with_format("numpy")[:]["input_values"]
    assert np.abs(x.mean(axis=-1)).max() < 1.0  # polynomial baseline removed per epoch
    raw = np.random.default_rng(0).normal(size=(10, 2, 1024))
    out, rate = slumbernet_preprocess(raw, 256.0)
    assert out.shape == (10, 2, 256) and rate == 64.0
    signals = np.random.default_rng(1).normal(0, 30, (2, 20 * 1024)).astype(np.float32)
    rec = RodentArrays(signals, 256.0, ["W", "N", "R", "N"] * 5, animal="a1")
    arr = convert_rodent([rec], options=RODENT_OPTIONS.replace(cache_dir=cache_dir, progress=False))
    assert len(arr) == 20 and list(arr["labels"][:4]) == [0, 1, 2, 1]
    np.testing.assert_allclose(arr.with_format("numpy")[:]["input_values"][1], signals[:, 1024:2048])


def test_rodent_mismatched_scores(tmp_path: Path) -> None:
    edf, _ = write_rodent_recording(tmp_path, scores=["Wake"] * 10, animal="m2", epoch_seconds=10)
    (tmp_path / "m2scores_XX.txt").write_text("\n".join(["Wake"] * 100))
    with pytest.raises(RecordingError, match="m2scores_XX.txt: does not belong to m2.edf: 100 scored epochs"):
        convert_rodent(tmp_path, epoch_seconds=10.0, options=RODENT_OPTIONS.replace(progress=False))
    (tmp_path / "m2scores_XX.txt").write_text("\n".join(["Wake", "Dozing"] * 5))
    with pytest.raises(RecordingError, match=r"unknown score label\(s\) \['Dozing'\]"):
        convert_rodent(tmp_path, epoch_seconds=10.0, options=RODENT_OPTIONS.replace(progress=False))
