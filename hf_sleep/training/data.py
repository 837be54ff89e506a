"""From a converted sleep dataset to training batches: sequences, collation, augmentation, class balance.

A converted dataset has one row per 30-s epoch (`input_values` `(n_chans, n_times)`, `labels`, `recording`,
`epoch_index`, ...). Sequence models train on `seq_len` consecutive epochs of one recording;
`SleepSequenceDataset` cuts them lazily, so TinySleepNet's sequence-start skipping can move the cut every
training epoch without copying the signals. A dataset already cut into sequences (`input_values`
`(seq_len, n_chans, n_times)`, e.g. from `hf_sleep.data.to_sequences`) is used as it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset as TorchDataset
from torch.utils.data import Sampler

IGNORE_INDEX = -100


def input_rank(dataset) -> int:
    """Dimensions of one row's `input_values`: 2 for single epochs, 3 for sequences of epochs."""
    if "input_values" not in dataset.column_names or "labels" not in dataset.column_names:
        raise ValueError(
            f"a sleep dataset needs `input_values` and `labels` columns, got {dataset.column_names}"
        )
    feature = dataset.features["input_values"]
    shape = getattr(feature, "shape", None)
    if shape is not None:
        return len(shape)
    return np.asarray(dataset[0]["input_values"]).ndim


def _recording_keys(dataset) -> list[Any]:
    for column in ("recording",):
        if column in dataset.column_names:
            return list(dataset[column])
    if {"subject", "night"} <= set(dataset.column_names):
        return list(zip(dataset["subject"], dataset["night"], strict=True))
    raise ValueError(
        "cutting sequences needs a `recording` column (or `subject` and `night`) to keep epochs of one night "
        f"together; the dataset has {dataset.column_names}"
    )


class SleepSequenceDataset(TorchDataset):
    """Sequences of `seq_len` consecutive epochs of one recording, cut lazily from a per-epoch dataset.

    Without skipping, each recording is cut into consecutive windows and the last window is aligned to the
    recording's end; epochs it shares with the previous window get label `-100`, so every epoch is scored
    exactly once (what evaluation needs). A recording shorter than `seq_len` is zero-padded with `-100` labels.

    With `skip_start=True` (TinySleepNet's sequence augmentation) every training epoch starts each recording's
    windows after a random 0..seq_len-1 epochs; the number of windows per recording stays fixed, so the
    `Trainer`'s step counts hold. The offsets depend only on `seed` and the epoch given to `set_epoch`, so a
    resumed run sees the same sequences.

    Args:
        dataset: a `datasets.Dataset` with one epoch per row.
        seq_len: epochs per sequence.
        skip_start: move the windows by a random offset every epoch.
        seed: seed of those offsets.
        statistics_of: for models that standardise over each recording (the physioex SeqSleepNet): a function of
            a recording's `(n_epochs, n_chans, n_times)` epochs returning its statistics, given with each sequence
            as `spectrum_statistics`.
    """

    def __init__(
        self, dataset, seq_len: int, skip_start: bool = False, seed: int = 0, statistics_of: Any = None
    ) -> None:
        if seq_len < 1:
            raise ValueError(f"seq_len must be a positive integer, got {seq_len}")
        if input_rank(dataset) != 2:
            raise ValueError("SleepSequenceDataset needs one epoch per row (input_values of shape (n_chans, n_times))")
        self.seq_len = seq_len
        self.skip_start = skip_start
        self.seed = seed
        self.epoch = 0
        self.data = dataset.with_format("numpy", columns=["input_values", "labels"])
        keys = _recording_keys(dataset)
        positions = list(dataset["epoch_index"]) if "epoch_index" in dataset.column_names else list(range(len(keys)))
        groups: dict[Any, list[tuple[int, int]]] = {}
        for row, (key, position) in enumerate(zip(keys, positions, strict=True)):
            groups.setdefault(key, []).append((position, row))
        self.recordings = [np.array([row for _, row in sorted(rows)], dtype=np.int64) for rows in groups.values()]
        self.statistics = None
        if statistics_of is not None:  # once per recording, over all its epochs
            self.statistics = [
                np.asarray(statistics_of(np.asarray(self.data[rows.tolist()]["input_values"], dtype=np.float32)))
                for rows in self.recordings
            ]
        self._windows: list[tuple[int, int, int]] = []  # (recording, start, first epoch to score)
        self.set_epoch(0)

    def _windows_of(self, recording: int, rng: np.random.Generator | None) -> list[tuple[int, int, int]]:
        n, length = len(self.recordings[recording]), self.seq_len
        if n <= length:
            return [(recording, 0, 0)]
        if rng is None:
            starts = list(range(0, n - length + 1, length))
            windows = [(recording, start, 0) for start in starts]
            covered = starts[-1] + length
            if covered < n:  # last window ends at the last epoch; its overlap is scored by the window before
                windows.append((recording, n - length, covered - (n - length)))
            return windows
        count = max(1, (n - length + 1) // length)
        offset = int(rng.integers(0, min(length - 1, n - count * length) + 1))
        return [(recording, offset + index * length, 0) for index in range(count)]

    def set_epoch(self, epoch: int) -> None:
        """Re-cuts the windows for training epoch `epoch` (a no-op without `skip_start`)."""
        self.epoch = int(epoch)
        rng = np.random.default_rng([self.seed, self.epoch]) if self.skip_start else None
        windows = [window for index in range(len(self.recordings)) for window in self._windows_of(index, rng)]
        if self._windows and len(windows) != len(self._windows):
            raise RuntimeError("the number of sequences changed between epochs")  # would break the step counts
        self._windows = windows

    def __len__(self) -> int:
        return len(self._windows)

    def __getitem__(self, index: int) -> dict[str, np.ndarray]:
        recording, start, first_scored = self._windows[index]
        rows = self.recordings[recording][start : start + self.seq_len]
        if rows[-1] - rows[0] == len(rows) - 1:  # contiguous rows: one slice instead of a gather
            batch = self.data[int(rows[0]) : int(rows[-1]) + 1]
        else:
            batch = self.data[rows.tolist()]
        signals = np.asarray(batch["input_values"], dtype=np.float32)
        labels = np.asarray(batch["labels"], dtype=np.int64).copy()
        labels[:first_scored] = IGNORE_INDEX
        missing = self.seq_len - len(rows)
        if missing:
            signals = np.concatenate([signals, np.zeros((missing, *signals.shape[1:]), np.float32)])
            labels = np.concatenate([labels, np.full(missing, IGNORE_INDEX, np.int64)])
        item = {"input_values": signals, "labels": labels}
        if self.statistics is not None:
            item["spectrum_statistics"] = self.statistics[recording]
        return item


def as_model_inputs(dataset, seq_len: int, skip_start: bool = False, seed: int = 0, statistics_of: Any = None):
    """What the `Trainer` should iterate for a model with `seq_len`: single epochs, cut sequences or the dataset itself.

    A per-epoch dataset feeds a `seq_len == 1` model as it is and is cut into `SleepSequenceDataset` windows
    otherwise; a dataset already cut into sequences must match `seq_len`.
    """
    rank = input_rank(dataset)
    if rank == 3:
        stored = np.asarray(dataset[0]["input_values"]).shape[0]
        if stored != seq_len:
            raise ValueError(
                f"the dataset holds sequences of {stored} epochs but the model's seq_len is {seq_len}; "
                "pass the per-epoch dataset so it can be cut to the model's length"
            )
        if skip_start:
            raise ValueError("sequence-start skipping needs the per-epoch dataset, not one cut into sequences")
        return dataset.with_format("numpy", columns=["input_values", "labels"])
    if rank != 2:
        raise ValueError(f"input_values must be (n_chans, n_times) or (seq_len, n_chans, n_times) per row, got rank {rank}")
    if seq_len == 1:
        return dataset.with_format("numpy", columns=["input_values", "labels"])
    return SleepSequenceDataset(dataset, seq_len, skip_start=skip_start, seed=seed, statistics_of=statistics_of)


class SleepDataCollator:
    """Stacks rows into `input_values` `(batch, [seq_len,] n_chans, n_times)` float32 and `labels` int64 tensors.

    Args:
        with_labels: pass the labels on (off for self-supervised objectives, which must not see them).
    """

    def __init__(self, with_labels: bool = True) -> None:
        self.with_labels = with_labels

    def __call__(self, features: Sequence[dict[str, Any]]) -> dict[str, torch.Tensor]:
        signals = np.stack([np.asarray(feature["input_values"], dtype=np.float32) for feature in features])
        batch = {"input_values": torch.from_numpy(signals)}
        if self.with_labels and "labels" in features[0]:
            labels = np.stack([np.asarray(feature["labels"], dtype=np.int64) for feature in features])
            batch["labels"] = torch.from_numpy(labels)
        if "spectrum_statistics" in features[0]:  # per-recording standardisation (physioex SeqSleepNet)
            batch["spectrum_statistics"] = torch.from_numpy(
                np.stack([np.asarray(feature["spectrum_statistics"], dtype=np.float32) for feature in features])
            )
        return batch


def shift_signals(
    input_values: torch.Tensor,
    labels: torch.Tensor | None,
    max_fraction: float,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """TinySleepNet's signal augmentation: shift each sample by up to `max_fraction` of an epoch.

    A sequence `(seq_len, n_chans, n_times)` is shifted as one continuous signal, so each epoch's window
    moves by the same number of samples; the epoch at the edge that received wrapped-around samples loses
    its label (`-100`), as the original drops it. A single epoch `(n_chans, n_times)` is shifted circularly.

    Args:
        input_values: `(batch, seq_len, n_chans, n_times)` or `(batch, n_chans, n_times)`.
        labels: `(batch, seq_len)` or `(batch,)`, or `None`.
        max_fraction: largest shift as a fraction of one epoch (0.1 in TinySleepNet).
        generator: the source of the random shifts (CPU).
    """
    if not 0.0 <= max_fraction < 1.0:
        raise ValueError(f"the signal shift must be a fraction of an epoch in [0, 1), got {max_fraction}")
    if max_fraction == 0.0:
        return input_values, labels
    sequence = input_values.ndim == 4
    batch, n_times = input_values.shape[0], input_values.shape[-1]
    limit = int(math.floor(max_fraction * n_times))
    shifts = torch.randint(-limit, limit + 1, (batch,), generator=generator).to(input_values.device)
    if sequence:
        seq_len, n_chans = input_values.shape[1], input_values.shape[2]
        flat = input_values.permute(0, 2, 1, 3).reshape(batch, n_chans, seq_len * n_times)
    else:
        flat = input_values
    length = flat.shape[-1]
    source = (torch.arange(length, device=flat.device)[None, :] - shifts[:, None]) % length
    shifted = torch.gather(flat, 2, source[:, None, :].expand(-1, flat.shape[1], -1))
    if not sequence:
        return shifted, labels
    shifted = shifted.reshape(batch, n_chans, seq_len, n_times).permute(0, 2, 1, 3).contiguous()
    if labels is not None:
        labels = labels.clone()
        labels[shifts > 0, 0] = IGNORE_INDEX  # its start came from the end of the sequence
        labels[shifts < 0, -1] = IGNORE_INDEX  # its end came from the start of the sequence
    return shifted, labels


def class_balanced_indices(labels: Sequence[int] | np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """DeepSleepNet's oversampling: every class repeated up to the size of the largest one, then shuffled.

    Each class is tiled whole as often as it fits and topped up with a random subset of itself.
    """
    labels = np.asarray(labels)
    scored = labels != IGNORE_INDEX
    classes, counts = np.unique(labels[scored], return_counts=True)
    if classes.size == 0:
        raise ValueError("class-balanced sampling needs labelled epochs; every label is -100")
    target = counts.max()
    chosen = []
    for cls in classes:
        members = np.flatnonzero(labels == cls)
        repeats, remainder = divmod(int(target), members.size)
        chosen.append(np.tile(members, repeats))
        chosen.append(rng.choice(members, size=remainder, replace=False))
    indices = np.concatenate(chosen)
    return indices[rng.permutation(indices.size)]


class ClassBalancedSampler(Sampler[int]):
    """Yields `class_balanced_indices` of single-epoch labels, re-drawn for every epoch from `(seed, epoch)`."""

    def __init__(self, labels: Sequence[int] | np.ndarray, seed: int = 0) -> None:
        self.labels = np.asarray(labels)
        if self.labels.ndim != 1:
            raise ValueError(
                "class-balanced sampling works on single epochs (one label per row); got labels of shape "
                f"{self.labels.shape} (train it with seq_len 1, as DeepSleepNet's first phase does)"
            )
        self.seed = seed
        self.epoch = 0
        self._length = len(class_balanced_indices(self.labels, np.random.default_rng(0)))

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[int]:
        indices = class_balanced_indices(self.labels, np.random.default_rng([self.seed, self.epoch]))
        return iter(indices.tolist())
