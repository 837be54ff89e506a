"""What only a CUDA machine can show: real mixed-precision training and staging on the GPU.

Run on a GPU machine with `python -m pytest tests/test_gpu.py -m gpu`; everything here skips without CUDA. The
precision decision itself is tested everywhere on faked devices (`tests/training/test_mixed_precision.py`).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from transformers import TrainerCallback

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


class SeenByTrainer(TrainerCallback):
    """Keeps what the `Trainer` trained with: its arguments, the model's device, the last state."""

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self.args = args
        self.device = next(model.parameters()).device

    def on_step_end(self, args, state, control, **kwargs):
        self.state = state


def test_training_runs_with_the_precision_the_device_calls_for(tmp_path):
    from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments
    from hf_sleep.training.pipeline import parse_arguments, run_training

    from .training.helpers import TINY_TINYSLEEPNET, tiny_split

    tiny_split(n_epochs=24).save_to_disk(str(tmp_path / "data"))
    argv = [
        "--model_type", "tinysleepnet", "--config_overrides", json.dumps(TINY_TINYSLEEPNET),
        "--dataset_path", str(tmp_path / "data"), "--output_dir", str(tmp_path / "run"), "--report_to", "none",
        "--per_device_train_batch_size", "4", "--max_steps", "6", "--logging_steps", "1", "--eval_strategy", "no",
        "--save_strategy", "no", "--disable_tqdm", "true", "--dataloader_num_workers", "0", "--seed", "7",
    ]  # fmt: skip
    seen = SeenByTrainer()
    result = run_training(*parse_arguments((ModelArguments, DataArguments, SleepTrainingArguments), argv),
                          callbacks=[seen])  # fmt: skip

    native_bf16 = torch.cuda.get_device_capability()[0] >= 8
    assert (seen.args.bf16, seen.args.fp16) == (native_bf16, not native_bf16)
    assert seen.device.type == "cuda"
    losses = [entry["loss"] for entry in seen.state.log_history if "loss" in entry]
    assert len(losses) == 6 and all(math.isfinite(loss) for loss in losses)
    # Master weights stay float32 under autocast; the saved model is float32 and loads on the CPU.
    assert all(p.dtype == torch.float32 for p in result.model.parameters())
    assert result.test_metrics["test_n_epochs"] > 0
    assert (tmp_path / "run" / "model.safetensors").is_file()


def test_stage_cli_on_cuda_matches_the_cpu(tmp_path, capsys):
    from hf_sleep import get_architecture
    from hf_sleep.cli import main
    from hf_sleep.staging import output_paths

    from .staging.helpers import cycling_hypnogram, write_sleep_edf_night
    from .testers import TESTERS

    torch.manual_seed(0)
    config = TESTERS["tinysleepnet"].config(n_filters=16)
    get_architecture("tinysleepnet").model_class(config).save_pretrained(tmp_path / "model")
    night = write_sleep_edf_night(tmp_path / "night.edf", cycling_hypnogram(0.5))

    probabilities = {}
    for device in ("cuda", "cpu"):
        out = tmp_path / device
        code = main(["stage", str(night), "--model", str(tmp_path / "model"), "--device", device, "--out-dir", str(out)])
        assert code == 0, capsys.readouterr().err
        rows = [line.split(",") for line in output_paths(night, out)["csv"].read_text().splitlines()]
        assert len(rows) == 1 + 60
        probabilities[device] = np.array([[float(v) for v in row[3:]] for row in rows[1:]])
    np.testing.assert_allclose(probabilities["cuda"], probabilities["cpu"], atol=1e-4)
