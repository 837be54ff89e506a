"""`compute_metrics` for the `Trainer`: sequence outputs flattened, `-100` labels dropped, metrics pooled."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import torch


@lru_cache(maxsize=1)
def load_sleep_staging_metric():
    """The package's local `evaluate` module (loaded from its folder: no Hub access)."""
    import evaluate

    from hf_sleep.metrics import SLEEP_STAGING_METRIC_PATH

    return evaluate.load(SLEEP_STAGING_METRIC_PATH)


def flatten_predictions(predictions: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flattens logits `(..., K)` or class indices `(...)` and labels `(...)` to 1-D, dropping `-100` labels.

    Sequence models give `(batch, seq_len, K)` logits and `(batch, seq_len)` labels, single-epoch models
    `(batch, K)` and `(batch,)`; both end up as one prediction per scored epoch.
    """
    predictions = np.asarray(predictions)
    labels = np.asarray(labels)
    if predictions.ndim == labels.ndim + 1:
        predictions = predictions.argmax(axis=-1)
    if predictions.shape != labels.shape:
        raise ValueError(
            f"predictions of shape {predictions.shape} do not match labels of shape {labels.shape}; expected "
            "logits (..., num_labels) or class indices with the labels' shape"
        )
    predictions, labels = predictions.reshape(-1), labels.reshape(-1)
    scored = labels != -100
    return predictions[scored].astype(np.int64), labels[scored].astype(np.int64)


def sleep_staging_metrics(
    predictions: np.ndarray, labels: np.ndarray, stage_names: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro-F1, kappa, balanced accuracy, per-stage F1 and confusion matrix of pooled epochs."""
    flat_predictions, flat_labels = flatten_predictions(predictions, labels)
    return load_sleep_staging_metric().compute(
        predictions=flat_predictions,
        references=flat_labels,
        num_labels=len(stage_names),
        label_names=list(stage_names),
    )


def build_compute_metrics(stage_names: Sequence[str]) -> Callable[[Any], dict[str, Any]]:
    """A `compute_metrics` for the `Trainer` that reports the sleep-staging metrics with these stage names."""
    names = list(stage_names)

    def compute_metrics(eval_prediction) -> dict[str, Any]:
        predictions = eval_prediction.predictions
        if isinstance(predictions, tuple):  # (logits, hidden states, ...): the logits come first
            predictions = predictions[0]
        return sleep_staging_metrics(predictions, eval_prediction.label_ids, names)

    return compute_metrics


def preprocess_logits_for_metrics(logits: torch.Tensor | tuple, labels: torch.Tensor) -> torch.Tensor:
    """Keeps only the arg-max class during evaluation, so whole test sets of logits never pile up in memory."""
    if isinstance(logits, tuple):
        logits = logits[0]
    return logits.argmax(dim=-1)
