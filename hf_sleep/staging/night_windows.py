"""The windows of a night and the fusion of their scores: plain numpy, shared by the torch and ONNX runtimes.

Sequence models see `seq_len` consecutive epochs at a time. A night of N epochs is cut into overlapping windows
([`window_starts`]), and each epoch's stage is decided by the sum of the log-probabilities that every window
containing it gave it ([`NightPrediction`]; a model with `window_fusion = "probability"`, RobustSleepNet, averages
the probabilities instead).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class NightPrediction:
    """Fused predictions for one night.

    Args:
        log_prob_sum: `(n_epochs, num_labels)` sum of the log-probabilities of every window containing the epoch
            (for probability fusion: `n_windows * log(mean probability)`, so that both read the same way).
        n_windows: `(n_epochs,)` how many windows scored each epoch.
        stage_names: the label names in class-index order.
    """

    log_prob_sum: np.ndarray
    n_windows: np.ndarray
    stage_names: list[str]

    @property
    def probabilities(self) -> np.ndarray:
        """`(n_epochs, num_labels)` normalised geometric mean of the window probabilities (rows sum to 1)."""
        mean_log_prob = self.log_prob_sum / self.n_windows[:, None]
        shifted = np.exp(mean_log_prob - mean_log_prob.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    @property
    def stages(self) -> np.ndarray:
        """`(n_epochs,)` class index with the highest fused log-probability."""
        return self.log_prob_sum.argmax(axis=1)

    @property
    def stage_labels(self) -> list[str]:
        return [self.stage_names[index] for index in self.stages]


def window_starts(n_epochs: int, window: int, stride: int = 1, offset: int = 0) -> list[int]:
    """Start indices of the windows over a night; the first window always starts at the first epoch and the last
    always ends at the last epoch. `offset` shifts the grid of the others (`offset, offset + stride, ...`): models
    of a consensus staged at a stride > 1 with different offsets see each epoch at different window positions."""
    if n_epochs < 1:
        raise ValueError(f"a night needs at least one epoch, got {n_epochs}")
    if window < 1 or stride < 1 or offset < 0:
        raise ValueError(f"window and stride must be positive, got window={window}, stride={stride}, offset={offset}")
    if n_epochs <= window:
        return [0]
    starts = list(range(offset % stride, n_epochs - window + 1, stride))
    if not starts or starts[0] != 0:  # an offset past the last full window leaves only the two ends
        starts.insert(0, 0)
    if starts[-1] != n_epochs - window:
        starts.append(n_epochs - window)
    return starts
