"""Training, fine-tuning and evaluation of hf_sleep models with the Hugging Face `Trainer`."""

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
