"""Rodent EEG/EMG recordings (EDF or arrays) with fixed-length epoch scores to a Hugging Face dataset."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hf_sleep.models.sleep_base.signals import cut_epochs

from .conversion import epoch_features, run_conversion
from .edf import read_edf_header
from .errors import RecordingError
from .labels import IGNORE_INDEX, RODENT_LABEL_MAP, RODENT_LABELS, label_ids
from .options import ConversionOptions
from .preprocess import RecordingEpochs, read_prepared, samples_per_epoch, trim_wake

if TYPE_CHECKING:
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

__all__ = [
    "RODENT_OPTIONS",
    "RodentArrays", "RodentPair", "convert_rodent", "find_rodent_pairs", "slumbernet_preprocess"]

SLUMBERNET_SFREQ = 64.0
"""SlumberNet's input rate: 4-s epochs recorded at 256 Hz, downsampled 4× to 256 samples."""


def read_rodent_scores(path: str | os.PathLike) -> tuple[list[str], float | None]:
    """Read a rodent score file.

    Two formats: the focolab CSV (``Epoch #,Start Time,End Time,Score #, Score``) and a plain file
    with one label per line (``W``/``N``/``R``/... as SlumberNet's scorers write them).

    Args:
        path: the score file.

    Returns:
        ``(labels, epoch_seconds)``; ``epoch_seconds`` is ``None`` where the file does not say.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise RecordingError(path, f"cannot read the score file: {err}") from err
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise RecordingError(path, "score file is empty")
    if lines[0].lower().startswith("epoch"):
        rows = list(csv.reader(lines[1:]))
        try:
            labels = [row[4].strip() for row in rows]
            epoch = None
            if rows:
                fmt = "%m/%d/%Y %H:%M:%S"
                t0, t1 = (dt.datetime.strptime(rows[0][i].strip(), fmt) for i in (1, 2))
                epoch = (t1 - t0).total_seconds()
        except (IndexError, ValueError) as err:
            raise RecordingError(path, f"malformed score CSV row: {err}") from err
        return labels, epoch
    return [line.strip() for line in lines if not line.startswith("#")], None


@dataclass(frozen=True)
class RodentPair:
    """A rodent EDF (``<animal>.edf``) and a score file (``<animal>scores_<scorer>.txt``).

    Args:
        edf: the EEG/EMG recording.
        scores: the score file.
        animal: animal id.
        scorer: scorer initials (``""`` if the name has none).
    """

    edf: Path
    scores: Path
    animal: str
    scorer: str = ""


@dataclass(frozen=True)
class RodentArrays:
    """A rodent recording given as arrays instead of files.

    Args:
        signals: ``(n_chans, n_samples)`` in µV, rows in ``channels`` order.
        sfreq: sampling rate in Hz.
        labels: one score text per epoch (``Wake``, ``Non REM``/``NREM``/``N``, ``REM``/``R``, ...).
        animal: animal id.
        epoch_seconds: epoch length.
        channels: channel names of the rows.
        session: session number (stored as ``night``).
    """

    signals: np.ndarray
    sfreq: float
    labels: Sequence[str]
    animal: str
    epoch_seconds: float = 4.0
    channels: tuple[str, ...] = ("EEG", "EMG")
    session: int = 1


def find_rodent_pairs(paths_or_dir: str | os.PathLike, scorer: str | None = None) -> list[RodentPair]:
    """Pair ``<animal>.edf`` with ``<animal>scores_<scorer>.txt`` in a folder.

    Args:
        paths_or_dir: the folder.
        scorer: pick this scorer's file where an animal has several (required then).

    Raises:
        RecordingError: an EDF without score file, or several scorers and none chosen.
    """
    root = Path(paths_or_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    pairs = []
    for edf in sorted(root.rglob("*.edf")):
        animal = edf.stem
        candidates = sorted(edf.parent.glob(f"{animal}scores*.txt"))
        if scorer is not None:
            candidates = [c for c in candidates if c.stem.endswith(f"_{scorer}")]
        if not candidates:
            raise RecordingError(edf, f"no score file {animal}scores_<scorer>.txt next to it")
        if len(candidates) > 1:
            raise RecordingError(
                edf, f"several score files ({', '.join(c.name for c in candidates)}); choose one with scorer="
            )
        m = re.match(rf"^{re.escape(animal)}scores_?(.*)$", candidates[0].stem)
        pairs.append(RodentPair(edf, candidates[0], animal, m.group(1) if m else ""))
    return pairs


def slumbernet_preprocess(epochs: np.ndarray, sfreq: float, emg_index: int = 1) -> tuple[np.ndarray, float]:
    """SlumberNet's preprocessing of `(n_epochs, 2, n_times)` EEG/EMG epochs, keeping their channel order.

    The `{"name": "slumbernet"}` step of a [`SleepFeatureExtractor`] (EMG low-pass at 16 Hz, resampling to
    64 Hz, order-12 polynomial detrend per epoch, by [`hf_sleep.models.sleep_base.preprocessing.slumbernet_preprocess`]).

    Args:
        epochs: ``(n_epochs, 2, n_times)``: one EEG and one EMG row.
        sfreq: their sampling rate.
        emg_index: row of the EMG channel (0 or 1).

    Returns:
        ``(epochs at 64 Hz as float32, 64.0)``.
    """
    if epochs.ndim != 3 or epochs.shape[1] != 2 or emg_index not in (0, 1):
        raise ValueError(
            "SlumberNet preprocessing needs epochs (n_epochs, 2, n_times) of one EEG and one EMG channel "
            f"(emg_index 0 or 1), got shape {epochs.shape} and emg_index={emg_index!r}"
        )
    names = ["EMG", "EEG"] if emg_index == 0 else ["EEG", "EMG"]
    extractor = rodent_contract(names, SLUMBERNET_SFREQ, epochs.shape[-1] / sfreq, "slumbernet")
    return extractor.prepare_epochs(epochs, sfreq), SLUMBERNET_SFREQ


def rodent_contract(
    channels: Sequence[str],
    sfreq: float,
    epoch_seconds: float,
    preprocessing: str | None,
    l_freq: float | None = None,
    h_freq: float | None = None,
) -> SleepFeatureExtractor:
    """The signal contract of a rodent conversion (µV, Wake/NREM/REM, an optional band-pass), with SlumberNet's
    steps if asked."""
    steps = None
    if preprocessing == "slumbernet":
        if "EMG" not in channels or len(channels) != 2:
            raise RecordingError(
                "<settings>", f"SlumberNet preprocessing needs one EEG and one EMG channel, got {tuple(channels)}"
            )
        steps, sfreq = [{"name": "slumbernet", "emg_index": list(channels).index("EMG")}], SLUMBERNET_SFREQ
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    try:
        return SleepFeatureExtractor(
            list(channels), sfreq=sfreq, epoch_seconds=epoch_seconds, preprocessing=steps, l_freq=l_freq,
            h_freq=h_freq, ch_types=["emg" if "EMG" in name.upper() else "eeg" for name in channels],
            label_names=list(RODENT_LABELS),
        )  # fmt: skip
    except ValueError as error:
        raise RecordingError("<settings>", str(error)) from None


@dataclass(frozen=True)
class _RodentTask:
    source: RodentPair | RodentArrays
    extractor: SleepFeatureExtractor
    epoch_seconds: float | None
    keep_artifacts: bool
    keep_unknown: bool
    trim_wake_minutes: float | None
    label_map: Mapping[str, str | None]


def _label_ids(texts: Sequence[str], task: _RodentTask, path: Path | str) -> np.ndarray:
    ids_map = label_ids(task.label_map, RODENT_LABELS)
    out = np.empty(len(texts), dtype=np.int64)
    unknown = set()
    for i, text in enumerate(texts):
        base, artefact = (text[:-2], True) if text.endswith(" X") else (text, False)
        if base not in ids_map:
            unknown.add(text)
            continue
        out[i] = ids_map[base] if (task.keep_artifacts or not artefact) else IGNORE_INDEX
    if unknown:
        raise RecordingError(path, f"unknown score label(s) {sorted(unknown)}; known: {sorted(ids_map)}")
    return out


def _load(task: _RodentTask) -> RecordingEpochs:
    src, extractor = task.source, task.extractor
    channels = extractor.ch_names
    if isinstance(src, RodentArrays):
        path: Path | str = f"<arrays of {src.animal}>"
        data = np.asarray(src.signals, dtype=np.float32)
        if data.ndim != 2 or data.shape[0] != len(src.channels):
            raise RecordingError(
                path, f"signals must be (n_chans={len(src.channels)}, n_samples), got {data.shape}"
            )
        picks = [src.channels.index(ch) for ch in channels if ch in src.channels]
        if len(picks) != len(channels):
            raise RecordingError(path, f"channels {list(channels)} not all in {list(src.channels)}")
        data = data[picks]
        if not np.isfinite(data).all():
            raise RecordingError(path, "NaN or infinite values in the signals")
        try:
            data, sfreq = extractor.prepare_signal(data, float(src.sfreq))
        except ValueError as error:
            raise RecordingError(path, str(error)) from None
        texts, epoch_seconds = list(src.labels), src.epoch_seconds
        recording, subject, night = f"{src.animal}_s{src.session}", src.animal, src.session
        label_path: Path | str = path
    else:
        path, label_path = src.edf, src.scores
        texts, file_epoch = read_rodent_scores(src.scores)
        epoch_seconds = task.epoch_seconds or file_epoch or extractor.epoch_seconds
        data, sfreq = read_prepared(src.edf, extractor, header=read_edf_header(src.edf))
        recording = f"{src.animal}_{src.scorer}" if src.scorer else src.animal
        subject, night = src.animal, 1
    if abs(epoch_seconds - extractor.epoch_seconds) > 1e-9:
        raise RecordingError(
            label_path,
            f"scores {epoch_seconds:g}-s epochs, the dataset {extractor.epoch_seconds:g}-s ones (set epoch_seconds)",
        )
    spe = samples_per_epoch(sfreq, epoch_seconds, path)
    n_signal = data.shape[1] // spe
    if n_signal == 0:
        raise RecordingError(path, f"recording is shorter than one {epoch_seconds:g}-s epoch")
    if len(texts) > n_signal + 1 or len(texts) < n_signal // 2:
        raise RecordingError(
            label_path,
            f"does not belong to {Path(str(path)).name}: {len(texts)} scored epochs of {epoch_seconds:g} s "
            f"but the signal holds {n_signal}",
        )
    ids = _label_ids(texts, task, label_path)
    n = min(len(ids), n_signal)
    ids = ids[:n]
    trim = None if task.trim_wake_minutes is None else int(round(task.trim_wake_minutes * 60 / epoch_seconds))
    span = trim_wake(ids, [1, 2], trim)
    index = np.arange(span.start, span.stop)
    if not task.keep_unknown:
        index = index[ids[index] != IGNORE_INDEX]
    if len(index) == 0:
        raise RecordingError(label_path, "no scored epoch: nothing to convert")
    try:
        epochs = extractor.prepare_epochs(cut_epochs(data[:, : n * spe], spe)[index], sfreq)
    except ValueError as error:
        raise RecordingError(path, str(error)) from None
    return RecordingEpochs(
        recording=recording,
        subject=subject,
        night=night,
        data=np.ascontiguousarray(epochs, dtype=np.float32),
        labels=ids[index],
        epoch_index=index,
        onset_s=index * epoch_seconds,
        source_label=[texts[i] for i in index],
    )


RODENT_OPTIONS = ConversionOptions(sfreq=None)
"""`convert_rodent`'s default options: the recordings' own rate (`sfreq=None`)."""


def convert_rodent(
    recordings: str
    | os.PathLike
    | Iterable[RodentPair | RodentArrays | tuple[str | os.PathLike, str | os.PathLike]],
    *,
    channels: Sequence[str] = ("EEG", "EMG"),
    scorer: str | None = None,
    epoch_seconds: float | None = None,
    preprocessing: str | None = None,
    keep_artifacts: bool = False,
    label_map: Mapping[str, str | None] | None = None,
    options: ConversionOptions = RODENT_OPTIONS,
):
    """Convert rodent EEG/EMG recordings with Wake/NREM/REM scores into a ``datasets.Dataset``.

    Args:
        recordings: a folder of ``<animal>.edf`` + ``<animal>scores_<scorer>.txt`` files, or
            ``RodentPair`` / ``(edf, scores)`` tuples / ``RodentArrays``.
        channels: channels to keep, in order.
        scorer: which scorer's file to use when an animal has several.
        epoch_seconds: epoch length; default from the score file's times (focolab CSV: 10 s), else 10.
        preprocessing: ``None`` or ``"slumbernet"`` (EMG 16-Hz low-pass, 64 Hz, degree-12 detrend
            per epoch; use 4-s epochs at 256 Hz for SlumberNet's 256-sample inputs).
        keep_artifacts: label epochs marked as artefact (``Wake X``) with their state; default
            treats them as unscored.
        label_map: score text → ``RODENT_LABELS`` name or ``None``.
        options: the output rate (default [`RODENT_OPTIONS`]: the recording's own; ignored with
            ``preprocessing="slumbernet"``, 64 Hz), band-pass, epochs kept and where the dataset goes
            ([`ConversionOptions`]).
    """
    if preprocessing not in (None, "slumbernet"):
        raise ValueError(f"preprocessing must be None or 'slumbernet', got {preprocessing!r}")
    sources = options.shard(_rodent_sources(recordings, scorer))
    channels = tuple(channels)
    label_map = dict(label_map or RODENT_LABEL_MAP)
    rate, epoch = _first_rate_and_epoch(sources[0], channels, options.sfreq, epoch_seconds)
    extractor = rodent_contract(channels, rate, epoch, preprocessing, options.l_freq, options.h_freq)
    rate, n_times = extractor.sfreq, extractor.n_times
    tasks = [
        _RodentTask(
            s, extractor, epoch_seconds, keep_artifacts, options.keep_unknown, options.trim_wake_minutes, label_map
        )
        for s in sources
    ]
    params = {
        "channels": ", ".join(channels),
        "sampling rate": f"{rate:g} Hz",
        "epoch": f"{epoch:g} s",
        "preprocessing": preprocessing or "none",
        **({"band-pass": f"{options.l_freq} - {options.h_freq} Hz"} if (options.l_freq or options.h_freq) else {}),
        "artefact-marked epochs": "labelled with their state" if keep_artifacts else "treated as unscored",
        "unscored epochs": "kept with label -100" if options.keep_unknown else "dropped",
        "label names": ", ".join(RODENT_LABELS),
    }
    description = (
        "Rodent EEG/EMG converted with hf_sleep: one row per scored epoch.\n\nPreprocessing:\n"
        + "\n".join(f"- {k}: {v}" for k, v in params.items())
    )
    features = epoch_features(len(channels), n_times, RODENT_LABELS, options.keep_unknown, contract=extractor)
    info = {"description": description, "license": "other", "dataset_name": "rodent"}
    return run_conversion(tasks, _load, features=features, info_kwargs=info, options=options, desc="rodent recordings")


def _rodent_sources(recordings: Any, scorer: str | None) -> list[RodentPair | RodentArrays]:
    """The recordings to convert: a folder's pairs, or the pairs, tuples and arrays given."""
    if isinstance(recordings, (str, os.PathLike)):
        sources: list[RodentPair | RodentArrays] = list(find_rodent_pairs(recordings, scorer))
    else:
        sources = []
        for item in recordings:
            if isinstance(item, (RodentPair, RodentArrays)):
                sources.append(item)
            else:
                edf, scores = (Path(p) for p in item)
                sources.append(RodentPair(edf, scores, edf.stem))
    if not sources:
        raise ValueError(f"no rodent recording found in {recordings}")
    return sources


def _first_rate_and_epoch(
    first: RodentPair | RodentArrays, channels: Sequence[str], sfreq: float | None, epoch_seconds: float | None
) -> tuple[float, float]:
    """The output rate and epoch length, probed on the first recording: the row shape must be known up front."""
    if isinstance(first, RodentArrays):
        return sfreq or first.sfreq, first.epoch_seconds
    header = read_edf_header(first.edf)
    if any(ch not in header.channels for ch in channels):
        raise RecordingError(
            first.edf,
            f"channel(s) {list(channels)} not all found; available: {', '.join(header.channels)}",
        )
    return sfreq or header.sfreq(channels[0]), epoch_seconds or read_rodent_scores(first.scores)[1] or 10.0
