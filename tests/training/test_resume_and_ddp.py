"""Training survives being killed (resume gives the same weights) and runs data-parallel on 2 CPU processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import tiny_split

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
def test_two_process_data_parallel_training_keeps_ranks_in_sync(tiny_dataset, tmp_path):
    torchrun = Path(sys.executable).with_name("torchrun")
    command = [str(torchrun) if torchrun.exists() else "torchrun", "--standalone", "--nproc_per_node", "2"]
    result = _run(
        [*command, str(DRIVER), tiny_dataset, str(tmp_path / "ddp"), str(tmp_path / "ddp"),
         "--num_train_epochs", "2", "--eval_strategy", "epoch", "--save_strategy", "no", "--ddp_backend", "gloo"],
        timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    # Gradients are all-reduced, so every parameter agrees. Batch-norm running statistics are per rank (DDP
    # broadcasts rank 0's at each forward, then each rank updates its own), and rank 0's are what is saved.
    rank0, rank1 = (tmp_path / "ddp.params.rank0").read_text(), (tmp_path / "ddp.params.rank1").read_text()
    assert rank0 == rank1
    assert (tmp_path / "ddp" / "test_results.json").exists()
