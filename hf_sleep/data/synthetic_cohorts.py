"""Synthetic nights written in the layouts of the cohort converters (NSRR, bring-your-own PSG, HMC, ISRUC, DREAMS).

The signals come from ``synthetic.synthesize_night`` (they follow the hypnogram); this module only
writes them the way each source lays out its files, so every converter is tested end to end offline.
"""

from __future__ import annotations

import datetime as dt
import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from .synthetic import (
    _atomic_write,
    _normalise_stages,
    _runs,
    _write_psg,
    synthesize_night,
    synthetic_hypnogram,
)

__all__ = ["NSRR_LAYOUT_CHANNELS", "write_nsrr_night"]

# label, rate (Hz), the synthetic channel that stands for it (its prefix picks the signal kind)
NSRR_LAYOUT_CHANNELS: dict[str, tuple[tuple[str, float, str], ...]] = {
    "shhs": (
        ("EEG(sec)", 125.0, "EEG C3-A2"),
        ("ECG", 125.0, "ECG"),
        ("EMG", 125.0, "EMG chin"),
        ("EOG(L)", 50.0, "EOG left"),
        ("EOG(R)", 50.0, "EOG right"),
        ("EEG", 125.0, "EEG C4-A1"),
        ("THOR RES", 10.0, "Resp thorax"),
    ),
    "mesa": (
        ("EKG", 256.0, "ECG"),
        ("EOG-L", 256.0, "EOG left"),
        ("EOG-R", 256.0, "EOG right"),
        ("EMG", 256.0, "EMG chin"),
        ("EEG1", 256.0, "EEG Fz-Cz"),
        ("EEG2", 256.0, "EEG Cz-Oz"),
        ("EEG3", 256.0, "EEG C4-M1"),
    ),
    "mros": (
        ("C3", 256.0, "EEG C3"),
        ("C4", 256.0, "EEG C4"),
        ("A1", 256.0, "EEG A1 mastoid"),
        ("A2", 256.0, "EEG A2 mastoid"),
        ("LOC", 256.0, "EOG left"),
        ("ROC", 256.0, "EOG right"),
        ("L Chin", 256.0, "EMG left chin"),
        ("R Chin", 256.0, "EMG right chin"),
    ),
}
"""Signals of the synthetic NSRR EDFs per cohort, with the cohorts' labels and sampling rates."""

_NSRR_CONCEPT = {"W": "Wake|0", "N1": "Stage 1 sleep|1", "N2": "Stage 2 sleep|2", "N3": "Stage 3 sleep|3",
                 "S4": "Stage 4 sleep|4", "REM": "REM sleep|5", "MT": "Movement|6", "?": "Unscored|9"}  # fmt: skip
_NAMES = {
    "shhs": "shhs{visit}-{subject}",
    "mesa": "mesa-sleep-{subject}",
    "mros": "mros-visit{visit}-{subject}",
}


def _scored_event(event_type: str, concept: str, start: float, duration: float, extra: str = "") -> str:
    return (
        f"<ScoredEvent>\n<EventType>{escape(event_type)}</EventType>\n<EventConcept>{escape(concept)}</EventConcept>\n"
        f"<Start>{start:g}</Start>\n<Duration>{duration:g}</Duration>\n{extra}</ScoredEvent>\n"
    )


def nsrr_xml(stages: Sequence[str], *, epoch_seconds: float = 30.0, seed: int = 0) -> str:
    """An NSRR annotation document for per-epoch stages: stage runs plus arousal and desaturation events.

    Args:
        stages: per-epoch stages (AASM, R&K ``S4``, ``MT``, ``?``).
        epoch_seconds: epoch length.
        seed: where the non-stage events fall.
    """
    states = _normalise_stages(stages, "human")
    total = len(states) * epoch_seconds
    events = [
        "<ScoredEvent>\n<EventType/>\n<EventConcept>Recording Start Time</EventConcept>\n<Start>0</Start>\n"
        f"<Duration>{total:g}</Duration>\n<ClockTime>00.00.00 22.00.00</ClockTime>\n</ScoredEvent>\n"
    ]
    rng = np.random.default_rng([seed, 4099])
    others = []
    for t in np.sort(rng.uniform(0, total - 20, max(2, len(states) // 40))):
        if rng.random() < 0.5:
            others.append(_scored_event("Arousals|Arousals", "Arousal|Arousal ()", round(float(t), 1), 8.0))
        else:
            extra = "<SignalLocation>SaO2</SignalLocation>\n<SpO2Nadir>89</SpO2Nadir>\n<SpO2Baseline>94</SpO2Baseline>\n"
            others.append(
                _scored_event(
                    "Respiratory|Respiratory",
                    "SpO2 desaturation|SpO2 desaturation",
                    round(float(t), 1),
                    14.0,
                    extra,
                )
            )
    stage_events = [
        _scored_event("Stages|Stages", _NSRR_CONCEPT[label], first * epoch_seconds, n * epoch_seconds)
        for first, n, label in _runs(states)
    ]
    # NSRR files list the stage runs after the other events
    body = "".join(events + others + stage_events)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<PSGAnnotation>\n'
        f"<SoftwareVersion>Compumedics</SoftwareVersion>\n<EpochLength>{epoch_seconds:g}</EpochLength>\n"
        f"<ScoredEvents>\n{body}</ScoredEvents>\n</PSGAnnotation>\n"
    )


def write_nsrr_night(
    out_dir: str | os.PathLike,
    *,
    hypnogram: Sequence[str] | None = None,
    cohort: str = "shhs",
    subject: str | int = 200001,
    visit: int = 1,
    layout: str = "nsrr",
    seed: int = 0,
    n_hours: float = 8.0,
) -> tuple[Path, Path]:
    """Write one synthetic night as an NSRR EDF plus its ``-nsrr.xml`` stage annotations.

    Args:
        out_dir: the cohort's ``polysomnography`` folder (``layout="nsrr"``) or any folder (``"flat"``).
        hypnogram: per-epoch stages (AASM, ``S4`` for R&K stage 4, ``MT`` movement, ``?`` unscored);
            ``None`` for a synthetic one of ``n_hours``.
        cohort: ``shhs``, ``mesa`` or ``mros`` (labels and rates of ``NSRR_LAYOUT_CHANNELS``).
        subject: subject id in the file name.
        visit: visit number (SHHS ``shhs1``/``shhs2``, MrOS ``visit1``/``visit2``).
        layout: ``"nsrr"`` (``edfs/[<visit>/]`` and ``annotations-events-nsrr/[<visit>/]``) or ``"flat"``
            (both files in ``out_dir``).
        seed: random seed.
        n_hours: sleep period of a synthetic hypnogram.

    Returns:
        ``(edf_path, xml_path)``.
    """
    if cohort not in NSRR_LAYOUT_CHANNELS:
        raise ValueError(f"cohort must be one of {sorted(NSRR_LAYOUT_CHANNELS)}, got {cohort!r}")
    if layout not in ("nsrr", "flat"):
        raise ValueError(f"layout must be 'nsrr' or 'flat', got {layout!r}")
    stages = list(hypnogram) if hypnogram is not None else synthetic_hypnogram(n_hours, seed=seed)
    name = _NAMES[cohort].format(visit=visit, subject=subject)
    out_dir = Path(out_dir)
    sub = {"shhs": f"shhs{visit}", "mros": f"visit{visit}"}.get(cohort, "")
    edf_dir, xml_dir = (
        (out_dir / "edfs" / sub, out_dir / "annotations-events-nsrr" / sub)
        if layout == "nsrr"
        else (out_dir, out_dir)
    )
    layout_channels = NSRR_LAYOUT_CHANNELS[cohort]
    base_rate = 250.0 if cohort == "shhs" else 256.0  # every rate of the cohort divides it
    signals = synthesize_night(
        stages, sfreq=base_rate, epoch_seconds=30.0, channels=[synth for _, _, synth in layout_channels],
        seed=seed, subject_seed=zlib.crc32(str(subject).encode()),
    )  # fmt: skip
    data = []
    for (label, rate, synth), x in zip(layout_channels, signals, strict=True):
        if "mastoid" in synth:  # a reference electrode carries a small share of the brain signal
            x = 0.2 * x
        factor = int(round(base_rate / rate))
        x = x[: len(x) // factor * factor].reshape(-1, factor).mean(axis=1).astype(np.float32)
        data.append((label, x, rate, "V" if synth.startswith("Resp") else "uV"))
    start = dt.datetime(1995, 1, 1, 22, 0) + dt.timedelta(days=visit)
    edf_path = edf_dir / f"{name}.edf"
    xml_path = xml_dir / f"{name}-nsrr.xml"
    edf_dir.mkdir(parents=True, exist_ok=True)
    _write_psg(edf_path, data, start=start, patient_field=f"X X X {name}", record_duration=1.0)
    text = nsrr_xml(stages, seed=seed)
    _atomic_write(xml_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return edf_path, xml_path
