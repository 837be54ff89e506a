"""Training, fine-tuning and evaluation of hf_sleep models with the Hugging Face `Trainer`.

The names below are imported on first use: the trainer pulls in `datasets` and the `Trainer` stack,
which `hf-sleep` must not pay for when it only builds its parser or stages a night.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hf_sleep.training.arguments import DataArguments, ModelArguments, SleepTrainingArguments
    from hf_sleep.training.data import (
        ClassBalancedSampler,
        SleepDataCollator,
        SleepSequenceDataset,
        shift_signals,
    )
    from hf_sleep.training.metrics import build_compute_metrics, flatten_predictions, sleep_staging_metrics
    from hf_sleep.training.plots import plot_confusion_matrix
    from hf_sleep.training.trainer import EpochEncoderClassifier, SleepTrainer

_EXPORTS: dict[str, str] = {
    "DataArguments": "arguments",
    "ModelArguments": "arguments",
    "SleepTrainingArguments": "arguments",
    "ClassBalancedSampler": "data",
    "SleepDataCollator": "data",
    "SleepSequenceDataset": "data",
    "shift_signals": "data",
    "build_compute_metrics": "metrics",
    "flatten_predictions": "metrics",
    "sleep_staging_metrics": "metrics",
    "plot_confusion_matrix": "plots",
    "EpochEncoderClassifier": "trainer",
    "SleepTrainer": "trainer",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "ClassBalancedSampler",
    "DataArguments",
    "EpochEncoderClassifier",
    "ModelArguments",
    "SleepDataCollator",
    "SleepSequenceDataset",
    "SleepTrainer",
    "SleepTrainingArguments",
    "build_compute_metrics",
    "flatten_predictions",
    "plot_confusion_matrix",
    "shift_signals",
    "sleep_staging_metrics",
]
