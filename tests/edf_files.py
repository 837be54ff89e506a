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
