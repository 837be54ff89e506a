"""Sleep-stage label sets and the mappings from scorers' annotation texts to them."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction
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


def rescore_stages(
    stages: Sequence[Hashable | None], seconds: float, target_seconds: float = 30.0
) -> list[Hashable | None]:
    """Stages scored in ``seconds``-s epochs as ``target_seconds``-s epochs: each gets the stage covering most of it.

    5-, 10- or 20-s scoring (R&K-era data: DREAMS, MASS SS1/SS2 score 20-s epochs) becomes the 30-s epochs the
    models use. A scored epoch counts for the seconds it overlaps the new one: for 5- and 10-s epochs that is the
    majority of those inside it, for 20-s epochs the one scoring 20 of its 30 s. Unscored time (``None``) runs as
    a stage of its own, so a new epoch that is mostly unscored stays unscored; so does a tie (15 s of N1, 15 s
    of N2). The result does not depend on the grid the stages are written on (four 5-s ``N2`` are one 20-s ``N2``).

    Args:
        stages: one stage per scored epoch, from the recording's start (any hashable label; ``None``: unscored).
        seconds: the scored epochs' length.
        target_seconds: the new epochs' length.

    Returns:
        One stage (or ``None``) per new epoch, for the whole new epochs the scored ones cover.

    Raises:
        ValueError: a length that is not a positive number of seconds.
    """
    for name, value in (("seconds", seconds), ("target_seconds", target_seconds)):
        if not (isinstance(value, Real) and math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    # Exact fractions: 20-s epochs against 30-s ones meet at boundaries floats would smear.
    step, target = Fraction(seconds).limit_denominator(1000), Fraction(target_seconds).limit_denominator(1000)
    out: list[Hashable | None] = []
    for k in range(int(len(stages) * step // target)):
        start, stop = k * target, (k + 1) * target
        seconds_of: dict[Hashable | None, Fraction] = {}
        for i in range(int(start // step), math.ceil(stop / step)):
            overlap = min(stop, (i + 1) * step) - max(start, i * step)
            seconds_of[stages[i]] = seconds_of.get(stages[i], Fraction(0)) + overlap
        most = max(seconds_of.values())
        leaders = [stage for stage, covered in seconds_of.items() if covered == most]
        out.append(leaders[0] if len(leaders) == 1 else None)
    return out
