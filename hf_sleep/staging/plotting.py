"""Hypnogram and stage-probability plots (matplotlib, no display needed)."""

from __future__ import annotations

import datetime as dt
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
    start_time: dt.datetime | None = None,
    time_axis: str = "clock",
    lights_off: float | None = None,
    lights_on: float | None = None,
    note: str | None = None,
):
    """Draws the hypnogram (top) and, when given, the stage probabilities stacked over the night (bottom).

    Args:
        stages: one stage label per epoch.
        probabilities: `(n_epochs, len(stage_names))` probabilities in `stage_names` order, or `None`.
        stage_names: the label set in class-index order.
        epoch_seconds: epoch length.
        title: figure title.
        path: where to save a PNG (the figure is returned either way).
        start_time: the recording's start (the EDF header's date and time); needed for clock time.
        time_axis: `"clock"` (time of day from `start_time`, hours from the start when it is unknown) or
            `"hours"` (hours from the recording start).
        lights_off: lights-off in seconds from the recording start, marked with a line; the time before it
            is shaded.
        lights_on: lights-on in seconds from the recording start, marked likewise.
        note: a warning written across the hypnogram, e.g. that the model has random weights.

    Returns:
        The `matplotlib.figure.Figure` (built without pyplot, so it is safe in servers and threads).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if time_axis not in ("clock", "hours"):
        raise ValueError(f"time_axis must be 'clock' or 'hours', got {time_axis!r}")
    stage_names = list(stage_names)
    order = display_order(stage_names)
    n_epochs = len(stages)
    hours = np.arange(n_epochs + 1) * epoch_seconds / 3600.0
    if probabilities is not None:
        probabilities = np.asarray(probabilities, dtype=float)
        if probabilities.shape != (n_epochs, len(stage_names)):
            raise ValueError(
                f"probabilities must have shape ({n_epochs}, {len(stage_names)}), got {probabilities.shape}"
            )

    n_rows = 2 if probabilities is not None else 1
    figure = Figure(figsize=(12, 2.6 * n_rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(n_rows, 1, sharex=True, squeeze=False)[:, 0]
    _draw_stages(axes[0], stages, order, hours, title, note)
    if probabilities is not None:
        _draw_probabilities(axes[1], probabilities, stage_names, order, hours)
    _mark_lights(axes, lights_off, lights_on, hours[-1])
    axes[-1].set_xlim(0, hours[-1])
    if time_axis == "clock" and start_time is not None:
        _clock_axis(axes[-1], start_time, hours[-1])
    else:
        axes[-1].set_xlabel("Time from recording start (h)")
    if path is not None:
        figure.savefig(path, dpi=100)
    return figure


def _draw_stages(
    axis, stages: Sequence[str], order: list[str], hours: np.ndarray, title: str | None, note: str | None
) -> None:
    """The hypnogram: one step per epoch, stages top to bottom in `order`, REM drawn thick in its colour."""
    level = {name: index for index, name in enumerate(order)}
    levels = np.array([level.get(stage, np.nan) for stage in stages], dtype=float)
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
    if note:
        axis.text(0.5, 0.5, note, transform=axis.transAxes, ha="center", va="center", fontsize=15,
                  fontweight="bold", color="#c1121f", zorder=10, gid="note",
                  bbox={"facecolor": "white", "edgecolor": "#c1121f", "alpha": 0.9, "boxstyle": "round"})  # fmt: skip


def _draw_probabilities(
    axis, probabilities: np.ndarray, stage_names: list[str], order: list[str], hours: np.ndarray
) -> None:
    """The stage probabilities stacked over the night, in the hypnogram's order and the stages' colours."""
    colors = [STAGE_COLORS.get(name, f"C{i}") for i, name in enumerate(stage_names)]
    columns = [stage_names.index(name) for name in order]
    # Stairs-like stacked bands: repeat each epoch's value over its whole 30 s.
    x = np.repeat(hours, 2)[1:-1]
    stacked = np.repeat(probabilities[:, columns], 2, axis=0).T
    axis.stackplot(x, stacked, labels=order, colors=[colors[c] for c in columns], linewidth=0)
    axis.set_ylim(0, 1)
    axis.set_ylabel("Probability")
    axis.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)


def clock_label(start_time: dt.datetime, hours: float) -> str:
    """The time of day `hours` after `start_time`, as `HH:MM`."""
    return (start_time + dt.timedelta(hours=float(hours))).strftime("%H:%M")


def _clock_axis(axis, start_time: dt.datetime, total_hours: float) -> None:
    """Ticks on the full clock hours (every 2 h past 12 h) labelled `HH:MM`; data stays in hours from start."""
    from matplotlib.ticker import FixedLocator, FuncFormatter

    past_hour = (start_time.minute * 60 + start_time.second + start_time.microsecond / 1e6) / 3600.0
    first = (1.0 - past_hour) % 1.0
    step = 1.0 if total_hours <= 12 else 2.0
    if step == 2.0 and (start_time.hour + first) % 2:  # even hours: 00:00, 02:00, ...
        first += 1.0
    axis.xaxis.set_major_locator(FixedLocator(np.arange(first, total_hours + 1e-9, step)))
    axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: clock_label(start_time, value)))
    axis.set_xlabel(f"Clock time (recording started {start_time:%Y-%m-%d %H:%M})")


def _mark_lights(axes, lights_off: float | None, lights_on: float | None, total_hours: float) -> None:
    """Vertical lines at lights-off/on, the lit time before and after shaded, labels on the top panel."""
    for seconds, label in ((lights_off, "lights off"), (lights_on, "lights on")):
        if seconds is None:
            continue
        at = seconds / 3600.0
        for axis in axes:
            axis.axvline(at, color="#6c757d", linestyle="--", linewidth=1.2, gid=label)
        # labels inside the lights-out period: right of lights-off, left of lights-on
        text, side = (f" {label}", "left") if label == "lights off" else (f"{label} ", "right")
        axes[0].text(at, -0.5, text, ha=side, va="bottom", fontsize="small", color="#495057", gid=f"{label} label")
    lit = []
    if lights_off is not None:
        lit.append((0.0, lights_off / 3600.0))
    if lights_on is not None:
        lit.append((lights_on / 3600.0, total_hours))
    for begin, end in lit:
        for axis in axes:
            axis.axvspan(begin, end, color="#adb5bd", alpha=0.25, linewidth=0)
