"""Argument dataclasses of the training commands, parsed by `HfArgumentParser` from the command line or one JSON
recipe: the project's own (`options.py`) and [`SleepTrainingArguments`], transformers' `TrainingArguments` with them."""

from __future__ import annotations

from dataclasses import dataclass

from transformers import TrainingArguments

from hf_sleep.training.options import (  # noqa: F401 - re-exported: what the training commands parse
    CrossValidationArguments,
    DataArguments,
    ModelArguments,
    SleepTrainingOptions,
)


@dataclass
class SleepTrainingArguments(SleepTrainingOptions, TrainingArguments):
    """`TrainingArguments` plus the optimisation details of the sleep-staging papers ([`SleepTrainingOptions`])."""

    def __post_init__(self) -> None:
        if self.batch_size is not None:
            self.per_device_train_batch_size = self.per_device_eval_batch_size = self.batch_size
        if self.quiet:
            self.disable_tqdm = True
            self.log_level = "warning"
        super().__post_init__()
        if self.dataloader_pin_memory and (self.use_cpu or not _accelerator_available()):
            # Pinned host memory only speeds up copies to an accelerator; on a CPU run torch warns about it.
            self.dataloader_pin_memory = False
        if self.encoder_probe not in ("linear", "mlp"):
            raise ValueError(f"--encoder_probe must be 'linear' or 'mlp', got {self.encoder_probe!r}")


def _accelerator_available() -> bool:
    import torch

    accelerator = getattr(torch, "accelerator", None)
    return accelerator.is_available() if accelerator is not None else torch.cuda.is_available()
