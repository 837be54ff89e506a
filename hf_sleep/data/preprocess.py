"""Signal reading and preprocessing shared by the converters (vectorised, one MNE read per file)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from .checks import amplitude_problems
from .edf import EdfHeader, read_edf_header, read_edf_signals, volts_correction
from .errors import RecordingError
from .labels import IGNORE_INDEX


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


def resample_ratio(path: str | os.PathLike, channel: str, native: float, target: float) -> tuple[int, int]:
    """The ``(up, down)`` factors that bring ``native`` Hz to ``target`` Hz.

    Args:
        path: file, for the error message.
        channel: channel, for the error message.
        native: the channel's sampling rate.
        target: the wanted rate.

    Raises:
        RecordingError: the rates are not positive or their ratio is not a ratio of integers up to 512.
    """
    if native <= 0 or target <= 0:
        raise RecordingError(
            path, f"channel {channel!r}: sampling rate {native} Hz cannot be resampled to {target} Hz"
        )
    ratio = Fraction(target / native).limit_denominator(512)
    if ratio.numerator > 512 or abs(float(ratio) - target / native) > 1e-9 * target / native:
        raise RecordingError(
            path,
            f"channel {channel!r}: sampling rate {native:g} Hz cannot be resampled to {target:g} Hz "
            "(their ratio is not a ratio of small integers)",
        )
    return ratio.numerator, ratio.denominator


def read_signals(
    path: str | os.PathLike,
    channels: Sequence[str],
    *,
    sfreq: float | None,
    l_freq: float | None = None,
    h_freq: float | None = None,
    header: EdfHeader | None = None,
    start_s: float = 0.0,
    stop_s: float | None = None,
    rescale: float = 1.0,
) -> tuple[np.ndarray, float, EdfHeader]:
    """Read, resample and filter the picked channels of an EDF file.

    Channels sharing one sampling rate are read straight from the file's data records
    (``read_edf_signals``: the values of ``mne.io.read_raw_edf``, bit for bit); picks with mixed
    rates go through ``mne.io.read_raw_edf(..., include=channels, preload=False)``. Only the
    picked channels are read, and when nothing needs the neighbouring samples (no resampling,
    no filtering) only the ``[start_s, stop_s)`` span is. Voltages come out in µV.

    Args:
        path: the EDF file.
        channels: labels to pick, in output order.
        sfreq: target rate in Hz; ``None`` keeps the file's rate (all picks must share it).
        l_freq: high-pass edge in Hz of an optional zero-phase FIR band-pass (``None``: none).
        h_freq: low-pass edge in Hz (``None``: none).
        header: the already-read header, if any.
        start_s: start of the returned span, seconds from the recording start (whole samples
            at ``sfreq``). Resampling and filtering still run over the whole recording, so the
            span's values do not depend on where it starts.
        stop_s: end of the span (``None``: the end of the recording).
        rescale: factor applied to the voltage channels, for files whose physical dimension is wrong.

    Returns:
        ``(data, sfreq, header)`` with ``data`` ``float32`` ``(n_chans, n_samples)``.

    Raises:
        RecordingError: truncated/corrupt file, missing channel, impossible resampling, NaN or flat
            signal, implausible amplitudes (a wrong unit), filter edge above Nyquist, or a recording
            shorter than a second.
    """
    path = Path(path)
    header = header or read_edf_header(path)
    if header.record_count_problem:
        warnings.warn(f"{path}: {header.record_count_problem}", UserWarning, stacklevel=2)
    if not channels:
        raise ValueError("no channel requested")
    missing = [ch for ch in channels if ch not in header.channels]
    if missing:
        raise RecordingError(
            path,
            f"channel(s) {', '.join(map(repr, missing))} not found; available: {', '.join(header.channels)}",
        )
    if len(set(channels)) != len(channels):
        raise ValueError(f"channels are repeated: {list(channels)}")
    if header.n_records <= 0:
        raise RecordingError(path, "recording is empty (0 data records)")
    native = {ch: header.sfreq(ch) for ch in channels}
    read_rate = max(native.values())
    if sfreq is None:
        if len(set(native.values())) > 1:
            raise RecordingError(
                path,
                f"picked channels have different rates {native}; pass a target sampling rate to resample",
            )
        sfreq = read_rate
    for ch, rate in native.items():
        resample_ratio(path, ch, rate, sfreq)
    n_out = int(round(header.duration * sfreq))
    first = int(round(start_s * sfreq))
    last = n_out if stop_s is None else int(round(stop_s * sfreq))
    if not 0 <= first <= last <= n_out:
        raise ValueError(f"span [{start_s}, {stop_s}) s is outside the {header.duration:g}-s recording")
    # Pointwise pipeline: reading just the span gives the same values as reading everything.
    single_rate = len(set(native.values())) == 1
    pointwise = single_rate and read_rate == sfreq and l_freq is None and h_freq is None
    read_first, read_last = (first, last) if pointwise else (0, None)
    units = dict(zip(header.labels, header.units, strict=True))
    to_volts = [volts_correction(units[ch]) for ch in channels]
    voltage = [factor is not None for factor in to_volts]
    scale = np.array([1.0 if factor is None else 1e6 * factor * rescale for factor in to_volts])
    try:
        if single_rate:
            data = read_edf_signals(header, channels, read_first, read_last, scale=scale)
        else:  # MNE upsamples the slower picks to the fastest one (FFT) while reading
            import mne

            raw = mne.io.read_raw_edf(path, include=list(channels), preload=False, verbose="error")
            data = (
                raw.get_data(picks=list(channels), start=read_first, stop=read_last) * scale[:, None]
            ).astype(np.float32)
    except Exception as err:  # MNE raises many kinds on corrupt files
        raise RecordingError(path, f"cannot read the EDF signals: {err}") from err
    if read_rate != sfreq:
        from scipy.signal import resample_poly

        up, down = resample_ratio(path, channels[0], read_rate, sfreq)
        data = resample_poly(data, up, down, axis=-1).astype(np.float32)
    # Row minima and maxima answer both checks in two passes: NaN and ±inf show in them, equal ones mean flat.
    if data.shape[1]:
        low, high = data.min(axis=1), data.max(axis=1)
        if not (np.isfinite(low).all() and np.isfinite(high).all()):
            bad = ~np.isfinite(data)
            rows = np.flatnonzero(bad.any(axis=1))
            raise RecordingError(
                path,
                "NaN or infinite values in "
                + ", ".join(f"{channels[r]!r} ({int(bad[r].sum())} samples)" for r in rows),
            )
        flat = [channels[r] for r in range(len(channels)) if low[r] == high[r]]
        if flat:
            raise RecordingError(path, f"flat signal (constant value) in {', '.join(map(repr, flat))}")
        problems = amplitude_problems(data[voltage], [ch for ch, volt in zip(channels, voltage, strict=True) if volt])
        if problems:
            raise RecordingError(path, "; ".join(problems))
    if l_freq is not None or h_freq is not None:
        import mne

        if h_freq is not None and h_freq >= sfreq / 2:
            raise RecordingError(path, f"low-pass edge {h_freq} Hz is not below Nyquist ({sfreq / 2} Hz)")
        data = mne.filter.filter_data(data.astype(np.float64), sfreq, l_freq, h_freq, verbose="error").astype(
            np.float32
        )
    if not pointwise:
        data = data[:, first : None if stop_s is None else last]
    return data, float(sfreq), header


def epoch_labels(
    path: str | os.PathLike,
    onset: np.ndarray,
    duration: np.ndarray,
    text: np.ndarray,
    *,
    n_epochs: int,
    epoch_seconds: float,
    label_ids: Mapping[str, int],
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

    Returns:
        ``(ids, texts)``: ``int64`` ids (``IGNORE_INDEX`` for ignored or unannotated epochs) and
        an object array of texts (``""`` where no annotation covers the epoch).

    Raises:
        RecordingError: an unknown annotation text, or an annotation off the epoch grid.
    """
    text = np.asarray(text, dtype=object)
    unknown = sorted(set(text.tolist()) - set(label_ids))
    if unknown:
        raise RecordingError(path, f"unknown annotation label(s) {unknown}; known: {sorted(label_ids)}")
    starts = onset / epoch_seconds
    counts = duration / epoch_seconds
    off_grid = (np.abs(starts - np.round(starts)) > 1e-6) | (np.abs(counts - np.round(counts)) > 1e-6)
    if off_grid.any():
        i = int(np.flatnonzero(off_grid)[0])
        raise RecordingError(
            path,
            f"annotation {text[i]!r} at {onset[i]} s lasting {duration[i]} s is not aligned to the "
            f"{epoch_seconds:g}-s epoch grid",
        )
    starts, counts = np.round(starts).astype(np.int64), np.round(counts).astype(np.int64)
    keep = counts > 0
    starts, counts = starts[keep], counts[keep]
    ann_ids = np.array([label_ids[t] for t in text[keep]], dtype=np.int64)
    which = np.repeat(np.arange(len(starts)), counts)
    index = np.repeat(starts, counts) + (
        np.arange(len(which)) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    inside = (index >= 0) & (index < n_epochs)
    ids = np.full(n_epochs, IGNORE_INDEX, dtype=np.int64)
    texts = np.full(n_epochs, "", dtype=object)
    ids[index[inside]] = ann_ids[which[inside]]
    texts[index[inside]] = text[keep][which[inside]]
    return ids, texts


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
    """``sfreq * epoch_seconds`` as an int, or an error when it is not whole.

    Args:
        sfreq: sampling rate.
        epoch_seconds: epoch (or window) length.
        path: file, for the error message.
    """
    n = sfreq * epoch_seconds
    if abs(n - round(n)) > 1e-6 or n <= 0:
        raise RecordingError(
            path, f"{epoch_seconds:g}-s epochs at {sfreq:g} Hz are not a whole number of samples"
        )
    return int(round(n))
