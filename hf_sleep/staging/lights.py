"""Lights off and lights on of a night: given as clock times (or seconds from the start), else read from the
recording's annotations (`Lights off`, `LIGHTS_ON`, ...). Time in bed, and so the sleep statistics, runs
between them (AASM, YASA).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hf_sleep.data.recording import EDF_SUFFIXES

_LIGHTS_PATTERNS = {"lights_off": r"\blights?[\s_-]*off\b", "lights_on": r"\blights?[\s_-]*on\b"}


def lights_from_annotations(onsets: Sequence[float], descriptions: Sequence[str]) -> dict[str, float]:
    """`{"lights_off": seconds, "lights_on": seconds}` from annotations such as `Lights off` / `LIGHTS_ON`
    (the first of each, onsets in seconds from the recording start); empty when there are none."""
    found: dict[str, float] = {}
    for onset, description in zip(onsets, descriptions, strict=True):
        for key, pattern in _LIGHTS_PATTERNS.items():
            if key not in found and re.search(pattern, str(description), re.IGNORECASE):
                found[key] = float(onset)
    return found


def recording_lights(path: str | os.PathLike) -> dict[str, float]:
    """The lights-off/on annotations of a recording: an EDF+ file's annotation signal, MNE's annotations else."""
    path = Path(path)
    if path.name.lower().endswith(EDF_SUFFIXES):
        from hf_sleep.data.edf import ANNOTATION_LABEL, read_annotations, read_edf_header

        if ANNOTATION_LABEL not in read_edf_header(path).labels:  # plain EDF: no annotations
            return {}
        _, onsets, _, descriptions = read_annotations(path)
        return lights_from_annotations(onsets, descriptions)
    from hf_sleep.data.recording import open_recording

    annotations = open_recording(path).annotations
    return lights_from_annotations(annotations.onset, annotations.description)


def seconds_from_start(value: str | float, start: Any, duration: float, what: str = "lights-off") -> float:
    """A clock time `HH:MM` (or seconds from the start) as seconds from the recording start.

    Clock times after midnight belong to the next day (a 22:50 start, lights on at 07:05: 8 h 15 min).

    Args:
        value: `"HH:MM"` (24-h) or seconds from the recording start.
        start: the recording's start (`datetime`), needed for a clock time.
        duration: the recording's length in seconds; the time must fall within it.
        what: the name used in error messages.
    """
    if isinstance(value, (int, float)):
        offset = float(value)
    else:
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value).strip())
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"{what} must be a clock time HH:MM (24-h), got {value!r}")
        if start is None:
            raise ValueError(f"{what} {value} needs the recording's start time, and the recording has none")
        clock = int(match[1]) * 3600 + int(match[2]) * 60
        offset = float((clock - (start.hour * 3600 + start.minute * 60 + start.second)) % 86400)
    if not 0 <= offset <= duration:
        if start is None:
            raise ValueError(f"{what} {value} is outside the recording (0 to {duration:g} s)")
        import datetime

        end = start + datetime.timedelta(seconds=duration)
        raise ValueError(f"{what} {value} is outside the recording ({start:%H:%M} to {end:%H:%M})")
    return offset


def night_lights(
    path: str | os.PathLike,
    lights_off: str | float | None,
    lights_on: str | float | None,
    start: Any,
    duration: float,
) -> dict[str, float]:
    """`{"lights_off": s, "lights_on": s}` in seconds from the start: the times given, else the recording's own
    annotations (read only when a time is not given); a key is absent when neither has it.

    Args:
        path: the recording.
        lights_off: `"HH:MM"`, seconds from the start, or `None`.
        lights_on: likewise.
        start: the recording's start (`datetime`), for clock times.
        duration: the recording's length in seconds.
    """
    annotated = recording_lights(path) if lights_off is None or lights_on is None else {}
    lights = {}
    for name, value in (("lights_off", lights_off), ("lights_on", lights_on)):
        value = annotated.get(name) if value is None else value
        if value is not None:
            lights[name] = seconds_from_start(value, start, duration, name.replace("_", "-"))
    return lights
