"""`hf-sleep push --onnx` publishes the exported graph under `onnx/`, as transformers.js expects, and the card
says how to run it."""

from __future__ import annotations

import json

import pytest

from .conftest import run_client

pytest.importorskip("onnxruntime", reason="the ONNX push needs onnxruntime (pip install 'hf_sleep[onnx]')")

CLIENT = """
import json, sys
import numpy as np
import torch
from huggingface_hub import HfApi, ModelCard, snapshot_download
from hf_sleep import SeqSleepNetConfig, SeqSleepNetForSleepStaging
from hf_sleep.cli import main
from hf_sleep.staging.inference import predict_night
from hf_sleep.staging.onnx_runtime import OnnxStagingModel

torch.manual_seed(0)
config = SeqSleepNetConfig(seq_len=3, n_filters=6, epoch_rnn_hidden_size=5, attention_size=4, sequence_rnn_hidden_size=6)
model = SeqSleepNetForSleepStaging(config).eval()
model.save_pretrained(sys.argv[1])
repo_id = "hf-sleep/tiny-seqsleepnet-onnx"
code = main(["push", sys.argv[1], "--repo-id", repo_id, "--onnx"])
folder = snapshot_download(repo_id, allow_patterns=["onnx/*", "*.json"])
epochs = 20 * np.random.default_rng(0).standard_normal((11, 1, 3000)).astype(np.float32)
difference = np.abs(OnnxStagingModel(folder).predict_night(epochs).probabilities
                    - predict_night(model, epochs).probabilities).max()
print(json.dumps({
    "code": code,
    "difference": float(difference),
    "files": sorted(HfApi().list_repo_files(repo_id)),
    "text": ModelCard.load(repo_id).text,
}))
"""


@pytest.mark.slow
def test_push_with_onnx_publishes_the_graph_and_the_card_says_how_to_run_it(local_hub, hf_home, tmp_path):
    result = run_client(local_hub, hf_home, ["-c", CLIENT, str(tmp_path / "model")])
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 0 and report["difference"] < 1e-4
    assert {"onnx/model.onnx", "onnx/staging.json", "model.safetensors", "config.json"} <= set(report["files"])
    for fact in ("## ONNX", "hf-sleep stage night.edf --model path/to/this/repository --backend onnx",
                 'session.run(["logits"], {"input_values": epochs, "window_index": index})',
                 "np.zeros((2 * window, 1, 3000)"):
        assert fact in report["text"], fact
