"""EDF/EDF+ files: header validation, the fast span reader, annotation reading, and the one EDF+ writer.

The readers check a file before MNE sees it (so a truncated or corrupt file gives an error naming the
file and the problem), read spans of signals as MNE does, and parse EDF+ annotations without MNE.
``write_edf`` writes every EDF+ file the package makes (generated recordings, hypnogram annotation
files, staging's ``*_hypnogram.edf``), through edfio.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .checks import volts_per_unit
from .errors import RecordingError

ANNOTATION_LABEL = "EDF Annotations"
# The equipment code of the EDF+ recording field in files written by `hf_sleep.data.synthetic`: converters
# read it to say, in the dataset's metadata and card, that the data are generated.
SYNTHETIC_EQUIPMENT = "hf_sleep-synthetic"


@dataclass(frozen=True)
class EdfHeader:
    """The parts of an EDF header that conversion needs.

    Args:
        path: the file.
        start: recording start (date and time of the header, no time zone).
        n_records: number of data records.
        record_duration: duration of a data record in seconds.
        labels: signal labels (stripped), annotation signals included.
        n_samples: samples per data record of each signal.
        units: physical dimension of each signal.
        physical_min: physical minimum of each signal (NaN where the field is not a number).
        physical_max: physical maximum of each signal.
        digital_min: digital minimum of each signal.
        digital_max: digital maximum of each signal.
        recording_id: the header's local recording identification (EDF+: ``Startdate ... equipment ...``).
        announced_records: the record count of the header when the file holds another number of whole
            records (`n_records` is then the file's, as MNE reads it); `None` when they agree.
        record_onsets: EDF+D (discontinuous) only: each data record's start in seconds from ``start`` (its
            time-keeping annotation); empty for a continuous file, whose records follow each other.
        duplicated: labels that several signals share, each with the names they are read under (MNE's
            renaming: ``EEG C4-M1-0``, ``EEG C4-M1-1``; ``labels`` holds the renamed ones).
        sample_bytes: bytes per sample: 2 for EDF, 3 for BDF (whose ``BDF Annotations`` signal is listed as
            ``EDF Annotations``, the one annotation label of this module).
    """

    path: Path
    start: dt.datetime
    n_records: int
    record_duration: float
    labels: tuple[str, ...]
    n_samples: tuple[int, ...]
    units: tuple[str, ...]
    physical_min: tuple[float, ...] = ()
    physical_max: tuple[float, ...] = ()
    digital_min: tuple[float, ...] = ()
    digital_max: tuple[float, ...] = ()
    recording_id: str = ""
    announced_records: int | None = None
    record_onsets: tuple[float, ...] = ()
    duplicated: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    sample_bytes: int = 2

    @property
    def synthetic_driver(self) -> str | None:
        """What drove a file written by ``hf_sleep.data.synthetic`` (``"generated"`` or ``"real-<hypnogram>"``);
        ``None`` for a real recording."""
        fields = self.recording_id.split()
        if SYNTHETIC_EQUIPMENT not in fields:
            return None
        rest = fields[fields.index(SYNTHETIC_EQUIPMENT) + 1 :]
        return rest[0] if rest else "generated"

    @property
    def record_count_problem(self) -> str | None:
        """What is wrong with the header's record count (a truncated file, a wrong count), or `None`.

        The one judgement of staging and conversion: the whole records the file holds are read, and this
        message says so.
        """
        if self.announced_records is None:
            return None
        announced = self.announced_records * self.record_duration
        problem = "truncated EDF" if self.announced_records > self.n_records else "wrong record count in the EDF header"
        return (
            f"{problem}: the header announces {self.announced_records} data records ({announced:g} s) but the "
            f"file holds {self.n_records} ({self.duration:g} s); only the {self.duration:g} s in the file are read"
        )

    @property
    def duration(self) -> float:
        """Length of the recording in seconds: from its start to the end of its last data record (gaps of an
        EDF+D file included)."""
        if self.record_onsets:
            return self.record_onsets[-1] + self.record_duration
        return self.n_records * self.record_duration

    @functools.cached_property  # a loop over the records: computed once (frozen dataclasses allow it)
    def segments(self) -> list[tuple[int, int, float]]:
        """The runs of contiguous data records: ``(first record, end record, onset in seconds)`` each; one run
        ``(0, n_records, 0.0)`` for a continuous file."""
        if not self.record_onsets:
            return [(0, self.n_records, 0.0)] if self.n_records else []
        runs = [(0, 1, self.record_onsets[0])]
        for k in range(1, self.n_records):
            first, _, onset = runs[-1]
            if abs(self.record_onsets[k] - (onset + (k - first) * self.record_duration)) < 1e-6:
                runs[-1] = (first, k + 1, onset)
            else:
                runs.append((k, k + 1, self.record_onsets[k]))
        return runs

    @functools.cached_property
    def gaps(self) -> list[tuple[float, float]]:
        """``(start, end)`` in seconds of the stretches an EDF+D file did not record; empty for a continuous one."""
        found, end = [], 0.0
        for first, stop, onset in self.segments:
            if onset > end + 1e-6:
                found.append((end, onset))
            end = onset + (stop - first) * self.record_duration
        return found

    @property
    def channels(self) -> tuple[str, ...]:
        """Signal labels without the EDF+ annotation signal."""
        return tuple(label for label in self.labels if label != ANNOTATION_LABEL)

    def sfreq(self, channel: str) -> float:
        """Sampling rate of ``channel`` in Hz.

        Args:
            channel: a signal label.
        """
        if self.record_duration <= 0:
            raise RecordingError(self.path, f"data record duration is {self.record_duration} s")
        return self.n_samples[self.labels.index(channel)] / self.record_duration

    @property
    def duplicates_note(self) -> str:
        """`` (several signals are labelled 'X': they are read as 'X-0', 'X-1')`` for messages about channels not
        found; empty when every label is unique."""
        return "".join(
            f" (several signals are labelled {label!r}: they are read as {', '.join(map(repr, names))})"
            for label, names in self.duplicated.items()
        )

    def check_signal(self, channel: str) -> None:
        """Refuse, naming the file, the field and the signal, a signal whose samples cannot be calibrated.

        Args:
            channel: a signal label.

        Raises:
            RecordingError: its samples per record is 0, or its physical or digital minimum or maximum is not a
                number.
        """
        i = self.labels.index(channel)
        if self.n_samples[i] <= 0:
            raise RecordingError(self.path, f"corrupt EDF header: samples per record of {channel!r} is 0")
        fields = {"physical minimum": self.physical_min, "physical maximum": self.physical_max,
                  "digital minimum": self.digital_min, "digital maximum": self.digital_max}  # fmt: skip
        for name, values in fields.items():
            if i < len(values) and not math.isfinite(values[i]):
                raise RecordingError(self.path, f"corrupt EDF header: {name} of {channel!r} is not a number")


def gap_epochs(gaps: Sequence[tuple[float, float]], epoch_seconds: float, n_epochs: int) -> np.ndarray:
    """``(n_epochs,)`` bool: the epochs (from the recording's start) that a gap of an EDF+D file touches.

    Args:
        gaps: ``(start, end)`` in seconds (``EdfHeader.gaps``).
        epoch_seconds: epoch length.
        n_epochs: number of epochs.
    """
    touched = np.zeros(n_epochs, dtype=bool)
    for begin, end in gaps:
        first = int(math.floor(begin / epoch_seconds + 1e-9))
        stop = int(math.ceil(end / epoch_seconds - 1e-9))
        touched[max(first, 0) : max(min(stop, n_epochs), 0)] = True
    return touched


def describe_gaps(gaps: Sequence[tuple[float, float]]) -> str:
    """``"2 gaps (3600-7200 s, 9000-9030 s)"``: the gaps of an EDF+D file for a message."""
    spans = ", ".join(f"{begin:g}-{end:g} s" for begin, end in gaps[:3]) + (", ..." if len(gaps) > 3 else "")
    return f"{len(gaps)} gap{'s' if len(gaps) != 1 else ''} ({spans})"


def _field(raw: bytes, start: int, length: int) -> str:
    return raw[start : start + length].decode("latin-1").strip()


def _number(value: str) -> float:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return math.nan


def _parse_start(path: Path, date: str, time: str, recording_id: str) -> dt.datetime:
    """The start as MNE reads it: the EDF+ ``Startdate dd-MMM-yyyy`` subfield (four-digit year) when it is one,
    else the ``dd.mm.yy`` field (85-99: 19xx, else 20xx); a four-digit year there is taken as written."""
    try:
        hour, minute, second = (int(x) for x in time.replace(":", ".").split("."))
        moment = dt.time(hour, minute, second)
    except ValueError as err:
        raise RecordingError(path, f"corrupt EDF header: start time {time!r}, expected hh.mm.ss") from err
    fields = recording_id.split()
    if len(fields) > 1 and fields[0] == "Startdate":
        try:
            return dt.datetime.combine(dt.datetime.strptime(fields[1].title(), "%d-%b-%Y").date(), moment)
        except ValueError:
            pass  # `Startdate X` (unknown) or a malformed subfield: the date field decides
    try:
        day, month, year = (int(x) for x in date.split("."))
        if year < 100:
            year += 1900 if year >= 85 else 2000
        elif not 1985 <= year <= 2084:
            raise ValueError(f"year {year}")
        return dt.datetime.combine(dt.date(year, month, day), moment)
    except ValueError as err:
        raise RecordingError(path, f"corrupt EDF header: start date {date!r}, expected dd.mm.yy") from err


def _unique_labels(labels: Sequence[str]) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """Signal labels made unique as MNE does (``X``, ``X`` -> ``X-0``, ``X-1``), annotation signals kept."""
    unique, duplicated = list(labels), {}
    for label in dict.fromkeys(labels):
        where = [i for i, other in enumerate(labels) if other == label]
        if len(where) < 2 or label == ANNOTATION_LABEL:
            continue
        for k, i in enumerate(where):
            unique[i] = f"{label}-{k}"
            while unique[i] in labels:  # the new name is itself a label of the file
                unique[i] += "-0"
        duplicated[label] = tuple(unique[i] for i in where)
    return unique, duplicated


def _record_onsets(path: Path, header: EdfHeader) -> tuple[float, ...]:
    """Each data record's onset from its time-keeping annotation (the first TAL of the first annotation signal)."""
    if ANNOTATION_LABEL not in header.labels:
        raise RecordingError(path, "EDF+D (discontinuous) without an 'EDF Annotations' signal: record onsets unknown")
    records = _signal_bytes(header, header.labels.index(ANNOTATION_LABEL), 0, header.n_records)
    onsets = []
    for k in range(header.n_records):
        raw = records[k].tobytes()
        match = re.match(rb"([+-]\d+(?:\.\d*)?)\x14\x14", raw)
        if match is None:
            raise RecordingError(path, f"EDF+D data record {k} has no time-keeping annotation: its onset is unknown")
        onsets.append(float(match[1]))
    del records  # closes the memory map
    onsets = [onset - onsets[0] for onset in onsets]  # from the first record, as annotation onsets are
    for k in range(1, len(onsets)):
        if onsets[k] < onsets[k - 1] + header.record_duration - 1e-6:
            raise RecordingError(
                path,
                f"EDF+D data record {k} starts at {onsets[k]:g} s, before data record {k - 1} "
                f"({onsets[k - 1]:g} s + {header.record_duration:g} s) ends",
            )
    return tuple(onsets)


def check_edf_signature(path: str | os.PathLike, head: bytes, size: int) -> None:
    """Whether a file is an EDF (or BDF) file at all, judged by its first 256 bytes `head` and its `size`.

    Raises:
        RecordingError: naming the file, when it is shorter than a header or its version field is not '0'.
    """
    if len(head) < 256:
        raise RecordingError(path, f"not an EDF file: {size} bytes, shorter than a 256-byte EDF header")
    if head[:8].strip() != b"0" and head[:8] != b"\xffBIOSEMI":
        raise RecordingError(
            path, f"not an EDF file: version field is {head[:8]!r}, expected '0' (EDF) or '\\xffBIOSEMI' (BDF)"
        )


def _fixed_fields(path: Path, head: bytes) -> tuple[int, int, float, int]:
    """The fixed part of a header: its size in bytes, the data records, their duration and the signal count."""
    try:
        header_bytes = int(_field(head, 184, 8))
        n_records = int(_field(head, 236, 8))
        record_duration = float(_field(head, 244, 8))
        n_signals = int(_field(head, 252, 4))
    except ValueError as err:
        raise RecordingError(path, f"corrupt EDF header: {err}") from err
    if n_signals < 1:
        raise RecordingError(path, f"corrupt EDF header: number of signals is {n_signals}, expected at least 1")
    if header_bytes != 256 * (n_signals + 1):
        raise RecordingError(path, f"corrupt EDF header: {n_signals} signals but a header of {header_bytes} bytes")
    return header_bytes, n_records, record_duration, n_signals


def _samples_per_record(path: Path, labels: list[str], fields: list[str], record_duration: float) -> list[int]:
    """Each signal's samples per data record, checked together with the record duration (their ratio is a rate)."""
    try:
        n_samples = [int(x) for x in fields]
    except ValueError as err:
        raise RecordingError(path, f"corrupt EDF header: samples per record: {err}") from err
    if any(n < 0 for n in n_samples):
        raise RecordingError(path, f"corrupt EDF header: negative samples per record {n_samples}")
    if not math.isfinite(record_duration) or record_duration < 0:
        raise RecordingError(path, f"corrupt EDF header: data record duration {record_duration} s")
    signals = [n for label, n in zip(labels, n_samples, strict=True) if label != ANNOTATION_LABEL]
    # A rate above 1 MHz is no sleep recording: a record duration such as 1e-9 s is a corrupt field.
    if any(signals) and (record_duration <= 0 or max(signals) / record_duration > 1e6):
        raise RecordingError(
            path,
            f"corrupt EDF header: data record duration {record_duration:g} s (with up to {max(signals)} samples "
            "per record), expected a positive number of seconds such as 1 or 30",
        )
    return n_samples


def read_edf_header(path: str | os.PathLike) -> EdfHeader:
    """Read and validate an EDF/EDF+ header, and check that the file holds all its data records.

    Args:
        path: the EDF file.

    Returns:
        The parsed header.

    A file holding another number of whole data records than its header announces (a recorder that
    died mid-night, a wrong count) is read as MNE reads it: ``n_records`` is the count in the file and
    ``announced_records`` the header's (see ``EdfHeader.record_count_problem``).

    Raises:
        RecordingError: the file is missing, not an EDF file, or its header is corrupt or truncated.
    """
    path = Path(path)
    if not path.is_file():
        raise RecordingError(path, "file not found")
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(256)
        check_edf_signature(path, head, size)
        bdf = head[:8] == b"\xffBIOSEMI"
        header_bytes, n_records, record_duration, n_signals = _fixed_fields(path, head)
        sig = f.read(256 * n_signals)
    if len(sig) < 256 * n_signals:
        raise RecordingError(path, f"truncated EDF header: {size} bytes, header needs {header_bytes}")
    ns = n_signals

    def column(offset: int, width: int) -> list[str]:
        base = offset * ns
        return [_field(sig, base + i * width, width) for i in range(ns)]

    labels = column(0, 16)
    if bdf:
        labels = [ANNOTATION_LABEL if label == "BDF Annotations" else label for label in labels]
    units = column(16 + 80, 8)
    n_samples = _samples_per_record(path, labels, column(16 + 80 + 8 + 8 * 4 + 80, 8), record_duration)
    record_bytes = (3 if bdf else 2) * sum(n_samples)
    in_file = (size - header_bytes) // record_bytes if record_bytes else max(n_records, 0)
    announced = None
    if n_records != in_file and n_records >= 0:  # -1 is allowed while recording: the file size decides
        announced = n_records
    n_records = in_file
    recording_id = _field(head, 88, 80)
    start = _parse_start(path, _field(head, 168, 8), _field(head, 176, 8), recording_id)
    ranges = [tuple(_number(x) for x in column(16 + 80 + 8 * k, 8)) for k in range(1, 5)]
    unique, duplicated = _unique_labels(labels)
    header = EdfHeader(
        path, start, n_records, record_duration, tuple(unique), tuple(n_samples), tuple(units), *ranges,
        recording_id=recording_id, announced_records=announced, duplicated=duplicated, sample_bytes=3 if bdf else 2,
    )  # fmt: skip
    if _field(head, 192, 44).startswith(("EDF+D", "BDF+D")) and n_records > 0:
        header = dataclasses.replace(header, record_onsets=_record_onsets(path, header))
    return header


# A time-stamped annotation list: onset, optional duration, then texts each closed by 0x14, then 0x00.
_TAL = re.compile(rb"([+-]\d+\.?\d*)(?:\x15(\d+\.?\d*))?((?:\x14[^\x14\x00]*)*?)\x14\x00")

# Physical-dimension gains to SI volts, exactly those MNE applies (other units are left as they are).
_MNE_GAINS = {"\u03bcV": 1e-6, "\u00b5V": 1e-6, "\x83\xcaV": 1e-6, "uV": 1e-6, "mV": 1e-3}


def volts_correction(unit: str) -> float | None:
    """The factor that turns the value MNE reads for a signal of this unit into volts.

    MNE scales only the spellings it knows (``uV``, ``µV``, ``mV``, ...) and leaves ``UV`` or ``uv`` as
    if they were volts; every spelling of a voltage unit means what ``checks.volts_per_unit`` says.

    Args:
        unit: the signal's physical dimension as written in the file.

    Returns:
        The factor, or ``None`` when the unit is not a voltage (the values are left as they are).
    """
    volts = volts_per_unit(unit)
    return None if volts is None else volts / _MNE_GAINS.get(unit, 1.0)


def _signal_bytes(header: EdfHeader, i: int, first: int, stop: int) -> np.ndarray:
    """The bytes of signal ``i`` in data records ``[first, stop)``: a ``uint8`` ``(n_records, bytes per record)``
    memory map (a copy of nothing: only the pages read are loaded)."""
    width, record = header.sample_bytes, sum(header.n_samples)
    bounds = np.cumsum([0, *header.n_samples])
    if stop <= first or record == 0:
        return np.zeros((max(stop - first, 0), width * header.n_samples[i]), dtype=np.uint8)
    records = np.memmap(
        header.path, dtype=np.uint8, mode="r", offset=256 * (len(header.labels) + 1) + width * record * first,
        shape=(stop - first, width * record),
    )  # fmt: skip
    return records[:, width * bounds[i] : width * bounds[i + 1]]


def _digital(header: EdfHeader, i: int, first: int, stop: int) -> np.ndarray:
    """Signal ``i``'s digital values in data records ``[first, stop)``, ``(n_records, samples per record)``: EDF's
    little-endian 16-bit integers (a view of the map), BDF's 24-bit ones (decoded to ``int32``)."""
    raw = _signal_bytes(header, i, first, stop)
    if header.sample_bytes == 2:
        return raw.view("<i2")
    triplets = raw.reshape(len(raw), -1, 3).astype(np.int32)
    values = triplets[..., 0] | (triplets[..., 1] << 8) | (triplets[..., 2] << 16)
    values[values >= 1 << 23] -= 1 << 24  # two's complement
    return values


def read_annotations(path: str | os.PathLike) -> tuple[EdfHeader, np.ndarray, np.ndarray, np.ndarray]:
    """Read the annotations of an EDF+ file (a Sleep-EDF hypnogram or a MASS ``Base.edf``).

    Parses the time-stamped annotation lists of the ``EDF Annotations`` signal(s) with the rules
    of ``mne.read_annotations`` (onsets relative to the first data record, empty texts skipped,
    sorted by onset then duration), without importing MNE's reader stack.

    Args:
        path: the EDF+ annotation file.

    Returns:
        ``(header, onset, duration, description)``; onsets are in seconds from the file's start.

    Raises:
        RecordingError: the file is not a readable EDF+ annotation file.
    """
    header = read_edf_header(path)
    if ANNOTATION_LABEL not in header.labels:
        raise RecordingError(path, "no 'EDF Annotations' signal: not an EDF+ annotation file")
    columns = [i for i, label in enumerate(header.labels) if label == ANNOTATION_LABEL]
    raw = b"".join(np.ascontiguousarray(_signal_bytes(header, i, 0, header.n_records)).tobytes() for i in columns)
    onsets: list[float] = []
    durations: list[float] = []
    texts: list[str] = []
    offset = 0.0
    try:
        for k, (onset_b, duration_b, texts_b) in enumerate(_TAL.findall(raw)):
            onset = float(onset_b) + offset
            found = [t.decode("utf-8") for t in texts_b.split(b"\x14")[1:] if t]
            if not found and k == 0:
                offset = -onset  # the first record's time-keeping TAL: its start within the second
            for text in found:
                onsets.append(onset)
                durations.append(float(duration_b) if duration_b else 0.0)
                texts.append(text)
    except (UnicodeDecodeError, ValueError) as err:
        raise RecordingError(path, f"cannot read the EDF+ annotations: {err}") from err
    order = sorted(range(len(onsets)), key=lambda i: (onsets[i], durations[i], i))
    onset = np.array([onsets[i] for i in order], dtype=float)
    duration = np.array([durations[i] for i in order], dtype=float)
    description = np.array([texts[i] for i in order], dtype=object)
    return header, onset, duration, description


def read_edf_signals(
    header: EdfHeader,
    channels: Sequence[str],
    start: int = 0,
    stop: int | None = None,
    *,
    scale: Sequence[float] | None = None,
) -> np.ndarray:
    """Samples ``[start, stop)`` of channels sharing one sampling rate, as ``mne.io.read_raw_edf`` gives them.

    Only the data records covering the span are touched (a memory map), and only the picked
    channels are converted, in cache-sized blocks: a fraction of MNE's time on long files. The
    values equal ``raw.get_data(picks=channels, start=start, stop=stop)`` bit for bit (the same
    calibration arithmetic in float64; volts for µV/mV signals).

    Args:
        header: the file's header (``read_edf_header``).
        channels: labels to read; all must have the same number of samples per record.
        start: first sample.
        stop: end sample (exclusive); ``None``: the end of the recording.
        scale: optional factor per channel: the result is then ``float32`` and equals
            ``(get_data(...) * scale[:, None]).astype(np.float32)``, without the full-size
            float64 intermediate.

    An EDF+D (discontinuous) file is read on its time line: each data record at its onset, NaN where no
    record was made (``EdfHeader.gaps``).

    Returns:
        ``float64`` (``float32`` with ``scale``) ``(n_chans, stop - start)``.

    Raises:
        ValueError: the channels have different rates, or the span is outside the recording.
        RecordingError: a picked signal cannot be calibrated (``EdfHeader.check_signal``), or an EDF+D record
            starts between two samples.
    """
    picks = [header.labels.index(ch) for ch in channels]
    for channel in channels:
        header.check_signal(channel)
    per_record = {header.n_samples[i] for i in picks}
    if len(per_record) != 1:
        raise ValueError(f"channels {list(channels)} have different sampling rates")
    if scale is not None and len(scale) != len(picks):
        raise ValueError(f"scale has {len(scale)} factors for {len(picks)} channels")
    spr = per_record.pop()
    if not header.record_onsets:
        total = header.n_records * spr
        stop = total if stop is None else stop
        if not 0 <= start <= stop <= total:
            raise ValueError(f"samples [{start}, {stop}) are outside the recording's [0, {total})")
        return _read_records(header, picks, spr, start, stop, scale)
    # EDF+D: each run of contiguous records at its onset; the gaps between them are NaN.
    rate = spr / header.record_duration
    total = int(round(header.duration * rate))
    stop = total if stop is None else stop
    if not 0 <= start <= stop <= total:
        raise ValueError(f"samples [{start}, {stop}) are outside the recording's [0, {total})")
    out = np.full((len(picks), stop - start), np.nan, dtype=np.float64 if scale is None else np.float32)
    for first, end, onset in header.segments:
        at = onset * rate
        if abs(at - round(at)) > 1e-6:
            raise RecordingError(
                header.path,
                f"EDF+D data record {first} starts at {onset:g} s, between two samples of the {rate:g}-Hz "
                f"{', '.join(map(repr, channels))}: its samples cannot be placed",
            )
        lo, hi = max(start, round(at)), min(stop, round(at) + (end - first) * spr)
        if lo < hi:
            offset = first * spr - round(at)  # timeline sample -> sample of the concatenated records
            out[:, lo - start : hi - start] = _read_records(header, picks, spr, lo + offset, hi + offset, scale)
    return out


def _read_records(
    header: EdfHeader, picks: list[int], spr: int, start: int, stop: int, scale: Sequence[float] | None
) -> np.ndarray:
    """Samples ``[start, stop)`` of the data records read one after the other (see ``read_edf_signals``)."""
    first, last = start // spr, -(-stop // spr)
    out = np.empty((len(picks), (last - first) * spr), dtype=np.float64 if scale is None else np.float32)
    block = max(1, 65536 // spr)  # records per block: the float64 scratch stays in cache
    scratch = np.empty((block, spr))
    for row, i in enumerate(picks):
        physical_range = header.physical_max[i] - header.physical_min[i]
        digital_range = header.digital_max[i] - header.digital_min[i]
        # MNE's fallbacks for undefined ranges (it warns and uses 1).
        digital_range = 1.0 if not np.isfinite(digital_range) or digital_range == 0 else digital_range
        physical_range = 1.0 if physical_range == 0 else physical_range
        cal = physical_range / digital_range
        offset = header.physical_min[i] - header.digital_min[i] * cal
        gain = _MNE_GAINS.get(header.units[i], 1.0)
        target = out[row].reshape(last - first, spr)
        for lo in range(0, last - first, block):
            # A map per block, released with it: one map of the whole span kept the pages it touched
            # resident, about the whole file for many channels (5.9 GB RSS for a 24-h, 64-channel, 512-Hz EDF).
            digital = _digital(header, i, first + lo, min(first + lo + block, last))
            values = scratch[: len(digital)]
            np.multiply(digital, cal, out=values)  # MNE's order of operations, for identical values
            values += offset
            values *= gain
            if scale is not None:
                values *= scale[row]
            target[lo : lo + block] = values
            del digital
    skip = start - first * spr
    return np.ascontiguousarray(out[:, skip : skip + stop - start])


def write_edf(
    path: str | os.PathLike,
    signals: Sequence[tuple[str, np.ndarray, float, str]] = (),
    *,
    annotations: Sequence[tuple[float, float, str]] = (),
    start: dt.datetime | None = None,
    patient: str = "X X X X",
    equipment: str | None = None,
    additional: Sequence[str] = (),
    record_duration: float = 1.0,
) -> Path:
    """Write an EDF+ file: signals, annotations, or both (the one EDF writer of the package, through edfio).

    Each signal's physical range is its data's range (widened by 1 on each side for a flat signal), so the
    16-bit samples resolve ``(max - min) / 65535`` physical units. With no signals the file holds only the
    annotations, in one data record of duration 0 (the layout of Sleep-EDF's and MASS's hypnogram files,
    and of staging's ``*_hypnogram.edf``).

    Args:
        path: where to write (written directly: callers that need all-or-nothing write a temporary file).
        signals: ``(label, data, sampling rate in Hz, physical dimension)`` per signal; ``rate *
            record_duration`` must be a whole number of samples.
        annotations: ``(onset_s, duration_s, text)`` triples, onsets from the recording start.
        start: the recording start (seconds and time zone dropped: EDF stores local time to the second);
            ``None``: EDF+'s unknown date (``01.01.85``, ``Startdate X``), also written for a date outside
            EDF's years 1985-2084 (the time of day is kept).
        patient: the EDF+ patient field, ``code sex birthdate name`` (``X`` for unknown; the birthdate is
            written as ``X``).
        equipment: the recording field's equipment code (``None``: ``X``).
        additional: further subfields of the recording field (spaces are not allowed inside one).
        record_duration: seconds per data record (ignored for an annotation-only file).

    Returns:
        The written path.
    """
    from edfio import Edf, EdfAnnotation, EdfSignal, Patient, Recording

    path = Path(path)
    edf_signals = []
    for label, data, rate, unit in signals:
        low, high = float(np.min(data)), float(np.max(data))
        if high - low < 1e-6:
            low, high = low - 1.0, high + 1.0
        edf_signals.append(
            EdfSignal(
                np.asarray(data, dtype=np.float64), rate, label=label, physical_dimension=unit,
                physical_range=(low, high),
            )
        )  # fmt: skip
    if start is not None and not 1985 <= start.year <= 2084:
        # EDF stores two-digit years (1985-2084): a date outside them is written as EDF+'s unknown date.
        start_time, start = start.time(), None
    else:
        start_time = None if start is None else start.time()
    parts = (patient.split() + ["X"] * 4)[:4]
    sex = parts[1] if parts[1] in ("M", "F") else "X"
    recording = None
    if start is not None or equipment is not None or additional:
        recording = Recording(
            startdate=start.date() if start is not None else None,
            equipment_code=equipment or "X",
            additional=tuple(additional),
        )
    edf = Edf(
        edf_signals,
        patient=Patient(code=parts[0], sex=sex, name=parts[3]),
        recording=recording,
        starttime=start_time.replace(microsecond=0, tzinfo=None) if start_time is not None else None,
        data_record_duration=record_duration if edf_signals else None,
        annotations=[EdfAnnotation(onset, duration, text) for onset, duration, text in annotations] or None,
    )
    try:
        edf.write(path)
    except ValueError as error:  # edfio's checks do not name the file
        raise ValueError(f"cannot write {path}: {error}") from error
    return path


def write_annotations_edf(
    path: str | os.PathLike,
    annotations: Sequence[tuple[float, float, str]],
    *,
    start: dt.datetime | None,
    patient: str = "X X X X",
) -> Path:
    """Write an annotation-only EDF+ file in the layout of a Sleep-EDF hypnogram (see ``write_edf``).

    Args:
        path: where to write.
        annotations: ``(onset_s, duration_s, text)`` triples, onsets from the file start.
        start: the recording start written into the header (``None``: unknown).
        patient: the header's patient field.

    Returns:
        The written path.
    """
    return write_edf(path, annotations=annotations, start=start, patient=patient)


def ceil_records(duration: float, record_duration: float) -> int:
    """Number of whole data records covering ``duration`` seconds.

    Args:
        duration: seconds.
        record_duration: seconds per record.
    """
    return int(math.ceil(duration / record_duration - 1e-9))
