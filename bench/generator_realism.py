"""How much the generated demo night looks like sleep to models trained on real PSG: each bundled model stages the
demo night (`hf_sleep.staging.demo_night`, the night `hf-sleep demo` stages) through `stage_recording`, and its
agreement with the hypnogram the night was generated from is the measure of the generator's realism.

A generated night is not real PSG: these numbers judge the generator, never the models.

    python bench/generator_realism.py --hours 8 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `hf_sleep` importable from the checkout
    sys.path.insert(0, str(ROOT))


def _row(
    name: str, seed: int, channels: str, reference: list[str], staged: list[str], statistics, seconds: float
):
    from sklearn.metrics import cohen_kappa_score

    return {
        "model": name, "seed": seed, "channels": channels,
        "agreement": sum(t == p for t, p in zip(reference, staged, strict=True)) / len(reference),
        "kappa": cohen_kappa_score(reference, staged),
        "rem_percent": statistics.get("%REM", float("nan")) if statistics else float("nan"),
        "rem_latency": statistics.get("REM_latency", float("nan")) if statistics else float("nan"),
        "seconds": seconds,
    }  # fmt: skip


def measure(hours: float, seeds: list[int], models: list[str]) -> list[dict]:
    """One row per (model, seed): agreement, Cohen's kappa, REM share and REM latency of the staged night.

    The RobustSleepNet models are measured as members of the default consensus (`hf-sleep stage` without
    `--model`: stride 21, window grids shifted from member to member), one run per night giving every member's
    stages and the consensus; REM share and latency are given for the consensus and the single models."""
    from hf_sleep.pretrained import ROBUSTSLEEPNET_MODELS
    from hf_sleep.staging.consensus import stage_consensus
    from hf_sleep.staging.demo_night import demo_hypnogram, make_demo_night
    from hf_sleep.staging.one_night import stage_recording

    members = [name for name in models if name in ROBUSTSLEEPNET_MODELS]
    singles = [name for name in models if name not in ROBUSTSLEEPNET_MODELS]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for seed in seeds:
            psg = make_demo_night(Path(scratch) / f"night-{seed}", hours, seed=seed)
            truth = demo_hypnogram(hours, seed)
            for name in singles:
                started = time.perf_counter()
                result = stage_recording(psg, name, plot=False)
                rows.append(
                    _row(
                        name,
                        seed,
                        ", ".join(result.channels),
                        truth[: result.n_epochs],
                        list(result.stages),
                        result.statistics,
                        time.perf_counter() - started,
                    )
                )
                print(f"{name:<34} seed {seed}: kappa {rows[-1]['kappa']:.2f}", file=sys.stderr, flush=True)
            if not members:
                continue
            started = time.perf_counter()
            result = stage_consensus(psg, models=members, plot=False)
            seconds = time.perf_counter() - started
            reference, channels = truth[: result.n_epochs], ", ".join(result.channels)
            for name in members:
                column = next(key for key in result.extra_columns if key.startswith(f"stage[{name} |"))
                rows.append(
                    _row(name, seed, channels, reference, list(result.extra_columns[column]), None, seconds)
                )
            consensus = f"consensus of {len(members)} (default of hf-sleep stage)"
            rows.append(
                _row(consensus, seed, channels, reference, list(result.stages), result.statistics, seconds)
            )
            print(f"{consensus:<34} seed {seed}: kappa {rows[-1]['kappa']:.2f}", file=sys.stderr, flush=True)
    return rows


def markdown(rows: list[dict], hours: float) -> str:
    import numpy as np

    seeds = sorted({row["seed"] for row in rows})
    lines = [
        f"Generated {hours:g}-h demo nights (Sleep-EDF layout, 100 Hz, seeds {', '.join(map(str, seeds))}), staged by "
        f"every bundled model; {platform.node() or 'this machine'}, {platform.machine()}, {date.today()}.",
        "",
        "| model | channels read | Cohen's κ, mean (min–max) | agreement, mean | REM %, mean | REM latency (min), mean |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for model in dict.fromkeys(row["model"] for row in rows):
        own = [row for row in rows if row["model"] == model]
        kappas = [row["kappa"] for row in own]
        rem = [row["rem_percent"] for row in own]
        latency = [row["rem_latency"] for row in own]
        rem_cells = "– | –" if np.isnan(rem).all() else f"{np.nanmean(rem):.1f} | {np.nanmean(latency):.1f}"
        lines.append(
            f"| {model} | {own[0]['channels']} | {np.mean(kappas):.2f} ({min(kappas):.2f}–{max(kappas):.2f}) | "
            f"{np.mean([row['agreement'] for row in own]):.1%} | {rem_cells} |"
        )
    lines += [
        "",
        "| model | seed | Cohen's κ | agreement | REM % | REM latency (min) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['model']} | {row['seed']} | {row['kappa']:.2f} | {row['agreement']:.1%} | "
            f"{row['rem_percent']:.1f} | {row['rem_latency']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from hf_sleep.pretrained import BUNDLED

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=list(BUNDLED), help="bundled models (default: all)")
    args = parser.parse_args(argv)
    print(markdown(measure(args.hours, args.seeds, args.models), args.hours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
