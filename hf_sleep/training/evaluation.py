"""Evaluate a trained model on a split of a converted dataset: metrics table, JSON and confusion-matrix plot.

    hf-sleep evaluate --model runs/tiny --dataset sleep-edf-20 --output-dir runs/tiny-eval
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from hf_sleep.console import setup_script_output
from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments
from hf_sleep.training.pipeline import parse_arguments, run_training

COMMAND = "evaluate"
ARGUMENT_TYPES = (ModelArguments, DataArguments, SleepTrainingArguments)


def main(argv: Sequence[str] | None = None) -> int:
    model_args, data_args, training_args = parse_arguments(ARGUMENT_TYPES, argv, command=COMMAND)
    setup_script_output("hf-sleep evaluate", quiet=training_args.quiet, progress_bars=not training_args.disable_tqdm)
    if model_args.model_name_or_path is None:
        raise ValueError("evaluation needs --model (a Hub repository or a saved folder)")
    training_args = dataclasses.replace(training_args, eval_strategy="no", report_to="none")
    import datasets

    from hf_sleep.training.pipeline import load_raw_dataset

    loaded = load_raw_dataset(data_args)
    # A single dataset is evaluated whole; a split one on its test split.
    splits = datasets.DatasetDict({data_args.test_split: loaded}) if isinstance(loaded, datasets.Dataset) else loaded
    result = run_training(model_args, data_args, training_args, splits=splits, do_train=False)
    if not result.test_metrics:
        raise ValueError(f"the dataset has no {data_args.test_split!r} split to evaluate on")
    return 0

