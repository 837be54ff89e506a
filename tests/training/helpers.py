"""Tiny converted sleep datasets for the training tests (swap in the real converter's output when it lands).

Rows follow the converter's features: `input_values` Array2D (n_chans, n_times) float32, `labels`
ClassLabel(W, N1, N2, N3, REM), `subject`, `night`, `recording`, `epoch_index`, `onset_s`. Each stage is a
sine of its own frequency in noise, so a tiny model learns it in a few steps.
"""

from __future__ import annotations

import numpy as np

STAGES = ("W", "N1", "N2", "N3", "REM")
SFREQ = 20.0
EPOCH_SECONDS = 30.0
N_TIMES = int(SFREQ * EPOCH_SECONDS)

TINY_TINYSLEEPNET = {"seq_len": 4, "n_filters": 8, "lstm_hidden_size": 8, "drop_prob": 0.1}


def features(n_chans: int = 1, stages=STAGES):
    import datasets

    return datasets.Features(
        {
            "input_values": datasets.Array2D((n_chans, N_TIMES), "float32"),
            "labels": datasets.ClassLabel(names=list(stages)),
            "subject": datasets.Value("string"),
            "night": datasets.Value("int32"),
            "recording": datasets.Value("string"),
            "epoch_index": datasets.Value("int32"),
            "onset_s": datasets.Value("float64"),
        }
    )


def hypnogram(n_epochs: int, rng: np.random.Generator, n_stages: int = 5) -> np.ndarray:
    """Stages in runs of 2-6 epochs, as a night has."""
    stages = []
    while len(stages) < n_epochs:
        stages.extend([int(rng.integers(n_stages))] * int(rng.integers(2, 7)))
    return np.array(stages[:n_epochs])


def tiny_sleep_dataset(
    n_subjects: int = 2, n_nights: int = 2, n_epochs: int = 40, n_chans: int = 1, seed: int = 0, stages=STAGES
):
    """A `datasets.Dataset` of `n_subjects * n_nights` recordings of `n_epochs` epochs each."""
    import datasets

    rng = np.random.default_rng(seed)
    t = np.arange(N_TIMES) / SFREQ
    columns: dict[str, list] = {name: [] for name in features(n_chans, stages)}
    for subject in range(n_subjects):
        for night in range(1, n_nights + 1):
            recording = f"S{subject:02d}N{night}"
            for index, stage in enumerate(hypnogram(n_epochs, rng, len(stages))):
                frequency = 1.0 + 1.5 * stage
                signal = np.sin(2 * np.pi * frequency * t + rng.uniform(0, 2 * np.pi))
                signal = signal[None, :] + 0.5 * rng.standard_normal((n_chans, N_TIMES))
                columns["input_values"].append(signal.astype(np.float32))
                columns["labels"].append(int(stage))
                columns["subject"].append(f"S{subject:02d}")
                columns["night"].append(night)
                columns["recording"].append(recording)
                columns["epoch_index"].append(index)
                columns["onset_s"].append(index * EPOCH_SECONDS)
    return datasets.Dataset.from_dict(columns, features=features(n_chans, stages))


def tiny_split(seed: int = 0, n_epochs: int = 40):
    """A subject-wise `DatasetDict`: subjects 0-1 train, 2 validation, 3 test."""
    import datasets

    full = tiny_sleep_dataset(n_subjects=4, n_nights=2, n_epochs=n_epochs, seed=seed)
    subjects = np.array(full["subject"])
    pick = lambda names: full.select(np.flatnonzero(np.isin(subjects, names)))  # noqa: E731
    return datasets.DatasetDict(
        {"train": pick(["S00", "S01"]), "validation": pick(["S02"]), "test": pick(["S03"])}
    )
