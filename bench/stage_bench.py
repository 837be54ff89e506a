"""Speed of whole-night staging: `hf-sleep stage` on a generated 8-h night (random weights).

Reports, per architecture, (1) model time in-process (`predict_night` as staging runs it, best of 3) and
(2) end-to-end time of `hf-sleep stage` in a fresh process: imports, EDF reading, preprocessing, the model
and all four outputs; the architectures' fresh processes alternate, so a busy machine slows them alike, and
each is also given as a ratio to the first. Torch is limited to `--threads` cores (2 = the target machine).

    python bench/stage_bench.py --hours 8 --threads 2 [--archs tinysleepnet deepsleepnet]

Targets: model < 0.5 s, end to end < 6 s. Peers (YASA, GSSC) are compared by the benchmark suite.
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
    parser.add_argument("--archs", nargs="+", default=["tinysleepnet"], help="architectures (ratios to the first)")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    sys.path.insert(0, str(ROOT))
    import torch

    from hf_sleep import get_architecture
    from hf_sleep.models.sleep_base.signals import cut_epochs
    from hf_sleep.staging import read_signals
    from hf_sleep.staging.demo_night import make_demo_night
    from hf_sleep.staging.inference import predict_night

    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="stage-bench-"))
    night = make_demo_night(work, hours=args.hours)
    signal, _ = read_signals(night, ["EEG Fpz-Cz"], sfreq=100.0)
    model_times: dict[str, list[float]] = {}
    for arch in args.archs:
        model = get_architecture(arch).build().eval()
        epochs = cut_epochs(signal, model.config.n_times)
        model_times[arch] = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            predict_night(model, epochs)
            model_times[arch].append(time.perf_counter() - start)

    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    end_to_end: dict[str, list[float]] = {arch: [] for arch in args.archs}
    for _ in range(args.repeats):
        for arch in args.archs:
            command = [sys.executable, "-m", "hf_sleep.cli", "stage", str(night), "--architecture", arch,
                       "--channels", "EEG Fpz-Cz", "--quiet", "--overwrite", "--output-dir", str(work / arch)]  # fmt: skip
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True)
            end_to_end[arch].append(time.perf_counter() - start)
    print(f"{args.hours:g}-h night ({len(epochs)} epochs), {args.threads} threads")
    first = args.archs[0]
    for arch in args.archs:
        model_best, e2e_best = min(model_times[arch]), min(end_to_end[arch])
        print(f"  {arch}: model (predict_night) best {model_best:.2f} s, median {statistics.median(model_times[arch]):.2f} s;"
              f" hf-sleep stage, fresh process: best {e2e_best:.2f} s, median {statistics.median(end_to_end[arch]):.2f} s;"
              f" end to end x {first}: {e2e_best / min(end_to_end[first]):.2f}")

if __name__ == "__main__":
    main()
