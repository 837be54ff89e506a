"""Self-supervised pre-training of a per-epoch encoder, then linear / MLP probing of the frozen encoder.

The objectives (DeepSleepBench) live in `hf_sleep.pretraining`:
`hf_sleep.pretraining.build_pretraining_model(model, objective, **objective_kwargs)` wraps an hf_sleep model
into a module whose `forward(input_values=...)` returns an output with a `loss` and keeps the wrapped model
as `.model`. This script trains it with the `SleepTrainer` on the (unlabelled) train split, saves the encoder,
then fits a probe on the frozen encoder's epoch embeddings and reports the test metrics.

    hf-sleep-pretrain --model_type tinysleepnet --objective contrastive --dataset_path sleep-edf-20 \
        --probe linear --output_dir runs/tiny-ssl
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments
from hf_sleep.training.pipeline import parse_arguments

logger = logging.getLogger(__name__)


@dataclass
class PretrainingArguments:
    """The self-supervised objective and the probe that evaluates it."""

    objective: str = field(default="contrastive", metadata={"help": "Objective name known to hf_sleep.pretraining."})
    objective_kwargs: str | None = field(default=None, metadata={"help": "Objective arguments as a JSON object."})
    probe: str = field(default="linear", metadata={"help": "Probe on the frozen encoder: linear or mlp."})
    probe_epochs: float = field(default=20.0, metadata={"help": "Training epochs of the probe."})
    probe_learning_rate: float = field(default=1e-3, metadata={"help": "Learning rate of the probe."})

    def __post_init__(self) -> None:
        if self.probe not in ("linear", "mlp"):
            raise ValueError(f"--probe must be 'linear' or 'mlp', got {self.probe!r}")


def _pretraining_module():
    try:
        from hf_sleep import pretraining
    except ImportError as error:
        raise SystemExit(
            "hf-sleep-pretrain: error: the self-supervised objectives (hf_sleep.pretraining) are not installed in "
            f"this version of hf_sleep ({error})"
        ) from None
    return pretraining


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    model_args, data_args, training_args, pretrain_args = parse_arguments(
        (ModelArguments, DataArguments, SleepTrainingArguments, PretrainingArguments), argv
    )
    pretraining = _pretraining_module()
    from transformers import set_seed

    from hf_sleep.training.data import SleepDataCollator, as_model_inputs
    from hf_sleep.training.pipeline import (
        build_model,
        channel_names_of,
        finalize_training_arguments,
        load_splits,
        run_training,
        signal_shape_of,
        stage_names_of,
    )
    from hf_sleep.training.trainer import SleepTrainer

    training_args = finalize_training_arguments(training_args)
    set_seed(training_args.seed)
    splits = load_splits(data_args)
    train_split = splits[data_args.train_split]
    stage_names = stage_names_of(train_split, data_args)
    n_chans, n_times = signal_shape_of(train_split)
    model = build_model(model_args, stage_names, n_chans, n_times, channel_names_of(train_split, n_chans))
    objective_kwargs = json.loads(pretrain_args.objective_kwargs) if pretrain_args.objective_kwargs else {}
    ssl_model = pretraining.build_pretraining_model(model, pretrain_args.objective, **objective_kwargs)

    # 1. Self-supervised: labels are not used.
    unlabelled = as_model_inputs(train_split, int(model.config.seq_len))
    ssl_args = dataclasses.replace(training_args, eval_strategy="no", load_best_model_at_end=False, label_names=[])
    trainer = SleepTrainer(model=ssl_model, args=ssl_args, train_dataset=unlabelled, data_collator=SleepDataCollator(with_labels=False))
    trainer.train(resume_from_checkpoint=None)
    encoder_dir = f"{training_args.output_dir}/pretrained"
    if trainer.is_world_process_zero():
        model.save_pretrained(encoder_dir)

    # 2. Probe: the frozen encoder with a new linear or MLP head, trained on single labelled epochs.
    probe_model_args = dataclasses.replace(
        model_args, model_type=None, model_name_or_path=encoder_dir, freeze_encoder=True, config_overrides=None
    )
    probe_args = dataclasses.replace(
        training_args,
        output_dir=f"{training_args.output_dir}/probe",
        num_train_epochs=pretrain_args.probe_epochs,
        learning_rate=pretrain_args.probe_learning_rate,
        encoder_only=True,
        encoder_probe=pretrain_args.probe,
    )
    result = run_training(probe_model_args, data_args, probe_args, splits=splits)
    print(json.dumps({k: v for k, v in result.test_metrics.items() if k != "test_confusion_matrix"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
