"""Subject-wise k-fold cross-validation, with the predictions of all folds pooled before the metrics.

Sleep-staging papers report one accuracy / macro-F1 / kappa over all test epochs of all folds (20 folds on
Sleep-EDF-20, 10 on Sleep-EDF-78), not the mean of per-fold scores; this script does the same and also
keeps the per-fold numbers.

    hf-sleep cross-validate scripts/configs/tinysleepnet.json --dataset sleep-edf-20 --n_folds 20 \
        --output-dir runs/tiny-cv
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hf_sleep.console import setup_script_output
from hf_sleep.training.arguments import (
    CrossValidationArguments,
    DataArguments,
    ModelArguments,
    SleepTrainingArguments,
)
from hf_sleep.training.pipeline import parse_arguments, run_training, stage_names_of, write_metrics_report

logger = logging.getLogger(__name__)


def run_cross_validation(
    folds: Sequence[Any],
    model_args: ModelArguments,
    data_args: DataArguments,
    training_args: SleepTrainingArguments,
    fold_numbers: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Trains and tests one model per fold and pools the test predictions.

    Folds are numbered from 1 everywhere: fold `k` of `n` is logged as "fold k/n", trained in
    `output_dir/fold_<k>` and reported under `per_fold[k]` and in `cv_folds`.

    Args:
        folds: one `DatasetDict` per fold with a train and a test split (and optionally a validation split).
        fold_numbers: which folds to run (1 to `len(folds)`); all by default.

    Returns:
        The pooled metrics (`cv_` prefixed) with `per_fold` metrics; also written to `output_dir`.
    """
    from hf_sleep.training.metrics import sleep_staging_metrics

    numbers = list(range(1, len(folds) + 1)) if fold_numbers is None else list(fold_numbers)
    for number in numbers:
        if not 1 <= number <= len(folds):
            raise ValueError(f"fold numbers run from 1 to {len(folds)}, got {number}")
    predictions, references, per_fold = [], [], {}
    stage_names = None
    for number in numbers:
        fold = folds[number - 1]
        if data_args.test_split not in fold:
            raise ValueError(f"fold {number} has no {data_args.test_split!r} split; it has {list(fold)}")
        fold_args = dataclasses.replace(training_args, output_dir=os.path.join(training_args.output_dir, f"fold_{number}"))
        if data_args.validation_split not in fold and fold_args.eval_strategy != "no":
            # no validation subjects: train for the set steps, nothing to select checkpoints or stop early on
            fold_args = dataclasses.replace(
                fold_args, eval_strategy="no", load_best_model_at_end=False, early_stopping_patience=None
            )
        logger.info("fold %d/%d: %s", number, len(folds), {name: len(split) for name, split in fold.items()})
        result = run_training(model_args, data_args, fold_args, splits=fold)
        fold_predictions, fold_references = result.test_predictions
        predictions.append(fold_predictions)
        references.append(fold_references)
        per_fold[number] = {key: value for key, value in result.test_metrics.items() if key != "test_confusion_matrix"}
        stage_names = stage_names_of(fold[data_args.test_split], data_args)
    pooled = sleep_staging_metrics(np.concatenate(predictions), np.concatenate(references), stage_names)
    metrics = {f"cv_{key}": value for key, value in pooled.items()}
    metrics["cv_folds"] = numbers
    metrics["per_fold"] = per_fold
    if training_args.process_index == 0:
        write_metrics_report(metrics, stage_names, training_args.output_dir, "cv")
        np.savez(
            Path(training_args.output_dir) / "cv_predictions.npz",
            predictions=np.concatenate(predictions),
            references=np.concatenate(references),
        )
    return metrics


COMMAND = "cross-validate"
ARGUMENT_TYPES = (ModelArguments, DataArguments, SleepTrainingArguments, CrossValidationArguments)


def main(argv: Sequence[str] | None = None) -> int:
    model_args, data_args, training_args, cv_args = parse_arguments(ARGUMENT_TYPES, argv, command=COMMAND)
    setup_script_output("hf-sleep cross-validate", quiet=training_args.quiet, progress_bars=not training_args.disable_tqdm)
    import datasets

    from hf_sleep.data import subject_kfold
    from hf_sleep.training.pipeline import load_raw_dataset

    loaded = load_raw_dataset(data_args)
    if isinstance(loaded, datasets.DatasetDict):  # all recordings take part in the folds
        loaded = datasets.concatenate_datasets(list(loaded.values()))
    # each fold holds out --validation_size of its training subjects for checkpoint selection, as the papers do
    folds = subject_kfold(
        loaded, n_folds=cv_args.n_folds, seed=cv_args.fold_seed, validation_size=data_args.validation_size
    )
    metrics = run_cross_validation(folds, model_args, data_args, training_args, cv_args.folds)
    print(json.dumps({k: v for k, v in metrics.items() if k not in ("per_fold", "cv_confusion_matrix")}, indent=2))
    return 0

