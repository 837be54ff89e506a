"""Peak memory of `hf-sleep stage` and `hf-sleep convert edf` on a long EDF whose channels have different rates.

    python bench/mixed_rate_memory.py --hours 48                         # this checkout
    python bench/mixed_rate_memory.py --hours 48 --source /path/to/other/checkout   # another version, same file

The EDF (written record by record, in bounded memory) holds EEG at 256 Hz, EOG at 128 Hz, EMG at 512 Hz and three
slow channels (respiration 32 Hz, SpO2 and position 1 Hz): 48 h make 310 MB. Its hypnogram (`<stem>.csv`) scores
every 30-s epoch. Each command runs in a fresh process of its own, under a parent that reports the child's peak
RSS (`ru_maxrss`); the bundled 3-channel model stages the EEG, EOG and EMG.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHANNELS = [("EEG C4-M1", 256, "uV"), ("EOG E1-M2", 128, "uV"), ("EMG chin", 512, "uV"),
            ("Resp thorax", 32, "uV"), ("SpO2", 1, "%"), ("Position", 1, "")]  # fmt: skip
MODEL = "hf-sleep/seqsleepnet-physioex-eeg-eog-emg"
STAGES = ["W", "N1", "N2", "N3", "N2", "REM"]


def write_mixed_rate_edf(path: Path, hours: float, seed: int = 0) -> Path:
    """A continuous EDF of `CHANNELS` (1-s records, noise of about 20 µV), and its hypnogram `<stem>.csv`."""
    n_records = int(round(hours * 3600))

    def field(value: object, width: int) -> bytes:
        return str(value).ljust(width)[:width].encode("ascii")

    n = len(CHANNELS)
    header = b"".join([
        field(0, 8), field("X X X X", 80), field("Startdate 01-JAN-2020 X X X", 80), field("01.01.20", 8),
        field("22.00.00", 8), field(256 * (n + 1), 8), field("", 44), field(n_records, 8), field(1, 8), field(n, 4),
    ])  # fmt: skip
    per_signal = [
        (16, [label for label, _, _ in CHANNELS]), (80, [""] * n), (8, [unit for _, _, unit in CHANNELS]),
        (8, ["-3276.8"] * n), (8, ["3276.7"] * n), (8, ["-32768"] * n), (8, ["32767"] * n), (80, [""] * n),
        (8, [rate for _, rate, _ in CHANNELS]), (32, [""] * n),
    ]  # fmt: skip
    header += b"".join(field(value, width) for width, values in per_signal for value in values)
    rng = np.random.default_rng(seed)
    per_record = sum(rate for _, rate, _ in CHANNELS)
    block = 600  # records written at a time
    with open(path, "wb") as handle:
        handle.write(header)
        for first in range(0, n_records, block):
            count = min(block, n_records - first)
            handle.write(rng.normal(0, 200, size=(count, per_record)).astype("<i2").tobytes())
    rows = ["onset,duration,stage"] + [
        f"{k * 30},30,{STAGES[(k // 20) % len(STAGES)]}" for k in range(n_records // 30)
    ]  # fmt: skip
    path.with_suffix(".csv").write_text("\n".join(rows) + "\n")
    return path


# Runs the command given as its arguments and prints its peak RSS (KiB): one parent per measured command.
_PEAK = "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; " \
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"  # fmt: skip


def peak_rss(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """Seconds, peak RSS (MB) and exit code of `command` in a fresh process started in `cwd`."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *command], env=env, stdout=subprocess.PIPE, text=True, cwd=cwd
    )
    seconds = time.perf_counter() - start
    peak_kib = int(done.stdout.strip().splitlines()[-1])
    return seconds, peak_kib / 1024, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=48.0)
    parser.add_argument("--source", type=Path, default=ROOT, help="the hf_sleep checkout to measure (default: this)")
    parser.add_argument("--workdir", type=Path, help="where to write the EDF and outputs (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the figures there")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.source), "OMP_NUM_THREADS": "2", "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        edf = write_mixed_rate_edf(folder / "night48.edf", args.hours)
        picks = [label for label, _, _ in CHANNELS[:3]]
        cli = [sys.executable, "-m", "hf_sleep.cli"]
        commands = {
            "stage": [*cli, "stage", str(edf), "--model", MODEL, "--channels", *picks, "--output-dir",
                      str(Path(tmp) / "staged"), "--quiet"],
            "convert edf": [*cli, "convert", "edf", str(folder), "--hypnogram", "{stem}.csv", "--channels", *picks,
                            "--output-dir", str(Path(tmp) / "dataset")],
        }  # fmt: skip
        figures = {"file_mb": edf.stat().st_size / 1e6, "hours": args.hours, "source": str(args.source)}
        for name, command in commands.items():
            # run in the checkout measured: `python -m` puts the working folder before PYTHONPATH
            seconds, peak, code = peak_rss(command, env, args.source)
            figures[name] = {"seconds": round(seconds, 1), "peak_rss_mb": round(peak), "exit": code}
            print(f"{name}: {seconds:.1f} s, peak RSS {peak:.0f} MB (exit {code})", flush=True)
    figures["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    figures["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(json.dumps(figures, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
