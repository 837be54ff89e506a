"""Speed of whole-night staging: `hf-sleep stage` on a generated 8-h night, TinySleepNet (random weights).

Reports (1) model time in-process (`predict_night` over every overlapping window, best of 3) and
(2) end-to-end time of `hf-sleep stage` in a fresh process: imports, EDF reading, preprocessing, the model
and all four outputs. Torch is limited to `--threads` cores (2 = the target machine).

    python bench/stage_bench.py --hours 8 --threads 2

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
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    sys.path.insert(0, str(ROOT))
    import torch

    from hf_sleep import get_architecture
    from hf_sleep.demo_night import make_demo_night
    from hf_sleep.inference import predict_night
    from hf_sleep.staging import epoch_signal, read_signals

    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="stage-bench-"))
    night = make_demo_night(work, hours=args.hours)
    model = get_architecture("tinysleepnet").build(ch_names=["EEG Fpz-Cz"]).eval()
    signal, _ = read_signals(night, ["EEG Fpz-Cz"], sfreq=100.0)
    epochs, _ = epoch_signal(signal, model.config.n_times)
    model_times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        predict_night(model, epochs)
        model_times.append(time.perf_counter() - start)

    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, "-m", "hf_sleep.cli", "stage", str(night), "--architecture", "tinysleepnet",
               "--quiet", "--overwrite", "--out-dir", str(work / "out")]
    end_to_end = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True)
        end_to_end.append(time.perf_counter() - start)
    print(f"{args.hours:g}-h night ({len(epochs)} epochs), TinySleepNet, {args.threads} threads")
    print(f"  model (predict_night):        best {min(model_times):.2f} s, median {statistics.median(model_times):.2f} s")
    print(f"  hf-sleep stage, fresh process: best {min(end_to_end):.2f} s, median {statistics.median(end_to_end):.2f} s")


if __name__ == "__main__":
    main()
