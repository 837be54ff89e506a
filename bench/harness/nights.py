"""Generated nights in the Sleep-EDF Expanded layout, driven by the real hypnograms of the team data.

Every section measures on the same files. The project's own generator
(`hf_sleep.data.synthetic.write_sleep_edf_night`) writes them where it is importable; until it is, a small
local writer below produces the same layout (7-signal EDF+ PSG with 30-s records, annotation-only
EDF+ hypnogram with the original R&K texts, PhysioNet file names). Only the signal model differs: the
local one sums band-limited noise with stage-dependent amplitudes, which is all the timing and memory
measurements need.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.harness.common import HYPNOGRAM_DIR

EPOCH_SECONDS = 30
SLEEP_TEXTS = ("Sleep stage 1", "Sleep stage 2", "Sleep stage 3", "Sleep stage 4", "Sleep stage R")

try:  # the project's generator, once hf_sleep.data has landed
    from hf_sleep.data.synthetic import write_sleep_edf_night as _project_writer

    GENERATOR = "hf_sleep.data.synthetic.write_sleep_edf_night"
except ImportError:  # pragma: no cover - depends on which branches are merged
    _project_writer = None
    GENERATOR = "bench.harness.nights (local EDF writer; hf_sleep.data not available)"


def real_hypnograms() -> list[Path]:
    """The 20 real sleep-cassette hypnograms (SC4001 … SC4092), or [] where the team data is absent."""
    return sorted(HYPNOGRAM_DIR.glob("SC4*-Hypnogram.edf")) if HYPNOGRAM_DIR.is_dir() else []


def night_stages(hypnogram: Path, hours: float) -> list[str]:
    """`hours` of a real hypnogram as one R&K text per 30-s epoch, from 30 min before the first sleep epoch
    (from half the night before it, for nights shorter than an hour).

    The SC hypnograms span 24 h and start in the afternoon; a benchmark night is the part a user would
    stage: the sleep period with some wake around it.
    """
    import mne

    annotations = mne.read_annotations(hypnogram)
    stages: list[str] = []
    for duration, text in zip(annotations.duration, annotations.description, strict=True):
        stages.extend([str(text)] * int(round(duration / EPOCH_SECONDS)))
    first_sleep = next((i for i, text in enumerate(stages) if text in SLEEP_TEXTS), 0)
    n_epochs = int(round(hours * 3600 / EPOCH_SECONDS))
    # 30 min of wake first, or half of a short night, so that every night holds some sleep.
    start = max(0, first_sleep - min(60, n_epochs // 2))
    night = stages[start : start + n_epochs]
    # A night asked to be longer than the recording is padded with unscored epochs, as real files end.
    return night + ["Sleep stage ?"] * (n_epochs - len(night))


def synthetic_stages(hours: float, seed: int) -> list[str]:
    """A plausible hypnogram without the team data: wake, then ~90-min cycles of N1-N2-N3-N2-REM."""
    rng = np.random.default_rng(seed)
    cycle = ["Sleep stage 1"] * 10 + ["Sleep stage 2"] * 60 + ["Sleep stage 3"] * 40 + ["Sleep stage 2"] * 30
    cycle += ["Sleep stage R"] * 40
    n_epochs = int(round(hours * 3600 / EPOCH_SECONDS))
    stages = ["Sleep stage W"] * min(int(rng.integers(40, 80)), n_epochs // 2)  # short nights hold sleep too
    while len(stages) < n_epochs:
        stages.extend(cycle)
    return stages[:n_epochs]


# Band amplitudes in µV per stage (delta, theta, alpha, sigma, beta): enough contrast to learn from.
_BANDS = ((0.5, 2.0), (4.0, 8.0), (8.0, 12.0), (12.0, 15.0), (15.0, 30.0))
_AMPLITUDES = {
    "W": (6, 5, 14, 2, 8),
    "N1": (12, 14, 5, 2, 4),
    "N2": (22, 10, 3, 9, 3),
    "N3": (60, 12, 2, 3, 2),
    "REM": (9, 14, 5, 2, 5),
}
_RK_TO_AASM = {
    "Sleep stage W": "W",
    "Sleep stage 1": "N1",
    "Sleep stage 2": "N2",
    "Sleep stage 3": "N3",
    "Sleep stage 4": "N3",
    "Sleep stage R": "REM",
}


def _band_noise(rng: np.random.Generator, n: int, sfreq: float, low: float, high: float) -> np.ndarray:
    """Unit-variance noise restricted to [low, high] Hz (FFT mask: one pass over the whole night)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / sfreq)
    spectrum[(freqs < low) | (freqs > high)] = 0
    signal = np.fft.irfft(spectrum, n)
    return signal / (signal.std() + 1e-12)


def _envelope(per_epoch: np.ndarray, samples_per_epoch: int) -> np.ndarray:
    """Per-epoch amplitudes held for each epoch, smoothed over 2 s so stage changes are not steps."""
    held = np.repeat(per_epoch.astype(float), samples_per_epoch)
    width = max(1, samples_per_epoch // 15)
    kernel = np.ones(width) / width
    return np.convolve(held, kernel, mode="same")


def _local_writer(
    out_dir: Path, *, hypnogram: Sequence[str], subject: int, night: int, seed: int
) -> tuple[Path, Path]:
    """Writes a Sleep-EDF SC-style PSG/hypnogram pair from per-epoch R&K stages with edfio."""
    from edfio import Edf, EdfAnnotation, EdfSignal

    rng = np.random.default_rng([seed, subject, night])
    stages = [_RK_TO_AASM.get(text, "W") for text in hypnogram]
    n_epochs = len(stages)
    sfreq = 100
    spe = sfreq * EPOCH_SECONDS
    n = n_epochs * spe

    def eeg(scale: float) -> np.ndarray:
        amplitudes = np.array([_AMPLITUDES[s] for s in stages], dtype=float) * scale
        signal = np.zeros(n)
        for band_index, (low, high) in enumerate(_BANDS):
            signal += _envelope(amplitudes[:, band_index], spe) * _band_noise(rng, n, sfreq, low, high)
        return signal

    rem = np.array([s == "REM" for s in stages], dtype=float)
    wake = np.array([s == "W" for s in stages], dtype=float)
    eog = eeg(0.5) + _envelope(40 * rem + 25 * wake, spe) * _band_noise(rng, n, sfreq, 0.3, 2.0)
    emg_amp = np.array([{"W": 20, "REM": 2}.get(s, 8) for s in stages], dtype=float)
    emg = _envelope(emg_amp, spe) * _band_noise(rng, n, sfreq, 10.0, 45.0)
    seconds = n_epochs * EPOCH_SECONDS

    signals = [
        EdfSignal(eeg(1.0), sfreq, label="EEG Fpz-Cz", physical_dimension="uV"),
        EdfSignal(eeg(0.8), sfreq, label="EEG Pz-Oz", physical_dimension="uV"),
        EdfSignal(eog, sfreq, label="EOG horizontal", physical_dimension="uV"),
        EdfSignal(rng.normal(0, 80, seconds), 1, label="Resp oro-nasal", physical_dimension=""),
        EdfSignal(np.sqrt(_envelope(emg_amp, EPOCH_SECONDS) ** 2 + 1)[:seconds], 1, label="EMG submental",
                  physical_dimension="uV"),
        EdfSignal(36.5 + 0.2 * np.sin(np.linspace(0, 3, seconds)), 1, label="Temp rectal",
                  physical_dimension="DegC"),
        EdfSignal(np.zeros(seconds) + rng.normal(0, 1e-3, seconds), 1, label="Event marker",
                  physical_dimension=""),
    ]
    del emg  # the 1-Hz EMG envelope stands for the real files' 1-Hz EMG RMS channel
    prefix = f"SC4{subject:02d}{night}E"
    psg_path = out_dir / f"{prefix}0-PSG.edf"
    hypnogram_path = out_dir / f"{prefix}C-Hypnogram.edf"
    annotations = []
    start = 0
    for index in range(1, n_epochs + 1):  # runs of equal stages, as in the real files
        if index == n_epochs or hypnogram[index] != hypnogram[start]:
            annotations.append(
                EdfAnnotation(start * EPOCH_SECONDS, (index - start) * EPOCH_SECONDS, hypnogram[start])
            )
            start = index
    # Write to temporary names first: an interrupted run leaves no half-written night behind.
    for path, edf in (
        (psg_path, Edf(signals, data_record_duration=EPOCH_SECONDS)),
        (hypnogram_path, Edf([], annotations=annotations)),
    ):
        partial = path.with_suffix(".partial.edf")
        edf.write(partial)
        partial.replace(path)
    return psg_path, hypnogram_path


def write_night(out_dir: Path, index: int, hours: float, seed: int = 0) -> tuple[Path, Path]:
    """Night number `index` (0-based): the real hypnogram SC4ssN of that rank, `hours` long."""
    hypnograms = real_hypnograms()
    if hypnograms:
        source = hypnograms[index % len(hypnograms)]
        subject, night = int(source.name[3:5]), int(source.name[5])
        stages = night_stages(source, hours)
    else:
        subject, night = index // 2, index % 2 + 1
        stages = synthetic_stages(hours, seed + index)
    if index >= 2 * len(hypnograms or range(20)):
        subject += 50  # more nights than real hypnograms: new subject numbers, same stage sequences
    out_dir.mkdir(parents=True, exist_ok=True)
    if _project_writer is not None:
        psg, hyp = _project_writer(out_dir, hypnogram=stages, subject=subject, night=night, seed=seed)
        return Path(psg), Path(hyp)
    return _local_writer(out_dir, hypnogram=stages, subject=subject, night=night, seed=seed)


def generate_nights(root: Path, n_nights: int, hours: float, seed: int = 0) -> list[tuple[Path, Path]]:
    """`n_nights` nights of `hours` under `root/<hours>h/`, written once and re-used by every section."""
    folder = Path(root) / f"{hours:g}h-seed{seed}"
    manifest = folder / "manifest.json"
    known: dict[str, list[str]] = json.loads(manifest.read_text()) if manifest.is_file() else {}
    pairs = []
    for index in range(n_nights):
        entry = known.get(str(index))
        if entry and all(Path(p).is_file() for p in entry):
            pairs.append((Path(entry[0]), Path(entry[1])))
            continue
        psg, hyp = write_night(folder, index, hours, seed)
        known[str(index)] = [str(psg), str(hyp)]
        manifest.write_text(json.dumps(known, indent=1))
        pairs.append((psg, hyp))
    return pairs
