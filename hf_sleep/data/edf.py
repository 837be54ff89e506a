"""EDF/EDF+ files: header validation, the fast span reader, annotation reading, and the one EDF+ writer.

The readers check a file before MNE sees it (so a truncated or corrupt file gives an error naming the
file and the problem), read spans of signals as MNE does, and parse EDF+ annotations without MNE.
``write_edf`` writes every EDF+ file the package makes (generated recordings, hypnogram annotation
files, staging's ``*_hypnogram.edf``), through edfio.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
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
        """Length of the recording in seconds."""
        return self.n_records * self.record_duration

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


def _field(raw: bytes, start: int, length: int) -> str:
    return raw[start : start + length].decode("latin-1").strip()


def _number(value: str) -> float:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return math.nan


def _parse_start(path: Path, date: str, time: str) -> dt.datetime:
    try:
        day, month, year = (int(x) for x in date.split("."))
        hour, minute, second = (int(x) for x in time.replace(":", ".").split("."))
        year += 1900 if year >= 85 else 2000
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError as err:
        raise RecordingError(path, f"corrupt EDF header: start date/time {date!r} {time!r}") from err


def check_edf_signature(path: str | os.PathLike, head: bytes, size: int) -> None:
    """Whether a file is an EDF file at all, judged by its first 256 bytes `head` and its `size`.

    Raises:
        RecordingError: naming the file, when it is shorter than a header or its version field is not '0'.
    """
    if len(head) < 256:
        raise RecordingError(path, f"not an EDF file: {size} bytes, shorter than a 256-byte EDF header")
    if head[:8].strip() != b"0":
        raise RecordingError(path, f"not an EDF file: version field is {head[:8]!r}, expected '0'")


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
        try:
            header_bytes = int(_field(head, 184, 8))
            n_records = int(_field(head, 236, 8))
            record_duration = float(_field(head, 244, 8))
            n_signals = int(_field(head, 252, 4))
        except ValueError as err:
            raise RecordingError(path, f"corrupt EDF header: {err}") from err
        if n_signals < 1 or header_bytes != 256 * (n_signals + 1):
            raise RecordingError(
                path, f"corrupt EDF header: {n_signals} signals but a header of {header_bytes} bytes"
            )
        sig = f.read(256 * n_signals)
    if len(sig) < 256 * n_signals:
        raise RecordingError(path, f"truncated EDF header: {size} bytes, header needs {header_bytes}")
    ns = n_signals

    def column(offset: int, width: int) -> list[str]:
        base = offset * ns
        return [_field(sig, base + i * width, width) for i in range(ns)]

    labels = column(0, 16)
    units = column(16 + 80, 8)
    try:
        n_samples = [int(x) for x in column(16 + 80 + 8 + 8 * 4 + 80, 8)]
    except ValueError as err:
        raise RecordingError(path, f"corrupt EDF header: samples per record: {err}") from err
    if any(n < 0 for n in n_samples):
        raise RecordingError(path, f"corrupt EDF header: negative samples per record {n_samples}")
    if not math.isfinite(record_duration) or record_duration < 0:
        raise RecordingError(path, f"corrupt EDF header: data record duration {record_duration} s")
    record_bytes = 2 * sum(n_samples)
    in_file = (size - header_bytes) // record_bytes if record_bytes else max(n_records, 0)
    announced = None
    if n_records != in_file and n_records >= 0:  # -1 is allowed while recording: the file size decides
        announced = n_records
    n_records = in_file
    start = _parse_start(path, _field(head, 168, 8), _field(head, 176, 8))
    ranges = [tuple(_number(x) for x in column(16 + 80 + 8 * k, 8)) for k in range(1, 5)]
    return EdfHeader(
        path, start, n_records, record_duration, tuple(labels), tuple(n_samples), tuple(units), *ranges,
        recording_id=_field(head, 88, 80), announced_records=announced,
    )  # fmt: skip


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


def _records(header: EdfHeader, first: int, stop: int) -> np.ndarray:
    """Data records ``[first, stop)`` as an ``int16`` ``(n_records, samples_per_record)`` memory map."""
    record = sum(header.n_samples)
    if stop <= first or record == 0:
        return np.zeros((max(stop - first, 0), record), dtype="<i2")
    return np.memmap(
        header.path,
        dtype="<i2",
        mode="r",
        offset=256 * (len(header.labels) + 1) + 2 * record * first,
        shape=(stop - first, record),
    )


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
    records = _records(header, 0, header.n_records)
    bounds = np.cumsum([0, *header.n_samples])
    columns = [i for i, label in enumerate(header.labels) if label == ANNOTATION_LABEL]
    raw = b"".join(
        np.ascontiguousarray(records[:, bounds[i] : bounds[i + 1]]).astype("<i2").tobytes() for i in columns
    )
    del records  # closes the memory map
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

    Returns:
        ``float64`` (``float32`` with ``scale``) ``(n_chans, stop - start)``.

    Raises:
        ValueError: the channels have different rates, or the span is outside the recording.
    """
    picks = [header.labels.index(ch) for ch in channels]
    per_record = {header.n_samples[i] for i in picks}
    if len(per_record) != 1:
        raise ValueError(f"channels {list(channels)} have different sampling rates")
    if scale is not None and len(scale) != len(picks):
        raise ValueError(f"scale has {len(scale)} factors for {len(picks)} channels")
    spr = per_record.pop()
    total = header.n_records * spr
    stop = total if stop is None else stop
    if not 0 <= start <= stop <= total:
        raise ValueError(f"samples [{start}, {stop}) are outside the recording's [0, {total})")
    first, last = start // spr, -(-stop // spr)
    bounds = np.cumsum([0, *header.n_samples])
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
            digital = _records(header, first + lo, min(first + lo + block, last))[:, bounds[i] : bounds[i + 1]]
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
            ``None``: EDF+'s unknown date (``01.01.85``, ``Startdate X``).
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
        starttime=start.time().replace(microsecond=0, tzinfo=None) if start is not None else None,
        data_record_duration=record_duration if edf_signals else None,
        annotations=[EdfAnnotation(onset, duration, text) for onset, duration, text in annotations] or None,
    )
    edf.write(path)
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
