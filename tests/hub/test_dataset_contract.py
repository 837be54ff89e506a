"""The signal contract stored in a dataset's features survives push_to_hub and load_dataset."""

from __future__ import annotations

import json

import numpy as np

from hf_sleep import SleepFeatureExtractor
from hf_sleep.data import epoch_features

from .conftest import run_client


def test_contract_survives_push_to_hub_and_load_dataset(local_hub, hf_home, tmp_path):
    from datasets import Dataset

    contract = SleepFeatureExtractor(["EEG Fpz-Cz"], sfreq=10.0, epoch_seconds=3.0, l_freq=0.5, h_freq=4.0)
    features = epoch_features(1, 30, contract.label_names, contract=contract)
    rows = {
        "input_values": np.zeros((4, 1, 30), np.float32).tolist(),
        "labels": [0, 1, 2, 3],
        "subject": ["s1"] * 4,
        "night": [1] * 4,
        "recording": ["r1"] * 4,
        "epoch_index": [0, 1, 2, 3],
        "onset_s": [0.0, 3.0, 6.0, 9.0],
        "source_label": ["W", "N1", "N2", "N3"],
    }
    Dataset.from_dict(rows, features=features).save_to_disk(str(tmp_path / "ds"))
    code = f"""
import json, datasets
ds = datasets.load_from_disk({str(tmp_path / "ds")!r})
ds.push_to_hub("tester/contract-epochs")
loaded = datasets.load_dataset("tester/contract-epochs", split="train", cache_dir={str(tmp_path / "cache")!r})
print("ID=" + loaded.features["input_values"].id)
"""
    result = run_client(local_hub, hf_home, ["-c", code])
    assert result.returncode == 0, result.stderr[-3000:]
    stored = result.stdout.split("ID=", 1)[1].strip()
    loaded = SleepFeatureExtractor.from_dict(json.loads(stored)["sleep_feature_extractor"])
    assert loaded.to_dict() == contract.to_dict()
