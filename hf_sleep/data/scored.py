"""The conversion core shared by the cohort converters: one PSG file plus its stage intervals → epochs.

NSRR, HMC, ISRUC, DREAMS and "bring your own" recordings differ only in how the stages are stored
(XML, EDF+ annotations, text codes, CSV). Each cohort module reads its hypnogram into
``(onset, duration, text)`` intervals; everything after that — the checks that the hypnogram belongs
to the recording, the epoch grid, wake trimming, channel derivations and resampling — lives here once.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hf_sleep.models.sleep_base.signals import cut_epochs, resolve_channels, whole_samples

from .edf import EdfHeader, gap_epochs, read_edf_header
from .errors import RecordingError
from .labels import AASM_LABELS, IGNORE_INDEX, label_ids, label_key, rescore
from .preprocess import RecordingEpochs, epoch_labels, read_prepared, trim_wake

if TYPE_CHECKING:  # the extractor module imports transformers: conversion modules load it only when they run
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    from .options import ConversionOptions

__all__ = [
    "ScoredRecording",
    "ScoredTask",
    "StageIntervals",
    "check_channels",
    "convert_scored",
    "read_epochs",
]

StageIntervals = tuple[np.ndarray, np.ndarray, np.ndarray]
"""``(onset_s, duration_s, text)`` of the scored stages, onsets in seconds from the PSG start."""


@dataclass(frozen=True)
class ScoredRecording:
    """A PSG file and the file that holds its sleep stages.

    Args:
        psg: the EDF/BDF signal file.
        hypnogram: the stage file (XML, EDF+, text, CSV, ...); may be ``psg`` itself (embedded EDF+ annotations).
        recording: recording id stored in every row.
        subject: subject id (splits never share one).
        night: night, visit or session number.
    """

    psg: Path
    hypnogram: Path
    recording: str
    subject: str
    night: int = 1


def check_channels(path: str | os.PathLike, specs: Sequence[str], available: Sequence[str] | EdfHeader) -> None:
    """Fail early, naming the file, when a channel specification matches nothing in a recording.

    A specification is what the one reader resolves (``signals.resolve_channels``): a label (matched ignoring
    case), a derivation ``A-B`` / ``A - B`` (``C4-A1`` from MrOS's separately recorded ``C4`` and ``A1``), or
    alternatives ``A|B`` (the first present wins: ``EEG(sec)|EEG 2`` across SHHS sites).

    Args:
        path: the file, for the error message.
        specs: one specification per output channel.
        available: the file's signal labels, or its header (whose message then says which labels are duplicated).

    Raises:
        RecordingError: in ``preprocess.read_prepared``'s wording, listing the file's labels.
    """
    note = available.duplicates_note if isinstance(available, EdfHeader) else ""
    available = available.channels if isinstance(available, EdfHeader) else available
    missing = []
    for spec in specs:
        try:
            resolve_channels([spec], available)
        except ValueError:
            missing.append(spec)
    if missing:
        raise RecordingError(
            path, f"channel(s) {', '.join(map(repr, missing))} not found; available: {', '.join(available)}{note}"
        )


def read_epochs(
    path: str | os.PathLike,
    specs: Sequence[str],
    extractor: SleepFeatureExtractor,
    *,
    header: EdfHeader,
    first_epoch: int,
    stop_epoch: int,
    rescale: float = 1.0,
) -> np.ndarray:
    """Epochs ``[first_epoch, stop_epoch)`` of a recording as model input under the dataset's contract.

    The contract is applied with this cohort's channel specifications in place of its channel names (the
    ``EEG(sec)`` preset reads ``EEG(sec)|EEG 2|...``), through the converters' one path
    (``preprocess.read_prepared``, then the contract's epoch steps), so the rows equal what the extractor gives
    a trained model at inference.

    Args:
        path: the EDF file.
        specs: channel specifications (see ``check_channels``), in contract order.
        extractor: the dataset's contract (rate, epoch length, band-pass, preprocessing).
        header: the file's header.
        first_epoch: first epoch returned.
        stop_epoch: end epoch (exclusive).
        rescale: factor for files whose physical dimension is wrong (the amplitude check suggests it).

    Returns:
        ``float32`` ``(stop_epoch - first_epoch, n_chans, n_times)``.
    """
    if list(specs) != extractor.ch_names:
        extractor = type(extractor)(**{**extractor.to_dict(), "ch_names": list(specs)})
    data, rate = read_prepared(
        path, extractor, header=header, start_s=first_epoch * extractor.epoch_seconds,
        stop_s=stop_epoch * extractor.epoch_seconds, rescale=rescale,
    )  # fmt: skip
    return extractor.prepare_epochs(cut_epochs(data, whole_samples(rate, extractor.epoch_seconds)), rate)


@dataclass(frozen=True)
class ScoredTask:
    """One recording to convert, with everything the worker needs (picklable).

    Args:
        source: the files and ids.
        read_stages: top-level function ``(hypnogram, psg_header, label_seconds) -> StageIntervals``;
            ``label_seconds`` is how long one label lasts in a one-label-per-line hypnogram.
        channels: channel specifications, in contract order (see ``check_channels``).
        extractor: the dataset's signal contract (its ``ch_names`` name the specifications' channels).
        trim_wake_minutes: wake kept around the sleep period (``None``: everything).
        keep_unknown: keep unscored epochs with label -100.
        label_map: stage text → AASM name or ``None`` (unscored); texts match ignoring case and spaces.
        label_seconds: duration of one label of a one-label-per-line hypnogram (``None``: ``epoch_seconds``).
        rescale: factor for files whose physical dimension is wrong (the amplitude check suggests it).
        rescore: the hypnogram is scored in epochs of another length (5, 10, 20 s: read from its onsets and
            durations); each of the contract's epochs gets the stage covering most of it (``rescore``).
    """

    source: ScoredRecording
    read_stages: Callable[[Path, EdfHeader, float], StageIntervals]
    channels: tuple[str, ...]
    extractor: SleepFeatureExtractor
    trim_wake_minutes: float | None
    keep_unknown: bool
    label_map: Mapping[str, str | None]
    label_seconds: float | None = None
    rescale: float = 1.0
    rescore: bool = False


def canonical_texts(text: np.ndarray, label_map: Mapping[str, str | None]) -> np.ndarray:
    """Each text replaced by the ``label_map`` key it matches ignoring case and runs of spaces (else kept).

    Args:
        text: annotation texts.
        label_map: the known texts.
    """
    folded = {label_key(key): key for key in label_map}
    return np.array([folded.get(label_key(t), t) for t in text], dtype=object)


def _check_hypnogram_fits(
    src: ScoredRecording, header: EdfHeader, stages: StageIntervals, scored: np.ndarray, epoch_seconds: float
) -> None:
    """A `RecordingError` when the stages (`scored`: not unscored) cannot be this PSG's: scored past its end, any
    stage ending far past it, or covering less than half of it."""
    onset, duration, text = stages
    end = onset + duration
    hint = "(a hypnogram of another recording, or scored in epochs of another length?)"
    # A truncated PSG (or one with a wrong record count) is converted as far as it goes, with a warning
    # (`read_recording`); its hypnogram is judged against both the announced and the actual length.
    announced = (header.announced_records or header.n_records) * header.record_duration
    longest, shortest = max(announced, header.duration), min(announced, header.duration)
    if header.record_count_problem:
        hint = f"(the PSG itself is at fault: {header.record_count_problem})"
    if scored.any() and float(end[scored].max()) > longest + epoch_seconds:
        raise RecordingError(
            src.hypnogram,
            f"does not belong to {src.psg.name}: it scores stages up to {float(end[scored].max()):g} s but the "
            f"PSG lasts {header.duration:g} s {hint}",
        )
    # Whatever its label, a stage ending more than a day (or the PSG's own length) past the PSG is a duration in
    # another unit or another recording's: refused. Sleep-EDF's last '?' runs hours past a cut PSG, so a trailing
    # unscored stage is clipped, not refused.
    far = np.flatnonzero(~(end <= longest + max(longest, 86400.0)))
    if len(far):
        i = int(far[0])
        raise RecordingError(
            src.hypnogram,
            f"stage {text[i]!r} at {onset[i]:g} s lasting {duration[i]:g} s ends far past the end of the "
            f"{header.duration:g}-s PSG {src.psg.name} (a duration in another unit, or another recording's?)",
        )
    if float(end.max()) < shortest / 2:
        raise RecordingError(
            src.hypnogram,
            f"does not belong to {src.psg.name}: it covers {float(end.max()):g} s of a {header.duration:g}-s PSG "
            f"{hint}",
        )


def load_scored(task: ScoredTask) -> RecordingEpochs:
    """Read, check and epoch one recording (the ``load`` function of ``run_conversion``)."""
    src, epoch_seconds = task.source, task.extractor.epoch_seconds
    header = read_edf_header(src.psg)
    if header.duration < epoch_seconds:
        raise RecordingError(
            src.psg,
            f"recording is {header.duration:g} s long, shorter than one {epoch_seconds:g}-s epoch"
            + (f" ({header.record_count_problem})" if header.record_count_problem else ""),
        )
    onset, duration, text = task.read_stages(src.hypnogram, header, task.label_seconds or epoch_seconds)
    if len(onset) == 0:
        raise RecordingError(src.hypnogram, "no sleep-stage annotation found")
    text = canonical_texts(text, task.label_map)
    ids_map = label_ids(task.label_map, AASM_LABELS)
    # A last stage that ends inside an epoch (5-s codes of a night that stops mid-epoch) is cut to whole epochs.
    last = int(np.argmax(onset + duration))
    whole_end = np.floor((onset[last] + duration[last]) / epoch_seconds + 1e-9) * epoch_seconds
    if (
        whole_end > onset[last]
        and abs(onset[last] / epoch_seconds - round(onset[last] / epoch_seconds)) < 1e-6
    ):
        duration = duration.copy()
        duration[last] = whole_end - onset[last]
    typical = float(np.median(duration[duration > 0])) if (duration > 0).any() else epoch_seconds
    if typical < epoch_seconds - 1e-6 and not task.rescore:  # most stages shorter than one epoch: another length
        raise RecordingError(
            src.hypnogram,
            f"stages are scored in {typical:g}-s epochs, not {epoch_seconds:g}-s ones "
            f"(set the epoch length to the hypnogram's, or rescore them: --rescore {epoch_seconds:g})",
        )
    scored = np.array([ids_map.get(t, 0) != IGNORE_INDEX for t in text], dtype=bool)  # unknown: epoch_labels
    _check_hypnogram_fits(src, header, (onset, duration, text), scored, epoch_seconds)
    n_epochs = int(header.duration // epoch_seconds)
    if task.rescore:
        ids, texts = _rescored_labels(src.hypnogram, (onset, duration, text), header, epoch_seconds, ids_map)
    else:
        ids, texts = epoch_labels(
            src.hypnogram,
            onset,
            duration,
            text,
            n_epochs=n_epochs,
            epoch_seconds=epoch_seconds,
            label_ids=ids_map,
            off_grid_hint=f" (scored in shorter epochs? rescore them: --rescore {epoch_seconds:g})",
        )
    trim = None if task.trim_wake_minutes is None else int(round(task.trim_wake_minutes * 60 / epoch_seconds))
    span = trim_wake(ids, [i for i, name in enumerate(AASM_LABELS) if name != "W"], trim)
    index = np.arange(span.start, span.stop)
    if not task.keep_unknown:
        index = index[ids[index] != IGNORE_INDEX]
    # EDF+D: an epoch that a gap touches has no whole signal: it never becomes a row, whatever its label.
    index = index[~gap_epochs(header.gaps, epoch_seconds, n_epochs)[index]]
    if len(index) == 0:
        raise RecordingError(src.hypnogram, "no scored sleep epoch: nothing left to convert")
    parts = []
    for lo, hi in _reading_spans(header, index, epoch_seconds):
        epochs = read_epochs(src.psg, task.channels, task.extractor, header=header, first_epoch=lo, stop_epoch=hi,
                             rescale=task.rescale)  # fmt: skip
        parts.append(epochs[index[(index >= lo) & (index < hi)] - lo])
    epochs = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return RecordingEpochs(
        recording=src.recording,
        subject=src.subject,
        night=src.night,
        data=np.ascontiguousarray(epochs),
        labels=ids[index],
        epoch_index=index,
        onset_s=index * epoch_seconds,
        source_label=texts[index].tolist(),
    )


def _rescored_labels(
    path: Path, stages: StageIntervals, header: EdfHeader, epoch_seconds: float, ids_map: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """``epoch_labels`` for a hypnogram scored in epochs of another length: its stages on their own grid (the
    longest length its onsets and durations are whole multiples of), then ``rescore`` into
    ``epoch_seconds``-s epochs. The text of an epoch is the scorer's texts it spans, ``+``-joined (``N1+N2``)."""
    onset, duration, text = stages
    values = np.concatenate([onset, duration])
    milliseconds = np.round(values[np.isfinite(values)] * 1000).astype(np.int64)
    grid = int(np.gcd.reduce(milliseconds[milliseconds != 0])) / 1000 if milliseconds.any() else epoch_seconds
    if grid < 1:
        raise RecordingError(
            path, f"cannot rescore: the stages' onsets and durations share no grid of 1 s or more (they fit {grid:g} s)"
        )
    ids, texts = epoch_labels(path, onset, duration, text, n_epochs=int(header.duration // grid),
                              epoch_seconds=grid, label_ids=ids_map)  # fmt: skip
    n_epochs = int(header.duration // epoch_seconds)
    # The PSG's whole epochs only, whatever the rule does with a last partial one.
    stages_of = rescore([None if i == IGNORE_INDEX else int(i) for i in ids], grid, epoch_seconds)[:n_epochs]
    rescored = np.full(n_epochs, IGNORE_INDEX, dtype=np.int64)
    rescored[: len(stages_of)] = [IGNORE_INDEX if stage is None else stage for stage in stages_of]
    spanned = np.full(n_epochs, "", dtype=object)
    per_epoch = epoch_seconds / grid
    for k in range(len(stages_of)):
        inside = texts[int(k * per_epoch + 1e-9) : math.ceil((k + 1) * per_epoch - 1e-9)]
        spanned[k] = "+".join(t for t, _ in itertools.groupby(inside) if t)
    return rescored, spanned


def _reading_spans(header: EdfHeader, index: np.ndarray, epoch_seconds: float) -> list[tuple[int, int]]:
    """``[lo, hi)`` epoch spans to read for the kept epochs ``index``: from the first to the last of them in a
    continuous file; in an EDF+D file, each run of records' whole epochs that holds kept ones (read, and filtered,
    apart)."""
    if not header.gaps:
        return [(int(index[0]), int(index[-1]) + 1)]
    spans = []
    for first, stop, onset in header.segments:
        lo = int(math.ceil(onset / epoch_seconds - 1e-9))
        hi = int(math.floor((onset + (stop - first) * header.record_duration) / epoch_seconds + 1e-9))
        if ((index >= lo) & (index < hi)).any():
            spans.append((lo, hi))
    return spans


def describe(title: str, params: Mapping[str, object]) -> str:
    """The dataset description: a title line, then one ``- key: value`` line per preprocessing setting.

    Args:
        title: what was converted.
        params: preprocessing settings (``label names`` among them, which cards read back).
    """
    return "\n".join([title, "", "Preprocessing:", *(f"- {key}: {value}" for key, value in params.items())])


def convert_scored(
    tasks: Sequence[ScoredTask], *, info_kwargs: Mapping[str, object], options: ConversionOptions, desc: str = "recordings"
):
    """Run ``load_scored`` over ``tasks`` with the streaming engine (``conversion.run_conversion``).

    Args:
        tasks: one per recording; all share the contract and ``keep_unknown``.
        info_kwargs: ``DatasetInfo`` fields (description, citation, homepage, license, dataset_name).
        options: where and how the dataset is written.
        desc: progress-bar label.
    """
    from .conversion import epoch_features, run_conversion

    if not tasks:
        raise ValueError("no recordings to convert")
    first = tasks[0]
    features = epoch_features(
        len(first.channels), first.extractor.n_times, AASM_LABELS, first.keep_unknown, contract=first.extractor
    )
    return run_conversion(list(tasks), load_scored, features=features, info_kwargs=dict(info_kwargs), options=options, desc=desc)
