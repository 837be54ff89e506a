"""The bootstrap of `hf-sleep score`: its whole-array resamples against one scikit-learn call per resample.

    python bench/score_bootstrap.py --resamples 1000 --repeats 3

Data: the five focolab mice of the team data (`../shared/data/rodent`), scorer NG against scorer GS, 10-s epochs:
the confusion matrix of each mouse, then 1000 resamples of each mouse's epochs and 1000 of the five mice. Both ways
draw the same resamples; the intervals they give must be equal. Prints a BENCHMARKS.md section.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness.common import machine_info  # noqa: E402
from hf_sleep.staging import scoring  # noqa: E402

MICE = ("335", "336", "345", "347", "374")


def mouse_matrices(rodent: Path) -> list[np.ndarray]:
    matrices = []
    for mouse in MICE:
        pred = scoring.read_scored_hypnogram(rodent / f"{mouse}scores_NG.txt", epoch_seconds=10)
        ref = scoring.read_scored_hypnogram(rodent / f"{mouse}scores_GS.txt", epoch_seconds=10)
        pair = scoring.score_pair(mouse, pred, ref, epoch_seconds=10, n_resamples=0, rng=np.random.default_rng(0))
        matrices.append(pair.matrix)
    return matrices


def one_call_per_resample(samples: np.ndarray) -> dict[str, np.ndarray]:
    """The peer: `agreement` (scikit-learn's accuracy_score, f1_score, cohen_kappa_score) on each resample."""
    rows = [scoring.agreement(sample) for sample in samples]
    return {key: np.array([row[key] for row in rows]) for key in scoring.SUMMARY_METRICS}


def draws(matrices: list[np.ndarray], resamples: int) -> list[np.ndarray]:
    """The resampled matrices the bootstrap of `hf-sleep score` draws: per mouse, then over the mice."""
    rng = np.random.default_rng(0)
    out = []
    for matrix in matrices:
        total = int(matrix.sum())
        out.append(rng.multinomial(total, (matrix / total).ravel(), size=resamples).reshape(-1, *matrix.shape))
    stacked = np.stack(matrices)
    out.append(stacked[rng.integers(0, len(stacked), (resamples, len(stacked)))].sum(axis=1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "rodent")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    matrices = mouse_matrices(args.data)
    samples = draws(matrices, args.resamples)
    seconds: dict[str, list[float]] = {"whole arrays (hf-sleep score)": [], "scikit-learn per resample": []}
    for _ in range(args.repeats):  # interleaved, so that a busy moment of the machine hits both
        for label, compute in (("whole arrays (hf-sleep score)", scoring.resampled_agreement),
                               ("scikit-learn per resample", one_call_per_resample)):  # fmt: skip
            start = time.perf_counter()
            results = [compute(sample) for sample in samples]
            seconds[label].append(time.perf_counter() - start)
            if label.startswith("whole"):
                fast = results
            else:
                slow = results
    for a, b in zip(fast, slow, strict=True):
        for key in scoring.SUMMARY_METRICS:
            np.testing.assert_allclose(a[key], b[key], atol=1e-12)
    machine = machine_info()
    ours, peer = (statistics.median(v) for v in seconds.values())
    print("## 13. Scoring: the bootstrap intervals of `hf-sleep score`\n")
    print(
        f"{machine['cpu']}, {machine['cores']} cores; {machine['date']}; load average {os.getloadavg()[0]:.1f} at the "
        f"start. The five focolab mice (scorer NG against scorer GS, 10-s epochs, 43,200 epochs): {args.resamples} "
        f"resamples of each mouse's epochs and {args.resamples} of the five mice, the same draws both ways "
        f"(`python bench/score_bootstrap.py`); median (min–max, n) of {args.repeats} interleaved runs.\n"
    )
    print("| Accuracy, macro F1 and kappa of every resample | Seconds |\n|---|---:|")
    for label, values in seconds.items():
        print(f"| {label} | {statistics.median(values):.3g} ({min(values):.3g}–{max(values):.3g}, n={len(values)}) |")
    print(f"\nThe same values on every resample (to 1e-12); whole arrays {peer / ours:,.0f}× faster.")


if __name__ == "__main__":
    main()
