"""Synthetic nights written in the Sleep-EDF Expanded, MASS and rodent (focolab) file layouts.

The signals come from ``signals.synthesize_night``; these writers name and lay out the files as each
source does (header fields, data-record length, hypnogram or score files), atomically.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..checks import apply_umask
from ..edf import SYNTHETIC_EQUIPMENT, read_annotations, write_annotations_edf, write_edf
from ..labels import label_runs
from ..rodent import read_rodent_scores
from .hypnograms import normalise_stages, synthetic_hypnogram
from .signals import channel_kind, synthesize_night

__all__ = [
    "MASS_CHANNELS",
    "MASS_EPOCH_SECONDS",
    "RODENT_CHANNELS",
    "SLEEP_EDF_CHANNELS",
    "write_mass_night",
    "write_rodent_recording",
    "write_sleep_edf_night",
]

SLEEP_EDF_CHANNELS: dict[str, tuple[tuple[str, float, str], ...]] = {
    "SC": (
        ("EEG Fpz-Cz", 100.0, "uV"),
        ("EEG Pz-Oz", 100.0, "uV"),
        ("EOG horizontal", 100.0, "uV"),
        ("Resp oro-nasal", 1.0, ""),
        ("EMG submental", 1.0, "uV"),
        ("Temp rectal", 1.0, "DegC"),
        ("Event marker", 1.0, ""),
    ),
    "ST": (
        ("EEG Fpz-Cz", 100.0, "uV"),
        ("EEG Pz-Oz", 100.0, "uV"),
        ("EOG horizontal", 100.0, "uV"),
        ("EMG submental", 100.0, "uV"),
        ("Marker", 10.0, ""),
    ),
}
"""Signals of the Sleep-EDF Expanded PSG files: label, sampling rate (Hz), physical dimension."""

MASS_CHANNELS: tuple[str, ...] = (
    "EEG F3-{ref}", "EEG C3-{ref}", "EEG C4-{ref}", "EEG O1-{ref}",
    "EOG Left Horiz", "EOG Right Horiz", "EMG Chin1", "ECG ECGI",
)  # fmt: skip
"""Default MASS signal labels; ``{ref}`` is the EEG reference (``CLE`` or ``LER``)."""

RODENT_CHANNELS: tuple[str, ...] = ("EEG", "EMG")
"""Signal labels of the rodent EDF layout."""


_AASM_TO_RK = {"W": "Sleep stage W", "N1": "Sleep stage 1", "N2": "Sleep stage 2", "N3": "Sleep stage 3",
               "S4": "Sleep stage 4", "REM": "Sleep stage R", "MT": "Movement time", "?": "Sleep stage ?"}  # fmt: skip


def _epoch_stages(
    onset: np.ndarray, duration: np.ndarray, text: np.ndarray, n_epochs: int, epoch: float
) -> list[str]:
    """Annotation intervals → one annotation text per epoch (``Sleep stage ?`` where none)."""
    labels = np.full(n_epochs, "Sleep stage ?", dtype=object)
    for o, d, t in zip(onset, duration, text, strict=True):
        first, last = int(round(o / epoch)), int(round((o + d) / epoch))
        labels[max(first, 0) : min(last, n_epochs)] = t
    return list(labels)


def atomic_write(path: Path, write) -> Path:
    """Call ``write(tmp_path)`` then move the file into place, so no partial file is left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        apply_umask(tmp)  # mkstemp made it private
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_psg(
    path: Path,
    data_by_channel: Sequence[tuple[str, np.ndarray, float, str]],
    *,
    start: dt.datetime,
    patient_field: str,
    record_duration: float,
    annotations: Sequence[tuple[float, float, str]] = (),
    driver: str = "generated",
) -> Path:
    """Writes generated signals as EDF+, atomically; the recording field says they are synthetic and what
    drove them."""
    return atomic_write(
        path,
        lambda tmp: write_edf(
            tmp, data_by_channel, annotations=annotations, start=start, patient=patient_field,
            equipment=SYNTHETIC_EQUIPMENT, additional=(driver.replace(" ", "_")[:30],),
            record_duration=record_duration,
        ),
    )  # fmt: skip


def _downsample_channel(x: np.ndarray, sfreq: float, rate: float, kind: str) -> np.ndarray:
    """Bring a synthesised channel from ``sfreq`` to its layout rate (block RMS for EMG, block mean else)."""
    if rate == sfreq:
        return x
    factor = int(round(sfreq / rate))
    blocks = x[: len(x) // factor * factor].reshape(-1, factor)
    if kind == "emg":
        return np.sqrt(np.mean(blocks.astype(np.float64) ** 2, axis=1)).astype(np.float32)
    return blocks.mean(axis=1).astype(np.float32)


def write_sleep_edf_night(
    out_dir: str | os.PathLike,
    *,
    hypnogram: str | os.PathLike | Sequence[str] | None,
    subject: int,
    night: int,
    study: str = "SC",
    seed: int = 0,
    duration_hours: float | None = None,
) -> tuple[Path, Path]:
    """Write one synthetic night as a Sleep-EDF Expanded PSG/hypnogram pair.

    The PSG has the study's signals, rates and 30-s data records (see ``SLEEP_EDF_CHANNELS``); the
    hypnogram is an annotation-only EDF+ with the original R&K texts. Files are named by the
    PhysioNet rules: ``SC4ssNE0-PSG.edf`` + ``SC4ssNEC-Hypnogram.edf`` or ``ST7ssNJ0-PSG.edf`` +
    ``ST7ssNJR-Hypnogram.edf``.

    Args:
        out_dir: destination folder (created if needed).
        hypnogram: a real Sleep-EDF hypnogram file (copied byte for byte under the matching name;
            its scorer letter is kept), a sequence of per-epoch stages (AASM or R&K texts), or
            ``None`` for a synthetic hypnogram.
        subject: subject number (0–99).
        night: night number (1 or 2).
        study: ``"SC"`` (sleep cassette) or ``"ST"`` (sleep telemetry).
        seed: seed of the signals; the subject traits use ``seed`` and ``subject`` only, so both
            nights of a subject share them.
        duration_hours: PSG length. ``None``: like the real files, the PSG ends where the final
            ``Sleep stage ?`` annotation starts (SC hypnograms run past the PSG), else at the end
            of the hypnogram.

    Returns:
        ``(psg_path, hypnogram_path)``.
    """
    if study not in SLEEP_EDF_CHANNELS:
        raise ValueError(f"study must be 'SC' or 'ST', got {study!r}")
    if not (0 <= subject <= 99 and 0 <= night <= 9):
        raise ValueError(f"subject must be 0-99 and night 0-9, got {subject}, {night}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix, letter, start, patient_field = _sleep_edf_identity(study, subject, night)
    epoch = 30.0
    real: Path | None = None
    if hypnogram is None:
        hypnogram = synthetic_hypnogram(8.0, seed=seed * 1000 + subject * 10 + night)
    if isinstance(hypnogram, (str, os.PathLike)):
        real = Path(hypnogram)
        header, onset, duration, text = read_annotations(real)
        match = re.search(r"(?:SC4\d{3}E|ST7\d{3}J)([A-Z0-9])-Hypnogram", real.name)
        letter = match.group(1) if match else letter
        start, patient_field = header.start, _patient_field(real)
        annotations = list(zip(onset.tolist(), duration.tolist(), [str(t) for t in text], strict=True))
    else:
        annotations = _rk_annotations(hypnogram, epoch, unscored_tail=study == "SC")
    psg_seconds = _psg_seconds(annotations, duration_hours)
    n_epochs = int(psg_seconds // epoch)
    if n_epochs < 1:
        raise ValueError(f"PSG would be {psg_seconds} s long: shorter than one 30-s epoch")
    onset = np.array([a[0] for a in annotations])
    duration = np.array([a[1] for a in annotations])
    texts = np.array([a[2] for a in annotations], dtype=object)
    stages = _epoch_stages(onset, duration, texts, n_epochs, epoch)
    data = _sleep_edf_signals(study, stages, epoch, seed * 100003 + subject * 10 + night, seed * 100003 + subject * 10)
    psg_path = out_dir / f"{prefix}0-PSG.edf"
    hyp_path = out_dir / f"{prefix}{letter}-Hypnogram.edf"
    driver = "generated" if real is None else f"real-{real.name.removesuffix('.edf')}"
    write_psg(psg_path, data, start=start, patient_field=patient_field, record_duration=epoch, driver=driver)
    if real is not None:
        atomic_write(hyp_path, lambda tmp: shutil.copyfile(real, tmp))
    else:
        atomic_write(
            hyp_path,
            lambda tmp: write_annotations_edf(tmp, annotations, start=start, patient=patient_field),
        )
    return psg_path, hyp_path


def _sleep_edf_signals(
    study: str, stages: Sequence[str], epoch: float, seed: int, subject_seed: int
) -> list[tuple[str, np.ndarray, float, str]]:
    """`(label, signal, rate, unit)` of each of the study's channels, synthesised at 100 Hz and brought to its
    rate (see ``SLEEP_EDF_CHANNELS``)."""
    layout = SLEEP_EDF_CHANNELS[study]
    labels = [label for label, _, _ in layout]
    signals = synthesize_night(
        stages, sfreq=100.0, epoch_seconds=epoch, channels=labels, seed=seed, subject_seed=subject_seed
    )
    return [
        (label, _downsample_channel(x, 100.0, rate, channel_kind(label)), rate, unit)
        for (label, rate, unit), x in zip(layout, signals, strict=True)
    ]


def _sleep_edf_identity(study: str, subject: int, night: int) -> tuple[str, str, dt.datetime, str]:
    """`(file prefix, hypnogram scorer letter, start, EDF patient field)` of a generated Sleep-EDF night."""
    prefix = f"SC4{subject:02d}{night}E" if study == "SC" else f"ST7{subject:02d}{night}J"
    start = dt.datetime(
        1989 if study == "SC" else 1994, 4, 1, 16 if study == "SC" else 23, 13
    ) + dt.timedelta(days=2 * subject + night)
    patient_field = (
        f"X {'F' if subject % 2 else 'M'} X {'Female' if subject % 2 else 'Male'}_{25 + subject % 70}yr"
    )
    return prefix, "C" if study == "SC" else "R", start, patient_field


def _rk_annotations(stages: Sequence[str], epoch: float, unscored_tail: bool) -> list[tuple[float, float, str]]:
    """Per-epoch stages as Sleep-EDF's R&K annotations, one per run; with `unscored_tail`, a `Sleep stage ?` run
    past the end as PhysioNet's SC hypnograms have."""
    rk = [_AASM_TO_RK.get(normalise_stages([s], "human")[0]) for s in stages]
    annotations = [(i * epoch, n * epoch, label) for i, n, label in label_runs(rk)]
    if unscored_tail:
        end = annotations[-1][0] + annotations[-1][1]
        annotations.append((end, 6900.0, "Sleep stage ?"))
    return annotations


def _psg_seconds(annotations: list[tuple[float, float, str]], duration_hours: float | None) -> float:
    """The PSG's length: as asked, else where a final `Sleep stage ?` starts (as in the real files), else the
    end of the hypnogram."""
    if duration_hours is not None:
        return duration_hours * 3600.0
    if annotations[-1][2] == "Sleep stage ?" and len(annotations) > 1:
        return annotations[-1][0]
    return annotations[-1][0] + annotations[-1][1]


def _patient_field(path: Path) -> str:
    with open(path, "rb") as f:
        return f.read(88)[8:].decode("latin-1").strip()


_MASS_RK = {**_AASM_TO_RK, "MT": "Sleep stage ?"}  # MASS has no movement-time annotation
MASS_EPOCH_SECONDS = {1: 30.0, 2: 20.0, 3: 30.0, 4: 20.0, 5: 20.0}
"""Scoring epoch length of each MASS subset (SS1, SS3 AASM 30 s; SS2, SS4, SS5 R&K 20 s)."""


def write_mass_night(
    out_dir: str | os.PathLike,
    *,
    hypnogram: Sequence[str] | None = None,
    subset: int = 3,
    subject: int = 1,
    seed: int = 0,
    sfreq: float = 256.0,
    reference: str = "CLE",
    channels: Sequence[str] | None = None,
    n_hours: float = 7.5,
) -> tuple[Path, Path]:
    """Write one synthetic night in the MASS layout: ``01-0S-NNNN PSG.edf`` + ``01-0S-NNNN Base.edf``.

    As in MASS, scoring starts a non-integer number of seconds into the recording, each scored
    epoch is its own annotation (``Sleep stage W``, ``1``, ``2``, ``3``, ``4`` (R&K subsets only),
    ``R``, ``?``), SS2/SS4/SS5 are scored in 20-s epochs and SS1/SS3 in 30-s epochs.

    Args:
        out_dir: destination folder.
        hypnogram: per-epoch stages (AASM or R&K); ``None`` for a synthetic one of ``n_hours``.
        subset: MASS subset 1–5 (sets the epoch length).
        subject: subject number within the subset.
        seed: random seed.
        sfreq: sampling rate of every signal.
        reference: EEG reference written into the labels (``CLE`` or ``LER``).
        channels: signal labels; defaults to ``MASS_CHANNELS`` with ``reference``.
        n_hours: length of a synthetic hypnogram's sleep period.

    Returns:
        ``(psg_path, base_path)``.
    """
    if subset not in MASS_EPOCH_SECONDS:
        raise ValueError(f"MASS subset must be 1-5, got {subset}")
    epoch = MASS_EPOCH_SECONDS[subset]
    out_dir = Path(out_dir)
    if hypnogram is None:
        hypnogram = synthetic_hypnogram(n_hours, seed=seed * 1000 + subject, epoch_seconds=epoch)
    stages = normalise_stages(hypnogram, "human")
    if subset in (1, 3):  # AASM subsets: no stage 4
        stages = ["N3" if s == "S4" else s for s in stages]
    channels = tuple(channels or (ch.format(ref=reference) for ch in MASS_CHANNELS))
    rng = np.random.default_rng([seed, subject, subset])
    lead = float(np.round(rng.uniform(5.0, 60.0), 3))
    n_pre = int(np.ceil(lead / epoch)) + 1
    tail = 2
    padded = ["W"] * n_pre + stages + ["W"] * tail
    signals = synthesize_night(
        padded, sfreq=sfreq, epoch_seconds=epoch, channels=channels, seed=seed * 7919 + subject,
        subject_seed=seed * 7919 + subject,
    )  # fmt: skip
    first = int(round((n_pre * epoch - lead) * sfreq))  # sample where scoring starts in `padded`
    total = int((lead + (len(stages) + tail) * epoch) * sfreq) // int(sfreq) * int(sfreq)
    signals = signals[:, first : first + total]
    name = f"01-{subset:02d}-{subject:04d}"
    psg_path = out_dir / f"{name} PSG.edf"
    base_path = out_dir / f"{name} Base.edf"
    start = dt.datetime(2005, 1, 1, 22, 0) + dt.timedelta(days=subject)
    write_psg(
        psg_path,
        [(ch, x, sfreq, "uV") for ch, x in zip(channels, signals, strict=True)],
        start=start,
        patient_field=f"X X X {name.replace(' ', '_')}",
        record_duration=1.0,
    )
    annotations = [(lead + i * epoch, epoch, _MASS_RK[s]) for i, s in enumerate(stages)]
    atomic_write(base_path, lambda tmp: write_annotations_edf(tmp, annotations, start=start))
    return psg_path, base_path


_RODENT_SCORE_CODES = {
    "Wake": 1,
    "Non REM": 2,
    "REM": 3,
    "Wake X": 129,
    "Non REM X": 130,
    "REM X": 131,
    "Unscored": 255,
}
_RODENT_TEXT = {"Wake": "Wake", "NREM": "Non REM", "REM": "REM", "?": "Unscored"}


def write_rodent_recording(
    out_dir: str | os.PathLike,
    *,
    scores: str | os.PathLike | Sequence[str] | None = None,
    animal: str = "mouse01",
    scorer: str = "XX",
    seed: int = 0,
    epoch_seconds: float = 10.0,
    sfreq: float = 256.0,
    n_hours: float = 2.0,
) -> tuple[Path, Path]:
    """Write a synthetic rodent EEG/EMG recording (``<animal>.edf``) and its score file.

    The score file is the focolab CSV (``<animal>scores_<scorer>.txt``; ``Epoch #,Start Time,End
    Time,Score #, Score`` with ``Wake``, ``Non REM``, ``REM``, `` X`` artefact variants and
    ``Unscored``). Use ``epoch_seconds=4`` for the SlumberNet layout.

    Args:
        out_dir: destination folder.
        scores: a real score file (copied byte for byte; its epoch length wins), per-epoch states,
            or ``None`` for a synthetic sequence of ``n_hours``.
        animal: animal id used in the file names.
        scorer: scorer initials used in the score file name.
        seed: random seed.
        epoch_seconds: scoring epoch length.
        sfreq: sampling rate of EEG and EMG.
        n_hours: length of a synthetic score sequence.

    Returns:
        ``(edf_path, scores_path)``.
    """
    out_dir = Path(out_dir)
    real: Path | None = None
    if scores is None:
        labels = [
            _RODENT_TEXT[s]
            for s in synthetic_hypnogram(n_hours, seed=seed, species="mouse", epoch_seconds=epoch_seconds)
        ]
    elif isinstance(scores, (str, os.PathLike)):
        real = Path(scores)
        labels, file_epoch = read_rodent_scores(real)
        epoch_seconds = file_epoch or epoch_seconds
    else:
        labels = [str(s) for s in scores]
    states = normalise_stages(labels, "mouse")
    signals = synthesize_night(
        states, sfreq=sfreq, epoch_seconds=epoch_seconds, channels=RODENT_CHANNELS, seed=seed, species="mouse"
    )
    edf_path = out_dir / f"{animal}.edf"
    scores_path = out_dir / f"{animal}scores_{scorer}.txt"
    start = dt.datetime(2019, 1, 2, 9, 0, 0)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_psg(
        edf_path,
        [(ch, x, sfreq, "uV") for ch, x in zip(RODENT_CHANNELS, signals, strict=True)],
        start=start,
        patient_field=f"X X X {animal}",
        record_duration=epoch_seconds,
    )
    if real is not None:
        atomic_write(scores_path, lambda tmp: shutil.copyfile(real, tmp))
    else:

        def write_csv(tmp: Path) -> None:
            with open(tmp, "w", newline="") as f:
                f.write("Epoch #,Start Time,End Time,Score #, Score\n")
                for i, label in enumerate(labels):
                    t0 = start + dt.timedelta(seconds=i * epoch_seconds)
                    t1 = t0 + dt.timedelta(seconds=epoch_seconds)
                    text = _RODENT_TEXT.get(label, label)
                    code = _RODENT_SCORE_CODES.get(text, 255)
                    f.write(f"{i + 1},{t0:%m/%d/%Y %H:%M:%S},{t1:%m/%d/%Y %H:%M:%S},{code},{text}\n")

        atomic_write(scores_path, write_csv)
    return edf_path, scores_path
