"""A normal CPU run prints a clean terminal: no pin-memory warning, no source locations, no bars with --quiet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from hf_sleep.console import plain_warnings
from hf_sleep.training.arguments import SleepTrainingArguments

from .helpers import TINY_TINYSLEEPNET, tiny_split

REPO_ROOT = Path(__file__).resolve().parents[2]

# Trains (default output), then evaluates with --quiet, in one process; a marker line separates the two.
DRIVER = """
import sys
from hf_sleep.cli import main
assert main(["train", "recipe.json", "--dataset_path", "data", "--output_dir", "run"]) == 0
print("=== evaluate", file=sys.stderr, flush=True)
assert main(["evaluate", "eval.json", "--dataset_path", "data", "--output_dir", "eval", "--quiet", "true"]) == 0
"""


def test_plain_warnings_show_the_message_once_without_its_source(monkeypatch):
    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)
    plain_warnings("hf-sleep stage")
    line = warnings.formatwarning("amplitudes look like volts", UserWarning, "/x/hf_sleep/staging/one_night.py", 342)
    assert line == "hf-sleep stage: warning: amplitudes look like volts\n"
    assert warnings.formatwarning("amplitudes look like volts", UserWarning, "/x/staging.py", 342) == ""


def test_quiet_turns_off_bars_and_cpu_runs_do_not_pin_memory(tmp_path):
    args = SleepTrainingArguments(output_dir=str(tmp_path), use_cpu=True, quiet=True, report_to="none")
    assert args.disable_tqdm and args.log_level == "warning"
    assert args.dataloader_pin_memory is False  # pinned memory only helps copies to an accelerator


@pytest.mark.slow  # two tiny runs in a fresh process (~30 s on 2 shared cores)
def test_train_and_evaluate_print_a_clean_terminal(tmp_path):
    tiny_split(n_epochs=24).save_to_disk(str(tmp_path / "data"))
    recipe = {"model_type": "tinysleepnet", "config_overrides": json.dumps(TINY_TINYSLEEPNET), "max_steps": 2,
              "per_device_train_batch_size": 4, "report_to": "none"}  # fmt: skip
    (tmp_path / "recipe.json").write_text(json.dumps(recipe))
    (tmp_path / "eval.json").write_text(json.dumps({"model_name_or_path": "run"}))
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO_ROOT), CUDA_VISIBLE_DEVICES="", OMP_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, "-c", DRIVER], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    train_err, eval_err = result.stderr.split("=== evaluate\n")
    for err in (train_err, eval_err):
        assert "pin_memory" not in err
        assert "Warning:" not in err and ".py:" not in err  # no `file.py:123: UserWarning:` lines
    assert "it/s" in train_err or "s/it" in train_err  # without --quiet the Trainer's bar is there
    assert "Loading weights" not in eval_err and "it/s" not in eval_err and "s/it" not in eval_err
    assert "| epochs | accuracy |" in result.stdout
