"""Small recordings for the staging tests, written with edfio in the Sleep-EDF layout.

Signals come from the project's synthetic-PSG generator (`hf_sleep.data.synthetic`); `write_edf` lets a
test choose file names, units and channel rates that the generator's exact Sleep-EDF writer does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


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
    """`(n_samples,)` µV of Fpz-Cz EEG following the hypnogram, from the project's synthetic-PSG generator."""
    from hf_sleep.data.synthetic import synthesize_night

    return synthesize_night(list(hypnogram), sfreq=sfreq, channels=("EEG Fpz-Cz",), seed=seed)[0].astype(np.float32)


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
    """A night under any file name, with Sleep-EDF's `EEG Fpz-Cz`, `EEG Pz-Oz`, `EOG horizontal` (100 Hz) and
    a 1-Hz temperature channel; signals from the project's generator."""
    from hf_sleep.data.synthetic import synthesize_night

    channels = ("EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal")
    signals = synthesize_night(list(hypnogram), sfreq=100.0, channels=channels, seed=seed)
    return write_edf(path, dict(zip(channels, signals, strict=True)))


def yasa_excerpt(shared_data: Path, repeats: int = 4) -> tuple[np.ndarray, float]:
    """Real EEG at 200 Hz: YASA's 30-s N3 snippet (upsampled from 100 Hz) then its 15-s N2 snippet twice,
    `repeats` times: `repeats` × 60 s of µV."""
    from scipy.signal import resample_poly

    n3 = np.loadtxt(shared_data / "yasa" / "data_N3_no-spindles_30sec_100Hz.txt")
    n2 = np.loadtxt(shared_data / "yasa" / "data_N2_spindles_15sec_200Hz.txt")
    n3_200 = resample_poly(n3, 2, 1)
    block = np.concatenate([n3_200, n2, n2])
    return np.tile(block, repeats), 200.0
