"""Sleep-EDF Expanded (sleep-cassette and sleep-telemetry) to a Hugging Face dataset."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .conversion import epoch_features, run_conversion
from .edf import read_annotations, read_edf_header
from .errors import RecordingError
from .labels import AASM_LABELS, SLEEP_EDF_LABEL_MAP
from .options import ConversionOptions
from .preprocess import RecordingEpochs
from .scored import ScoredRecording, ScoredTask, load_scored

if TYPE_CHECKING:
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

__all__ = [
    "SLEEP_EDF_OPTIONS",
    "SLEEP_EDF_SUBSETS",
    "SleepEdfPair",
    "convert_sleep_edf",
    "find_sleep_edf_pairs",
]

_PSG_RE = re.compile(
    r"^(?P<study>SC|ST)(?P<digit>[47])(?P<subject>\d{2})(?P<night>\d)(?P<tech>[A-Z])0-PSG\.edf$"
)
_HYP_RE = re.compile(
    r"^(?P<study>SC|ST)(?P<digit>[47])(?P<subject>\d{2})(?P<night>\d)(?P<tech>[A-Z])[A-Z0-9]-Hypnogram\.edf$"
)

_EDF78_EXCLUDED = {39, 68, 69, 78, 79}
SLEEP_EDF_SUBSETS: dict[str, frozenset[int]] = {
    "sleep-edf-20": frozenset(range(20)),
    "sleep-edf-78": frozenset(set(range(83)) - _EDF78_EXCLUDED),
}
"""Named subsets: sleep-cassette subjects of Sleep-EDF-20 (39 nights) and Sleep-EDF-78 (153 nights)."""

SLEEP_EDF_CITATION = (
    "Kemp B, Zwinderman AH, Tuk B, Kamphuisen HAC, Oberyé JJL. Analysis of a sleep-dependent neuronal "
    "feedback loop: the slow-wave microcontinuity of the EEG. IEEE-BME 47(9):1185-1194 (2000).\n"
    "Goldberger AL et al. PhysioBank, PhysioToolkit, and PhysioNet. Circulation 101(23):e215-e220 (2000)."
)


@dataclass(frozen=True)
class SleepEdfPair:
    """A PSG file and its hypnogram, with the ids parsed from the PhysioNet names.

    Args:
        psg: ``SC4ssNE0-PSG.edf`` or ``ST7ssNJ0-PSG.edf``.
        hypnogram: ``SC4ssNEx-Hypnogram.edf`` or ``ST7ssNJx-Hypnogram.edf``.
        study: ``SC`` or ``ST``.
        subject: subject number ``ss``.
        night: night number ``N``.
    """

    psg: Path
    hypnogram: Path
    study: str
    subject: int
    night: int

    @property
    def recording(self) -> str:
        """The recording id, e.g. ``SC4001E0``."""
        return self.psg.name.removesuffix("-PSG.edf")

    @property
    def subject_id(self) -> str:
        """Subject id unique across both studies, e.g. ``SC00`` or ``ST13``."""
        return f"{self.study}{self.subject:02d}"


def find_sleep_edf_pairs(paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike]) -> list[SleepEdfPair]:
    """Pair PSG and hypnogram files by the Sleep-EDF naming rules.

    ``SC4ssNE0-PSG.edf`` pairs with ``SC4ssNE?-Hypnogram.edf`` (same study, subject, night and
    technician letter; the last character of the hypnogram name is the scorer). Files that match
    neither pattern are ignored.

    Args:
        paths_or_dir: a folder (searched recursively) or an iterable of files.

    Returns:
        Pairs sorted by study, subject and night.

    Raises:
        RecordingError: a PSG without hypnogram, a hypnogram without PSG, or two hypnograms for one PSG.
    """
    if isinstance(paths_or_dir, (str, os.PathLike)):
        root = Path(paths_or_dir)
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or folder")
        files = sorted(root.rglob("*.edf")) if root.is_dir() else [root]
    else:
        files = [Path(p) for p in paths_or_dir]
    psgs: dict[str, Path] = {}
    hyps: dict[str, list[Path]] = {}
    for f in files:
        if m := _PSG_RE.match(f.name):
            psgs[f.name[:7]] = f
        elif m := _HYP_RE.match(f.name):
            hyps.setdefault(f.name[:7], []).append(f)
    pairs = []
    for key, psg in psgs.items():
        found = hyps.get(key, [])
        if not found:
            raise RecordingError(psg, f"no hypnogram found (expected {key}?-Hypnogram.edf next to it)")
        if len(found) > 1:
            raise RecordingError(psg, f"several hypnograms match: {', '.join(p.name for p in found)}")
        m = _PSG_RE.match(psg.name)
        assert m is not None
        pairs.append(SleepEdfPair(psg, found[0], m["study"], int(m["subject"]), int(m["night"])))
    orphans = sorted(set(hyps) - set(psgs))
    if orphans:
        raise RecordingError(hyps[orphans[0]][0], f"no PSG file found (expected {orphans[0]}0-PSG.edf)")
    return sorted(pairs, key=lambda p: (p.study, p.subject, p.night))


@dataclass(frozen=True)
class _SleepEdfTask:
    pair: SleepEdfPair
    extractor: SleepFeatureExtractor
    trim_wake_minutes: float | None
    keep_unknown: bool
    label_map: Mapping[str, str | None] = field(default_factory=lambda: dict(SLEEP_EDF_LABEL_MAP))
    rescale: float = 1.0


def _sleep_edf_stages(hypnogram: Path, psg_header, label_seconds: float | None = None):
    """The stage annotations of a Sleep-EDF hypnogram, which must start when its PSG starts."""
    hyp_header, onset, duration, text = read_annotations(hypnogram)
    offset = (hyp_header.start - psg_header.start).total_seconds()
    if offset != 0:
        raise RecordingError(
            hypnogram,
            f"does not belong to {psg_header.path.name}: hypnogram starts {hyp_header.start}, PSG starts "
            f"{psg_header.start} ({offset:+g} s)",
        )
    return onset, duration, text


def _load(task: _SleepEdfTask) -> RecordingEpochs:
    pair, extractor = task.pair, task.extractor
    source = ScoredRecording(pair.psg, pair.hypnogram, pair.recording, pair.subject_id, pair.night)
    return load_scored(
        ScoredTask(
            source, _sleep_edf_stages, tuple(extractor.ch_names), extractor, task.trim_wake_minutes,
            task.keep_unknown, task.label_map, rescale=task.rescale,
        )
    )  # fmt: skip


def synthetic_info(info: dict, drivers: set[str | None]) -> dict:
    """``DatasetInfo`` fields for a conversion of files written by ``hf_sleep.data.synthetic``.

    Args:
        info: the fields a real conversion would have.
        drivers: the ``EdfHeader.synthetic_driver`` of every recording (``None`` for a real one).
    """
    real = sorted(d.removeprefix("real-") for d in drivers if d and d.startswith("real-"))
    driven = (
        f"driven by {len(real)} real hypnogram(s) ({', '.join(real[:3])}{', ...' if len(real) > 3 else ''}): "
        "the stages are real scorings, the signals are not"
        if real
        else "driven by generated hypnograms: neither stages nor signals come from people"
    )
    mixed = " (mixed with real recordings)" if None in drivers else ""
    return {
        **info,
        "description": f"SYNTHETIC DATA{mixed}: signals generated by hf_sleep.data.synthetic, {driven}.\n\n"
        + info["description"],
        "citation": info["citation"] if real else "",
        "homepage": "",
        "license": info["license"] if real else "other",
        "dataset_name": f"{info['dataset_name']} (synthetic)",
    }


def _describe(study_names: str, params: dict) -> str:
    lines = [
        f"Sleep-EDF Expanded ({study_names}) converted with hf_sleep: one row per scored 30-s epoch.",
        "Labels: R&K stages mapped to AASM (W, N1, N2, N3 = stages 3+4, REM).",
        "",
        "Preprocessing:",
    ]
    lines += [f"- {key}: {value}" for key, value in params.items()]
    return "\n".join(lines)


SLEEP_EDF_OPTIONS = ConversionOptions(trim_wake_minutes=30)
"""`convert_sleep_edf`'s default options: 30 min of wake kept around the sleep period, as in DeepSleepNet and
TinySleepNet (change one with `SLEEP_EDF_OPTIONS.replace(sfreq=...)`)."""


def convert_sleep_edf(
    paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    channels: Sequence[str] = ("EEG Fpz-Cz",),
    subset: str | None = None,
    subjects: Iterable[int] | None = None,
    studies: Sequence[str] = ("SC", "ST"),
    epoch_seconds: float = 30.0,
    label_map: Mapping[str, str | None] | None = None,
    rescale: float = 1.0,
    options: ConversionOptions = SLEEP_EDF_OPTIONS,
):
    """Convert Sleep-EDF Expanded recordings into a ``datasets.Dataset`` of 30-s epochs.

    Each row: ``input_values`` ``(n_chans, sfreq * 30)`` float32 in µV, ``labels`` (AASM
    ``ClassLabel``), ``subject`` (``SC00``/``ST13``), ``night``, ``recording`` (``SC4001E0``),
    ``epoch_index`` (position in the 30-s grid from the PSG start), ``onset_s`` and
    ``source_label`` (the scorer's R&K text). Labels are clipped to the signal (SC hypnograms
    run past the PSG).

    Args:
        paths_or_dir: folder with PSG and hypnogram files, or the files themselves.
        channels: signals to keep, in order: ``EEG Fpz-Cz`` (default), ``EEG Pz-Oz``,
            ``EOG horizontal``, ``EMG submental`` (1 Hz in SC files, resampled), ...
        subset: ``"sleep-edf-20"`` or ``"sleep-edf-78"`` (sleep-cassette subjects of those
            benchmarks); ``None``: everything found.
        subjects: keep only these subject numbers.
        studies: which studies to keep (``SC``, ``ST``).
        epoch_seconds: epoch length (30 s in Sleep-EDF).
        label_map: annotation text → AASM name or ``None`` (ignored); defaults to
            ``SLEEP_EDF_LABEL_MAP``. Texts outside it are an error.
        rescale: factor applied to the signals, for files whose physical dimension is wrong (the amplitude
            check's error suggests it).
        options: the output rate, band-pass, epochs kept and where the dataset goes ([`ConversionOptions`]);
            default [`SLEEP_EDF_OPTIONS`] (100 Hz, 30 min of wake around sleep, unscored epochs dropped).

    Returns:
        The ``datasets.Dataset``.

    Raises:
        RecordingError: a file is corrupt, truncated, mismatched, lacks a channel, holds NaN or flat
            signals or unknown labels; the message names the file and the problem.
    """
    pairs = _select_pairs(paths_or_dir, subset, subjects, studies)
    pairs = options.shard(pairs)
    channels = tuple(channels)
    extractor = options.contract(channels, epoch_seconds, AASM_LABELS)
    label_map = dict(label_map or SLEEP_EDF_LABEL_MAP)
    tasks = [
        _SleepEdfTask(p, extractor, options.trim_wake_minutes, options.keep_unknown, label_map, rescale) for p in pairs
    ]
    studies_found = sorted({p.study for p in pairs})
    params = options.described(channels, extractor.sfreq, epoch_seconds, AASM_LABELS)
    params["subset"] = subset or "all recordings found"
    names = {"SC": "sleep-cassette", "ST": "sleep-telemetry"}
    info = {
        "description": _describe(" and ".join(names[s] for s in studies_found), params),
        "citation": SLEEP_EDF_CITATION,
        "homepage": "https://physionet.org/content/sleep-edfx/1.0.0/",
        "license": "odc-by",
        "dataset_name": subset or "sleep-edf",
    }
    drivers = {read_edf_header(p.psg).synthetic_driver for p in pairs}
    if drivers != {None}:
        info = synthetic_info(info, drivers)
    features = epoch_features(len(channels), extractor.n_times, AASM_LABELS, options.keep_unknown, contract=extractor)
    return run_conversion(
        tasks, _load, features=features, info_kwargs=info, options=options, desc="Sleep-EDF recordings"
    )


def _select_pairs(
    paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike],
    subset: str | None,
    subjects: Iterable[int] | None,
    studies: Sequence[str],
) -> list[SleepEdfPair]:
    """The PSG/hypnogram pairs found, of the studies, benchmark subset and subjects asked for."""
    pairs = [p for p in find_sleep_edf_pairs(paths_or_dir) if p.study in studies]
    if subset is not None:
        if subset not in SLEEP_EDF_SUBSETS:
            raise ValueError(f"unknown subset {subset!r}; known: {sorted(SLEEP_EDF_SUBSETS)}")
        pairs = [p for p in pairs if p.study == "SC" and p.subject in SLEEP_EDF_SUBSETS[subset]]
    if subjects is not None:
        wanted = set(subjects)
        pairs = [p for p in pairs if p.subject in wanted]
    if not pairs:
        raise ValueError(
            f"no Sleep-EDF recording found in {paths_or_dir} (subset={subset}, subjects={subjects})"
        )
    return pairs
