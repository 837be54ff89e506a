"""Hypnogram and stage-probability plots (matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

# Conventional colours of the AASM stages; other label sets fall back to the tab10 cycle.
STAGE_COLORS: dict[str, str] = {
    "W": "#f4a261",
    "N1": "#a8dadc",
    "N2": "#457b9d",
    "N3": "#1d3557",
    "REM": "#e63946",
    "R": "#e63946",
}


def display_order(stage_names: Sequence[str]) -> list[str]:
    """Stages top to bottom as hypnograms are drawn: wake, REM, then deepening NREM (N1, N2, N3)."""
    preferred = ["W", "Wake", "REM", "R", "N1", "N2", "N3", "NREM"]
    known = [name for name in preferred if name in stage_names]
    return known + [name for name in stage_names if name not in known]


def plot_hypnogram(
    stages: Sequence[str],
    probabilities: np.ndarray | None,
    stage_names: Sequence[str],
    epoch_seconds: float = 30.0,
    *,
    title: str | None = None,
    path: str | Path | None = None,
):
    """Draws the hypnogram (top) and, when given, the stage probabilities stacked over the night (bottom).

    Args:
        stages: one stage label per epoch.
        probabilities: `(n_epochs, len(stage_names))` probabilities in `stage_names` order, or `None`.
        stage_names: the label set in class-index order.
        epoch_seconds: epoch length; the x axis is in hours from the recording start.
        title: figure title.
        path: where to save a PNG (the figure is returned either way).

    Returns:
        The `matplotlib.figure.Figure` (built without pyplot, so it is safe in servers and threads).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    stage_names = list(stage_names)
    order = display_order(stage_names)
    colors = [STAGE_COLORS.get(name, f"C{i}") for i, name in enumerate(stage_names)]
    n_epochs = len(stages)
    hours = np.arange(n_epochs + 1) * epoch_seconds / 3600.0
    level = {name: index for index, name in enumerate(order)}
    levels = np.array([level.get(stage, np.nan) for stage in stages], dtype=float)

    n_rows = 2 if probabilities is not None else 1
    figure = Figure(figsize=(12, 2.6 * n_rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(n_rows, 1, sharex=True, squeeze=False)[:, 0]
    axis = axes[0]
    axis.stairs(levels, hours, baseline=None, color="black", linewidth=1.0)
    for name in order:  # colour the REM (and other) segments like the probability bands
        mask = np.array([stage == name for stage in stages])
        if mask.any() and name in ("REM", "R"):
            axis.stairs(np.where(mask, levels, np.nan), hours, baseline=None, color=STAGE_COLORS[name], linewidth=3)
    axis.set_yticks(range(len(order)), order)
    axis.set_ylim(len(order) - 0.5, -0.5)
    axis.set_ylabel("Stage")
    axis.set_title(title or "Hypnogram")
    axis.grid(axis="x", alpha=0.3)

    if probabilities is not None:
        probabilities = np.asarray(probabilities, dtype=float)
        if probabilities.shape != (n_epochs, len(stage_names)):
            raise ValueError(
                f"probabilities must have shape ({n_epochs}, {len(stage_names)}), got {probabilities.shape}"
            )
        axis = axes[1]
        columns = [stage_names.index(name) for name in order]
        # Stairs-like stacked bands: repeat each epoch's value over its whole 30 s.
        x = np.repeat(hours, 2)[1:-1]
        stacked = np.repeat(probabilities[:, columns], 2, axis=0).T
        axis.stackplot(x, stacked, labels=order, colors=[colors[c] for c in columns], linewidth=0)
        axis.set_ylim(0, 1)
        axis.set_ylabel("Probability")
        axis.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    axes[-1].set_xlabel("Time from recording start (h)")
    axes[-1].set_xlim(0, hours[-1])
    if path is not None:
        figure.savefig(path, dpi=100)
    return figure
