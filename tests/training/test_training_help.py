"""`hf-sleep train | finetune | evaluate | cross-validate --help`: the project's own flags, documented from the argument
dataclasses without importing torch; `--help-trainer` builds the live parser, whatever transformers is installed."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from hf_sleep.training import cli as training_cli
from tests.conftest import REPO_ROOT

COMMANDS = list(training_cli.TRAINING_COMMANDS)


def _hf_sleep(*argv: str) -> subprocess.CompletedProcess:
    """`hf-sleep ARGV` in a fresh interpreter; its last line names the heavy modules it imported."""
    code = (
        "import sys\nfrom hf_sleep.cli import main\n"
        f"assert main({list(argv)!r}) == 0\n"
        "print('HEAVY', sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.mark.parametrize("command", COMMANDS)
def test_help_lists_every_own_flag_without_importing_torch_or_transformers(command):
    printed = _hf_sleep(command, "--help").stdout
    assert printed.startswith(f"usage: hf-sleep {command} [RECIPE.json]")
    assert printed.rstrip().endswith("HEAVY []")
    option_types, _ = training_cli.TRAINING_COMMANDS[command]
    for option_type in option_types:
        for field in dataclasses.fields(option_type):
            assert f"--{field.name}" in printed, f"--{field.name} ({option_type.__name__}) missing from the help"
    assert f"`hf-sleep {command} --help-trainer` lists them all" in " ".join(printed.split())


@pytest.mark.parametrize("command", COMMANDS)
def test_the_parser_accepts_every_documented_flag_and_only_the_trainers_besides(command):
    """The help and the parser cannot drift: both come from the same dataclasses; what the live parser has beyond
    the help is transformers' `TrainingArguments` (as the help's last paragraph says)."""
    from transformers import TrainingArguments

    from hf_sleep.training.pipeline import argument_parser

    live = {
        option
        for action in argument_parser(training_cli._script(command).ARGUMENT_TYPES, command)._actions
        for option in action.option_strings
    }
    documented = set(training_cli.own_flags(command))
    assert documented <= live, sorted(documented - live)
    own = {field.name for option_type in training_cli.TRAINING_COMMANDS[command][0] for field in dataclasses.fields(option_type)}
    trainer = {field.name for field in dataclasses.fields(TrainingArguments)} | {"h", "help"}

    def field_of(option: str) -> str:  # --no-pin-memory, --pin-memory and --pin_memory all set pin_memory
        name = option.lstrip("-").replace("-", "_")
        return name[3:] if name.startswith("no_") and name[3:] in own | trainer else name

    undocumented = {field_of(option) for option in live - documented} - own
    assert undocumented <= trainer, sorted(undocumented - trainer)


def test_help_trainer_lists_the_installed_trainers_flags(capsys):
    from hf_sleep.cli import main

    assert main(["evaluate", "--help-trainer"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("usage: hf-sleep evaluate ")
    assert "--learning_rate" in printed and "--dataset_path" in printed and "--encoder_probe" in printed
