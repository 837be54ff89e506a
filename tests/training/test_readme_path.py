"""The README's training section, run command by command as a user would, on a small generated dataset.

The commands are read from the README's code block, so the README cannot drift from what works. Each one runs in
a fresh interpreter through the module behind its console script. Only sizes change, in the ways the README
itself documents, made smaller still so the suite stays fast: nights generated without the team's hypnograms
(`--n-nights 8 --hours 1`, converted without `--subset`), every generated night 1 h long, 4 folds for 4
subjects, and `--num_train_epochs 1 --max_steps 2` with 2 sequences per batch on every training command (the
README suggests 20 steps for a first run; 2 exercise the same code: optimiser steps, evaluation, checkpoints,
best-model reload, test metrics and plots).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO_ROOT

# Console scripts (pyproject [project.scripts]) → the module each one runs.
ENTRY_POINTS = {
    "hf-sleep": "hf_sleep.cli",
    "hf-sleep-train": "hf_sleep.training.train",
    "hf-sleep-finetune": "hf_sleep.training.finetune",
    "hf-sleep-evaluate": "hf_sleep.training.evaluation",
    "hf-sleep-cross-validate": "hf_sleep.training.cross_validate",
}
TRAINING = {"hf-sleep-train", "hf-sleep-finetune", "hf-sleep-cross-validate"}
# The README's flags for a short first run (`--max_steps 20`), shrunk further for the test suite.
SMALL = ["--num_train_epochs", "1", "--max_steps", "2", "--per_device_train_batch_size", "2"]


def readme_training_commands() -> list[list[str]]:
    """The shell commands of the first code block under '## Training, fine-tuning and evaluation'."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Training, fine-tuning and evaluation") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's training section has no bash block"
    joined = re.sub(r"\\\n\s*", " ", block.group(1))  # continuation lines
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(words)
    return commands


def shrink(words: list[str]) -> list[str]:
    """Applies the README's small-size variants to one command."""
    out = list(words)
    if "--hypnograms" in out:  # no team hypnograms: four subjects of short generated nights
        at = out.index("--hypnograms")
        out[at : at + 2] = ["--n-nights", "8", "--hours", "1"]
    if "--hours" in out:
        out[out.index("--hours") + 1] = "1"
    if "--subset" in out:
        at = out.index("--subset")
        del out[at : at + 2]
    if "--n_folds" in out:
        out[out.index("--n_folds") + 1] = "4"
    if out[0] in TRAINING:
        out += SMALL
    return [str(REPO_ROOT / w) if w.startswith("scripts/configs/") else w for w in out]


def test_the_readme_block_is_what_this_test_expects():
    programs = [words[0] for words in readme_training_commands()]
    assert set(programs) <= set(ENTRY_POINTS), programs
    for program in ("hf-sleep-train", "hf-sleep-evaluate", "hf-sleep-finetune", "hf-sleep-cross-validate"):
        assert program in programs


@pytest.mark.slow
def test_readme_training_path_runs_as_written(tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    outputs = {}
    for words in readme_training_commands():
        command = shrink(words)
        argv = [sys.executable, "-m", ENTRY_POINTS[command[0]], *command[1:]]
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{shlex.join(words)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
        outputs[" ".join(words[:2])] = done.stdout

    import datasets

    n_epochs = len(datasets.load_from_disk(str(tmp_path / "sleep-edf-20")))
    runs = tmp_path / "runs"
    tiny = json.loads((runs / "tiny" / "test_results.json").read_text())
    assert len(tiny["test_confusion_matrix"]) == 5 and 0 < tiny["test_n_epochs"] < n_epochs
    for run, prefix in (("tiny", "test"), ("tiny-eval", "test"), ("tiny-st", "test"), ("tiny-cv", "cv"),
                        ("dsn2", "test"), ("seq", "test")):  # fmt: skip
        assert (runs / run / f"confusion_matrix_{prefix}.png").read_bytes()[:4] == b"\x89PNG", run
    assert "| epochs | accuracy | macro-F1 | kappa |" in outputs["hf-sleep-train scripts/configs/tinysleepnet.json"]
    evaluated = json.loads((runs / "tiny-eval" / "test_results.json").read_text())
    assert evaluated["test_n_epochs"] == len(datasets.load_from_disk(str(tmp_path / "st-nights")))
    cv = json.loads((runs / "tiny-cv" / "cv_results.json").read_text())
    assert cv["cv_n_epochs"] == n_epochs and sorted(cv["per_fold"]) == ["1", "2", "3", "4"]  # every epoch tested once
    assert json.loads((runs / "dsn2" / "config.json").read_text())["model_type"] == "deepsleepnet"
    assert json.loads((runs / "seq" / "config.json").read_text())["spectrum_mean"] is not None
