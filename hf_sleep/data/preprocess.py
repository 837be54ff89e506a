"""Reading a recording through its signal contract, and the epoch-label helpers the converters share."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hf_sleep.models.sleep_base.signals import resolve_channels, whole_samples

from .checks import amplitude_problems
from .edf import EdfHeader, describe_gaps, read_edf_header
from .errors import RecordingError
from .labels import IGNORE_INDEX
from .recording import check_finite, read_recording

if TYPE_CHECKING:
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor


@dataclass
class RecordingEpochs:
    """The epochs of one converted recording, ready to be written as rows.

    Args:
        recording: recording id (e.g. ``SC4001E0``).
        subject: subject id (e.g. ``SC00``).
        night: night (or session) number.
        data: ``float32`` ``(n_epochs, n_chans, n_times)``.
        labels: ``int64`` ``(n_epochs,)`` class ids, ``IGNORE_INDEX`` for kept unscored epochs.
        epoch_index: index of each epoch in the recording's scoring grid.
        onset_s: start of each scored epoch, seconds from the recording start.
        source_label: the scorer's original annotation text of each epoch.
    """

    recording: str
    subject: str
    night: int
    data: np.ndarray
    labels: np.ndarray
    epoch_index: np.ndarray
    onset_s: np.ndarray
    source_label: list[str] = field(default_factory=list)


def read_prepared(
    path: str | os.PathLike,
    extractor: SleepFeatureExtractor,
    *,
    header: EdfHeader | None = None,
    start_s: float = 0.0,
    stop_s: float | None = None,
    rescale: float = 1.0,
) -> tuple[np.ndarray, float]:
    """An EDF recording's channels after the contract's signal-wide steps (resampling, a recording-wide filter).

    Only the ``[start_s, stop_s)`` span is read when nothing needs the neighbouring samples; otherwise the whole
    recording is prepared and the span cut out, so its values do not depend on where it starts.

    Args:
        path: the EDF file.
        extractor: the contract (channels, reference, rate, band-pass, preprocessing).
        header: the already-read header, if any.
        start_s: start of the span in seconds (whole samples at the output rate).
        stop_s: end of the span (``None``: the end of the recording).
        rescale: factor for files whose physical dimension is wrong (the amplitude check suggests it).

    Returns:
        ``(signal, rate)``: ``float32`` ``(n_chans, n_samples)`` in µV and its rate (the contract's, unless an
        epoch-wise step resamples later).

    Raises:
        RecordingError: missing channel, impossible resampling, NaN or flat signal, implausible amplitudes (a
            wrong unit: the same check as staging's, an error here), filter edge above Nyquist.
    """
    path = Path(path)
    header = header or read_edf_header(path)
    resolved, missing = [], []
    for name in extractor.ch_names:
        try:
            resolved += resolve_channels([name], header.channels)
        except ValueError:
            missing.append(name)
    if missing:
        raise RecordingError(
            path,
            f"channel(s) {', '.join(map(repr, missing))} not found; available: {', '.join(header.channels)}"
            + header.duplicates_note,
        )
    rates = {header.sfreq(ch) for pair in resolved for ch in pair if ch}
    # Mixed rates are resampled over the whole recording: only single-rate picks can read a span.
    pointwise = len(rates) == 1 and extractor.is_pointwise(max(rates))
    # EDF+D: the caller's span lies within one run of records; only it is read and filtered (no filter crosses a gap).
    segmented = bool(header.gaps)
    span = {"start_s": start_s, "stop_s": stop_s} if pointwise or segmented else {}
    data, rate, info = read_recording(
        path, extractor.ch_names, reference=extractor.reference, header=header, rescale=rescale,
        sfreq=extractor.reading_rate, **span,
    )  # fmt: skip
    if segmented and np.isnan(data).any():  # only a reader of whole recordings gets here: the MASS and rodent ones
        raise RecordingError(
            path, f"EDF+D (discontinuous) with {describe_gaps(header.gaps)}: this converter reads continuous recordings only"
        )
    check_finite(path, data, info["channels"])
    voltage = info["voltage"]
    problems = amplitude_problems(data[voltage], [name for name, volt in zip(info["channels"], voltage, strict=True)
                                                  if volt])  # fmt: skip
    if problems:
        raise RecordingError(path, "; ".join(problems))
    if pointwise:
        return data, rate
    try:
        data, rate = extractor.prepare_signal(data, rate)
    except ValueError as error:
        raise RecordingError(path, str(error)) from None
    if segmented:
        return data, rate
    first = int(round(start_s * rate))
    last = data.shape[1] if stop_s is None else int(round(stop_s * rate))
    if not 0 <= first <= last <= data.shape[1]:
        raise ValueError(f"span [{start_s}, {stop_s}) s is outside the {header.duration:g}-s recording")
    return data[:, first:last], rate


def epoch_labels(
    path: str | os.PathLike,
    onset: np.ndarray,
    duration: np.ndarray,
    text: np.ndarray,
    *,
    n_epochs: int,
    epoch_seconds: float,
    label_ids: Mapping[str, int],
    off_grid_hint: str = "",
) -> tuple[np.ndarray, np.ndarray]:
    """Per-epoch class ids and texts from annotation intervals on a fixed epoch grid.

    Args:
        path: the annotation file, for error messages.
        onset: annotation onsets (s from the signal start).
        duration: annotation durations (s).
        text: annotation texts.
        n_epochs: number of whole epochs in the signal (labels beyond it are clipped off).
        epoch_seconds: epoch length.
        label_ids: annotation text → class id (``IGNORE_INDEX`` for ignored texts).
        off_grid_hint: what the caller can do about an annotation off the grid, appended to that error.

    Returns:
        ``(ids, texts)``: ``int64`` ids (``IGNORE_INDEX`` for ignored or unannotated epochs) and
        an object array of texts (``""`` where no annotation covers the epoch).

    Raises:
        RecordingError: an unknown annotation text, an annotation off the epoch grid, a non-finite onset or
            duration, a negative duration, or two stages scoring the same epoch.
    """
    text = np.asarray(text, dtype=object)
    unknown = sorted(set(text.tolist()) - set(label_ids))
    if unknown:
        raise RecordingError(path, f"unknown annotation label(s) {unknown}; known: {sorted(label_ids)}")
    starts = onset / epoch_seconds
    counts = duration / epoch_seconds
    if not (np.isfinite(starts).all() and np.isfinite(counts).all()) or (counts < 0).any():
        i = int(np.flatnonzero(~np.isfinite(starts) | ~np.isfinite(counts) | (counts < 0))[0])
        raise RecordingError(path, f"annotation {text[i]!r} at {onset[i]} s lasting {duration[i]} s: onsets and "
                                   "durations must be finite and durations not negative")  # fmt: skip
    off_grid = (np.abs(starts - np.round(starts)) > 1e-6) | (np.abs(counts - np.round(counts)) > 1e-6)
    if off_grid.any():
        i = int(np.flatnonzero(off_grid)[0])
        raise RecordingError(
            path,
            f"annotation {text[i]!r} at {onset[i]} s lasting {duration[i]} s is not aligned to the "
            f"{epoch_seconds:g}-s epoch grid{off_grid_hint}",
        )
    # Only the part of each interval inside the recording is expanded: a duration of 1e12 s costs nothing.
    first = np.clip(np.round(starts), 0, n_epochs).astype(np.int64)
    stop = np.clip(np.round(starts + counts), 0, n_epochs).astype(np.int64)
    keep = stop > first
    first, counts, kept_text = first[keep], (stop - first)[keep], text[keep]
    ann_ids = np.array([label_ids[t] for t in kept_text], dtype=np.int64)
    which = np.repeat(np.arange(len(first)), counts)
    index = np.repeat(first, counts) + (np.arange(len(which)) - np.repeat(np.cumsum(counts) - counts, counts))
    _refuse_overlaps(path, index, which, ann_ids, np.asarray(onset)[keep], np.asarray(duration)[keep], kept_text,
                     epoch_seconds)  # fmt: skip
    ids = np.full(n_epochs, IGNORE_INDEX, dtype=np.int64)
    texts = np.full(n_epochs, "", dtype=object)
    ids[index] = ann_ids[which]
    texts[index] = kept_text[which]
    return ids, texts


def _refuse_overlaps(path, index, which, ann_ids, onset, duration, text, epoch_seconds: float) -> None:
    """A ``RecordingError`` when two stage intervals score the same epoch (which one would be right?).

    Intervals of ignored texts (``Movement time``, ``?``) may overlap anything: they score nothing.
    """
    scored = ann_ids[which] != IGNORE_INDEX
    epochs, owners = index[scored], which[scored]
    if len(epochs) == len(np.unique(epochs)):
        return
    order = np.argsort(epochs, kind="stable")
    epochs, owners = epochs[order], owners[order]
    k = int(np.flatnonzero(epochs[1:] == epochs[:-1])[0])
    a, b = int(owners[k]), int(owners[k + 1])
    raise RecordingError(
        path,
        f"stages overlap: {text[a]!r} at {onset[a]:g} s lasting {duration[a]:g} s and {text[b]!r} at {onset[b]:g} s "
        f"lasting {duration[b]:g} s both score the epoch at {epochs[k] * epoch_seconds:g} s; a hypnogram gives "
        "each epoch one stage",
    )


def trim_wake(ids: np.ndarray, sleep_ids: Sequence[int], trim_epochs: int | None) -> slice:
    """The span from ``trim_epochs`` before the first to ``trim_epochs`` after the last sleep epoch.

    Args:
        ids: per-epoch class ids.
        sleep_ids: ids that count as sleep.
        trim_epochs: epochs of wake to keep on each side; ``None`` keeps everything.

    Returns:
        A slice into ``ids`` (empty when there is no sleep at all).
    """
    if trim_epochs is None:
        return slice(0, len(ids))
    sleep = np.flatnonzero(np.isin(ids, list(sleep_ids)))
    if len(sleep) == 0:
        return slice(0, 0)
    return slice(max(0, int(sleep[0]) - trim_epochs), min(len(ids), int(sleep[-1]) + trim_epochs + 1))


def samples_per_epoch(sfreq: float, epoch_seconds: float, path: str | os.PathLike = "<settings>") -> int:
    """``sfreq * epoch_seconds`` as an int (``whole_samples``), a ``RecordingError`` naming ``path`` when not whole."""
    try:
        return whole_samples(sfreq, epoch_seconds)
    except ValueError as error:
        raise RecordingError(path, str(error)) from None
