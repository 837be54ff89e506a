"""Reading recordings: the one reader the converters, the feature extractor and staging share.

EDF and BDF files are read straight from their data records, only the picked channels, a block of records at a
time (the values of `mne.io.read_raw_edf` / `read_raw_bdf`, bit for bit, in a fraction of its time; picks at mixed
rates are resampled channel by channel); FIF and BrainVision go through MNE. Channels are picked
(case-insensitively), derived (`"A - B"`) and re-referenced here; resampling, filtering and epoching belong to the
`SleepFeatureExtractor`.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hf_sleep.models.sleep_base.signals import derive_channels, resample_ratio, resolve_channels

from .checks import derivation_name, eeg_channels
from .edf import EdfHeader, check_edf_signature, read_edf_header, read_edf_signals, volts_correction
from .errors import RecordingError

EDF_SUFFIXES = (".edf", ".rec", ".bdf")
"""Files read by this package's EDF/BDF reader (`hf_sleep.data.edf`) rather than MNE's."""

READERS: dict[str, str] = {
    ".edf": "read_raw_edf",
    ".rec": "read_raw_edf",  # ISRUC-Sleep's EDF files
    ".bdf": "read_raw_bdf",
    ".fif": "read_raw_fif",
    ".fif.gz": "read_raw_fif",
    ".vhdr": "read_raw_brainvision",
}


def judge_recording_file(path: str | os.PathLike) -> Path:
    """The one verdict on a file given as a recording, whichever command reads it (`stage`, `convert`).

    An EDF or BDF file ([`EDF_SUFFIXES`]) must start like one; a file of another name must be one MNE's
    `read_raw` opens. Deeper problems (a corrupt header field, a missing channel) are the readers' to word.

    Raises:
        FileNotFoundError: `path` does not exist.
        RecordingError: naming the file and what was expected of it.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"recording {path} does not exist")
    name = path.name.lower()
    if name.endswith(EDF_SUFFIXES):
        with open(path, "rb") as f:
            check_edf_signature(path, f.read(256), path.stat().st_size)
    elif not name.endswith(tuple(READERS)):
        import mne

        try:
            mne.io.read_raw(path, preload=False, verbose="error")
        except Exception as error:  # MNE raises many types (AssertionError for an unknown suffix)
            detail = " ".join(str(error).split())
            raise RecordingError(
                path, "not a recording: expected EDF (.edf), BDF (.bdf), FIF (.fif), BrainVision (.vhdr) or "
                "another format MNE reads" + (f" ({detail})" if detail else "")
            ) from None
    return path


def open_recording(path: str | os.PathLike, **kwargs: Any):
    """Opens a recording lazily with MNE (EDF, BDF, FIF, BrainVision; others through `mne.io.read_raw`).

    Raises:
        FileNotFoundError: when `path` does not exist.
        ValueError: naming the file when MNE cannot read it.
    """
    import mne

    path = judge_recording_file(path)
    name = path.name.lower()
    reader_name = next((reader for suffix, reader in READERS.items() if name.endswith(suffix)), "read_raw")
    reader = getattr(mne.io, reader_name)
    try:
        return reader(path, preload=False, verbose="error", **kwargs)
    except Exception as error:  # MNE raises many types for corrupt files; the user needs the file name.
        raise ValueError(f"could not read {path} as a recording ({type(error).__name__}: {error})") from error


def recording_stem(path: str | os.PathLike) -> str:
    """The file name without its recording suffix (`night.fif.gz` -> `night`)."""
    name = Path(path).name
    for suffix in sorted(READERS, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _reference_names(reference: str | Sequence[str] | None, available: list[str], eeg: list[str]) -> list[str]:
    if reference is None:
        return []
    if isinstance(reference, str) and reference.lower() == "average":
        if not eeg:
            raise ValueError("reference='average' needs EEG channels, and the recording has none")
        return eeg
    names = [reference] if isinstance(reference, str) else list(reference)
    return [channel for channel, _ in resolve_channels(names, available)]


def read_recording(
    recording: str | os.PathLike | Any,
    channels: Sequence[str],
    *,
    reference: str | Sequence[str] | None = None,
    rescale: float = 1.0,
    header: EdfHeader | None = None,
    start_s: float = 0.0,
    stop_s: float | None = None,
    sfreq: float | None = None,
) -> tuple[np.ndarray, float, dict[str, Any]]:
    """Reads the channels (or derivations) a model needs, at the recording's rate, voltages in µV.

    Args:
        recording: an EDF/BDF/FIF/BrainVision file or an `mne.io.Raw`.
        channels: names in output order; `"A - B"` (or `"A-B"` when no channel has that name) derives them.
        reference: `None`, `"average"` (mean of the EEG channels) or channel names whose mean is subtracted.
        rescale: factor for files whose physical dimension is wrong.
        header: the already-read EDF header, if any.
        start_s: start of the returned span in seconds (whole samples).
        stop_s: end of the span (`None`: the end of the recording).
        sfreq: the rate wanted when the picked EDF channels have different rates: each is resampled straight
            to it (polyphase), channel by channel (`None`: the fastest pick's rate). Ignored otherwise.

    An EDF+D (discontinuous) file is read on its time line: NaN where it recorded nothing (`info["gaps"]`,
    `(start_s, end_s)` each, from the recording's start).

    Returns:
        `(signal, sfreq, info)`: `signal` float32 `(n_chans, n_samples)`; `info` has `channels` (as resolved,
        `A - B` for derivations), `available`, `reference` (`"average of ..."` names the channels), `voltage` (a
        bool per channel: its unit is a voltage, so its amplitude can be judged), `meas_date` and `path`.

    Raises:
        RecordingError: a missing channel, picks at rates that cannot be combined, or an unreadable file.
    """
    if not channels:
        raise ValueError("at least one channel is needed")
    if len(set(channels)) != len(channels):
        raise ValueError(f"channels are repeated: {list(channels)}")
    is_path = isinstance(recording, (str, os.PathLike))
    path = Path(recording) if is_path else Path(str(getattr(recording, "filenames", [None])[0] or "<raw>"))
    if is_path and not path.is_file():
        raise FileNotFoundError(f"recording {path} does not exist")
    fast = is_path and path.name.lower().endswith(EDF_SUFFIXES)
    if fast and header is None:
        header = read_edf_header(path)  # its errors name the file and the field (MNE's often do neither)
    raw = None if fast else open_recording(path) if is_path else recording
    available, eeg, meas_date = _channels_of(header if fast else raw)
    try:
        resolved = resolve_channels(channels, available)
        reference_names = _reference_names(reference, available, eeg)
    except ValueError as error:
        raise RecordingError(path, str(error) + (header.duplicates_note if fast else "")) from None
    needed = list(dict.fromkeys([ch for pair in resolved for ch in pair if ch] + reference_names))
    if fast and header.record_count_problem:  # the judgement conversion and staging share: read what is there
        warnings.warn(f"{path}: {header.record_count_problem}", UserWarning, stacklevel=2)
    if fast:
        data, sfreq = _read_edf(path, header, needed, start_s, stop_s, sfreq)
    else:
        sfreq = float(raw.info["sfreq"])
        first, last = _span(start_s, stop_s, sfreq, raw.n_times / sfreq)
        try:
            data = (raw.get_data(picks=needed, start=first, stop=last) * 1e6).astype(np.float32)
        except Exception as error:
            raise RecordingError(path, f"cannot read the signals ({type(error).__name__}: {error})") from error
    signal = derive_channels(data, needed, resolved, reference_names)
    if rescale != 1.0:
        signal = signal * np.float32(rescale)
    names = [derivation_name(plus, minus) for plus, minus in resolved]
    used_reference = reference if not isinstance(reference, str) or reference.lower() != "average" else (
        "average of " + ", ".join(reference_names))  # fmt: skip
    voltage = _is_voltage(header if fast else raw, [plus for plus, _ in resolved])
    info = {"channels": names, "available": available, "reference": used_reference, "voltage": voltage,
            "meas_date": meas_date, "path": path, "gaps": header.gaps if fast else []}  # fmt: skip
    return np.asarray(signal, dtype=np.float32), float(sfreq), info


def _channels_of(source: EdfHeader | Any) -> tuple[list[str], list[str], Any]:
    """`(available, eeg, meas_date)` of an EDF header or an MNE `Raw`: its channels, the EEG ones, its start."""
    if isinstance(source, EdfHeader):
        available = list(source.channels)
        # EDF has no types: the names tell EOG, EMG, ... apart
        return available, eeg_channels(available), source.start.replace(tzinfo=dt.timezone.utc)
    import mne

    available = list(source.ch_names)
    eeg = eeg_channels([available[i] for i in mne.pick_types(source.info, eeg=True, exclude=[])])
    return available, eeg, source.info.get("meas_date")


def _is_voltage(source: EdfHeader | Any, channels: Sequence[str]) -> list[bool]:
    """Whether each channel's unit is a voltage (so its amplitude can be judged), from an EDF header or a `Raw`."""
    if isinstance(source, EdfHeader):
        units = dict(zip(source.labels, source.units, strict=True))
        return [volts_correction(units[name]) is not None for name in channels]
    types = dict(zip(source.ch_names, source.get_channel_types(), strict=True))
    return [types[name] in ("eeg", "eog", "emg", "ecg", "seeg", "ecog") for name in channels]


def _span(start_s: float, stop_s: float | None, sfreq: float, duration: float) -> tuple[int, int | None]:
    n_out = int(round(duration * sfreq))
    first = int(round(start_s * sfreq))
    last = n_out if stop_s is None else int(round(stop_s * sfreq))
    if not 0 <= first <= last <= n_out:
        raise ValueError(f"span [{start_s}, {stop_s}) s is outside the {duration:g}-s recording")
    return first, last


def _read_edf(
    path: Path, header: EdfHeader, needed: list[str], start_s: float, stop_s: float | None, target: float | None
) -> tuple[np.ndarray, float]:
    """The picked EDF channels as float32 (µV for voltages) at their common rate, or (mixed rates) at `target`,
    else at the fastest one."""
    if header.n_records <= 0:
        raise RecordingError(path, "recording is empty (0 data records)")
    native = {ch: header.sfreq(ch) for ch in needed}
    sfreq = max(native.values())
    first, last = _span(start_s, stop_s, sfreq, header.duration)
    units = dict(zip(header.labels, header.units, strict=True))
    # Every spelling of a voltage unit (UV, uv, µV, μV, mV, V) in µV; other channels keep their values.
    to_volts = [volts_correction(units[ch]) for ch in needed]
    scale = np.array([1.0 if factor is None else 1e6 * factor for factor in to_volts])
    if len(set(native.values())) == 1:
        return read_edf_signals(header, needed, first, last, scale=scale), sfreq
    # Mixed rates: one channel at a time, read at its own rate and resampled (polyphase) straight to the rate
    # wanted, so that no channel is ever held at a faster rate than it was recorded or is needed at.
    from hf_sleep.models.sleep_base.filters import resample_poly  # scipy.signal's, without its import

    rate = target or sfreq
    n_out = int(round(header.duration * rate))
    first, last = _span(start_s, stop_s, rate, header.duration)
    out = np.empty((len(needed), last - first), dtype=np.float32)
    for row, channel in enumerate(needed):
        try:
            up, down = resample_ratio(native[channel], rate)
        except ValueError as error:
            raise RecordingError(path, f"{channel!r}: {error}") from None
        values = read_edf_signals(header, [channel], scale=scale[row : row + 1])[0]
        if header.gaps:  # EDF+D: zero while filtering, NaN again after
            values[np.isnan(values)] = 0.0
        values = resample_poly(values, up, down).astype(np.float32)[:n_out]
        for begin, end in header.gaps:
            values[int(np.floor(begin * rate)) : int(np.ceil(end * rate))] = np.nan
        out[row] = values[first:last]
        del values
    return out, rate


def check_finite(path: str | os.PathLike, data: np.ndarray, names: Sequence[str], *, flat: bool = True) -> None:
    """Raises `RecordingError` for NaN or infinite samples (and, with `flat`, a constant channel)."""
    if not data.shape[-1]:
        return
    # Row minima and maxima answer both checks in two passes: NaN and ±inf show in them, equal ones mean flat.
    low, high = data.min(axis=-1), data.max(axis=-1)
    if not (np.isfinite(low).all() and np.isfinite(high).all()):
        bad = ~np.isfinite(data)
        rows = np.flatnonzero(bad.any(axis=-1))
        raise RecordingError(
            path, "NaN or infinite values in " + ", ".join(f"{names[r]!r} ({int(bad[r].sum())} samples)" for r in rows)
        )
    if flat:
        constant = [names[r] for r in range(len(names)) if low[r] == high[r]]
        if constant:
            raise RecordingError(path, f"flat signal (constant value) in {', '.join(map(repr, constant))}")
