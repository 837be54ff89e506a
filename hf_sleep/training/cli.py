"""`hf-sleep train | finetune | evaluate | cross-validate`: the training scripts as sub-commands.

Everything after the sub-command goes to the script's own `HfArgumentParser` (`hf-sleep train --help`).
That help lists the Trainer's arguments, so building it imports transformers and torch (seconds); the text
is therefore shipped in `training/help/<command>.txt`, written by `python scripts/write_training_help.py`
for one transformers version, and printed as is while that version is installed (else built live).
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

# sub-command -> (module with `main(argv)`, help line)
TRAINING_COMMANDS: dict[str, tuple[str, str]] = {
    "train": ("hf_sleep.training.train", "train an architecture on a converted dataset (Trainer)"),
    "finetune": ("hf_sleep.training.finetune", "fine-tune a pretrained model on another dataset"),
    "evaluate": ("hf_sleep.training.evaluation", "evaluate a model: metrics table, JSON and confusion-matrix plot"),
    "cross-validate": ("hf_sleep.training.cross_validate", "subject-wise k-fold cross-validation, predictions pooled"),
}


HELP_DIR = Path(__file__).with_name("help")
HELP_ASKED = (["--help"], ["-h"])


def _help_header() -> str:
    """The first line of a shipped help text: the transformers version whose Trainer arguments it lists."""
    from importlib.metadata import version

    return f"# hf-sleep help text for transformers {version('transformers')}"


def shipped_help(command: str) -> str | None:
    """The shipped `--help` of `command`, or None when missing or written for another transformers version."""
    path = HELP_DIR / f"{command}.txt"
    if not path.is_file():
        return None
    header, _, text = path.read_text(encoding="utf-8").partition("\n")
    return text if header == _help_header() else None


def live_help(command: str) -> str:
    """The `--help` text that `hf-sleep COMMAND` builds from its argument dataclasses (imports torch)."""
    from hf_sleep.training.pipeline import argument_parser

    module = importlib.import_module(TRAINING_COMMANDS[command][0])
    return argument_parser(module.ARGUMENT_TYPES, module.COMMAND).format_help()


def write_shipped_help() -> list[Path]:
    """Writes `training/help/<command>.txt` for every training command with the installed transformers."""
    HELP_DIR.mkdir(exist_ok=True)
    written = []
    for command in TRAINING_COMMANDS:
        path = HELP_DIR / f"{command}.txt"
        path.write_text(f"{_help_header()}\n{live_help(command)}", encoding="utf-8")
        written.append(path)
    return written


def _handler(command: str, module_name: str):
    def handle(args: argparse.Namespace) -> int:
        if args.script_args in HELP_ASKED and (text := shipped_help(command)) is not None:
            print(text, end="")
            return 0
        return int(importlib.import_module(module_name).main(args.script_args) or 0)

    return handle


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    for command, (module_name, help_text) in TRAINING_COMMANDS.items():
        # No option of its own ("+" is a prefix no argument uses): `--help` and every other option reach the
        # script's HfArgumentParser, which lists the recipe's arguments.
        parser = subparsers.add_parser(command, help=help_text, add_help=False, prefix_chars="+")
        parser.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments of the script (--help lists them)")
        parser.set_defaults(handler=_handler(command, module_name))


def _console_script(command: str):
    """The `hf-sleep-<command>` console script: the same as `hf-sleep <command> ...` (and as fast a `--help`)."""

    def main(argv: list[str] | None = None) -> int:
        import sys

        from hf_sleep.cli import main as cli_main

        return cli_main([command, *(sys.argv[1:] if argv is None else argv)])

    main.__name__ = main.__qualname__ = command.replace("-", "_")
    return main


# [project.scripts] hf-sleep-train, -finetune, -evaluate, -cross-validate
train = _console_script("train")
finetune = _console_script("finetune")
evaluate = _console_script("evaluate")
cross_validate = _console_script("cross-validate")

