"""`hf-sleep train | finetune | evaluate | cross-validate`: training with the Hugging Face `Trainer`.

Everything after the sub-command (a `.json` recipe first, then flags) goes to one `HfArgumentParser` built from
the project's argument dataclasses (`options.py`) and transformers' `TrainingArguments`. `--help` lists the
project's own flags from those dataclasses without importing torch; the Trainer's flags are passed through, and
`--help-trainer` lists all of them for the installed transformers (building that parser imports torch).
"""

from __future__ import annotations

import argparse
import dataclasses
import textwrap
from collections.abc import Sequence

from hf_sleep.training.options import (
    CrossValidationArguments,
    DataArguments,
    ModelArguments,
    SleepTrainingOptions,
)

_TRAINING_OPTIONS = (ModelArguments, DataArguments, SleepTrainingOptions)

# sub-command -> (the project's own argument dataclasses, help line)
TRAINING_COMMANDS: dict[str, tuple[tuple[type, ...], str]] = {
    "train": (_TRAINING_OPTIONS, "train an architecture on a converted dataset (Trainer)"),
    "finetune": (_TRAINING_OPTIONS, "fine-tune a pretrained model on another dataset"),
    "evaluate": (_TRAINING_OPTIONS, "evaluate a model: metrics table, JSON and confusion-matrix plot"),
    "cross-validate": (
        (*_TRAINING_OPTIONS, CrossValidationArguments),
        "subject-wise k-fold cross-validation, predictions pooled",
    ),
}

HELP_ASKED = (["--help"], ["-h"])
HELP_WIDTH = 100
TRAINER_HELP_ASKED = ["--help-trainer"]


def _metavar(field: dataclasses.Field) -> str | None:
    """How `--help` shows a field's value (the annotation is a string: the dataclasses use postponed annotations)."""
    annotation = str(field.type).replace(" | None", "")
    if annotation == "bool":
        return "{true,false}"
    if annotation.startswith("list["):
        return f"{annotation[5:-1].upper()} [{annotation[5:-1].upper()} ...]"
    return annotation.upper()


def help_parser(command: str) -> argparse.ArgumentParser:
    """The parser whose `--help` `hf-sleep COMMAND --help` prints: the project's own flags, one group per dataclass.

    It only documents: `HfArgumentParser` parses, from the same dataclasses, so the two cannot disagree on a name.
    """
    option_types, help_text = TRAINING_COMMANDS[command]
    description = (
        f"{help_text[0].upper()}{help_text[1:]}. A .json recipe first gives the arguments; flags after it override "
        "the recipe."
    )
    epilog = (
        "Every flag of transformers' TrainingArguments is accepted as well (--output_dir, --learning_rate, "
        "--num_train_epochs, --per_device_train_batch_size, --seed, --report_to, ...); "
        f"`hf-sleep {command} --help-trainer` lists them all for the installed transformers."
    )
    parser = argparse.ArgumentParser(
        prog=f"hf-sleep {command}",
        usage=f"hf-sleep {command} [RECIPE.json] [--FLAG VALUE ...]",
        # Wrapped here, where flags and command names are not broken at their hyphens.
        description=textwrap.fill(description, HELP_WIDTH, break_on_hyphens=False),
        epilog=textwrap.fill(epilog, HELP_WIDTH, break_on_hyphens=False),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="store_true", help="show this help message and exit")
    parser.add_argument("--help-trainer", action="store_true", help="list every flag, the Trainer's included")
    for option_type in option_types:
        group = parser.add_argument_group(option_type.__name__, (option_type.__doc__ or "").strip())
        for field in dataclasses.fields(option_type):
            default = field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default
            group.add_argument(
                f"--{field.name}",
                *field.metadata.get("aliases", []),
                metavar=_metavar(field),
                help=f"{field.metadata.get('help', '')} (default: {default})",
            )
    return parser


def live_help(command: str) -> str:
    """Every flag `hf-sleep COMMAND` accepts, from the `HfArgumentParser` it parses with (imports torch)."""
    from hf_sleep.training.pipeline import argument_parser

    return argument_parser(_script(command).ARGUMENT_TYPES, command).format_help()


def _script(command: str):
    """The module whose `main(argv)` runs `command`."""
    from hf_sleep.training import cross_validate, evaluation, finetune, train

    return {"train": train, "finetune": finetune, "evaluate": evaluation, "cross-validate": cross_validate}[command]


def _handler(command: str):
    def handle(args: argparse.Namespace) -> int:
        if args.script_args in HELP_ASKED:
            print(help_parser(command).format_help(), end="")
            return 0
        if args.script_args == TRAINER_HELP_ASKED:
            print(live_help(command), end="")
            return 0
        return int(_script(command).main(args.script_args) or 0)

    return handle


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    for command, (_, help_text) in TRAINING_COMMANDS.items():
        # No option of its own ("+" is a prefix no argument uses): every flag reaches the command's
        # HfArgumentParser; `--help` and `--help-trainer` alone are answered by the handler.
        parser = subparsers.add_parser(command, help=help_text, add_help=False, prefix_chars="+")
        parser.add_argument("script_args", nargs=argparse.REMAINDER, help="a .json recipe and flags (--help lists them)")
        parser.set_defaults(handler=_handler(command))


def own_flags(command: str) -> Sequence[str]:
    """The option strings `hf-sleep COMMAND --help` documents (its own flags, without `--help`/`--help-trainer`)."""
    return [
        option
        for action in help_parser(command)._actions
        if action.dest not in ("help", "help_trainer")
        for option in action.option_strings
    ]
