"""docs/fine-tuning.md runs as written: scored nights with two central channels, 20-s scoring and a lab's own
code are converted, the bundled default is fine-tuned, and held-out nights are staged and scored before and after.

The page's blocks run in order in one fresh folder, the way tests/test_readme_blocks.py runs the README's (the same
shell functions for the console scripts, the same small training run); only the nights' length changes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO_ROOT
from .test_readme_blocks import expected_prints, readme_blocks, shell_preamble, tail

PAGE = REPO_ROOT / "docs" / "fine-tuning.md"
# (pattern, replacement, why): sizes only.
SUBSTITUTIONS = [
    (r"synthetic_hypnogram\(2,", "synthetic_hypnogram(1,", "1-h sleep periods (1.5-h nights) instead of 2 h"),
    (r"^(hf-sleep score .*)$", r"\1 --bootstrap 50", "50 bootstrap resamples of the intervals instead of 1000"),
]

def test_the_page_shows_the_journey_without_workarounds() -> None:
    blocks = readme_blocks(PAGE.read_text(encoding="utf-8"))
    assert [b.lang for b in blocks] == ["python", "bash", "bash"] and all(b.action == "run" for b in blocks)
    commands = "\n".join(b.code for b in blocks).replace("\\\n", " ")
    convert = re.search(r"^hf-sleep convert edf .*$", commands, re.M).group(0)
    for flag in ('--channels "EEG C3-A1|EEG Cz-A1"', "--rescore 30", '--label-map "U=ignore"'):
        assert flag in convert
    assert re.search(r"^hf-sleep finetune --model hf-sleep/seqsleepnet-physioex-eeg .*--num_train_epochs 5 "
                     r"--learning_rate 1e-5$", commands, re.M)  # fmt: skip
    # staged before and after with no --channels: the fine-tuned model finds C3-A1 or Cz-A1 itself
    stage = re.findall(r"^hf-sleep stage held-out/ .*$", commands, re.M)
    assert len(stage) == 2 and not any("--channels" in line for line in stage)
    assert len(re.findall(r"^hf-sleep score (before|after)/ held-out/ ", commands, re.M)) == 2


@pytest.mark.slow
def test_fine_tuning_page_runs_in_order(tmp_path: Path) -> None:
    work = tmp_path / "journey"
    work.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p),
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_HUB_OFFLINE": "1",  # the default is bundled: nothing is downloaded
        "TOKENIZERS_PARALLELISM": "false",
    }
    for block in readme_blocks(PAGE.read_text(encoding="utf-8")):
        code = block.code
        for pattern, replacement, _ in SUBSTITUTIONS:
            code = re.sub(pattern, replacement, code, flags=re.M)
        log = tmp_path / f"fine-tuning_L{block.line}.log"
        if block.lang == "python":
            (work / f"fine-tuning_L{block.line}.py").write_text(code)
            argv = [sys.executable, f"fine-tuning_L{block.line}.py"]
        else:
            script = tmp_path / f"fine-tuning_L{block.line}.sh"
            script.write_text(shell_preamble() + code)
            argv = ["bash", str(script)]
        with log.open("w") as out:
            returncode = subprocess.run(argv, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT,
                                        timeout=900).returncode  # fmt: skip
        output = log.read_text(errors="replace")
        assert returncode == 0, f"docs/fine-tuning.md:{block.line} failed ({returncode}):\n{tail(log)}"
        for shown in expected_prints(code):
            assert shown in output, f"docs/fine-tuning.md:{block.line}: prints\n{output[-2000:]}\nnot {shown!r}"

    from datasets import load_from_disk

    dataset = load_from_disk(str(work / "my-dataset"))
    assert sorted(set(dataset["recording"])) == ["night01", "night02", "night03", "night04"]
    sources = set(dataset["source_label"])
    assert "U" not in sources and any("+" in s for s in sources)  # U ignored; 20-s codes spanning two stages
    assert "rescored: into 30-s epochs" in dataset.info.description
    assert (work / "runs" / "my-model" / "model.safetensors").is_file()
    for folder in ("before", "after"):
        staged = sorted(p.name for p in (work / folder).glob("*_hypnogram.csv"))
        assert staged == ["night05_hypnogram.csv", "night06_hypnogram.csv"], folder
    for folder in ("scores-before", "scores-after"):
        pooled = json.loads((work / folder / "scores.json").read_text())["pooled"]
        assert pooled["recordings"] == 2 and 0 <= pooled["kappa"] <= 1, folder  # both held-out nights matched
