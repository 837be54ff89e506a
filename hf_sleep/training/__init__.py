"""Training, fine-tuning and evaluation of hf_sleep models with the Hugging Face `Trainer`.

The names below are imported on first use: the trainer pulls in `datasets` and the `Trainer` stack,
which `hf-sleep` must not pay for when it only builds its parser or stages a night.
"""

from __future__ import annotations

from hf_sleep.lazy_exports import exported_names, lazy_exports

_LAZY: dict[str, tuple[str, ...]] = {
    "arguments": ("DataArguments", "ModelArguments", "SleepTrainingArguments"),
    "data": ("ClassBalancedSampler", "SleepDataCollator", "SleepSequenceDataset", "shift_signals"),
    "metrics": ("build_compute_metrics", "flatten_predictions", "sleep_staging_metrics"),
    "plots": ("plot_confusion_matrix",),
    "trainer": ("EpochEncoderClassifier", "SleepTrainer"),
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
