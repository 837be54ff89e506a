"""Synthetic hypnograms and the stage spellings the generator understands (AASM, R&K, rodent)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["synthetic_hypnogram"]

_HUMAN_ALIASES = {
    "W": "W", "WAKE": "W", "0": "W", "SLEEP STAGE W": "W",
    "N1": "N1", "1": "N1", "S1": "N1", "SLEEP STAGE 1": "N1",
    "N2": "N2", "2": "N2", "S2": "N2", "SLEEP STAGE 2": "N2",
    "N3": "N3", "3": "N3", "S3": "N3", "SLEEP STAGE 3": "N3",
    "4": "S4", "S4": "S4", "SLEEP STAGE 4": "S4",
    "REM": "REM", "R": "REM", "SLEEP STAGE R": "REM",
    "MT": "MT", "MOVEMENT TIME": "MT",
    "?": "?", "SLEEP STAGE ?": "?", "UNSCORED": "?", "UNKNOWN": "?",
}  # fmt: skip
_MOUSE_ALIASES = {
    "WAKE": "Wake", "W": "Wake", "NREM": "NREM", "NON REM": "NREM", "N": "NREM",
    "REM": "REM", "R": "REM", "UNSCORED": "?", "?": "?", "A": "?",
}  # fmt: skip

def normalise_stages(stages: Sequence[str | int], species: str) -> list[str]:
    aliases = _HUMAN_ALIASES if species == "human" else _MOUSE_ALIASES
    out = []
    for stage in stages:
        key = str(stage).strip()
        artefact = species != "human" and key.upper().endswith(" X")
        if artefact:
            key = key[:-2]
        state = aliases.get(key.upper())
        if state is None:
            raise ValueError(f"unknown stage {stage!r} for species {species!r}; known: {sorted(aliases)}")
        out.append(state)
    return out


def synthetic_hypnogram(
    n_hours: float = 8.0,
    *,
    seed: int = 0,
    species: str = "human",
    epoch_seconds: float = 30.0,
    wake_before_hours: float = 0.25,
    wake_after_hours: float = 0.25,
) -> list[str]:
    """A plausible hypnogram: wake, ~90-min NREM/REM cycles (N3 early, REM late), wake.

    Args:
        n_hours: hours of the sleep period (between the two wake periods).
        seed: random seed.
        species: ``"human"`` (AASM labels) or ``"mouse"`` (``Wake``/``NREM``/``REM``, short bouts).
        epoch_seconds: epoch length in seconds.
        wake_before_hours: wake before sleep onset.
        wake_after_hours: wake after the final awakening.

    Returns:
        One label per epoch.
    """
    rng = np.random.default_rng([seed, 31337])
    per_min = 60.0 / epoch_seconds
    stages: list[str] = []
    if species == "mouse":
        total = int(n_hours * 60 * per_min)
        while len(stages) < total:
            state = rng.choice(["Wake", "NREM", "REM"], p=[0.45, 0.47, 0.08])
            minutes = {"Wake": rng.exponential(4), "NREM": rng.exponential(6), "REM": rng.uniform(0.5, 2)}[
                state
            ]
            stages += [str(state)] * max(1, int(minutes * per_min))
        return stages[:total]
    stages += ["W"] * int(wake_before_hours * 60 * per_min)
    sleep_epochs = int(n_hours * 60 * per_min)
    sleep: list[str] = []
    cycle = 0
    while len(sleep) < sleep_epochs:
        depth = max(0.0, 1.0 - 0.3 * cycle)
        minutes = {
            "N1": rng.uniform(2, 7),
            "N2": rng.uniform(15, 30),
            "N3": 35 * depth * rng.uniform(0.6, 1.2),
            "N2b": rng.uniform(5, 15),
            "REM": min(40.0, 8 + 8 * cycle) * rng.uniform(0.7, 1.3),
        }
        for key, dur in minutes.items():
            sleep += [key.rstrip("b")] * int(dur * per_min)
        if rng.random() < 0.5:
            sleep += ["W"] * int(rng.uniform(1, 4) * per_min)
        cycle += 1
    stages += sleep[:sleep_epochs]
    stages += ["W"] * int(wake_after_hours * 60 * per_min)
    return stages
