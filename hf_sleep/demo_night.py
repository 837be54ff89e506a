"""A generated demo night in the Sleep-EDF layout, for the model explorer and examples.

Uses the project's synthetic-PSG generator (`hf_sleep.data.synthetic`) when it is installed; otherwise a
small stand-in below writes stage-dependent rhythms over background noise. Either way the file is
deterministic for a given seed and is generated on demand, never shipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

DEMO_CHANNELS: tuple[str, ...] = ("EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal")
# Stand-in rhythms: (centre frequency in Hz, amplitude in µV) per stage.
_RHYTHMS = {"W": (10.0, 12.0), "N1": (6.0, 18.0), "N2": (13.0, 20.0), "N3": (1.0, 70.0), "REM": (6.0, 15.0)}


def demo_hypnogram(hours: float = 8.0, seed: int = 0) -> list[str]:
    """A plausible night, one label per 30 s: sleep onset after ~15 min, ~90-min NREM-REM cycles whose
    N3 shrinks and REM grows across the night, brief awakenings, and wake at the end."""
    rng = np.random.default_rng(seed)
    n_epochs = max(int(round(hours * 120)), 1)
    labels = ["W"] * min(30, n_epochs)
    cycle_index = 0
    while len(labels) < n_epochs:
        n3 = max(40 - 12 * cycle_index, 0)
        rem = min(10 + 10 * cycle_index, 50)
        labels += ["N1"] * 8 + ["N2"] * int(rng.integers(30, 50)) + ["N3"] * n3 + ["N2"] * 20 + ["REM"] * rem
        if rng.random() < 0.6:
            labels += ["W"] * int(rng.integers(1, 6))
        cycle_index += 1
    labels = labels[:n_epochs]
    tail = min(20, n_epochs // 10)
    return labels[: n_epochs - tail] + ["W"] * tail


def _stand_in_signals(hypnogram: list[str], sfreq: float, seed: int) -> dict[str, np.ndarray]:
    from scipy.signal import butter, sosfiltfilt

    rng = np.random.default_rng(seed)
    per_epoch = int(round(30 * sfreq))
    n_samples = per_epoch * len(hypnogram)
    # Pink-ish background: integrated white noise, high-passed at 0.3 Hz.
    background = sosfiltfilt(butter(2, 0.3, "highpass", fs=sfreq, output="sos"), np.cumsum(rng.standard_normal(n_samples)))
    background *= 8.0 / background.std()
    t = np.arange(n_samples) / sfreq
    frequency = np.repeat([_RHYTHMS[stage][0] for stage in hypnogram], per_epoch)
    amplitude = np.repeat([_RHYTHMS[stage][1] for stage in hypnogram], per_epoch)
    # Slowly drifting phase and amplitude so epochs of one stage are not identical.
    drift = np.cumsum(rng.normal(0.0, 0.02, n_samples))
    rhythm = amplitude * (0.7 + 0.3 * np.sin(2 * np.pi * t / 7.0)) * np.sin(2 * np.pi * frequency * t + drift)
    eeg = background + rhythm
    eog = 0.5 * background + np.where(np.repeat([s in ("W", "REM") for s in hypnogram], per_epoch),
                                      40.0 * np.sin(2 * np.pi * 0.5 * t), 0.0)
    second = sosfiltfilt(butter(2, [0.3, 30.0], "bandpass", fs=sfreq, output="sos"), eeg + 5 * rng.standard_normal(n_samples))
    return {"EEG Fpz-Cz": eeg, "EEG Pz-Oz": 0.8 * second, "EOG horizontal": eog}


def make_demo_night(
    out_dir: str | os.PathLike, hours: float = 8.0, *, seed: int = 0, sfreq: float = 100.0
) -> Path:
    """Writes (or re-uses) a generated night `demo-night-<hours>h-seed<seed>.edf` in `out_dir`; returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    hypnogram = demo_hypnogram(hours, seed)
    try:  # the team's full generator, when present
        from hf_sleep.data.synthetic import write_sleep_edf_night
    except ImportError:
        write_sleep_edf_night = None
    if write_sleep_edf_night is not None:
        psg_path, _ = write_sleep_edf_night(out_dir, hypnogram=hypnogram, subject=0, night=1, seed=seed)
        return Path(psg_path)

    from edfio import Edf, EdfSignal

    path = out_dir / f"demo-night-{hours:g}h-seed{seed}.edf"
    if path.is_file():
        return path
    signals = _stand_in_signals(hypnogram, sfreq, seed)
    edf = Edf(
        [EdfSignal(data, sampling_frequency=sfreq, label=label, physical_dimension="uV")
         for label, data in signals.items()],
        data_record_duration=30.0,
    )
    temporary = path.with_name(f".{path.name}.partial")
    edf.write(temporary)
    os.replace(temporary, path)  # another process never sees a half-written night
    return path
