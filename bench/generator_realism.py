"""How much the generated demo night looks like sleep to models trained on real PSG: each bundled model stages the
demo night (`hf_sleep.staging.demo_night`, the night `hf-sleep demo` stages) through `stage_recording`, and its
agreement with the hypnogram the night was generated from is the measure of the generator's realism.

A generated night is not real PSG: these numbers judge the generator, never the models.

    python bench/generator_realism.py --hours 8 --seeds 0 1
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


def measure(hours: float, seeds: list[int], models: list[str]) -> list[dict]:
    """One row per (model, seed): agreement, Cohen's kappa, REM share and REM latency of the staged night."""
    from sklearn.metrics import cohen_kappa_score

    from hf_sleep.staging.demo_night import demo_hypnogram, make_demo_night
    from hf_sleep.staging.one_night import stage_recording

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for seed in seeds:
            psg = make_demo_night(Path(scratch) / f"night-{seed}", hours, seed=seed)
            truth = demo_hypnogram(hours, seed)
            for name in models:
                started = time.perf_counter()
                result = stage_recording(psg, name, output_dir=Path(scratch) / f"{name}-{seed}", overwrite=True)
                staged, reference = list(result.stages), truth[: result.n_epochs]
                rows.append({
                    "model": name, "seed": seed, "channels": ", ".join(result.channels),
                    "agreement": sum(t == p for t, p in zip(reference, staged, strict=True)) / len(reference),
                    "kappa": cohen_kappa_score(reference, staged),
                    "rem_percent": result.statistics.get("%REM", float("nan")),
                    "rem_latency": result.statistics.get("REM_latency", float("nan")),
                    "seconds": time.perf_counter() - started,
                })  # fmt: skip
                print(f"{name:<34} seed {seed}: kappa {rows[-1]['kappa']:.2f}", file=sys.stderr, flush=True)
    return rows


def markdown(rows: list[dict], hours: float) -> str:
    lines = [
        f"Generated {hours:g}-h demo nights (Sleep-EDF layout, 100 Hz), staged by every bundled model with "
        f"`stage_recording`; {platform.node() or 'this machine'}, {platform.machine()}, {date.today()}.",
        "",
        "| model | seed | channels read | agreement | Cohen's κ | REM % | REM latency (min) |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['model']} | {row['seed']} | {row['channels']} | {row['agreement']:.1%} | {row['kappa']:.2f} | "
            f"{row['rem_percent']:.1f} | {row['rem_latency']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from hf_sleep.pretrained import BUNDLED

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--models", nargs="+", default=list(BUNDLED), help="bundled models (default: all)")
    args = parser.parse_args(argv)
    print(markdown(measure(args.hours, args.seeds, args.models), args.hours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
