"""Fine-tune a pretrained sleep-staging model on another dataset.

    hf-sleep finetune --model runs/tiny --dataset my-lab-nights --output-dir runs/tiny-lab \
        [--ignore_mismatched_sizes true]   # a new label set: a fresh classifier
        [--freeze_encoder true]            # train only what follows the per-epoch encoder
        [--encoder_learning_rate 1e-6]     # or let the encoder learn slower than the rest
"""

from __future__ import annotations

from collections.abc import Sequence

from hf_sleep.console import setup_script_output
from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments
from hf_sleep.training.pipeline import parse_arguments, run_training

COMMAND = "finetune"
ARGUMENT_TYPES = (ModelArguments, DataArguments, SleepTrainingArguments)


def main(argv: Sequence[str] | None = None) -> int:
    model_args, data_args, training_args = parse_arguments(ARGUMENT_TYPES, argv, command=COMMAND)
    setup_script_output("hf-sleep finetune", quiet=training_args.quiet, progress_bars=not training_args.disable_tqdm)
    if model_args.model_name_or_path is None or model_args.model_type is not None:
        raise ValueError("fine-tuning starts from --model (a Hub repository or a saved folder), not --architecture")
    from hf_sleep.pretrained import bundled_name, pretrained_path

    if bundled_name(model_args.model_name_or_path):  # e.g. hf-sleep/seqsleepnet-physioex-eeg, shipped in the package
        model_args.model_name_or_path = str(pretrained_path(model_args.model_name_or_path))
    run_training(model_args, data_args, training_args)
    return 0

