"""A generated demo night in the Sleep-EDF layout, for the model explorer and examples.

Written by the project's synthetic-PSG generator (`hf_sleep.data.synthetic`) in the Sleep-EDF layout:
deterministic for a given seed and generated on demand, never shipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

DEMO_CHANNELS: tuple[str, ...] = ("EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal")


def demo_hypnogram(hours: float = 8.0, seed: int = 0) -> list[str]:
    """A plausible night, one label per 30 s: sleep onset after 15 min, NREM-REM cycles of 80-90 min
    whose N3 shrinks (30, 20, 10 min, then none) and REM grows (9 min, then 6 min more per cycle up to 25),
    brief awakenings, and wake at the end. The first REM period starts 60-80 min after sleep onset and REM
    fills about a fifth of the night, as in healthy young adults (Carskadon & Dement, *Principles and Practice
    of Sleep Medicine*: REM latency 70-120 min, REM 20-25 % of sleep, N3 in the first third)."""
    rng = np.random.default_rng(seed)
    n_epochs = max(int(round(hours * 120)), 1)
    labels = ["W"] * min(30, n_epochs)
    cycle_index = 0
    while len(labels) < n_epochs:
        n3 = max(60 - 20 * cycle_index, 0)
        n2_after = int(rng.integers(20, 30)) + (60 - n3) // 2  # later cycles: N2 where N3 was
        rem = min(18 + 12 * cycle_index, 50)
        labels += ["N1"] * int(rng.integers(6, 10)) + ["N2"] * int(rng.integers(40, 60)) + ["N3"] * n3
        labels += ["N2"] * n2_after + ["REM"] * rem
        if rng.random() < 0.6:
            labels += ["W"] * int(rng.integers(1, 6))
        cycle_index += 1
    labels = labels[:n_epochs]
    tail = min(20, n_epochs // 10)
    return labels[: n_epochs - tail] + ["W"] * tail


def make_demo_night(
    out_dir: str | os.PathLike, hours: float = 8.0, *, seed: int = 0, sfreq: float = 100.0
) -> Path:
    """Writes a generated night (`SC4001E0-PSG.edf` and its hypnogram) in `out_dir`; returns the PSG path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    from hf_sleep.data.synthetic import write_sleep_edf_night

    psg_path, _ = write_sleep_edf_night(out_dir, hypnogram=demo_hypnogram(hours, seed), subject=0, night=1, seed=seed)
    return Path(psg_path)
