"""Score predicted hypnograms against a reference scorer: agreement, confusion and sleep statistics side by side.

`score(pred, ref)` reads two hypnograms (or two folders of them, matched by recording name), puts both on one
epoch grid counted from the recording start (`rescore_intervals`: 5-/10-/20-s codes become 30-s epochs by
majority of time, ties unscored; two EDF+ files by their start times), compares the epochs both score and reports:

- per recording and pooled: accuracy, macro F1 and Cohen's kappa (scikit-learn), each with a 95 % percentile
  bootstrap interval: over epochs within a recording, over recordings for the pooled row (over epochs when
  there is only one recording);
- per-stage F1 and the pooled confusion matrix (rows = reference, columns = prediction);
- the sleep statistics of `sleep_stats.sleep_statistics` for both hypnograms over the epochs they share, and
  across recordings the mean difference (PRED − REF) with Bland–Altman 95 % limits of agreement.

Epochs outside the overlap of the two hypnograms, and epochs either leaves unscored (`?`, movement time,
artefacts), are left out of the agreement and counted.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hf_sleep.data.errors import RecordingError
from hf_sleep.data.labels import AASM_LABELS, RODENT_LABEL_MAP, RODENT_LABELS, rescore_intervals
from hf_sleep.staging.sleep_stats import sleep_statistics

HYPNOGRAM_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".txt", ".xml", ".edf")
"""The files a folder of hypnograms is searched for, in order of preference when one recording has several (the
CSV and the EDF+ that `hf-sleep stage` writes for each night hold the same stages)."""

NAME_SUFFIXES: tuple[str, ...] = ("_hypnogram", "-hypnogram", "_stages", "-stages", "_scores", "-nsrr", "-psg", "_psg")
"""Endings removed from a file's stem (ignoring case) to give its recording name: `night1_hypnogram.csv`,
`night1-Hypnogram.edf` and `night1-nsrr.xml` are all `night1`."""

# Sleep-EDF names a night's PSG `SC4001E0` and its hypnogram `SC4001EC`: subject and night are the first six
# characters, the last two the scorer's letters. Names of this form also match on those six.
_SLEEP_EDF_NAME = re.compile(r"(S[CT]\d{4})[A-Z0-9]{2}", re.IGNORECASE)

STATISTICS: tuple[str, ...] = ("TST", "SE", "WASO", "SOL", "REM_latency")
"""The sleep statistics compared side by side (stage minutes follow)."""

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Hypnogram:
    """One scorer's stages of one recording on the scoring grid.

    Args:
        name: the recording name (the file's stem without `NAME_SUFFIXES`).
        path: the file read.
        stages: one stage (or `None`: unscored) per epoch, epoch 0 at the recording start.
        first: the first epoch the file covers (a hypnogram may start late).
        stage_names: the stage set (AASM or rodent) its texts belong to.
    """

    name: str
    path: Path
    stages: list[str | None]
    first: int
    stage_names: tuple[str, ...]


def recording_name(path: str | os.PathLike) -> str:
    """The recording a hypnogram file belongs to: its stem without `NAME_SUFFIXES` (repeatedly)."""
    stem = Path(path).name
    for suffix in HYPNOGRAM_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    shortened = True
    while shortened:
        shortened = False
        for suffix in NAME_SUFFIXES:
            if stem.lower().endswith(suffix) and len(stem) > len(suffix):
                stem, shortened = stem[: -len(suffix)], True
    return stem


def _is_signal_edf(path: Path) -> bool:
    from hf_sleep.data.edf import ANNOTATION_LABEL, read_edf_header

    return any(label != ANNOTATION_LABEL for label in read_edf_header(path).labels)


def hypnogram_files(path: str | os.PathLike, what: str) -> dict[str, Path]:
    """The hypnograms a PRED/REF argument names, by recording name: the file itself or a folder's hypnograms.

    In a folder, hidden files, PSG signal files (an EDF with signals besides annotations) and other kinds of file
    (the PNG and JSON beside `hf-sleep stage`'s CSV) are skipped; of one recording's several files the first
    kind in `HYPNOGRAM_SUFFIXES` is read.

    Raises:
        FileNotFoundError: `path` does not exist.
        ValueError: a folder holds no hypnogram, or two of one kind for one recording.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} {path}: no such file or folder")
    if path.is_file():
        return {recording_name(path): path}
    found: dict[str, Path] = {}
    candidates = sorted(
        (p for p in path.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in HYPNOGRAM_SUFFIXES),
        key=lambda p: (HYPNOGRAM_SUFFIXES.index(p.suffix.lower()), p.name),
    )
    for candidate in candidates:
        if candidate.suffix.lower() == ".edf" and _is_signal_edf(candidate):
            continue
        name = recording_name(candidate)
        earlier = found.get(name)
        if earlier is not None and earlier.suffix.lower() == candidate.suffix.lower():
            raise ValueError(
                f"{what} {path}: {earlier.name} and {candidate.name} are both hypnograms of recording {name!r}; "
                "keep one in the folder"
            )
        found.setdefault(name, candidate)
    if not found:
        raise ValueError(f"{what} {path}: no hypnogram in the folder (looked for {', '.join(HYPNOGRAM_SUFFIXES)} files)")
    return found


def _name_key(name: str) -> str:
    match = _SLEEP_EDF_NAME.fullmatch(name)
    return (match.group(1) if match else name).casefold()


def match_recordings(
    predicted: Mapping[str, Path], reference: Mapping[str, Path], *, two_files: bool = False
) -> tuple[list[tuple[str, Path, Path]], list[str]]:
    """Pairs `(name, pred_file, ref_file)` by recording name, and the reference recordings left without a prediction.

    Names match ignoring case (Sleep-EDF's `SC4001E0`/`SC4001EC` on their first six characters); with `two_files`
    (PRED and REF each named one file) the two are paired whatever their names.

    Raises:
        ValueError: a predicted recording has no reference (named, with the reference names on offer).
    """
    if two_files:
        (name, pred_file), (_, ref_file) = next(iter(predicted.items())), next(iter(reference.items()))
        return [(name, pred_file, ref_file)], []
    by_key = {_name_key(name): name for name in reference}
    pairs, unmatched = [], []
    for name, pred_file in predicted.items():
        ref_name = by_key.get(_name_key(name))
        if ref_name is None:
            unmatched.append(name)
        else:
            pairs.append((name, pred_file, reference[ref_name]))
    if unmatched:
        shown = ", ".join(sorted(reference)[:8]) + (", ..." if len(reference) > 8 else "")
        raise ValueError(
            f"no reference hypnogram for {len(unmatched)} predicted recording(s): {', '.join(unmatched)} "
            f"(reference recordings: {shown})"
        )
    paired = {_name_key(name) for name, _, _ in pairs}
    return pairs, sorted(name for name in reference if _name_key(name) not in paired)


MAX_CLOCK_SHIFT_SECONDS = 86400.0
"""Two EDF+ hypnograms whose start times differ by less than this are aligned by clock; more is a header with a
placeholder date (EDF+'s 1985-01-01 for an unknown start, an anonymised one), not a later start."""


def clock_shift(pred_file: Path, ref_file: Path) -> float:
    """Seconds PRED starts after REF when both are EDF+ files with start times (else 0): onsets count from each
    file's own start, and a scorer's file may start at lights off while `hf-sleep stage`'s starts with the PSG."""
    if pred_file.suffix.lower() != ".edf" or ref_file.suffix.lower() != ".edf":
        return 0.0
    from hf_sleep.data.edf import read_edf_header

    shift = (read_edf_header(pred_file).start - read_edf_header(ref_file).start).total_seconds()
    return shift if abs(shift) < MAX_CLOCK_SHIFT_SECONDS else 0.0


def _read_intervals(path: Path, label_seconds: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`(onset_s, duration_s, text)` of a hypnogram in any supported format."""
    from hf_sleep.data.generic import read_hypnogram

    if path.suffix.lower() in (".txt", ".csv"):
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            first_line = handle.readline().strip().lower()
        if first_line.startswith("epoch") and "score" in first_line:  # a rodent score CSV (focolab)
            from hf_sleep.data.rodent import read_rodent_scores

            labels, seconds = read_rodent_scores(path)
            seconds = seconds or label_seconds
            onsets = np.arange(len(labels)) * seconds
            return onsets, np.full(len(labels), seconds), np.asarray(labels, dtype=object)
    return read_hypnogram(path, None, label_seconds)


def _stage_maps(label_map: Mapping[str, str | None] | None) -> list[tuple[tuple[str, ...], dict[str, str | None]]]:
    """The vocabularies tried in turn, each `(stage_names, text → stage)`: AASM (with the user's map), rodent."""
    from hf_sleep.data.generic import STAGE_VOCABULARIES
    from hf_sleep.data.nsrr import NSRR_LABEL_MAP

    aasm = {**STAGE_VOCABULARIES["auto"], **NSRR_LABEL_MAP, **(label_map or {})}
    # A rodent scorer's artefact mark (`Wake X`) keeps the state: the epoch is scored, its signal is poor.
    rodent = {**RODENT_LABEL_MAP, **{f"{text} X": stage for text, stage in RODENT_LABEL_MAP.items() if stage}}
    return [(AASM_LABELS, aasm), (RODENT_LABELS, rodent)]


def read_scored_hypnogram(
    path: str | os.PathLike,
    *,
    epoch_seconds: float = 30.0,
    label_seconds: float | None = None,
    label_map: Mapping[str, str | None] | None = None,
    name: str | None = None,
    shift_seconds: float = 0.0,
) -> Hypnogram:
    """Read one hypnogram file onto the `epoch_seconds` grid.

    Args:
        path: our stage CSV, an EDF+ annotation file, an NSRR XML, a CSV/TSV table (onset, duration, stage), a
            file of one code per line, or a rodent score CSV.
        epoch_seconds: the scoring epoch; stages in other epoch lengths are rescored by majority of time.
        label_seconds: how long one code of a one-code-per-line file lasts (default `epoch_seconds`).
        label_map: stage texts added to (or overriding) the built-in vocabulary, e.g. `{"4": "REM"}`.
        name: the recording name (default: from the file name).
        shift_seconds: added to every onset (the file starts this long after the recording start).

    Raises:
        RecordingError: an unreadable file, or texts that no vocabulary knows (named).
    """
    from hf_sleep.data.scored import canonical_texts

    path = Path(path)
    onset, duration, text = _read_intervals(path, label_seconds or epoch_seconds)
    onset = np.asarray(onset, dtype=float) + shift_seconds
    if len(onset) == 0:
        raise RecordingError(path, "no sleep stage in the hypnogram")
    unknown: set[str] = set()
    for stage_names, vocabulary in _stage_maps(label_map):
        texts = canonical_texts(np.asarray(text, dtype=object), vocabulary)
        unknown = {str(t) for t in texts if t not in vocabulary}
        if not unknown:
            stages, chosen = [vocabulary[t] for t in texts], stage_names
            break
    else:
        raise RecordingError(
            path,
            f"unknown stage text(s) {', '.join(map(repr, sorted(unknown)[:6]))}; name their stages with "
            "--label-map 'text=STAGE,...' (STAGE: W, N1, N2, N3, REM or ignore)",
        )
    grid = rescore_intervals(onset, duration, stages, epoch_seconds)
    first = max(0, int(math.floor(float(np.min(onset)) / epoch_seconds + 1e-6)))
    return Hypnogram(name or recording_name(path), path, grid, first, chosen)


@dataclass
class RecordingScore:
    """The comparison of one recording's two hypnograms (see `score_pair`)."""

    name: str
    pred_path: Path
    ref_path: Path
    stage_names: tuple[str, ...]
    first_epoch: int
    n_epochs: int
    unscored_ref: int
    unscored_pred: int
    outside_overlap: int
    matrix: np.ndarray
    metrics: dict[str, float] = field(default_factory=dict)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    pred_shift_seconds: float = 0.0
    pred_statistics: dict[str, float] = field(default_factory=dict)
    ref_statistics: dict[str, float] = field(default_factory=dict)


def agreement(matrix: np.ndarray) -> dict[str, float]:
    """Accuracy, macro F1, Cohen's kappa and per-stage F1 of a confusion matrix (rows = reference).

    scikit-learn computes each from the matrix's cells weighted by their counts, which equals scoring the
    epochs one by one. Macro F1 averages the stages present in either hypnogram; a stage absent from both
    has no F1 (NaN); kappa is NaN when both scorers use a single stage.
    """
    from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

    n_stages = matrix.shape[0]
    ref, pred = np.nonzero(matrix)
    weights = matrix[ref, pred]
    present = sorted(set(ref.tolist()) | set(pred.tolist()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kappa of a night scored in one stage by both: undefined, reported as NaN
        per_stage = f1_score(ref, pred, labels=present, average=None, sample_weight=weights, zero_division=0)
        kappa = float(cohen_kappa_score(ref, pred, labels=list(range(n_stages)), sample_weight=weights))
    f1 = np.full(n_stages, np.nan)
    f1[present] = per_stage
    return {
        "accuracy": float(accuracy_score(ref, pred, sample_weight=weights)),
        "macro_f1": float(np.mean(per_stage)),
        "kappa": kappa,
        **{f"f1_{index}": float(value) for index, value in enumerate(f1)},
    }


SUMMARY_METRICS = ("accuracy", "macro_f1", "kappa")


def resampled_agreement(matrices: np.ndarray) -> dict[str, np.ndarray]:
    """`agreement`'s accuracy, macro F1 and kappa for a stack of confusion matrices `(n, K, K)`, all at once.

    The bootstrap needs them for a thousand resampled matrices per recording, where one scikit-learn call per
    matrix costs seconds; these are the same definitions on whole arrays, and a test holds them equal to
    `agreement` (scikit-learn) on every resample.
    """
    matrices = np.asarray(matrices, dtype=float)
    total = matrices.sum(axis=(1, 2))
    hits = np.diagonal(matrices, axis1=1, axis2=2)
    scored, predicted = matrices.sum(axis=2), matrices.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = hits.sum(axis=1) / total
        present = (scored + predicted) > 0  # macro F1 over the stages either hypnogram uses, as `agreement`
        f1 = np.where(present, 2 * hits / np.where(present, scored + predicted, 1), 0.0)
        macro_f1 = f1.sum(axis=1) / present.sum(axis=1)
        chance = (scored * predicted).sum(axis=1) / total**2
        kappa = (accuracy - chance) / (1 - chance)  # NaN when both use one stage (chance = 1)
    return {"accuracy": accuracy, "macro_f1": macro_f1, "kappa": np.where(chance < 1, kappa, np.nan)}


def bootstrap_intervals(
    matrices: Sequence[np.ndarray], n_resamples: int, rng: np.random.Generator
) -> dict[str, tuple[float, float]]:
    """95 % percentile bootstrap intervals of accuracy, macro F1 and kappa.

    One matrix: its epochs are resampled (a multinomial draw of its cells). Several: the recordings are
    resampled and their matrices summed (epochs within a night are not independent; nights are).
    """
    if n_resamples <= 0:
        return {}
    stacked = np.stack(matrices).astype(np.int64)
    if len(stacked) == 1:
        total = int(stacked[0].sum())
        samples = rng.multinomial(total, (stacked[0] / total).ravel(), size=n_resamples).reshape(-1, *stacked[0].shape)
    else:
        samples = stacked[rng.integers(0, len(stacked), (n_resamples, len(stacked)))].sum(axis=1)
    values = resampled_agreement(samples)
    tail = 100 * (1 - CONFIDENCE) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN kappa (single-stage nights): NaN bounds
        return {
            key: tuple(float(v) for v in np.nanpercentile(values[key], [tail, 100 - tail])) for key in SUMMARY_METRICS
        }


def score_pair(
    name: str,
    pred: Hypnogram,
    ref: Hypnogram,
    *,
    epoch_seconds: float,
    n_resamples: int,
    rng: np.random.Generator,
) -> RecordingScore:
    """Compare two hypnograms of one recording over the epochs both cover.

    Raises:
        ValueError: different stage sets, no overlapping epochs, or no epoch scored in both (naming the files).
    """
    files = f"{pred.path} and {ref.path}"
    if pred.stage_names != ref.stage_names:
        raise ValueError(f"{files}: stages of different sets ({', '.join(pred.stage_names)} vs {', '.join(ref.stage_names)})")
    first, stop = max(pred.first, ref.first), min(len(pred.stages), len(ref.stages))
    if stop <= first:
        raise ValueError(
            f"{files}: no overlapping epochs (PRED covers {pred.first * epoch_seconds:g}–{len(pred.stages) * epoch_seconds:g} s, "
            f"REF {ref.first * epoch_seconds:g}–{len(ref.stages) * epoch_seconds:g} s from the recording start)"
        )
    pred_window, ref_window = pred.stages[first:stop], ref.stages[first:stop]
    compared = [(r, p) for r, p in zip(ref_window, pred_window, strict=True) if r is not None and p is not None]
    if not compared:
        raise ValueError(f"{files}: no epoch is scored in both (the {stop - first} overlapping epochs are unscored in one)")
    from sklearn.metrics import confusion_matrix

    names = list(ref.stage_names)
    matrix = confusion_matrix(
        [names.index(r) for r, _ in compared], [names.index(p) for _, p in compared], labels=list(range(len(names)))
    )
    covered = (len(pred.stages) - pred.first) + (len(ref.stages) - ref.first)
    result = RecordingScore(
        name=name, pred_path=pred.path, ref_path=ref.path, stage_names=ref.stage_names, first_epoch=first,
        n_epochs=len(compared), unscored_ref=sum(r is None for r in ref_window),
        unscored_pred=sum(p is None for p in pred_window), outside_overlap=covered - 2 * (stop - first),
        matrix=matrix,
    )  # fmt: skip
    result.metrics = agreement(matrix)
    result.intervals = bootstrap_intervals([matrix], n_resamples, rng)
    wake = ref.stage_names[0]
    rem = "REM" if "REM" in ref.stage_names else None
    for hypnogram, target in ((pred_window, result.pred_statistics), (ref_window, result.ref_statistics)):
        labels = ["?" if stage is None else stage for stage in hypnogram]
        target.update(sleep_statistics(labels, epoch_seconds, stages=ref.stage_names, wake=wake, rem=rem, nap=False))
    return result


@dataclass
class ScoringReport:
    """Everything `hf-sleep score` reports (see the module docstring)."""

    recordings: list[RecordingScore]
    stage_names: tuple[str, ...]
    epoch_seconds: float
    n_resamples: int
    seed: int
    pooled_matrix: np.ndarray
    pooled: dict[str, float]
    pooled_intervals: dict[str, tuple[float, float]]
    pooled_bootstrap_over: str
    statistics_agreement: dict[str, dict[str, float]]
    reference_without_prediction: list[str]

    def statistic_keys(self) -> list[str]:
        """The statistics compared: `STATISTICS`, then minutes in each stage."""
        return [*STATISTICS, *self.stage_names]


def limits_of_agreement(pred: Sequence[float], ref: Sequence[float]) -> dict[str, float]:
    """Bland–Altman: mean of each, mean difference (PRED − REF), its SD and the 95 % limits of agreement
    (mean ± 1.96 SD) over the recordings where both values exist (a latency is NaN without the stage)."""
    pairs = [(p, r) for p, r in zip(pred, ref, strict=True) if not (math.isnan(p) or math.isnan(r))]
    differences = np.asarray([p - r for p, r in pairs], dtype=float)
    n = len(pairs)
    mean = float(differences.mean()) if n else math.nan
    sd = float(differences.std(ddof=1)) if n > 1 else math.nan
    return {
        "n": n,
        "mean_pred": float(np.mean([p for p, _ in pairs])) if n else math.nan,
        "mean_ref": float(np.mean([r for _, r in pairs])) if n else math.nan,
        "mean_difference": mean,
        "sd_difference": sd,
        "loa_low": mean - 1.96 * sd,
        "loa_high": mean + 1.96 * sd,
    }


def score(
    pred: str | os.PathLike,
    ref: str | os.PathLike,
    *,
    epoch_seconds: float = 30.0,
    pred_label_seconds: float | None = None,
    ref_label_seconds: float | None = None,
    label_map: Mapping[str, str | None] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
) -> ScoringReport:
    """Score the predicted hypnogram(s) `pred` against the reference `ref` (files or folders; see the module).

    Args:
        pred: a hypnogram file or a folder of them (`hf-sleep stage`'s output folder too).
        ref: the reference scorer's hypnogram file or folder.
        epoch_seconds: the scoring epoch.
        pred_label_seconds: length of one code in a one-code-per-line PRED file (default `epoch_seconds`).
        ref_label_seconds: the same for REF (e.g. 20 for 20-s codes, 5 for 5-s codes).
        label_map: stage texts added to the built-in vocabulary.
        n_resamples: bootstrap resamples (0: no intervals).
        seed: the bootstrap's random seed (the same seed gives the same intervals).
    """
    if epoch_seconds <= 0:
        raise ValueError(f"--epoch-seconds must be positive, got {epoch_seconds:g}")
    if n_resamples < 0:
        raise ValueError(f"--bootstrap must be 0 or more resamples, got {n_resamples}")
    pairs, unpaired = match_recordings(
        hypnogram_files(pred, "PRED"), hypnogram_files(ref, "REF"), two_files=Path(pred).is_file() and Path(ref).is_file()
    )
    rng = np.random.default_rng(seed)
    recordings = []
    for name, pred_file, ref_file in pairs:
        shift = clock_shift(pred_file, ref_file)
        predicted = read_scored_hypnogram(
            pred_file, epoch_seconds=epoch_seconds, label_seconds=pred_label_seconds, label_map=label_map, name=name,
            shift_seconds=shift,
        )  # fmt: skip
        reference = read_scored_hypnogram(
            ref_file, epoch_seconds=epoch_seconds, label_seconds=ref_label_seconds, label_map=label_map, name=name
        )
        recordings.append(
            score_pair(name, predicted, reference, epoch_seconds=epoch_seconds, n_resamples=n_resamples, rng=rng)
        )
        recordings[-1].pred_shift_seconds = shift
    stage_sets = {recording.stage_names for recording in recordings}
    if len(stage_sets) > 1:
        raise ValueError(f"the recordings use different stage sets: {sorted(stage_sets)}")
    matrices = [recording.matrix for recording in recordings]
    pooled_matrix = np.sum(matrices, axis=0)
    over = "recordings" if len(recordings) > 1 else "epochs"
    keys = [*STATISTICS, *recordings[0].stage_names]
    statistics_agreement = {
        key: limits_of_agreement(
            [r.pred_statistics[key] for r in recordings], [r.ref_statistics[key] for r in recordings]
        )
        for key in keys
    }
    return ScoringReport(
        recordings=recordings, stage_names=recordings[0].stage_names, epoch_seconds=epoch_seconds,
        n_resamples=n_resamples, seed=seed, pooled_matrix=pooled_matrix, pooled=agreement(pooled_matrix),
        pooled_intervals=bootstrap_intervals(matrices, n_resamples, rng) if len(matrices) > 1 else recordings[0].intervals,
        pooled_bootstrap_over=over,
        statistics_agreement=statistics_agreement, reference_without_prediction=unpaired,
    )  # fmt: skip


# ---- the report as text, CSV and JSON ----------------------------------------------------------------------------


def _number(value: float, digits: int = 3) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _with_interval(metrics: Mapping[str, float], intervals: Mapping[str, tuple[float, float]], key: str) -> str:
    text = _number(metrics[key])
    if key in intervals:
        low, high = intervals[key]
        text += f" [{_number(low)}, {_number(high)}]"
    return text


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = lambda row: "  ".join(  # noqa: E731
        str(cell).ljust(width) if index == 0 else str(cell).rjust(width)
        for index, (cell, width) in enumerate(zip(row, widths, strict=True))
    )
    return [line(header), *(line(row) for row in rows)]


def format_report(report: ScoringReport) -> str:
    """The text `hf-sleep score` prints."""
    names = report.stage_names
    lines = [
        f"Agreement of PRED with REF over {report.epoch_seconds:g}-s epochs scored in both"
        + (
            f"; 95 % CI: bootstrap, {report.n_resamples} resamples, seed {report.seed}, over epochs per recording "
            f"and over {report.pooled_bootstrap_over} for the pooled row"
            if report.n_resamples
            else "; no bootstrap (--bootstrap 0)"
        ),
        "",
    ]
    rows = []
    for r in report.recordings:
        rows.append([
            r.name, str(r.n_epochs), f"{r.unscored_ref}/{r.unscored_pred}", str(r.outside_overlap),
            *(_with_interval(r.metrics, r.intervals, key) for key in SUMMARY_METRICS),
        ])  # fmt: skip
    total = [sum(getattr(r, key) for r in report.recordings) for key in ("n_epochs", "unscored_ref", "unscored_pred", "outside_overlap")]
    rows.append([
        f"pooled ({len(report.recordings)})", str(total[0]), f"{total[1]}/{total[2]}", str(total[3]),
        *(_with_interval(report.pooled, report.pooled_intervals, key) for key in SUMMARY_METRICS),
    ])  # fmt: skip
    lines += _table(["recording", "epochs", "unscored REF/PRED", "outside", "accuracy", "macro F1", "kappa"], rows)
    lines += ["", "F1 per stage"]
    f1_rows = [[r.name, *(_number(r.metrics[f"f1_{i}"]) for i in range(len(names)))] for r in report.recordings]
    f1_rows.append(["pooled", *(_number(report.pooled[f"f1_{i}"]) for i in range(len(names)))])
    lines += _table(["recording", *names], f1_rows)
    lines += ["", "Confusion matrix, pooled (rows: REF, columns: PRED; epochs)"]
    lines += _table(["REF \\ PRED", *names], [[name, *map(str, row)] for name, row in zip(names, report.pooled_matrix, strict=True)])
    keys = report.statistic_keys()
    lines += ["", "Sleep statistics over the epochs both cover (minutes; SE in %): PRED / REF"]
    stat_rows = [
        [r.name, *(f"{_number(r.pred_statistics[k], 1)} / {_number(r.ref_statistics[k], 1)}" for k in keys)]
        for r in report.recordings
    ]
    lines += _table(["recording", *keys], stat_rows)
    lines += ["", "Across recordings: mean difference PRED − REF and Bland–Altman 95 % limits of agreement"]
    agreement_rows = [
        [key, str(a["n"]), _number(a["mean_pred"], 1), _number(a["mean_ref"], 1), _number(a["mean_difference"], 1),
         f"{_number(a['loa_low'], 1)} to {_number(a['loa_high'], 1)}"]
        for key, a in report.statistics_agreement.items()
    ]  # fmt: skip
    lines += _table(["statistic", "n", "mean PRED", "mean REF", "mean diff", "limits of agreement"], agreement_rows)
    if len(report.recordings) < 2:
        lines.append("(limits of agreement need at least two recordings)")
    shifted = [r for r in report.recordings if r.pred_shift_seconds]
    if shifted:
        lines += ["", "Aligned by the EDF+ start times: " + ", ".join(
            f"{r.name} (PRED starts {abs(r.pred_shift_seconds):g} s {'after' if r.pred_shift_seconds > 0 else 'before'} REF)"
            for r in shifted
        )]  # fmt: skip
    if report.reference_without_prediction:
        lines += ["", f"REF recordings without a prediction (not scored): {', '.join(report.reference_without_prediction)}"]
    return "\n".join(lines)


def _clean(value: Any) -> Any:
    """JSON-ready: NaN → null, numpy → Python."""
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item) for item in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _named_metrics(metrics: Mapping[str, float], names: Sequence[str]) -> dict[str, float]:
    return {
        (f"f1_{names[int(key[3:])]}" if key.startswith("f1_") else key): value for key, value in metrics.items()
    }


def report_dict(report: ScoringReport) -> dict[str, Any]:
    """What `scores.json` holds."""
    names = list(report.stage_names)

    def one(metrics, intervals) -> dict[str, Any]:
        out = _named_metrics(metrics, names)
        out.update({f"{key}_ci": list(interval) for key, interval in intervals.items()})
        return out

    return _clean({
        "epoch_seconds": report.epoch_seconds,
        "stages": names,
        "bootstrap": {
            "resamples": report.n_resamples, "seed": report.seed, "confidence": CONFIDENCE,
            "per_recording_over": "epochs", "pooled_over": report.pooled_bootstrap_over,
        },
        "recordings": [
            {
                "recording": r.name, "pred": str(r.pred_path), "ref": str(r.ref_path), "epochs": r.n_epochs,
                "unscored_ref": r.unscored_ref, "unscored_pred": r.unscored_pred, "outside_overlap": r.outside_overlap,
                "pred_shift_seconds": r.pred_shift_seconds,
                **one(r.metrics, r.intervals), "confusion_matrix": r.matrix,
                "statistics_pred": r.pred_statistics, "statistics_ref": r.ref_statistics,
            }
            for r in report.recordings
        ],
        "pooled": {
            "recordings": len(report.recordings), "epochs": int(report.pooled_matrix.sum()),
            **one(report.pooled, report.pooled_intervals), "confusion_matrix": report.pooled_matrix,
        },
        "statistics_agreement": report.statistics_agreement,
        "reference_without_prediction": report.reference_without_prediction,
    })  # fmt: skip


REPORT_FILES = ("scores.csv", "sleep_statistics.csv", "statistics_agreement.csv", "scores.json", "confusion_matrix.png")
"""What `write_report` puts in the output folder."""


def write_report(report: ScoringReport, output_dir: str | os.PathLike, *, overwrite: bool = False) -> dict[str, Path]:
    """Writes `REPORT_FILES` into `output_dir`, all or nothing.

    `scores.csv`: one row per recording and a `pooled` row (metrics, their interval bounds, per-stage F1);
    `sleep_statistics.csv`: one row per recording and statistic (PRED, REF, difference);
    `statistics_agreement.csv`: per statistic, the mean difference and the Bland–Altman limits of agreement;
    `scores.json`: everything, confusion matrices included; `confusion_matrix.png`: the pooled matrix.
    """
    import csv
    import json

    from hf_sleep.data.checks import apply_umask, check_writable_folder, writing
    from hf_sleep.data.scratch import scratch_folder
    from hf_sleep.training.plots import plot_confusion_matrix

    output_dir = check_writable_folder(output_dir)
    targets = {name: output_dir / name for name in REPORT_FILES}
    existing = [str(path) for path in targets.values() if path.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"output already exists: {', '.join(existing)} (use --overwrite to replace it)")
    summary = report_dict(report)
    names = list(report.stage_names)
    with scratch_folder(output_dir, ".hf-sleep-score-") as scratch, writing(f"the scoring report in {output_dir}"):
        columns = ["recording", "epochs", "unscored_ref", "unscored_pred", "outside_overlap"]
        for key in SUMMARY_METRICS:
            columns += [key, f"{key}_low", f"{key}_high"]
        columns += [f"f1_{name}" for name in names]
        with open(scratch / "scores.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, columns, extrasaction="ignore")
            writer.writeheader()
            pooled = {"recording": "pooled", **summary["pooled"]}
            pooled.update(unscored_ref=sum(r.unscored_ref for r in report.recordings),
                          unscored_pred=sum(r.unscored_pred for r in report.recordings),
                          outside_overlap=sum(r.outside_overlap for r in report.recordings))  # fmt: skip
            for row in [*summary["recordings"], pooled]:
                row = dict(row)  # the bounds as columns here; scores.json keeps them as pairs
                for key in SUMMARY_METRICS:
                    low, high = row.get(f"{key}_ci") or (None, None)
                    row[f"{key}_low"], row[f"{key}_high"] = low, high
                writer.writerow(row)
        with open(scratch / "sleep_statistics.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["recording", "statistic", "pred", "ref", "difference"])
            for r in report.recordings:
                for key in report.statistic_keys():
                    p, q = r.pred_statistics[key], r.ref_statistics[key]
                    writer.writerow([r.name, key, *(_number(v, 4) if not math.isnan(v) else "" for v in (p, q, p - q))])
        with open(scratch / "statistics_agreement.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["statistic", "n", "mean_pred", "mean_ref", "mean_difference", "sd_difference", "loa_low", "loa_high"])
            for key, a in report.statistics_agreement.items():
                writer.writerow([key, a["n"], *(_number(a[k], 4) if not math.isnan(a[k]) else "" for k in
                                                ("mean_pred", "mean_ref", "mean_difference", "sd_difference", "loa_low", "loa_high"))])  # fmt: skip
        (scratch / "scores.json").write_text(json.dumps(summary, indent=2) + "\n")
        plot_confusion_matrix(
            report.pooled_matrix, names, scratch / "confusion_matrix.png",
            title=f"PRED vs REF, {len(report.recordings)} recording(s), {int(report.pooled_matrix.sum())} epochs",
        )  # fmt: skip
        for name, target in targets.items():
            apply_umask(scratch / name)
            os.replace(scratch / name, target)
    return targets
