"""The confusion matrix as a PNG, counts and row-normalised recall in each cell."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def plot_confusion_matrix(
    matrix: Sequence[Sequence[int]] | np.ndarray,
    stage_names: Sequence[str],
    path: str | os.PathLike,
    title: str = "Confusion matrix",
) -> Path:
    """Writes the confusion matrix (rows = scored stage, columns = predicted stage) to `path` as a PNG.

    Each cell shows the epoch count and its share of the row (the per-stage recall on the diagonal).
    """
    import matplotlib

    matplotlib.use("Agg")  # files only: no display is needed or wanted
    import matplotlib.pyplot as plt

    counts = np.asarray(matrix, dtype=np.int64)
    names = list(stage_names)
    if counts.ndim != 2 or counts.shape != (len(names), len(names)):
        raise ValueError(f"matrix must be {len(names)} x {len(names)} for stages {names}, got shape {counts.shape}")
    row_sums = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, row_sums, out=np.zeros(counts.shape, dtype=float), where=row_sums > 0)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 1.2 + 0.9 * len(names)
    figure, axes = plt.subplots(figsize=(size + 1.2, size))
    image = axes.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="share of scored stage")
    axes.set_xticks(range(len(names)), names)
    axes.set_yticks(range(len(names)), names)
    axes.set_xlabel("Predicted stage")
    axes.set_ylabel("Scored stage")
    axes.set_title(title)
    for row in range(len(names)):
        for column in range(len(names)):
            colour = "white" if shares[row, column] > 0.5 else "black"
            axes.text(
                column, row, f"{counts[row, column]}\n{shares[row, column]:.0%}",
                ha="center", va="center", color=colour, fontsize=8,
            )  # fmt: skip
    figure.tight_layout()
    tmp = path.with_name(path.name + ".tmp")
    figure.savefig(tmp, dpi=120, format="png")
    plt.close(figure)
    os.replace(tmp, path)
    return path
