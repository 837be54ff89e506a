"""Whole-night staging against its floor: `hf-sleep stage` (bundled default model) vs MNE reading the channel.

Both run in fresh processes on the same generated 8-h night, interleaved (so machine load hits both alike),
best of `--repeats`; the ratio is the issue's target (at most 3). `python bench/run_all.py` records the
same comparison in BENCHMARKS.md (section 6); this script adds `--before` (another checkout, same run).

    python bench/stage_floor.py --hours 8 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `bench` and `hf_sleep` importable from the checkout
    sys.path.insert(0, str(ROOT))

from bench.harness.startup import mne_read_command, stage_default_command  # noqa: E402


def _seconds(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    # In the checkout's folder: `python -m` puts the working directory first on sys.path.
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, cwd=cwd)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--night", help="an existing night (default: generate one)")
    parser.add_argument("--before", help="another checkout of the package, staged too (before/after in one run)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stage-floor-"))
    if args.night:
        night = Path(args.night)
    else:
        from hf_sleep.data.synthetic import write_sleep_edf_night

        night, _ = write_sleep_edf_night(work / "night", hypnogram=None, subject=0, night=1,
                                         duration_hours=args.hours)  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    read = mne_read_command(str(night))
    stage = stage_default_command(str(night), str(work / "out"))
    times: dict[str, list[float]] = {"mne_read": [], "stage": []}
    before_env = {**env, "PYTHONPATH": str(Path(args.before).resolve())} if args.before else None
    for _ in range(args.repeats):
        times["mne_read"].append(_seconds(read, env))
        times["stage"].append(_seconds(stage, env))
        if before_env:
            times.setdefault("before", []).append(_seconds(stage, before_env, Path(args.before).resolve()))
    best = {name: min(values) for name, values in times.items()}
    print(f"night: {night} ({args.hours:g} h); load average {os.getloadavg()[0]:.1f}")
    for name, values in times.items():
        print(f"  {name:<9} best {best[name]:.2f} s  (all: {', '.join(f'{v:.2f}' for v in values)})")
    for name in ("stage", "before")[: 1 + bool(args.before)]:
        print(f"  ratio {name} / MNE read: {best[name] / best['mne_read']:.2f}")


if __name__ == "__main__":
    main()
