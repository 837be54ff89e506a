"""`hf-sleep train | finetune | evaluate | cross-validate --help`: the shipped text is the live parser's, and
printing it imports neither torch nor transformers."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest

from hf_sleep.training import cli as training_cli
from tests.conftest import REPO_ROOT

COMMANDS = list(training_cli.TRAINING_COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_shipped_help_is_what_the_parser_prints(command):
    path = training_cli.HELP_DIR / f"{command}.txt"
    assert path.is_file(), f"{path} is missing: run python scripts/write_training_help.py"
    header = path.read_text(encoding="utf-8").partition("\n")[0]
    if header != training_cli._help_header():
        pytest.skip(f"{path.name} was written for another transformers version ({header!r}; installed "
                    f"{version('transformers')}): `hf-sleep {command} --help` builds its text live")  # fmt: skip
    shipped = training_cli.shipped_help(command)
    assert shipped == training_cli.live_help(command), (
        f"{path} is out of date with the training arguments: run python scripts/write_training_help.py"
    )
    assert shipped.startswith(f"usage: hf-sleep {command} ")
    assert "--output_dir" in shipped and "--dataset_path" in shipped


def test_help_of_a_training_command_imports_neither_torch_nor_transformers():
    if training_cli.shipped_help("train") is None:
        pytest.skip("the shipped help is for another transformers version: the live help imports them")
    code = (
        "import sys\nfrom hf_sleep.cli import main\n"
        "assert main(['train', '--help']) == 0\n"
        "print('HEAVY', sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("usage: hf-sleep train ")
    assert "HEAVY []" in result.stdout


def test_help_written_for_another_transformers_version_is_built_live(tmp_path, monkeypatch, capsys):
    (tmp_path / "evaluate.txt").write_text("# hf-sleep help text for transformers 0.0.1\nstale text\n")
    monkeypatch.setattr(training_cli, "HELP_DIR", tmp_path)
    assert training_cli.shipped_help("evaluate") is None
    from hf_sleep.cli import main

    with pytest.raises(SystemExit) as exit_info:  # argparse's own --help exit
        main(["evaluate", "--help"])
    assert exit_info.value.code == 0
    printed = capsys.readouterr().out
    assert printed.startswith("usage: hf-sleep evaluate ") and "stale text" not in printed
