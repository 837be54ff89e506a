"""`hf-sleep push-dataset`: a converted NSRR dataset round-trips through the local Hub with its card."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .conftest import run_client

NIGHT = ["W"] * 10 + ["N1"] * 3 + ["N2"] * 12 + ["N3"] * 4 + ["S4"] * 3 + ["REM"] * 6 + ["?"] * 2 + ["W"] * 4


def test_push_dataset_round_trip(local_hub, hf_home, tmp_path: Path) -> None:
    from hf_sleep.data import ConversionOptions, stage_counts
    from hf_sleep.data.nsrr import convert_nsrr
    from hf_sleep.data.synthetic import write_nsrr_night

    root = tmp_path / "shhs" / "polysomnography"
    for i in range(3):
        write_nsrr_night(root, hypnogram=NIGHT, cohort="shhs", subject=200001 + i, seed=i)
    out = tmp_path / "shhs-ds"
    ds = convert_nsrr(root, channels=["EEG", "EOG(L)"], options=ConversionOptions(output_dir=out, progress=False))
    counts = stage_counts(ds, ds.features["labels"].names)
    code = f"""
import json, sys
from hf_sleep.data import ConversionOptions
from hf_sleep.cli import main
assert main(["push-dataset", {str(out)!r}, "--repo-id", "tester/shhs-mini", "--test-size", "1"]) == 0
import datasets, numpy as np
from huggingface_hub import HfApi, hf_hub_download
loaded = datasets.load_dataset("tester/shhs-mini", cache_dir={str(tmp_path / "cache")!r})
original = datasets.load_from_disk({str(out)!r})
report = {{
    "splits": {{k: len(v) for k, v in loaded.items()}},
    "features_equal": loaded["train"].features == original.features,
    "labels": sorted(np.concatenate([np.asarray(v["labels"]) for v in loaded.values()]).tolist()),
    "subjects": {{k: sorted(set(v["subject"])) for k, v in loaded.items()}},
    "first_row_equal": bool(np.array_equal(
        np.asarray(loaded["train"].with_format("numpy")[0]["input_values"]),
        np.asarray(original.filter(lambda r: r == loaded["train"][0]["recording"], input_columns="recording")
                   .with_format("numpy")[int(0)]["input_values"]))),
    "readme": open(hf_hub_download("tester/shhs-mini", "README.md", repo_type="dataset")).read(),
}}
from hf_sleep.training.arguments import DataArguments
from hf_sleep.training.pipeline import load_splits
splits = load_splits(DataArguments(dataset_name="tester/shhs-mini"))  # what `hf-sleep train --dataset_name` reads
report["training_splits"] = {{k: len(v) for k, v in splits.items()}}
print("REPORT=" + json.dumps(report))
"""
    result = run_client(local_hub, hf_home, ["-c", code])
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.split("REPORT=", 1)[1])
    assert report["splits"] == {"train": 2 * 42, "test": 42} and report["features_equal"]  # contract included
    assert len(set(report["subjects"]["train"]) & set(report["subjects"]["test"])) == 0
    names = ["W", "N1", "N2", "N3", "REM"]
    assert {name: report["labels"].count(i) for i, name in enumerate(names)} == counts
    assert counts == {"W": 42, "N1": 9, "N2": 36, "N3": 21, "REM": 18}
    assert report["first_row_equal"] and report["training_splits"] == report["splits"]
    readme = report["readme"]
    header = yaml.safe_load(readme.split("---")[1])
    assert header["license"] == "other" and "dataset_info" in header and "configs" in header
    assert (
        "sleepdata.org" in readme
        and "| `train` | 84 | 2 | 2 |" in readme
        and "| `test` | 42 | 1 | 1 |" in readme
    )
    assert "| N3 | 21 |" in readme and "- channels: EEG, EOG(L)" in readme
