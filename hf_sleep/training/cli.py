"""`hf-sleep train | finetune | evaluate | cross-validate`: the training scripts as sub-commands.

Everything after the sub-command goes to the script's own `HfArgumentParser` (`hf-sleep train --help`).
"""

from __future__ import annotations

import argparse
import importlib

# sub-command -> (module with `main(argv)`, help line)
TRAINING_COMMANDS: dict[str, tuple[str, str]] = {
    "train": ("hf_sleep.training.train", "train an architecture on a converted dataset (Trainer)"),
    "finetune": ("hf_sleep.training.finetune", "fine-tune a pretrained model on another dataset"),
    "evaluate": ("hf_sleep.training.evaluation", "evaluate a model: metrics table, JSON and confusion-matrix plot"),
    "cross-validate": ("hf_sleep.training.cross_validate", "subject-wise k-fold cross-validation, predictions pooled"),
}


def _handler(module_name: str):
    def handle(args: argparse.Namespace) -> int:
        return int(importlib.import_module(module_name).main(args.script_args) or 0)

    return handle


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    for command, (module_name, help_text) in TRAINING_COMMANDS.items():
        # No option of its own ("+" is a prefix no argument uses): `--help` and every other option reach the
        # script's HfArgumentParser, which lists the recipe's arguments.
        parser = subparsers.add_parser(command, help=help_text, add_help=False, prefix_chars="+")
        parser.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments of the script (--help lists them)")
        parser.set_defaults(handler=_handler(module_name))
