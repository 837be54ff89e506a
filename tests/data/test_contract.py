"""Converted datasets carry their signal contract (a SleepFeatureExtractor) as structured metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from datasets import load_from_disk

from hf_sleep import SleepFeatureExtractor
from hf_sleep.data import (
    RODENT_LABELS,
    RODENT_OPTIONS,
    SLEEP_EDF_OPTIONS,
    build_dataset_card,
    convert_rodent,
    convert_sleep_edf,
    save_dataset,
    subject_split,
    to_sequences,
    write_rodent_recording,
)


@pytest.fixture(scope="module")
def band_passed(small_sleep_edf: Path, cache_dir: Path):
    return convert_sleep_edf(
        small_sleep_edf, channels=["EEG Fpz-Cz"], options=SLEEP_EDF_OPTIONS.replace(l_freq=0.3, h_freq=35.0, keep_unknown=True, cache_dir=cache_dir, progress=False),
    )  # fmt: skip


def test_sleep_edf_contract_survives_disk_splits_and_sequences(band_passed, tmp_path: Path) -> None:
    contract = SleepFeatureExtractor.from_dataset(band_passed)
    assert contract.ch_names == ["EEG Fpz-Cz"] and (contract.sfreq, contract.epoch_seconds) == (100.0, 30.0)
    assert (contract.l_freq, contract.h_freq, contract.units) == (0.3, 35.0, "uV")
    assert contract.filter == {"method": "fir", "zero_phase": True, "scope": "recording"}
    assert contract.label_names == ["W", "N1", "N2", "N3", "REM"]
    saved = save_dataset(band_passed, tmp_path / "ds")
    reloaded = load_from_disk(str(tmp_path / "ds"))
    for derived in (
        saved,
        reloaded,
        reloaded.select(range(3)),
        subject_split(reloaded, test_size=1, validation_size=0)["train"],
        subject_split(reloaded, test_size=1, validation_size=0),
        to_sequences(reloaded, 4, cache_dir=tmp_path),
    ):
        assert SleepFeatureExtractor.from_dataset(derived).to_dict() == contract.to_dict()


def test_card_reads_label_names_and_contract_from_the_metadata(band_passed) -> None:
    # keep_unknown: labels are int64 (no ClassLabel); the names come from the contract, not the prose.
    band_passed.info.description = ""
    card = str(build_dataset_card(band_passed))
    assert "0 = W, 1 = N1, 2 = N2, 3 = N3, 4 = REM" in card
    assert "`EEG Fpz-Cz`" in card and "0.3-35 Hz" in card
    assert "| units | µV |" in card and "uV" not in card


def test_rodent_slumbernet_contract(tmp_path: Path, cache_dir: Path) -> None:
    write_rodent_recording(tmp_path, animal="m1", epoch_seconds=4.0, n_hours=0.1, seed=3)
    ds = convert_rodent(tmp_path, preprocessing="slumbernet", options=RODENT_OPTIONS.replace(cache_dir=cache_dir, progress=False))
    contract = SleepFeatureExtractor.from_dataset(ds)
    assert (contract.sfreq, contract.epoch_seconds, contract.n_times) == (64.0, 4.0, 256)
    assert contract.ch_names == ["EEG", "EMG"] and contract.label_names == list(RODENT_LABELS)
    assert contract.preprocessing == [{"name": "slumbernet", "emg_index": 1}]


def test_a_dataset_without_contract_says_so() -> None:
    from datasets import Dataset

    plain = Dataset.from_dict({"input_values": [np.zeros((1, 4), np.float32).tolist()], "labels": [0]})
    with pytest.raises(ValueError, match="carries no signal contract"):
        SleepFeatureExtractor.from_dataset(plain)
