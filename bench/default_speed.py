"""The default stager's end-to-end time against the previous default, measured in the same run.

`hf-sleep stage night.edf` (no flags: the consensus of the 7 bundled RobustSleepNet models on the central EEG
derivations) against `hf-sleep stage night.edf --model seqsleepnet-physioex-eeg` (the previous default), each in a
fresh process on a generated 8-h night (`make_demo_night`, EEG Fpz-Cz at 100 Hz), alternating so that a busy
machine slows both alike; the figures are the median and range of `--repeats` runs of each and their ratio.

    python bench/default_speed.py --hours 8 --threads 2 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from hf_sleep.staging.demo_night import make_demo_night

    work = Path(tempfile.mkdtemp(prefix="default-speed-"))
    night = make_demo_night(work, hours=args.hours)
    env = {
        **os.environ,
        "OMP_NUM_THREADS": str(args.threads),
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    variants = {
        "previous default (--model seqsleepnet-physioex-eeg)": ["--model", "seqsleepnet-physioex-eeg"],
        "default (no flags: RobustSleepNet consensus)": [],
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeats):
        for index, (name, flags) in enumerate(variants.items()):
            command = [sys.executable, "-m", "hf_sleep.cli", "stage", str(night), *flags, "--quiet", "--overwrite",
                       "--output-dir", str(work / str(index))]  # fmt: skip
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True)
            times[name].append(time.perf_counter() - start)
    first = next(iter(variants))
    print(f"{args.hours:g}-h night, {args.threads} threads, {args.repeats} runs each (alternating)")
    for name, values in times.items():
        ratio = statistics.median(values) / statistics.median(times[first])
        print(f"  {name}: median {statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f}); x{ratio:.2f}")


if __name__ == "__main__":
    main()
