"""Writes a small synthetic epoch dataset whose stages are recognisable, for smoke runs of `hf-sleep pretrain`
and `hf-sleep latent-eval` (the real converters write the same layout: `input_values` Array2D
`(n_chans, n_times)` float32 and `labels` ClassLabel W, N1, N2, N3, REM).

Each stage has its own dominant rhythm (scaled to the sampling rate) under random phase, amplitude and
white noise: W fast and small, N1 and REM in between, N2 with a spindle-like burst, N3 slow and large.

    python scripts/dsb_toy_dataset.py OUT_DIR [--epochs-per-stage 64] [--sfreq 100] [--seed 0]
"""

from __future__ import annotations

import argparse

import numpy as np

STAGES = ("W", "N1", "N2", "N3", "REM")
# Dominant frequency as a fraction of the Nyquist frequency, and amplitude in µV, per stage.
RHYTHMS = {"W": (0.40, 10.0), "N1": (0.25, 20.0), "N2": (0.15, 30.0), "N3": (0.03, 80.0), "REM": (0.30, 15.0)}


def make_toy_epochs(
    epochs_per_stage: int = 64, sfreq: float = 100.0, epoch_seconds: float = 30.0, n_chans: int = 1, seed: int = 0
):
    """A shuffled `datasets.Dataset` of `5 * epochs_per_stage` synthetic epochs."""
    from datasets import Array2D, ClassLabel, Dataset, Features

    rng = np.random.default_rng(seed)
    n_times = int(round(sfreq * epoch_seconds))
    t = np.arange(n_times) / sfreq
    signals, labels = [], []
    for label, stage in enumerate(STAGES):
        fraction, amplitude = RHYTHMS[stage]
        frequency = fraction * sfreq / 2
        for _ in range(epochs_per_stage):
            phase = rng.uniform(0, 2 * np.pi, size=(n_chans, 1))
            scale = amplitude * rng.uniform(0.7, 1.3, size=(n_chans, 1))
            x = scale * np.sin(2 * np.pi * frequency * rng.uniform(0.9, 1.1) * t + phase)
            if stage == "N2":  # a spindle-like burst at 1.8x the rhythm
                centre = rng.uniform(0.2, 0.8) * epoch_seconds
                x += 25.0 * np.exp(-((t - centre) ** 2) / 0.5) * np.sin(2 * np.pi * 1.8 * frequency * t)
            x += rng.normal(0.0, 5.0, size=(n_chans, n_times))
            signals.append(x.astype(np.float32))
            labels.append(label)
    order = rng.permutation(len(labels))
    features = Features(
        {"input_values": Array2D((n_chans, n_times), "float32"), "labels": ClassLabel(names=list(STAGES))}
    )
    return Dataset.from_dict(
        {"input_values": [signals[i] for i in order], "labels": [labels[i] for i in order]}, features=features
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="folder to write with save_to_disk (train and test splits)")
    parser.add_argument("--epochs-per-stage", type=int, default=64)
    parser.add_argument("--sfreq", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from datasets import DatasetDict

    train = make_toy_epochs(args.epochs_per_stage, args.sfreq, seed=args.seed)
    test = make_toy_epochs(max(4, args.epochs_per_stage // 4), args.sfreq, seed=args.seed + 1)
    DatasetDict({"train": train, "test": test}).save_to_disk(args.out)
    print(f"wrote {len(train)} train and {len(test)} test epochs ({args.sfreq} Hz) to {args.out}")


if __name__ == "__main__":
    main()
