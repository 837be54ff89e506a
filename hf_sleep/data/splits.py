"""What training needs from a converted epoch dataset: sequences of consecutive epochs, subject-wise splits
and folds, stage counts."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .conversion import column, default_cache_dir
from .labels import IGNORE_INDEX

__all__ = ["stage_counts", "subject_kfold", "subject_split", "to_sequences"]


# --------------------------------------------------------------------------------------------
# Sequences
# --------------------------------------------------------------------------------------------


def to_sequences(
    dataset,
    seq_len: int,
    stride: int | None = None,
    *,
    allow_gaps: bool = False,
    cache_dir: str | os.PathLike | None = None,
    batch_windows: int = 256,
):
    """Sequences of ``seq_len`` consecutive epochs, each inside one recording.

    A window never crosses recordings; without ``allow_gaps`` it also never spans a gap in
    ``epoch_index`` (an epoch dropped as unscored), so every sequence is truly consecutive.

    Args:
        dataset: an epoch dataset (rows of one recording in ``epoch_index`` order, as converters
            write them).
        seq_len: epochs per sequence.
        stride: step between sequence starts (default ``seq_len``: non-overlapping).
        allow_gaps: accept windows across dropped epochs.
        cache_dir: where to write the Arrow file (default: next to the datasets cache).
        batch_windows: windows gathered per write.

    Returns:
        A ``Dataset`` with ``input_values`` ``(seq_len, n_chans, n_times)``, ``labels``
        ``(seq_len,)`` (same label feature as the input), ``subject``, ``night``, ``recording``,
        ``epoch_index`` and ``onset_s`` of the first epoch.
    """
    from datasets import Dataset
    from datasets.arrow_writer import ArrowWriter

    if seq_len < 1:
        raise ValueError(f"seq_len must be >= 1, got {seq_len}")
    stride = stride or seq_len
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    starts = sequence_starts(dataset, seq_len, stride, allow_gaps)
    shape = dataset.features["input_values"].shape
    features = _sequence_features(dataset.features, seq_len)
    base = Path(cache_dir or default_cache_dir())
    base.mkdir(parents=True, exist_ok=True)
    path = base / f"sequences-{uuid.uuid4().hex[:12]}.arrow"
    source = dataset.with_format("numpy", columns=["input_values", "labels"])
    meta = dataset.select_columns(["subject", "night", "recording", "epoch_index", "onset_s"])
    writer = ArrowWriter(features=features, path=str(path))
    try:
        for k in range(0, len(starts), batch_windows):
            chunk = np.asarray(starts[k : k + batch_windows])
            rows = (chunk[:, None] + np.arange(seq_len)).ravel()
            got = source[rows]
            first = meta[chunk.tolist()]
            writer.write_batch(
                {
                    "input_values": np.asarray(got["input_values"]).reshape(len(chunk), seq_len, *shape),
                    "labels": np.asarray(got["labels"]).reshape(len(chunk), seq_len).tolist(),
                    **first,
                }
            )
        writer.finalize()
    finally:
        writer.close()
    if not starts:
        path.unlink(missing_ok=True)
        return Dataset.from_dict({k: [] for k in features}, features=features)
    out = Dataset.from_file(str(path))
    out.info.description = dataset.info.description
    return out


def sequence_starts(dataset, seq_len: int, stride: int, allow_gaps: bool = False) -> list[int]:
    """The rows where sequences of ``seq_len`` epochs start, ``stride`` apart, each inside one recording (and,
    without ``allow_gaps``, inside one run of consecutive ``epoch_index``)."""
    recordings = column(dataset, "recording").astype(object)
    epoch_index = column(dataset, "epoch_index").astype(np.int64)
    starts: list[int] = []
    boundaries = np.flatnonzero(recordings[1:] != recordings[:-1]) + 1
    for lo, hi in zip(np.r_[0, boundaries], np.r_[boundaries, len(recordings)], strict=True):
        run_starts = [lo]
        if not allow_gaps:
            gaps = np.flatnonzero(np.diff(epoch_index[lo:hi]) != 1) + lo + 1
            run_starts = [lo, *gaps.tolist()]
        run_ends = [*run_starts[1:], hi]
        for a, b in zip(run_starts, run_ends, strict=True):
            starts.extend(range(a, b - seq_len + 1, stride))
    return starts


def _sequence_features(epoch_features, seq_len: int):
    """The features of a sequence dataset made of an epoch dataset's (the contract kept in ``input_values``)."""
    from datasets import Array3D, Features, Sequence, Value

    return Features(
        {
            "input_values": Array3D(
                (seq_len, *epoch_features["input_values"].shape), "float32", id=epoch_features["input_values"].id
            ),
            "labels": Sequence(epoch_features["labels"], length=seq_len),
            "subject": Value("string"),
            "night": Value("int32"),
            "recording": Value("string"),
            "epoch_index": Value("int32"),
            "onset_s": Value("float64"),
        }
    )


# --------------------------------------------------------------------------------------------
# Subject-wise splits
# --------------------------------------------------------------------------------------------


def _count(size: float | int, n: int, name: str) -> int:
    if isinstance(size, float) and 0 <= size < 1:
        return int(round(size * n))
    if isinstance(size, int) and 0 <= size <= n:
        return size
    raise ValueError(f"{name} must be a fraction in [0, 1) or a count of subjects <= {n}, got {size!r}")


def subject_split(dataset, test_size: float | int = 0.2, validation_size: float | int = 0.1, seed: int = 0):
    """Train/validation/test split by subject: every subject's epochs land in exactly one split.

    Args:
        dataset: an epoch (or sequence) dataset with a ``subject`` column.
        test_size: fraction of subjects (float) or number of subjects (int) for ``test``.
        validation_size: the same for ``validation`` (0: no validation split).
        seed: shuffling seed.

    Returns:
        ``DatasetDict`` with ``train``, ``validation`` (unless 0) and ``test``.
    """
    from datasets import DatasetDict

    subjects = column(dataset, "subject").astype(object)
    unique = np.array(sorted(set(subjects.tolist())), dtype=object)
    n = len(unique)
    n_test = _count(test_size, n, "test_size")
    n_val = _count(validation_size, n, "validation_size")
    if test_size and n_test == 0:
        n_test = 1
    if validation_size and n_val == 0:
        n_val = 1
    if n_test + n_val >= n:
        raise ValueError(
            f"{n} subjects cannot give {n_test} test + {n_val} validation subjects and a train set"
        )
    order = unique[np.random.default_rng(seed).permutation(n)]
    groups = {
        "test": order[:n_test],
        "validation": order[n_test : n_test + n_val],
        "train": order[n_test + n_val :],
    }
    out = {}
    for name in ("train", "validation", "test"):
        if name == "validation" and n_val == 0:
            continue
        out[name] = dataset.select(np.flatnonzero(np.isin(subjects, groups[name])))
    return DatasetDict(out)


def subject_kfold(dataset, n_folds: int = 5, seed: int = 0, validation_size: float | int = 0):
    """K-fold cross-validation by subject: each subject is in the test set of exactly one fold.

    Args:
        dataset: a dataset with a ``subject`` column.
        n_folds: number of folds (at most the number of subjects).
        seed: shuffling seed.
        validation_size: fraction or count of each fold's training subjects held out as ``validation``.

    Returns:
        A list of ``n_folds`` ``DatasetDict`` with ``train`` (and ``validation``) and ``test``.
    """
    from datasets import DatasetDict

    subjects = column(dataset, "subject").astype(object)
    unique = np.array(sorted(set(subjects.tolist())), dtype=object)
    if not 2 <= n_folds <= len(unique):
        raise ValueError(
            f"n_folds must be between 2 and the number of subjects ({len(unique)}), got {n_folds}"
        )
    rng = np.random.default_rng(seed)
    order = unique[rng.permutation(len(unique))]
    folds = np.array_split(order, n_folds)
    out = []
    for k in range(n_folds):
        test = folds[k]
        train = np.concatenate([f for j, f in enumerate(folds) if j != k])
        parts = {}
        n_val = _count(validation_size, len(train), "validation_size")
        if validation_size and n_val == 0:
            n_val = 1
        if n_val:
            train = train[rng.permutation(len(train))]
            parts["validation"] = dataset.select(np.flatnonzero(np.isin(subjects, train[:n_val])))
            train = train[n_val:]
        parts["train"] = dataset.select(np.flatnonzero(np.isin(subjects, train)))
        parts["test"] = dataset.select(np.flatnonzero(np.isin(subjects, test)))
        out.append(
            DatasetDict({name: parts[name] for name in ("train", "validation", "test") if name in parts})
        )
    return out


def stage_counts(dataset, label_names: Sequence[str]) -> dict[str, int]:
    """Number of epochs per class name (``ignored`` for ``-100``).

    Args:
        dataset: an epoch dataset.
        label_names: class names in id order.
    """
    labels = column(dataset, "labels").ravel()
    counts = {name: int((labels == i).sum()) for i, name in enumerate(label_names)}
    if (labels == IGNORE_INDEX).any():
        counts["ignored"] = int((labels == IGNORE_INDEX).sum())
    return counts
