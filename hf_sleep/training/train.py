"""Train a registered architecture (or continue from a pretrained model) on a converted sleep dataset.

    hf-sleep train --architecture tinysleepnet --dataset sleep-edf-20 --output-dir runs/tiny
    hf-sleep train scripts/configs/tinysleepnet.json --dataset sleep-edf-20 --output-dir runs/tiny

A `.json` recipe as the first argument gives the arguments; flags after it override the recipe.
"""

from __future__ import annotations

from collections.abc import Sequence

from hf_sleep.console import setup_script_output
from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments
from hf_sleep.training.pipeline import parse_arguments, run_training

COMMAND = "train"
ARGUMENT_TYPES = (ModelArguments, DataArguments, SleepTrainingArguments)


def main(argv: Sequence[str] | None = None) -> int:
    model_args, data_args, training_args = parse_arguments(ARGUMENT_TYPES, argv, command=COMMAND)
    setup_script_output("hf-sleep train", quiet=training_args.quiet, progress_bars=not training_args.disable_tqdm)
    run_training(model_args, data_args, training_args)
    return 0

