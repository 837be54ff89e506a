"""Sleep-EDF conversion options: channels, resampling, filtering, trimming, unknown labels, outputs."""

from __future__ import annotations

from pathlib import Path

import mne
import numpy as np
import pytest

from hf_sleep.data import (
    AASM_LABELS,
    IGNORE_INDEX,
    SLEEP_EDF_OPTIONS,
    SLEEP_EDF_SUBSETS,
    combine_datasets,
    convert_sleep_edf,
    find_sleep_edf_pairs,
)

AASM = {"W": 0, "N1": 1, "N2": 2, "N3": 3, "REM": 4}


def test_pairing_and_ids(small_sleep_edf: Path) -> None:
    pairs = find_sleep_edf_pairs(small_sleep_edf)
    assert [(p.study, p.subject, p.night, p.recording, p.subject_id) for p in pairs] == [
        ("SC", 0, 1, "SC4001E0", "SC00"),
        ("SC", 1, 1, "SC4011E0", "SC01"),
        ("ST", 2, 1, "ST7021J0", "ST02"),
    ]
    assert pairs[0].hypnogram.name == "SC4001EC-Hypnogram.edf"


def test_named_subsets() -> None:
    assert SLEEP_EDF_SUBSETS["sleep-edf-20"] == frozenset(range(20))
    edf78 = SLEEP_EDF_SUBSETS["sleep-edf-78"]
    assert len(edf78) == 78 and not edf78 & {39, 68, 69, 78, 79} and max(edf78) == 82


def test_default_conversion_drops_unknown_and_trims(
    small_sleep_edf: Path, cache_dir: Path, short_night: list
) -> None:
    ds = convert_sleep_edf(small_sleep_edf, options=SLEEP_EDF_OPTIONS.replace(cache_dir=cache_dir, progress=False))
    first = ds.filter(lambda r: r == "SC4001E0", input_columns="recording")
    stages = np.array(short_night, dtype=object)
    sleep = np.flatnonzero(np.isin(stages, ["N1", "N2", "N3", "REM"]))
    span = np.arange(max(0, sleep[0] - 60), sleep[-1] + 61)
    span = span[np.isin(stages[span], list(AASM))]
    assert first["epoch_index"] == span.tolist()
    assert first["labels"] == [AASM[s] for s in stages[span]]
    assert set(first["source_label"]) <= {f"Sleep stage {s}" for s in "W1234R"}
    assert first["onset_s"] == (span * 30.0).tolist()
    assert set(ds["subject"]) == {"SC00", "SC01", "ST02"}
    assert ds.features["labels"].names == list(AASM_LABELS)
    assert "30 min" in ds.info.description and ds.info.description.startswith("SYNTHETIC DATA")  # generated files
    assert ds.info.dataset_name == "sleep-edf (synthetic)" and ds.info.license == "other"


def test_keep_unknown_and_no_trimming(small_sleep_edf: Path, cache_dir: Path, short_night: list) -> None:
    ds = convert_sleep_edf(
        small_sleep_edf,
        studies=("SC",), options=SLEEP_EDF_OPTIONS.replace(keep_unknown=True, trim_wake_minutes=None, cache_dir=cache_dir, progress=False),
    )
    first = ds.filter(lambda r: r == "SC4001E0", input_columns="recording")
    want = [AASM.get(s, IGNORE_INDEX) for s in short_night]
    assert first["labels"] == want and first["epoch_index"] == list(range(len(short_night)))
    assert ds.features["labels"].dtype == "int64"
    assert first["source_label"][short_night.index("MT")] == "Movement time"


def test_channels_resampling_units(small_sleep_edf: Path, cache_dir: Path) -> None:
    chans = ("EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal", "EMG submental")
    ds = convert_sleep_edf(
        small_sleep_edf, channels=chans, subjects=[0], studies=("SC",), options=SLEEP_EDF_OPTIONS.replace(cache_dir=cache_dir, progress=False)
    )
    x = ds.with_format("numpy")[:]["input_values"]
    assert x.shape[1:] == (4, 3000) and x.dtype == np.float32
    # µV, compared with MNE's own reading of the file
    raw = mne.io.read_raw_edf(small_sleep_edf / "SC4001E0-PSG.edf", include=["EEG Fpz-Cz"], verbose="error")
    k = ds[0]["epoch_index"]
    np.testing.assert_allclose(
        x[0, 0], raw.get_data(units="uV")[0, k * 3000 : (k + 1) * 3000], rtol=1e-4, atol=1e-3
    )
    assert 1.0 < np.std(x[:, 0]) < 500.0
    # EMG submental is 1 Hz in SC files, resampled to 100 Hz, and still lowest in REM
    labels = np.asarray(ds["labels"])
    emg = np.abs(x[:, 3]).mean(axis=1)
    assert emg[labels == AASM["REM"]].mean() < emg[labels == AASM["W"]].mean()
    half = convert_sleep_edf(
        small_sleep_edf, subjects=[0], studies=("SC",), options=SLEEP_EDF_OPTIONS.replace(sfreq=50.0, cache_dir=cache_dir, progress=False)
    )
    assert half.features["input_values"].shape == (1, 1500)


def test_band_pass(small_sleep_edf: Path, cache_dir: Path) -> None:
    from scipy.signal import welch

    options = SLEEP_EDF_OPTIONS.replace(cache_dir=cache_dir, progress=False)
    raw = convert_sleep_edf(small_sleep_edf, subjects=[0], studies=("SC",), options=options)
    filt = convert_sleep_edf(small_sleep_edf, subjects=[0], studies=("SC",), options=options.replace(l_freq=0.3, h_freq=20.0))
    raw, filt = (ds.with_format("numpy")[:]["input_values"][:, 0] for ds in (raw, filt))
    f, p_raw = welch(raw, fs=100, nperseg=512)
    _, p_filt = welch(filt, fs=100, nperseg=512)
    high = f > 30
    assert p_filt[:, high].mean() < 0.05 * p_raw[:, high].mean()
    band = (f > 2) & (f < 15)
    assert 0.7 < p_filt[:, band].mean() / p_raw[:, band].mean() < 1.3


def test_parallel_equals_serial_and_shards_combine(
    small_sleep_edf: Path, cache_dir: Path, tmp_path: Path
) -> None:
    serial = convert_sleep_edf(small_sleep_edf, options=SLEEP_EDF_OPTIONS.replace(cache_dir=cache_dir, progress=False))
    parallel = convert_sleep_edf(small_sleep_edf, options=SLEEP_EDF_OPTIONS.replace(num_proc=2, cache_dir=cache_dir, progress=False))
    assert serial["recording"] == parallel["recording"] and serial["labels"] == parallel["labels"]
    np.testing.assert_array_equal(
        serial.with_format("numpy")[:]["input_values"], parallel.with_format("numpy")[:]["input_values"]
    )
    parts = [
        convert_sleep_edf(
            small_sleep_edf, options=SLEEP_EDF_OPTIONS.replace(shard_index=i, num_shards=2, output_dir=tmp_path / f"part{i}", progress=False)
        )
        for i in range(2)
    ]
    assert set(parts[0]["recording"]).isdisjoint(parts[1]["recording"])
    combined = combine_datasets([tmp_path / "part0", tmp_path / "part1"])
    assert sorted(combined["recording"]) == sorted(serial["recording"]) and len(combined) == len(serial)
    with pytest.raises(ValueError, match="is in part 0 and in part 1"):
        combine_datasets([parts[0], parts[0]])


def test_output_dir_atomic_and_overwrite(small_sleep_edf: Path, tmp_path: Path) -> None:
    out = tmp_path / "sleep-edf"
    ds = convert_sleep_edf(small_sleep_edf, subjects=[0], options=SLEEP_EDF_OPTIONS.replace(output_dir=out, progress=False))
    assert (out / "dataset_info.json").exists() and len(ds) > 0
    with pytest.raises(FileExistsError):
        convert_sleep_edf(small_sleep_edf, options=SLEEP_EDF_OPTIONS.replace(output_dir=out, progress=False))
    again = convert_sleep_edf(small_sleep_edf, options=SLEEP_EDF_OPTIONS.replace(output_dir=out, overwrite=True, progress=False))
    assert len(again) > len(ds)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sleep-edf"]  # no temporary folder left
