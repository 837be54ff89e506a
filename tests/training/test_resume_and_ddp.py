"""Training survives being killed (resume gives the same weights) and runs data-parallel on 2 CPU processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from .helpers import TINY_TINYSLEEPNET, tiny_split

DRIVER = Path(__file__).with_name("run_tiny.py")
REPO_ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", PYTHONPATH=str(REPO_ROOT), CUDA_VISIBLE_DEVICES="")
    return env


def _run(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=_env(), capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("data") / "tiny"
    tiny_split(n_epochs=24).save_to_disk(str(path))
    return str(path)


# Augmentation and dropout on: the resumed run must replay the same random draws.
TRAIN_FLAGS = [
    "--num_train_epochs", "3", "--save_strategy", "epoch", "--eval_strategy", "no",
    "--signal_shift", "0.1", "--skip_sequence_start", "true", "--conv_l2", "1e-3",
]  # fmt: skip


@pytest.mark.slow
def test_resumed_run_ends_with_the_same_weights(tiny_dataset, tmp_path):
    full = _run([sys.executable, str(DRIVER), tiny_dataset, str(tmp_path / "full"), str(tmp_path / "full"), *TRAIN_FLAGS])
    assert full.returncode == 0, full.stderr[-3000:]

    killed = _run(
        [sys.executable, str(DRIVER), tiny_dataset, str(tmp_path / "run"), str(tmp_path / "run"),
         "--crash_after_step", "4", *TRAIN_FLAGS]
    )  # fmt: skip
    assert killed.returncode == 17, killed.stderr[-3000:]
    checkpoints = sorted(p.name for p in (tmp_path / "run").glob("checkpoint-*"))
    assert checkpoints, "the killed run left no checkpoint"
    assert not (tmp_path / "run" / "model.safetensors").exists(), "the killed run should not have finished"

    resumed = _run(
        [sys.executable, str(DRIVER), tiny_dataset, str(tmp_path / "run"), str(tmp_path / "run"),
         *TRAIN_FLAGS, "--resume_from_checkpoint", "last"]
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert (tmp_path / "run.rank0").read_text() == (tmp_path / "full.rank0").read_text()
    # The resumed run really trained on: its final weights are not the checkpoint it started from.
    first = (tmp_path / "run" / checkpoints[0] / "model.safetensors").read_bytes()
    assert first != (tmp_path / "run" / "model.safetensors").read_bytes()


@pytest.mark.skipif(shutil.which("torchrun") is None and not Path(sys.executable).with_name("torchrun").exists(),
                    reason="torchrun is not installed")  # fmt: skip
def test_two_process_data_parallel_training_splits_the_data_and_equals_one_process(tiny_dataset, tmp_path):
    """2 ranks × 4 sequences per step against 1 process × 8: each rank sees its own half of every global batch
    and the final weights agree to float rounding. Dropout off and batch norm on its running statistics (the
    driver's `--record_batches`), since batch statistics of half a batch differ from the full batch's by design.
    """
    torchrun = Path(sys.executable).with_name("torchrun")
    command = [str(torchrun) if torchrun.exists() else "torchrun", "--standalone", "--nproc_per_node", "2"]
    flags = [
        "--record_batches", "--num_train_epochs", "2", "--eval_strategy", "no", "--save_strategy", "no",
        "--config_overrides", json.dumps({**TINY_TINYSLEEPNET, "drop_prob": 0.0}),
    ]  # fmt: skip
    # 2 subjects × 2 nights × 24 epochs = 24 sequences of 4: three full global batches of 8 per epoch.
    ddp = subprocess.Popen(
        [*command, str(DRIVER), tiny_dataset, str(tmp_path / "ddp"), str(tmp_path / "ddp"), *flags,
         "--ddp_backend", "gloo"],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
    )  # fmt: skip
    single = _run(
        [sys.executable, str(DRIVER), tiny_dataset, str(tmp_path / "one"), str(tmp_path / "one"), *flags,
         "--per_device_train_batch_size", "8"]
    )  # fmt: skip
    _, ddp_stderr = ddp.communicate(timeout=180)
    assert ddp.returncode == 0, ddp_stderr[-4000:]
    assert single.returncode == 0, single.stderr[-3000:]

    # Gradients are all-reduced, so every parameter agrees across ranks.
    assert (tmp_path / "ddp.params.rank0").read_text() == (tmp_path / "ddp.params.rank1").read_text()
    rank0, rank1, one = (
        json.loads((tmp_path / name).read_text()) for name in ("ddp.batches.rank0", "ddp.batches.rank1", "one.batches.rank0")
    )
    assert len(rank0) == len(rank1) == len(one) == 6, "3 steps per epoch, 2 epochs"
    for step, (half0, half1, full) in enumerate(zip(rank0, rank1, one, strict=True)):
        assert len(half0) == len(half1) == 4, step
        assert not set(half0) & set(half1), f"step {step}: both ranks trained on the same sequence"
        assert sorted(half0 + half1) == sorted(full), f"step {step}: the ranks' halves are not the full batch"
    seen0 = {value for step in rank0 for value in step}
    assert seen0 != {value for step in rank1 for value in step}

    ddp_weights = load_file(str(tmp_path / "ddp" / "model.safetensors"))
    one_weights = load_file(str(tmp_path / "one" / "model.safetensors"))
    assert ddp_weights.keys() == one_weights.keys()
    for name, tensor in one_weights.items():
        torch.testing.assert_close(ddp_weights[name], tensor, atol=1e-5, rtol=1e-4, msg=name)
    assert (tmp_path / "ddp" / "test_results.json").exists()
