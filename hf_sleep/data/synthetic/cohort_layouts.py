"""Synthetic nights written in the layouts of the cohort converters (NSRR, bring-your-own PSG, HMC, ISRUC, DREAMS).

The signals come from ``signals.synthesize_night`` (they follow the hypnogram); this module only
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

from ..edf import write_annotations_edf
from ..labels import label_runs
from .hypnograms import normalise_stages, synthetic_hypnogram
from .layouts import atomic_write, write_psg
from .signals import synthesize_night

__all__ = [
    "COHORT_LAYOUT_CHANNELS",
    "HYPNOGRAM_FORMATS",
    "NSRR_LAYOUT_CHANNELS",
    "write_cohort_night",
    "write_nsrr_night",
    "write_scored_night",
]

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


def _write_layout_edf(
    path: Path,
    layout: Sequence[tuple[str, float, str]],
    stages: Sequence[str],
    *,
    start: dt.datetime,
    seed: int,
    subject: object,
) -> Path:
    """Synthesise ``stages`` for every ``(label, rate, synthetic channel)`` of ``layout`` and write the EDF."""
    rates = sorted({rate for _, rate, _ in layout})
    base_rate = float(np.lcm.reduce([int(r) for r in rates]))  # every rate of the layout divides it
    signals = synthesize_night(
        stages, sfreq=base_rate, epoch_seconds=30.0, channels=[synth for _, _, synth in layout], seed=seed,
        subject_seed=zlib.crc32(str(subject).encode()),
    )  # fmt: skip
    data = []
    for (label, rate, synth), x in zip(layout, signals, strict=True):
        if "mastoid" in synth:  # a reference electrode carries a small share of the brain signal
            x = 0.2 * x
        factor = int(round(base_rate / rate))
        x = x[: len(x) // factor * factor].reshape(-1, factor).mean(axis=1).astype(np.float32)
        data.append((label, x, rate, "V" if synth.startswith("Resp") else "uV"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_psg(path, data, start=start, patient_field=f"X X X {path.stem}", record_duration=1.0)


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
    states = normalise_stages(stages, "human")
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
        for first, n, label in label_runs(states)
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
    start = dt.datetime(1995, 1, 1, 22, 0) + dt.timedelta(days=visit)
    edf_path = edf_dir / f"{name}.edf"
    xml_path = xml_dir / f"{name}-nsrr.xml"
    _write_layout_edf(edf_path, NSRR_LAYOUT_CHANNELS[cohort], stages, start=start, seed=seed, subject=subject)
    text = nsrr_xml(stages, seed=seed)
    atomic_write(xml_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return edf_path, xml_path


# per vocabulary: the text written for each synthetic state
_VOCABULARY_TEXT: dict[str, dict[str, str]] = {
    "aasm": {"W": "W", "N1": "N1", "N2": "N2", "N3": "N3", "S4": "N3", "REM": "R", "MT": "?", "?": "?"},
    "rk": {"W": "Sleep stage W", "N1": "Sleep stage 1", "N2": "Sleep stage 2", "N3": "Sleep stage 3",
           "S4": "Sleep stage 4", "REM": "Sleep stage R", "MT": "Movement time", "?": "Sleep stage ?"},
    "numeric": {"W": "0", "N1": "1", "N2": "2", "N3": "3", "S4": "4", "REM": "5", "MT": "6", "?": "9"},
    "sleep-stage": {"W": "Sleep stage W", "N1": "Sleep stage N1", "N2": "Sleep stage N2", "N3": "Sleep stage N3",
                    "S4": "Sleep stage N3", "REM": "Sleep stage R", "MT": "Sleep stage ?", "?": "Sleep stage ?"},
}  # fmt: skip

HYPNOGRAM_FORMATS: dict[str, str] = {
    "embedded": "{stem}",
    "edf+": "{stem}-Hypnogram.edf",
    "csv": "{stem}.csv",
    "labels": "{stem}.txt",
    "bids": "{base}_events.tsv",
}
"""Hypnogram layouts ``write_scored_night`` writes → the ``hypnogram`` pattern that finds them (``embedded``: none)."""


def write_scored_night(
    out_dir: str | os.PathLike,
    *,
    hypnogram: Sequence[str] | None = None,
    name: str = "night01",
    hypnogram_format: str = "csv",
    vocabulary: str = "aasm",
    channels: Sequence[str] = ("EEG C4-M1", "EOG E1-M2", "EMG chin"),
    sfreq: float = 256.0,
    epoch_seconds: float = 30.0,
    seed: int = 0,
    n_hours: float = 8.0,
) -> tuple[Path, Path]:
    """Write a synthetic scored PSG: an EDF plus its hypnogram in one of the "bring your own" layouts.

    Args:
        out_dir: destination folder.
        hypnogram: per-epoch stages (AASM, ``S4``, ``MT``, ``?``); ``None``: a synthetic one of ``n_hours``.
        name: the EDF stem (``sub-01_task-sleep_eeg`` for a BIDS layout).
        hypnogram_format: ``embedded`` (EDF+ annotations in the PSG), ``edf+`` (``<stem>-Hypnogram.edf``),
            ``csv`` (``onset,duration,stage`` runs), ``labels`` (one label per line) or ``bids``
            (``<base>_events.tsv`` with ``onset``, ``duration``, ``trial_type``).
        vocabulary: the stage texts: ``aasm``, ``rk``, ``numeric`` or ``sleep-stage``.
        channels: signal labels (their prefix picks the synthetic signal kind).
        sfreq: sampling rate of every signal.
        epoch_seconds: scoring epoch length.
        seed: random seed.
        n_hours: sleep period of a synthetic hypnogram.

    Returns:
        ``(edf_path, hypnogram_path)`` (the same path for ``embedded``).
    """
    if hypnogram_format not in HYPNOGRAM_FORMATS:
        raise ValueError(
            f"hypnogram_format must be one of {sorted(HYPNOGRAM_FORMATS)}, got {hypnogram_format!r}"
        )
    if vocabulary not in _VOCABULARY_TEXT:
        raise ValueError(f"vocabulary must be one of {sorted(_VOCABULARY_TEXT)}, got {vocabulary!r}")
    stages = list(hypnogram) if hypnogram is not None else synthetic_hypnogram(n_hours, seed=seed)
    states = normalise_stages(stages, "human")
    texts = [_VOCABULARY_TEXT[vocabulary][s] for s in states]
    runs = [(first * epoch_seconds, n * epoch_seconds, text) for first, n, text in label_runs(texts)]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    signals = synthesize_night(stages, sfreq=sfreq, epoch_seconds=epoch_seconds, channels=channels, seed=seed)
    start = dt.datetime(2021, 3, 4, 22, 30)
    edf_path = out_dir / f"{name}.edf"
    write_psg(
        edf_path,
        [(ch, x, sfreq, "uV") for ch, x in zip(channels, signals, strict=True)],
        start=start,
        patient_field=f"X X X {name}",
        record_duration=1.0,
        annotations=runs if hypnogram_format == "embedded" else (),
    )
    if hypnogram_format == "embedded":
        return edf_path, edf_path
    base = name[: -len("_eeg")] if name.endswith("_eeg") else name
    hyp_path = out_dir / HYPNOGRAM_FORMATS[hypnogram_format].format(stem=name, base=base)
    if hypnogram_format == "edf+":
        atomic_write(hyp_path, lambda tmp: write_annotations_edf(tmp, runs, start=start))
        return edf_path, hyp_path
    if hypnogram_format == "csv":
        lines = ["onset,duration,stage", *(f"{o:g},{d:g},{t}" for o, d, t in runs)]
    elif hypnogram_format == "bids":
        lines = ["onset\tduration\ttrial_type", *(f"{o:g}\t{d:g}\t{t}" for o, d, t in runs)]
    else:
        lines = texts
    atomic_write(hyp_path, lambda tmp: tmp.write_text("\n".join(lines) + "\n", encoding="utf-8"))
    return edf_path, hyp_path


COHORT_LAYOUT_CHANNELS: dict[str, tuple[tuple[str, float, str], ...]] = {
    "hmc": tuple(
        (label, 256.0, synth)
        for label, synth in (
            ("EEG F4-M1", "EEG F4-M1"), ("EEG C4-M1", "EEG C4-M1"), ("EEG O2-M1", "EEG O2-M1"),
            ("EEG C3-M2", "EEG C3-M2"), ("EMG chin", "EMG chin"), ("EOG E1-M2", "EOG left"),
            ("EOG E2-M2", "EOG right"), ("ECG", "ECG"),
        )
    ),
    "dcsm": tuple(
        (label, 256.0, synth)
        for label, synth in (
            ("C3-M2", "EEG C3-M2"), ("C4-M1", "EEG C4-M1"), ("E1-M2", "EOG left"), ("E2-M2", "EOG right"),
            ("CHIN", "EMG chin"), ("ECG-II", "ECG"),
        )
    ),
    "isruc": tuple(
        (label, 200.0, synth)
        for label, synth in (
            ("F3-A2", "EEG F3-A2"), ("C3-A2", "EEG C3-A2"), ("O1-A2", "EEG O1-A2"), ("F4-A1", "EEG F4-A1"),
            ("C4-A1", "EEG C4-A1"), ("O2-A1", "EEG O2-A1"), ("LOC-A2", "EOG left"), ("ROC-A1", "EOG right"),
            ("X1", "EMG chin"),
        )
    ),
    "dreams": tuple(
        (label, 200.0, synth)
        for label, synth in (
            ("FP1-A2", "EEG Fp1-A2"), ("CZ-A1", "EEG Cz-A1"), ("O1-A2", "EEG O1-A2"), ("EOG1", "EOG left"),
            ("EOG2", "EOG right"), ("EMG1", "EMG chin"),
        )
    ),
}  # fmt: skip
"""Signals of the synthetic HMC, DCSM, ISRUC and DREAMS files: label, rate, synthetic stand-in."""

_COHORT_TEXT = {
    "hmc": _VOCABULARY_TEXT["sleep-stage"],
    "dcsm": {"W": "W", "N1": "N1", "N2": "N2", "N3": "N3", "S4": "N3", "REM": "REM"},
    "isruc": {"W": "0", "N1": "1", "N2": "2", "N3": "3", "S4": "3", "REM": "5", "MT": "9", "?": "9"},
    "dreams": {"W": "5", "N1": "3", "N2": "2", "N3": "1", "S4": "1", "REM": "4", "MT": "-1", "?": "0"},
}


def write_cohort_night(
    cohort: str,
    out_dir: str | os.PathLike,
    *,
    hypnogram: Sequence[str] | None = None,
    subject: int = 1,
    seed: int = 0,
    n_hours: float = 8.0,
) -> tuple[Path, Path]:
    """Write one synthetic night in the layout of HMC, DCSM, ISRUC or DREAMS (see ``cohorts.COHORTS``).

    * ``hmc``: ``SNnnn.edf`` + ``SNnnn_sleepscoring.edf`` (one ``Sleep stage X`` annotation per 30-s epoch
      and a zero-length ``Lights off``);
    * ``dcsm``: ``tp<nnnn>/psg.edf`` + ``tp<nnnn>/hypnogram.ids`` (``onset,duration,stage`` runs, no header;
      movement and unscored epochs are left out);
    * ``isruc``: ``<n>/<n>.rec`` (EDF) + ``<n>/<n>_1.txt`` and ``<n>_2.txt`` (one code per 30 s);
    * ``dreams``: ``subject<n>.edf`` + ``HypnogramAASM_subject<n>.txt`` (a title line, one code per 5 s).

    Args:
        cohort: ``hmc``, ``dcsm``, ``isruc`` or ``dreams``.
        out_dir: destination folder.
        hypnogram: per-epoch stages (AASM, ``S4``, ``MT``, ``?``); ``None``: a synthetic one of ``n_hours``.
        subject: subject number in the file names.
        seed: random seed.
        n_hours: sleep period of a synthetic hypnogram.

    Returns:
        ``(psg_path, hypnogram_path)``.
    """
    if cohort not in COHORT_LAYOUT_CHANNELS:
        raise ValueError(f"cohort must be one of {sorted(COHORT_LAYOUT_CHANNELS)}, got {cohort!r}")
    stages = list(hypnogram) if hypnogram is not None else synthetic_hypnogram(n_hours, seed=seed)
    codes = [_COHORT_TEXT[cohort].get(s) for s in normalise_stages(stages, "human")]
    out_dir = Path(out_dir)
    start = dt.datetime(2018, 6, 1, 23, 0) + dt.timedelta(days=subject)
    runs = [(first * 30.0, n * 30.0, code) for first, n, code in label_runs(codes) if code is not None]
    if cohort == "hmc":
        psg, hyp = out_dir / f"SN{subject:03d}.edf", out_dir / f"SN{subject:03d}_sleepscoring.edf"
        per_epoch = [(30.0 * i, 30.0, code) for i, code in enumerate(codes)]
        write = lambda tmp: write_annotations_edf(tmp, [(0.0, 0.0, "Lights off"), *per_epoch], start=start)  # noqa: E731
    elif cohort == "dcsm":
        psg, hyp = out_dir / f"tp{subject:04d}" / "psg.edf", out_dir / f"tp{subject:04d}" / "hypnogram.ids"
        text = "".join(f"{o:g},{d:g},{c}\n" for o, d, c in runs)
        write = lambda tmp: tmp.write_text(text)  # noqa: E731
    elif cohort == "isruc":
        psg, hyp = out_dir / str(subject) / f"{subject}.rec", out_dir / str(subject) / f"{subject}_1.txt"
        text = "\n".join(codes) + "\n"
        write = lambda tmp: tmp.write_text(text)  # noqa: E731
        second = hyp.with_name(f"{subject}_2.txt")
        second.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(second, write)
    else:
        psg, hyp = out_dir / f"subject{subject}.edf", out_dir / f"HypnogramAASM_subject{subject}.txt"
        text = "[HypnogramAASM]\n" + "".join(f"{c}\n" for c in codes for _ in range(6))
        write = lambda tmp: tmp.write_text(text)  # noqa: E731
    _write_layout_edf(psg, COHORT_LAYOUT_CHANNELS[cohort], stages, start=start, seed=seed, subject=subject)
    atomic_write(hyp, write)
    return psg, hyp
