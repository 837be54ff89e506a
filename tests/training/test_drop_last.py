"""`--dataloader_drop_last` drops training batches only: validation and test scores count every epoch.

Under DDP each rank gets its share of the test split; a share under one eval batch used to give that rank no
batch at all, and `run_training` crashed on the missing predictions. One process with a test split under one
eval batch is the same situation.
"""

from __future__ import annotations

import json

from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments
from hf_sleep.training.pipeline import parse_arguments, run_training

from .helpers import TINY_TINYSLEEPNET, tiny_split


def test_drop_last_keeps_every_test_epoch_when_the_split_is_under_one_batch(tmp_path):
    splits = tiny_split(n_epochs=8)  # test: 2 nights of 8 epochs = 4 sequences of 4, under one batch of 8
    dataset_path = tmp_path / "dataset"
    splits.save_to_disk(str(dataset_path))
    argv = [
        "--model_type", "tinysleepnet", "--config_overrides", json.dumps(TINY_TINYSLEEPNET),
        "--dataset_path", str(dataset_path), "--output_dir", str(tmp_path / "run"), "--use_cpu", "true",
        "--report_to", "none", "--per_device_train_batch_size", "3", "--per_device_eval_batch_size", "8",
        "--dataloader_drop_last", "true", "--max_steps", "1", "--eval_strategy", "no", "--save_strategy", "no",
        "--disable_tqdm", "true", "--dataloader_num_workers", "0", "--seed", "0",
    ]  # fmt: skip
    model_args, data_args, training_args = parse_arguments(
        (ModelArguments, DataArguments, SleepTrainingArguments), argv
    )
    result = run_training(model_args, data_args, training_args, splits=splits)

    assert result.test_metrics["test_n_epochs"] == len(splits["test"]) == 16
    predictions, labels = result.test_predictions
    assert len(predictions) == len(labels) == 16
    # Training still drops its last partial batch: the option is restored after each eval/test dataloader.
    assert result.trainer.args.dataloader_drop_last
    train_batches = list(result.trainer.get_train_dataloader())
    assert all(len(batch["labels"]) == 3 for batch in train_batches)
