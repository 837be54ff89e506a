"""Small recordings for the staging tests, written with edfio in the Sleep-EDF layout.

Signals follow a hypnogram loosely (noise plus a stage-dependent rhythm); they are only meant to be read,
not to be staged correctly. The team's synthetic-PSG generator can replace `stage_like_signal` later.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

# Dominant rhythm (Hz) and amplitude (µV) per stage.
RHYTHMS = {"W": (10.0, 15.0), "N1": (6.0, 20.0), "N2": (13.0, 25.0), "N3": (1.0, 75.0), "REM": (5.0, 20.0)}


def cycling_hypnogram(hours: float, seed: int = 0) -> list[str]:
    """Wake, then ~90-min cycles N1-N2-N3-N2-REM, then wake: one label per 30 s."""
    rng = np.random.default_rng(seed)
    n_epochs = int(round(hours * 120))
    cycle = ["N1"] * 10 + ["N2"] * 50 + ["N3"] * 40 + ["N2"] * 40 + ["REM"] * 40
    labels = ["W"] * 30
    while len(labels) < n_epochs - 20:
        labels += cycle
        if rng.random() < 0.5:
            labels += ["W"] * 4
    return (labels[: n_epochs - 20] + ["W"] * 20)[:n_epochs]


def stage_like_signal(hypnogram: Sequence[str], sfreq: float = 100.0, seed: int = 0) -> np.ndarray:
    """`(n_samples,)` µV: white noise plus each epoch's stage rhythm."""
    rng = np.random.default_rng(seed)
    per_epoch = int(30 * sfreq)
    frequency = np.repeat([RHYTHMS[s][0] for s in hypnogram], per_epoch)
    amplitude = np.repeat([RHYTHMS[s][1] for s in hypnogram], per_epoch)
    t = np.arange(len(frequency)) / sfreq
    return (amplitude * np.sin(2 * np.pi * frequency * t) + 10 * rng.standard_normal(len(t))).astype(np.float32)


def write_edf(
    path: str | Path,
    signals: dict[str, np.ndarray],
    sfreq: float | dict[str, float] = 100.0,
    *,
    unit: str = "uV",
    slow_channel: bool = True,
) -> Path:
    """Writes `{label: µV samples}` as EDF+ (plus a 1-Hz `Temp rectal` channel as Sleep-EDF has)."""
    from edfio import Edf, EdfSignal

    rates = sfreq if isinstance(sfreq, dict) else dict.fromkeys(signals, sfreq)
    edf_signals = [
        EdfSignal(np.asarray(data, dtype=np.float64), sampling_frequency=rates[label], label=label,
                  physical_dimension=unit)
        for label, data in signals.items()
    ]
    if slow_channel:
        seconds = len(next(iter(signals.values()))) / rates[next(iter(signals))]
        edf_signals.append(
            EdfSignal(36.5 + 0.1 * np.sin(np.arange(int(seconds)) / 600), sampling_frequency=1.0,
                      label="Temp rectal", physical_dimension="DegC")
        )
    # 30-s data records as in Sleep-EDF (the signal length is a whole number of epochs here).
    Edf(edf_signals, data_record_duration=30.0 if _whole(signals, rates, 30.0) else 1.0).write(path)
    return Path(path)


def _whole(signals, rates, seconds) -> bool:
    return all(len(data) % int(rates[label] * seconds) == 0 for label, data in signals.items())


def write_sleep_edf_night(path: str | Path, hypnogram: Sequence[str], seed: int = 0) -> Path:
    """A night in the Sleep-EDF layout: `EEG Fpz-Cz`, `EEG Pz-Oz`, `EOG horizontal` at 100 Hz, 1-Hz temperature."""
    fpz = stage_like_signal(hypnogram, seed=seed)
    pz = stage_like_signal(hypnogram, seed=seed + 1)
    eog = 0.5 * stage_like_signal(hypnogram, seed=seed + 2)
    return write_edf(path, {"EEG Fpz-Cz": fpz, "EEG Pz-Oz": pz, "EOG horizontal": eog})


def yasa_excerpt(shared_data: Path, repeats: int = 4) -> tuple[np.ndarray, float]:
    """Real EEG at 200 Hz: YASA's 30-s N3 snippet (upsampled from 100 Hz) then its 15-s N2 snippet twice,
    `repeats` times: `repeats` × 60 s of µV."""
    from scipy.signal import resample_poly

    n3 = np.loadtxt(shared_data / "yasa" / "data_N3_no-spindles_30sec_100Hz.txt")
    n2 = np.loadtxt(shared_data / "yasa" / "data_N2_spindles_15sec_200Hz.txt")
    n3_200 = resample_poly(n3, 2, 1)
    block = np.concatenate([n3_200, n2, n2])
    return np.tile(block, repeats), 200.0
