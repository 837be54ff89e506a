"""`hf-sleep push` of the converted physioex model publishes a trained repository with its provenance card."""

from __future__ import annotations

import json

from .conftest import run_client

CLIENT = """
import json, sys
import torch
from huggingface_hub import HfApi, ModelCard
from transformers import AutoModel
from hf_sleep.cli import main
from hf_sleep.pretrained import load_pretrained, pretrained_path

repo_id = "hf-sleep/seqsleepnet-physioex-eeg"
code = main(["push", str(pretrained_path("seqsleepnet-physioex-eeg")), "--repo-id", repo_id])
published = AutoModel.from_pretrained(repo_id).eval()
local = load_pretrained("seqsleepnet-physioex-eeg")
x = 20 * torch.randn(2, 21, 1, 3000, generator=torch.Generator().manual_seed(0))
with torch.no_grad():
    difference = (published(x).logits - local(x).logits).abs().max().item()
card = ModelCard.load(repo_id)
print(json.dumps({
    "code": code,
    "difference": difference,
    "files": sorted(HfApi().list_repo_files(repo_id)),
    "license": card.data.license,
    "tags": card.data.tags,
    "text": card.text,
}))
"""


def test_push_publishes_the_converted_model_as_a_trained_repository(local_hub, hf_home):
    result = run_client(local_hub, hf_home, ["-c", CLIENT])
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 0 and report["difference"] < 1e-6
    assert {"model.safetensors", "config.json", "preprocessor_config.json", "README.md"} <= set(report["files"])
    assert report["license"] == "mit" and "architecture-only" not in report["tags"]
    assert "physioex" in report["tags"]
    text = report["text"]
    for fact in ("## Provenance", "24d4974b", "reported by the source", "not documented by the source",
                 "Deviation from physioex", 'AutoModel.from_pretrained("hf-sleep/seqsleepnet-physioex-eeg")'):
        assert fact in text, fact
