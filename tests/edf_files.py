"""EDF files that the package's writer does not make: EDF+D (discontinuous) records and raw header edits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hf_sleep.data.edf import read_edf_header, write_edf


def write_discontinuous(
    path: Path,
    signals: Sequence[tuple[str, np.ndarray, float, str]],
    record_onsets: Sequence[float],
    *,
    annotations: Sequence[tuple[float, float, str]] = (),
    start: dt.datetime = dt.datetime(2021, 3, 4, 22, 0, 0),
) -> Path:
    """An EDF+D file whose data record ``k`` (1 s long) starts ``record_onsets[k]`` seconds after the start.

    The signals hold one second per record, written one after the other; the file is written continuous (edfio)
    and its time-keeping annotations and reserved field are then rewritten, as a recorder that paused would.
    """
    write_edf(path, signals, annotations=[(0.0, 0.0, "recording starts"), *annotations], start=start)
    header = read_edf_header(path)
    assert header.n_records == len(record_onsets) and header.record_duration == 1.0
    data = bytearray(path.read_bytes())
    data[192:236] = b"EDF+D".ljust(44)
    slot = header.labels.index("EDF Annotations")
    before, width = 2 * sum(header.n_samples[:slot]), 2 * header.n_samples[slot]
    record_bytes = 2 * sum(header.n_samples)
    first = 256 * (len(header.labels) + 1)
    for k, onset in enumerate(record_onsets):
        at = first + k * record_bytes + before
        rest = bytes(data[at : at + width]).split(b"\x14\x14\x00", 1)[1]  # the record's other annotations
        tal = f"+{onset:g}".encode() + b"\x14\x14\x00" + rest
        data[at : at + width] = tal[:width].ljust(width, b"\x00")
    path.write_bytes(bytes(data))
    return path


def set_header_field(path: Path, offset: int, width: int, value: bytes) -> None:
    """Overwrite a fixed-width header field (space-padded), as a broken recorder or editor would write it."""
    data = bytearray(path.read_bytes())
    data[offset : offset + width] = value[:width].ljust(width, b" ")
    path.write_bytes(bytes(data))


def write_bdf(path: Path, signals: Sequence[tuple[str, np.ndarray, int, str]], *, seconds: int) -> Path:
    """A BDF file (24-bit samples, 1-s records) of ``(label, digital values, rate, unit)`` signals; physical range
    ±8388.608 µV over the digital range ±8388608 (1 nV per step), start 04.03.21 22.00.00."""

    def field(value: object, width: int) -> bytes:
        return str(value).ljust(width)[:width].encode("latin-1")

    n = len(signals)
    header = b"\xffBIOSEMI" + b"".join([
        field("X X X X", 80), field("Startdate 04-MAR-2021 X X X", 80), field("04.03.21", 8), field("22.00.00", 8),
        field(256 * (n + 1), 8), field("24BIT", 44), field(seconds, 8), field(1, 8), field(n, 4),
    ])  # fmt: skip
    columns = [
        (16, [s[0] for s in signals]), (80, [""] * n), (8, [s[3] for s in signals]), (8, ["-8388.608"] * n),
        (8, ["8388.607"] * n), (8, ["-8388608"] * n), (8, ["8388607"] * n), (80, [""] * n),
        (8, [s[2] for s in signals]), (32, [""] * n),
    ]  # fmt: skip
    header += b"".join(field(value, width) for width, values in columns for value in values)
    records = []
    for k in range(seconds):
        for _, values, rate, _ in signals:
            chunk = np.asarray(values[k * rate : (k + 1) * rate], dtype=np.int64) & 0xFFFFFF
            records.append(
                np.stack([chunk & 0xFF, (chunk >> 8) & 0xFF, chunk >> 16], axis=1).astype(np.uint8).tobytes()
            )
    path.write_bytes(header + b"".join(records))
    return path
