"""Sequences, subject splits, k-fold, the dataset card and save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from hf_sleep.data import (
    IGNORE_INDEX,
    SLEEP_EDF_OPTIONS,
    convert_sleep_edf,
    save_dataset,
    subject_kfold,
    subject_split,
    to_sequences,
    write_dataset_card,
)


@pytest.fixture(scope="module")
def epochs(small_sleep_edf: Path, cache_dir: Path):
    return convert_sleep_edf(small_sleep_edf, options=SLEEP_EDF_OPTIONS.replace(cache_dir=cache_dir, progress=False))


def test_sequences_stay_inside_recordings(epochs, cache_dir: Path) -> None:
    seq = to_sequences(epochs, seq_len=20, cache_dir=cache_dir)
    assert seq.features["input_values"].shape == (20, 1, 3000)
    x = seq.with_format("torch")[:4]
    assert tuple(x["input_values"].shape) == (4, 20, 1, 3000) and tuple(x["labels"].shape) == (4, 20)
    flat = epochs.with_format("numpy")[:]
    key = {(r, e): i for i, (r, e) in enumerate(zip(flat["recording"], flat["epoch_index"], strict=True))}
    for row in seq.with_format("numpy"):
        rows = [
            key[(row["recording"], row["epoch_index"] + k)] for k in range(20)
        ]  # consecutive, same recording
        np.testing.assert_array_equal(row["input_values"], flat["input_values"][rows])
        np.testing.assert_array_equal(row["labels"], flat["labels"][rows])
    # non-overlapping windows cannot outnumber the epochs of each recording
    for rec in set(flat["recording"]):
        n = int((flat["recording"] == rec).sum())
        assert sum(1 for r in seq["recording"] if r == rec) <= n // 20


def test_sequences_stride_and_gaps(epochs, cache_dir: Path) -> None:
    dense = to_sequences(epochs, seq_len=5, stride=1, cache_dir=cache_dir)
    gappy = to_sequences(epochs, seq_len=5, stride=1, allow_gaps=True, cache_dir=cache_dir)
    assert len(gappy) > len(dense)  # dropped MT/? epochs break runs unless gaps are allowed
    per_rec = {r: int((np.asarray(epochs["recording"]) == r).sum()) for r in set(epochs["recording"])}
    assert len(gappy) == sum(n - 4 for n in per_rec.values())
    assert dense.features["labels"].feature.names == epochs.features["labels"].names


def test_sequences_with_ignored_labels(small_sleep_edf: Path, cache_dir: Path) -> None:
    ds = convert_sleep_edf(
        small_sleep_edf, options=SLEEP_EDF_OPTIONS.replace(keep_unknown=True, trim_wake_minutes=None, cache_dir=cache_dir, progress=False)
    )
    seq = to_sequences(ds, seq_len=10, cache_dir=cache_dir)
    labels = np.asarray(seq.with_format("numpy")[:]["labels"])
    assert (labels == IGNORE_INDEX).any() and labels.shape[1] == 10


def test_subject_split_is_subject_disjoint(epochs) -> None:
    splits = subject_split(epochs, test_size=1, validation_size=1, seed=0)
    assert set(splits) == {"train", "validation", "test"}
    groups = [set(splits[name]["subject"]) for name in splits]
    assert all(len(g) == 1 for g in groups) and len(set.union(*groups)) == 3
    assert sum(len(splits[n]) for n in splits) == len(epochs)
    assert (
        subject_split(epochs, test_size=1, validation_size=1, seed=0)["test"]["subject"]
        == splits["test"]["subject"]
    )
    with pytest.raises(ValueError, match="cannot give"):
        subject_split(epochs, test_size=2, validation_size=1)


def test_kfold_each_subject_tested_once(epochs) -> None:
    folds = subject_kfold(epochs, n_folds=3, seed=1)
    tested = [s for fold in folds for s in set(fold["test"]["subject"])]
    assert sorted(tested) == sorted(set(epochs["subject"]))
    for fold in folds:
        assert set(fold["train"]["subject"]).isdisjoint(fold["test"]["subject"])
        assert len(fold["train"]) + len(fold["test"]) == len(epochs)
    with_val = subject_kfold(epochs, n_folds=3, seed=1, validation_size=1)
    assert all(set(f["validation"]["subject"]).isdisjoint(f["train"]["subject"]) for f in with_val)


def test_card_and_save(epochs, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    loaded = save_dataset(epochs, out)
    # Generated nights: the card says they are synthetic, not PhysioNet's data under its licence.
    assert len(loaded) == len(epochs) and loaded.info.license == "other"
    card = write_dataset_card(loaded, out).read_text()
    meta = yaml.safe_load(card.split("---")[1])
    assert meta["license"] == "other" and {"sleep-staging", "synthetic"} <= set(meta["tags"])
    assert "SYNTHETIC DATA" in card and "hf_sleep.data.synthetic" in card and "physionet.org" not in card
    assert "wake trimming: 30 min" in card  # preprocessing
    counts = dict(zip(*np.unique(np.asarray(epochs["labels"]), return_counts=True), strict=True))
    assert f"| N2 | {counts[2]} |" in card and f"| total | {len(epochs)} |" in card
    assert "| SC00 |" in card and "| ST02 |" in card
