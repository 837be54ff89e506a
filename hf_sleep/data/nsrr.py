"""NSRR cohorts (SHHS, MESA, MrOS, CFS, CHAT, ...): EDF plus the NSRR XML annotations → a Hugging Face dataset.

The National Sleep Research Resource (sleepdata.org) ships every cohort in one layout::

    <cohort>/polysomnography/edfs/[<visit>/]<name>.edf
    <cohort>/polysomnography/annotations-events-nsrr/[<visit>/]<name>-nsrr.xml

The XML (``<PSGAnnotation>/<ScoredEvents>/<ScoredEvent>``) holds every scored event; sleep stages are
the events of ``EventType`` ``Stages|Stages`` with ``EventConcept`` ``Wake|0``, ``Stage 1 sleep|1`` …
``Stage 4 sleep|4``, ``REM sleep|5``, ``Movement|6`` or ``Unscored|9``, each a run of one or more
30-s epochs (``Start``/``Duration`` in seconds from the recording start).
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .edf import EdfHeader, read_edf_header
from .errors import RecordingError
from .labels import AASM_LABELS
from .options import ConversionOptions
from .scored import ScoredRecording, ScoredTask, StageIntervals, check_channels, convert_scored, describe

__all__ = [
    "NSRR_CHANNEL_PRESETS",
    "NSRR_DEFAULT_CHANNELS",
    "NSRR_LABEL_MAP",
    "convert_nsrr",
    "find_nsrr_recordings",
    "read_nsrr_stages",
]

NSRR_STAGE_CONCEPTS: dict[str, str] = {
    "0": "Wake|0",
    "1": "Stage 1 sleep|1",
    "2": "Stage 2 sleep|2",
    "3": "Stage 3 sleep|3",
    "4": "Stage 4 sleep|4",
    "5": "REM sleep|5",
    "6": "Movement|6",
    "9": "Unscored|9",
}
"""The NSRR stage ``EventConcept`` for each stage code (the number after ``|``)."""

NSRR_LABEL_MAP: dict[str, str | None] = {
    "Wake|0": "W",
    "Stage 1 sleep|1": "N1",
    "Stage 2 sleep|2": "N2",
    "Stage 3 sleep|3": "N3",
    "Stage 4 sleep|4": "N3",
    "REM sleep|5": "REM",
    "Movement|6": None,
    "Unscored|9": None,
}
"""NSRR stage concepts mapped to AASM: R&K stages 3 and 4 merge into N3; movement and unscored are ignored."""

NSRR_CHANNEL_PRESETS: dict[str, dict[str, str]] = {
    "shhs": {
        "EEG": "EEG",  # C4-A1, 125 Hz
        "EEG(sec)": "EEG(sec)|EEG 2|EEG2|EEG sec|EEG(SEC)",  # C3-A2, 125 Hz (label varies across SHHS sites)
        "EOG(L)": "EOG(L)",  # 50 Hz
        "EOG(R)": "EOG(R)",  # 50 Hz
        "EMG": "EMG",  # 125 Hz
    },
    "mesa": {
        "EEG1": "EEG1",  # Fz-Cz, 256 Hz
        "EEG2": "EEG2",  # Cz-Oz
        "EEG3": "EEG3",  # C4-M1
        "EOG-L": "EOG-L|E1",
        "EOG-R": "EOG-R|E2",
        "EMG": "EMG|Chin",
    },
    "mros": {  # electrodes recorded against Fpz at 256 Hz: derivations are formed here
        "C4-A1": "C4-A1|C4-M1",
        "C3-A2": "C3-A2|C3-M2",
        "LOC-A2": "LOC-A2|E1-M2",
        "ROC-A1": "ROC-A1|E2-M1",
        "EMG": "L Chin-R Chin|LChin-RChin",
    },
    "cfs": {  # C3, C4, LOC, ROC already referenced to the opposite mastoid (128 Hz); EMG 256 Hz
        "C4-A1": "C4-A1|C4",
        "C3-A2": "C3-A2|C3",
        "LOC-A2": "LOC-A2|LOC",
        "ROC-A1": "ROC-A1|ROC",
        "EMG": "EMG1-EMG2|EMG1",
    },
    "chat": {  # 200 Hz or more; electrodes referenced to the mastoids as C4-M1 etc.
        "C4-M1": "C4-M1|C4",
        "C3-M2": "C3-M2|C3",
        "E1-M2": "E1-M2|E1",
        "E2-M1": "E2-M1|E2",
        "EMG": "Lchin-Cchin|Lchin",
    },
}
"""Per cohort: a channel name users pass (``--channels EEG``) → the EDF labels or derivations it reads.

Each value lists alternatives separated by ``|`` (the first present wins); ``A-B`` is a bipolar
derivation when no signal is labelled ``A-B`` itself. Names that are not presets are read as given.
Sources: the NSRR "montage and sampling rate" pages of each cohort.
"""

NSRR_DEFAULT_CHANNELS: dict[str, tuple[str, ...]] = {
    "shhs": ("EEG",),
    "mesa": ("EEG3",),
    "mros": ("C4-A1",),
    "cfs": ("C4-A1",),
    "chat": ("C4-M1",),
}
"""The central EEG derivation of each cohort (C4 against the opposite mastoid), the default channel."""

NSRR_CITATION = (
    "Zhang GQ, Cui L, Mueller R, Tao S, Kim M, Rueschman M, Mariani S, Mobley D, Redline S. The National Sleep "
    "Research Resource: towards a sleep data commons. J Am Med Inform Assoc 25(10):1351-1358 (2018)."
)

_VISIT_WORDS = {"baseline": 1, "followup": 2, "nonrandomized": 1, "sleep": 1}


def read_nsrr_stages(
    path: str | os.PathLike, header: EdfHeader | None = None, label_seconds: float | None = None
) -> StageIntervals:
    """Read the sleep stages of an NSRR XML annotation file.

    Only ``Stages|Stages`` events are kept (arousals, desaturations, the ``Recording Start Time``
    event … are ignored). Stage concepts are normalised by their code (``Wake|0`` … ``Unscored|9``).

    Args:
        path: the ``*-nsrr.xml`` file.
        header: the PSG header (unused: NSRR onsets are already seconds from the recording start).
        label_seconds: unused (NSRR stages carry their durations).

    Returns:
        ``(onset_s, duration_s, concept)`` per stage run, sorted by onset.

    Raises:
        RecordingError: not XML, not a ``<PSGAnnotation>`` document, a stage event without a number
            in ``Start``/``Duration``, or an unknown stage code.
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as err:
        raise RecordingError(path, f"not a readable NSRR XML file: {err}") from err
    if root.tag != "PSGAnnotation" or root.find("ScoredEvents") is None:
        raise RecordingError(
            path,
            f"not an NSRR annotation file: expected <PSGAnnotation> with <ScoredEvents>, got <{root.tag}>",
        )
    epoch_length = root.findtext("EpochLength")
    onsets, durations, texts = [], [], []
    for event in root.iter("ScoredEvent"):
        if (event.findtext("EventType") or "").strip() != "Stages|Stages":
            continue
        concept = (event.findtext("EventConcept") or "").strip()
        code = concept.rsplit("|", 1)[-1].strip()
        if code not in NSRR_STAGE_CONCEPTS:
            raise RecordingError(
                path, f"unknown stage concept {concept!r}; known: {', '.join(NSRR_STAGE_CONCEPTS.values())}"
            )
        try:
            onsets.append(float(event.findtext("Start") or ""))
            durations.append(float(event.findtext("Duration") or ""))
        except ValueError as err:
            raise RecordingError(
                path, f"stage event {concept!r} has no numeric Start/Duration: {err}"
            ) from err
        texts.append(NSRR_STAGE_CONCEPTS[code])
    if not onsets:
        raise RecordingError(path, "no sleep-stage event (EventType 'Stages|Stages') in the XML")
    if epoch_length is not None and durations:
        try:
            length = float(epoch_length)
        except ValueError:
            length = None
        if length and any(abs(d / length - round(d / length)) > 1e-6 for d in durations):
            raise RecordingError(path, f"stage durations are not multiples of its EpochLength {length:g} s")
    order = np.argsort(onsets, kind="stable")
    return (
        np.asarray(onsets, dtype=float)[order],
        np.asarray(durations, dtype=float)[order],
        np.asarray(texts, dtype=object)[order],
    )


def _epoch_length(path: Path) -> float | None:
    try:
        value = ET.parse(path).getroot().findtext("EpochLength")
        return float(value) if value else None
    except (ET.ParseError, OSError, ValueError):
        return None


def nsrr_ids(name: str) -> tuple[str, str, int]:
    """``(cohort, subject, visit)`` from an NSRR file stem.

    ``shhs1-200001`` → ``("shhs", "shhs-200001", 1)``; ``mros-visit2-aa0001`` → ``("mros", "mros-aa0001", 2)``;
    ``chat-followup-300001`` → ``("chat", "chat-300001", 2)``; ``mesa-sleep-0001`` → ``("mesa", "mesa-0001", 1)``.
    A name in no NSRR pattern is its own subject, cohort ``""``, visit 1.

    Args:
        name: the EDF stem.
    """
    parts = name.split("-")
    m = re.fullmatch(r"([a-z]+)(\d*)", parts[0].lower())
    if not m or len(parts) < 2:
        return "", name, 1
    cohort, visit = m.group(1), int(m.group(2) or 1)
    rest = parts[1:]
    if len(rest) >= 2:
        group = rest[0].lower()
        gm = re.fullmatch(r"(visit)(\d+)", group)
        visit = int(gm.group(2)) if gm else _VISIT_WORDS.get(group, visit)
        rest = rest[1:]
    return cohort, f"{cohort}-{rest[0]}", visit


def find_nsrr_recordings(
    paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike],
) -> list[ScoredRecording]:
    """Pair each NSRR EDF with its ``-nsrr.xml`` annotation file.

    The XML is looked for in the NSRR layout (``.../edfs/<sub>/<name>.edf`` →
    ``.../annotations-events-nsrr/<sub>/<name>-nsrr.xml``), then next to the EDF (flat layout).

    Args:
        paths_or_dir: a folder (searched recursively) or EDF files.

    Raises:
        RecordingError: an EDF without its XML.
    """
    if isinstance(paths_or_dir, (str, os.PathLike)):
        root = Path(paths_or_dir)
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or folder")
        files = sorted(p for p in root.rglob("*") if p.suffix.lower() == ".edf") if root.is_dir() else [root]
    else:
        files = [Path(p) for p in paths_or_dir]
    out = []
    for edf in files:
        xml_name = f"{edf.stem}-nsrr.xml"
        candidates = [edf.with_name(xml_name)]
        parts = edf.parts
        if "edfs" in parts:
            k = len(parts) - 1 - parts[::-1].index("edfs")
            sub = Path(*parts[k + 1 : -1]) if k + 1 < len(parts) - 1 else Path()
            candidates.insert(0, Path(*parts[:k], "annotations-events-nsrr", sub, xml_name))
        xml = next((c for c in candidates if c.is_file()), None)
        if xml is None:
            raise RecordingError(
                edf, f"no NSRR annotation file found (looked for {' and '.join(map(str, candidates))})"
            )
        _, subject, visit = nsrr_ids(edf.stem)
        out.append(ScoredRecording(edf, xml, edf.stem, subject, visit))
    return sorted(out, key=lambda r: (r.subject, r.night, r.recording))


def nsrr_channels(cohort: str, channels: Sequence[str] | None) -> tuple[str, ...]:
    """Channel specifications for a cohort: presets expanded, other names kept as given.

    Args:
        cohort: ``shhs``, ``mesa``, ``mros``, ``cfs``, ``chat`` or another (no presets).
        channels: names chosen by the user (``None``: the cohort's default EEG).
    """
    presets = NSRR_CHANNEL_PRESETS.get(cohort, {})
    if channels is None:
        if cohort not in NSRR_DEFAULT_CHANNELS:
            raise ValueError(
                f"cohort {cohort or '(unknown)'!r} has no default channel; pass channels= "
                f"(cohorts with presets: {', '.join(NSRR_CHANNEL_PRESETS)})"
            )
        channels = NSRR_DEFAULT_CHANNELS[cohort]
    return tuple(presets.get(ch, ch) for ch in channels)


def convert_nsrr(
    paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    channels: Sequence[str] | None = None,
    cohort: str | None = None,
    epoch_seconds: float = 30.0,
    label_map: Mapping[str, str | None] | None = None,
    options: ConversionOptions | None = None,
):
    """Convert NSRR recordings (EDF + ``-nsrr.xml``) into a ``datasets.Dataset`` of 30-s epochs.

    Rows are as in ``convert_sleep_edf``: ``input_values`` ``(n_chans, sfreq * 30)`` float32 in µV,
    ``labels`` (AASM; R&K 3 and 4 → N3), ``subject`` (``shhs-200001``: both SHHS visits of a person share
    it), ``night`` (the visit), ``recording`` (the EDF stem), ``epoch_index``, ``onset_s`` and
    ``source_label`` (the NSRR stage concept). Channels at other rates (SHHS EOG at 50 Hz, EEG at 125 Hz)
    are resampled to ``options.sfreq``.

    Args:
        paths_or_dir: a folder in the NSRR layout (or flat: EDF and XML side by side), or EDF files.
        channels: channel names; a cohort preset name (``EEG``, ``EEG(sec)``, ``EOG(L)`` for SHHS; ``EEG3``
            for MESA; ``C4-A1`` for MrOS/CFS; ``C4-M1`` for CHAT; see ``NSRR_CHANNEL_PRESETS``), an EDF
            label, or a derivation ``A-B``. Default: the cohort's central EEG (``NSRR_DEFAULT_CHANNELS``).
        cohort: the cohort whose presets apply (default: from each file name, e.g. ``shhs1-…`` → ``shhs``).
        epoch_seconds: epoch length (30 s in NSRR).
        label_map: stage concept → AASM name or ``None`` (default ``NSRR_LABEL_MAP``).
        options: the output rate, band-pass, epochs kept and where the dataset goes ([`ConversionOptions`]).

    Raises:
        RecordingError: a missing XML or channel, an XML that is not NSRR's, stages off the 30-s grid or
            past the end of the PSG; the message names the file.
    """
    options = options or ConversionOptions()
    recordings = find_nsrr_recordings(paths_or_dir)
    if not recordings:
        raise ValueError(f"no NSRR recording (*.edf) found in {paths_or_dir}")
    recordings = options.shard(recordings)
    label_map = dict(label_map or NSRR_LABEL_MAP)
    first_cohort = cohort or nsrr_ids(recordings[0].recording)[0]
    names = tuple(channels) if channels else NSRR_DEFAULT_CHANNELS.get(first_cohort, ())
    extractor = options.contract(names or ("EEG",), epoch_seconds, AASM_LABELS)
    tasks = []
    cohorts = set()
    for rec in recordings:
        rec_cohort = cohort or nsrr_ids(rec.recording)[0]
        cohorts.add(rec_cohort or "nsrr")
        length = _epoch_length(rec.hypnogram)
        if length is not None and length != epoch_seconds:
            raise RecordingError(
                rec.hypnogram, f"scored in {length:g}-s epochs but epoch_seconds={epoch_seconds:g}"
            )
        specs = nsrr_channels(rec_cohort, channels)
        tasks.append(
            ScoredTask(
                rec, read_nsrr_stages, specs, extractor, options.trim_wake_minutes, options.keep_unknown, label_map
            )
        )
    # Check the channels of the first recording now: a typo fails before any worker starts.
    first = tasks[0]
    check_channels(first.source.psg, first.channels, read_edf_header(first.source.psg))
    params = options.described(names, extractor.sfreq, epoch_seconds, AASM_LABELS)
    params["channel sources"] = "; ".join(f"{n} = {s}" for n, s in zip(names, first.channels, strict=False))
    title = f"NSRR {', '.join(c.upper() for c in sorted(cohorts))} converted with hf_sleep: one row per scored 30-s epoch."
    info = {
        "description": describe(title + "\nLabels: NSRR stages mapped to AASM (N3 = stages 3+4).", params),
        "citation": NSRR_CITATION,
        "homepage": "https://sleepdata.org/",
        "license": "other",  # NSRR data use agreement: the data may not be redistributed
        "dataset_name": "-".join(sorted(cohorts)),
    }
    return convert_scored(tasks, info_kwargs=info, options=options, desc="NSRR recordings")
