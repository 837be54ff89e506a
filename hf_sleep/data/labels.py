"""Sleep-stage label sets and the mappings from scorers' annotation texts to them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Real

from hf_sleep.models.sleep_base.signals import AASM_STAGES

AASM_LABELS: tuple[str, ...] = AASM_STAGES
"""The five AASM stages, in the order of their class ids (``W`` = 0 … ``REM`` = 4): the models' ``AASM_STAGES``."""

RODENT_LABELS: tuple[str, ...] = ("Wake", "NREM", "REM")
"""The three rodent vigilance states, in the order of their class ids."""

IGNORE_INDEX: int = -100
"""Label of an epoch that is kept but not scored (``torch.nn.CrossEntropyLoss`` ignores it)."""

IGNORED = None
"""Value in a label map for an annotation that is known but carries no stage (``Movement time``)."""

SLEEP_EDF_LABEL_MAP: dict[str, str | None] = {
    "Sleep stage W": "W",
    "Sleep stage 1": "N1",
    "Sleep stage 2": "N2",
    "Sleep stage 3": "N3",
    "Sleep stage 4": "N3",
    "Sleep stage R": "REM",
    "Sleep stage ?": IGNORED,
    "Movement time": IGNORED,
}
"""R&K annotation texts of Sleep-EDF (and MASS) mapped to AASM; stages 3 and 4 merge into N3."""

RODENT_LABEL_MAP: dict[str, str | None] = {
    "Wake": "Wake",
    "W": "Wake",
    "Non REM": "NREM",
    "NREM": "NREM",
    "N": "NREM",
    "REM": "REM",
    "R": "REM",
    "Unscored": IGNORED,
    "A": IGNORED,
}
"""Rodent scoring texts (focolab ``Score`` column, SlumberNet ``W``/``N``/``R``) mapped to states."""

SLEEP_STAGES: frozenset[str] = frozenset({"N1", "N2", "N3", "REM", "NREM"})
"""States that count as sleep when trimming wake around the sleep period."""


def label_ids(label_map: Mapping[str, str | None], names: tuple[str, ...]) -> dict[str, int]:
    """Turn a text→stage map into a text→class-id map (``IGNORE_INDEX`` for ignored texts).

    Args:
        label_map: annotation text to stage name (one of ``names``) or ``None`` (ignored).
        names: the class names, in class-id order.

    Returns:
        A dict from annotation text to class id.
    """
    ids = {}
    for text, stage in label_map.items():
        if stage is None:
            ids[text] = IGNORE_INDEX
        elif stage in names:
            ids[text] = names.index(stage)
        else:
            raise ValueError(f"label map sends {text!r} to {stage!r}, which is not one of {names}")
    return ids


def label_key(text: str) -> str:
    """How stage texts are compared: ignoring case and runs of spaces (``"Sleep  stage W"`` is ``"sleep stage w"``)."""
    return " ".join(str(text).split()).casefold()


def label_runs(labels: Sequence[str]) -> list[tuple[int, int, str]]:
    """Run-length encoding of per-epoch labels: ``(first_index, length, label)`` per run of equal labels.

    The one encoder behind every hypnogram written as intervals (annotation files, NSRR events, CSV runs).
    """
    runs: list[tuple[int, int, str]] = []
    for index, label in enumerate(labels):
        if runs and runs[-1][2] == label:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1, label)
        else:
            runs.append((index, 1, label))
    return runs


def _check_epoch_seconds(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")


def rescore_intervals(
    onsets: Sequence[float],
    durations: Sequence[float],
    stages: Sequence[str | None],
    to_seconds: float,
) -> list[str | None]:
    """Stages on a grid of ``to_seconds`` epochs from time 0: each epoch takes the stage that covers most of it.

    The one rule for putting a hypnogram on another epoch grid (5-, 10- or 20-s codes onto 30-s epochs, a
    stage table whose intervals start off the grid). Time that no interval covers, or that an interval marks
    ``None`` (unscored, movement), counts as unscored: an epoch mostly unscored stays unscored, and a tie between
    the largest shares (a 30-s epoch half N1, half N2) leaves it unscored rather than pick one.

    Args:
        onsets: interval starts in seconds from the recording start.
        durations: interval lengths in seconds (non-negative).
        stages: the stage of each interval, ``None`` for unscored.
        to_seconds: the length of the output epochs.

    Returns:
        One stage (or ``None``) per ``to_seconds`` epoch, from epoch 0 to the last one any interval reaches.
    """
    _check_epoch_seconds("to_seconds", to_seconds)
    if not len(onsets) == len(durations) == len(stages):
        raise ValueError(f"{len(onsets)} onsets, {len(durations)} durations and {len(stages)} stages: one each per interval")
    tolerance = 1e-6 * to_seconds  # float onsets such as 0.1 * 300 land a hair off the grid
    shares: dict[int, dict[str | None, float]] = {}
    for onset, duration, stage in zip(onsets, durations, stages, strict=True):
        start, end = max(float(onset), 0.0), float(onset) + float(duration)
        if end - start <= tolerance:
            continue
        for epoch in range(int((start + tolerance) // to_seconds), math.ceil((end - tolerance) / to_seconds)):
            overlap = min(end, (epoch + 1) * to_seconds) - max(start, epoch * to_seconds)
            cell = shares.setdefault(epoch, {})
            cell[stage] = cell.get(stage, 0.0) + overlap
    n_epochs = max(shares) + 1 if shares else 0
    out: list[str | None] = []
    for epoch in range(n_epochs):
        cell = dict(shares.get(epoch, {}))
        covered = sum(cell.values())
        if to_seconds - covered > tolerance:
            cell[None] = cell.get(None, 0.0) + to_seconds - covered
        ranked = sorted(cell.values(), reverse=True)
        best = max(cell, key=lambda stage: cell[stage])
        tie = len(ranked) > 1 and ranked[0] - ranked[1] <= tolerance
        out.append(None if tie else best)
    return out


def rescore(stages: Sequence[str | None], from_seconds: float, to_seconds: float) -> list[str | None]:
    """One stage per ``from_seconds`` epoch → one per ``to_seconds`` epoch, by majority of time, ties unscored.

    ``rescore(five_second_codes, 5, 30)`` gives 30-s epochs, each the stage of most of its six 5-s codes;
    ``rescore(codes, 20, 30)`` weighs each 20-s code by the seconds it shares with the 30-s epoch. Both grids
    start at time 0; a last partial epoch is kept only when its covered part outweighs the uncovered one.
    See `rescore_intervals` for the rule.

    Args:
        stages: one stage per input epoch, ``None`` for unscored.
        from_seconds: the input epoch length.
        to_seconds: the output epoch length.
    """
    _check_epoch_seconds("from_seconds", from_seconds)
    onsets = [index * from_seconds for index in range(len(stages))]
    return rescore_intervals(onsets, [from_seconds] * len(stages), stages, to_seconds)
