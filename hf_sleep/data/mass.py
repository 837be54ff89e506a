"""MASS (Montreal Archive of Sleep Studies, SS1–SS5) to a Hugging Face dataset."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hf_sleep.models.sleep_base.signals import resolve_channels

from .conversion import epoch_features, run_conversion
from .edf import read_annotations, read_edf_header
from .errors import RecordingError
from .labels import AASM_LABELS, IGNORE_INDEX, SLEEP_EDF_LABEL_MAP, label_ids
from .options import ConversionOptions
from .preprocess import RecordingEpochs, read_prepared, samples_per_epoch, trim_wake

if TYPE_CHECKING:
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

__all__ = ["MassPair", "convert_mass", "find_mass_pairs"]

_NAME_RE = re.compile(r"^(?P<cohort>\d{2})-(?P<subset>\d{2})-(?P<subject>\d{4}) (?P<kind>PSG|Base)\.edf$")
MASS_CITATION = (
    "O'Reilly C, Gosselin N, Carrier J, Nielsen T. Montreal Archive of Sleep Studies: an open-access "
    "resource for instrument benchmarking and exploratory research. J Sleep Res 23(6):628-635 (2014)."
)


@dataclass(frozen=True)
class MassPair:
    """A MASS PSG (``CC-SS-NNNN PSG.edf``) and its stage annotations (``CC-SS-NNNN Base.edf``).

    Args:
        psg: the PSG file.
        base: the annotation file.
        subset: MASS subset (1–5).
        subject: subject number within the subset.
    """

    psg: Path
    base: Path
    subset: int
    subject: int

    @property
    def recording(self) -> str:
        """The recording id, e.g. ``01-03-0001``."""
        return self.psg.name.removesuffix(" PSG.edf")


def find_mass_pairs(paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike]) -> list[MassPair]:
    """Pair ``CC-SS-NNNN PSG.edf`` with ``CC-SS-NNNN Base.edf``.

    Args:
        paths_or_dir: a folder (searched recursively) or files.

    Raises:
        RecordingError: a PSG without its Base file or the reverse.
    """
    if isinstance(paths_or_dir, (str, os.PathLike)):
        root = Path(paths_or_dir)
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or folder")
        files = sorted(root.rglob("*.edf")) if root.is_dir() else [root]
    else:
        files = [Path(p) for p in paths_or_dir]
    found: dict[str, dict[str, Path]] = {}
    for f in files:
        if m := _NAME_RE.match(f.name):
            found.setdefault(f.name.rsplit(" ", 1)[0], {})[m["kind"]] = f
    pairs = []
    for key, kinds in sorted(found.items()):
        if "PSG" not in kinds:
            raise RecordingError(kinds["Base"], f"no PSG file found (expected '{key} PSG.edf')")
        if "Base" not in kinds:
            raise RecordingError(kinds["PSG"], f"no annotation file found (expected '{key} Base.edf')")
        m = _NAME_RE.match(kinds["PSG"].name)
        assert m is not None
        pairs.append(MassPair(kinds["PSG"], kinds["Base"], int(m["subset"]), int(m["subject"])))
    return pairs


@dataclass(frozen=True)
class _MassTask:
    pair: MassPair
    extractor: SleepFeatureExtractor
    trim_wake_minutes: float | None
    keep_unknown: bool
    label_map: Mapping[str, str | None]


def _load(task: _MassTask) -> RecordingEpochs:
    pair = task.pair
    base_header, onset, duration, text = read_annotations(pair.base)
    header = read_edf_header(pair.psg)
    if (base_header.start - header.start).total_seconds() != 0:
        raise RecordingError(
            pair.base,
            f"does not belong to {pair.psg.name}: starts {base_header.start}, PSG starts {header.start}",
        )
    ids_map = label_ids(task.label_map, AASM_LABELS)
    unknown = sorted(set(text.tolist()) - set(ids_map))
    if unknown:
        raise RecordingError(pair.base, f"unknown annotation label(s) {unknown}; known: {sorted(ids_map)}")
    if len(onset) == 0:
        raise RecordingError(pair.base, "no sleep-stage annotation")
    order = np.argsort(onset, kind="stable")
    onset, duration, text = onset[order], duration[order], text[order]
    if float(onset[-1] + duration[-1]) > header.duration + float(duration.max()):
        raise RecordingError(
            pair.base,
            f"does not belong to {pair.psg.name}: scores up to {onset[-1] + duration[-1]:g} s but the PSG lasts "
            f"{header.duration:g} s",
        )
    window_seconds = task.extractor.epoch_seconds
    data, sfreq = read_prepared(pair.psg, task.extractor, header=header)
    n_win = samples_per_epoch(sfreq, window_seconds, pair.psg)
    ids = np.array([ids_map[t] for t in text], dtype=np.int64)
    # 20-s epochs are widened to windows centred on the scored epoch (SeqSleepNet); 30-s stay 30-s.
    starts = np.round((onset + duration / 2 - window_seconds / 2) * sfreq).astype(np.int64)
    inside = (starts >= 0) & (starts + n_win <= data.shape[1])
    trim = (
        None
        if task.trim_wake_minutes is None
        else int(round(task.trim_wake_minutes * 60 / np.median(duration)))
    )
    span = trim_wake(ids, [i for i, name in enumerate(AASM_LABELS) if name != "W"], trim)
    keep = np.zeros(len(ids), dtype=bool)
    keep[span] = True
    keep &= inside
    if not task.keep_unknown:
        keep &= ids != IGNORE_INDEX
    index = np.flatnonzero(keep)
    if len(index) == 0:
        raise RecordingError(pair.psg, "no scored epoch inside the signal: nothing to convert")
    windows = data[:, starts[index, None] + np.arange(n_win)].transpose(1, 0, 2)  # (n, C, n_win)
    try:
        windows = task.extractor.prepare_epochs(windows, sfreq)
    except ValueError as error:
        raise RecordingError(pair.psg, str(error)) from None
    return RecordingEpochs(
        recording=pair.recording,
        subject=pair.recording,
        night=1,
        data=np.ascontiguousarray(windows),
        labels=ids[index],
        epoch_index=index,
        onset_s=onset[index],
        source_label=[str(t) for t in text[index]],
    )


def convert_mass(
    paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    channels: Sequence[str] = ("EEG C4-CLE|EEG C4-LER",),
    subsets: Iterable[int] | None = None,
    window_seconds: float = 30.0,
    label_map: Mapping[str, str | None] | None = None,
    options: ConversionOptions | None = None,
):
    """Convert MASS recordings into a ``datasets.Dataset``, one row per scored epoch.

    Each scored epoch becomes a window of ``window_seconds`` centred on it: the 20-s epochs of
    SS2/SS4/SS5 are widened to 30 s (5 s of context each side, as SeqSleepNet does), the 30-s
    epochs of SS1/SS3 stay as they are. ``subject`` and ``recording`` are the MASS id
    (``01-03-0001``), ``onset_s`` the scored epoch's onset, ``epoch_index`` its rank among the
    scored epochs.

    Args:
        paths_or_dir: folder with ``* PSG.edf`` and ``* Base.edf`` files, or the files.
        channels: labels with their reference (``EEG C4-CLE``, ``EEG C4-LER``, ``EOG Left Horiz``,
            ``EMG Chin1``, ...); ``|`` separates alternatives, the first present is used.
        subsets: keep only these subsets (1–5).
        window_seconds: window length around each scored epoch.
        label_map: annotation text → AASM name or ``None``.
        options: the output rate (``sfreq=None`` keeps the native 256 Hz), band-pass, epochs kept and where the
            dataset goes ([`ConversionOptions`]).
    """
    options = options or ConversionOptions()
    pairs = find_mass_pairs(paths_or_dir)
    if subsets is not None:
        wanted = set(subsets)
        pairs = [p for p in pairs if p.subset in wanted]
    if not pairs:
        raise ValueError(f"no MASS recording found in {paths_or_dir}")
    pairs = options.shard(pairs)
    sfreq = options.sfreq
    if sfreq is None:
        first = read_edf_header(pairs[0].psg)
        try:
            sfreq = first.sfreq(resolve_channels(channels[:1], first.channels)[0][0])
        except ValueError as error:
            raise RecordingError(pairs[0].psg, str(error)) from None
    label_map = dict(label_map or SLEEP_EDF_LABEL_MAP)
    n_win = samples_per_epoch(sfreq, window_seconds)
    extractor = options.contract(channels, window_seconds, AASM_LABELS, sfreq=sfreq)
    tasks = [_MassTask(p, extractor, options.trim_wake_minutes, options.keep_unknown, label_map) for p in pairs]
    params = {
        "channels": ", ".join(channels),
        "sampling rate": f"{sfreq:g} Hz",
        "window": f"{window_seconds:g} s centred on each scored epoch",
        "band-pass": f"{options.l_freq} - {options.h_freq} Hz" if (options.l_freq or options.h_freq) else "none",
        "wake trimming": f"{options.trim_wake_minutes:g} min" if options.trim_wake_minutes is not None else "none",
        "unscored epochs": "kept with label -100" if options.keep_unknown else "dropped",
        "label names": ", ".join(AASM_LABELS),
    }
    description = "MASS converted with hf_sleep: one row per scored epoch.\n\nPreprocessing:\n" + "\n".join(
        f"- {k}: {v}" for k, v in params.items()
    )
    info = {
        "description": description,
        "citation": MASS_CITATION,
        "homepage": "http://ceams-carsm.ca/en/mass/",
        "license": "other",
        "dataset_name": "mass",
    }
    features = epoch_features(len(channels), n_win, AASM_LABELS, options.keep_unknown, contract=extractor)
    return run_conversion(tasks, _load, features=features, info_kwargs=info, options=options, desc="MASS recordings")
