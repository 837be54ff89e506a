"""Many nights: throughput (nights per minute) of `hf-sleep stage <folder>` and peak memory on a long, wide EDF.

    python bench/many_nights.py --nights 6 --hours 8            # nights per minute, bundled default model
    python bench/many_nights.py --wide-hours 24 --wide-channels 64 --wide-sfreq 512   # peak RSS (writes ~5.7 GB)

Both run `hf-sleep stage` in a fresh process; peak RSS is the child's `ru_maxrss`.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def write_wide_edf(path: str | os.PathLike, *, hours: float, n_channels: int, sfreq: int, seed: int = 0) -> Path:
    """Writes a long EDF of `n_channels` EEG signals (the first `EEG Fpz-Cz`) record by record, in bounded memory.

    The whole file never sits in memory (a 24-h, 64-channel, 512-Hz night is 5.7 GB), which the
    in-memory writers (edfio, the package's synthetic writers) would need. Signals: noise of about 20 µV.
    """
    n_records = int(round(hours * 3600))  # 1-s data records
    labels = ["EEG Fpz-Cz", *(f"EEG {index:02d}" for index in range(2, n_channels + 1))]

    def field(value: object, width: int) -> bytes:
        return str(value).ljust(width)[:width].encode("ascii")

    start = datetime.datetime(2020, 1, 1, 22, 0, 0)
    header = b"".join([
        field(0, 8), field("X X X X", 80), field("Startdate 01-JAN-2020 X X X", 80),
        field(start.strftime("%d.%m.%y"), 8), field(start.strftime("%H.%M.%S"), 8),
        field(256 * (n_channels + 1), 8), field("", 44), field(n_records, 8), field(1, 8), field(n_channels, 4),
    ])  # fmt: skip
    per_signal = [
        (16, labels), (80, [""] * n_channels), (8, ["uV"] * n_channels), (8, ["-3276.8"] * n_channels),
        (8, ["3276.7"] * n_channels), (8, ["-32768"] * n_channels), (8, ["32767"] * n_channels),
        (80, [""] * n_channels), (8, [sfreq] * n_channels), (32, [""] * n_channels),
    ]  # fmt: skip
    header += b"".join(field(value, width) for width, values in per_signal for value in values)
    rng = np.random.default_rng(seed)
    block = 60  # records written at a time
    with open(path, "wb") as handle:
        handle.write(header)
        for first in range(0, n_records, block):
            count = min(block, n_records - first)
            handle.write(rng.normal(0, 200, size=(count, n_channels, sfreq)).astype("<i2").tobytes())
    return Path(path)


def _stage(arguments: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Seconds, peak RSS (MB) and exit code of `hf-sleep stage ...` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    command = [sys.executable, "-m", "hf_sleep.cli", "stage", *arguments, "--quiet", "--overwrite"]
    start = time.perf_counter()
    code = subprocess.run(command, env=env).returncode
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB; the largest child so far
    return seconds, (peak if peak > before else float("nan")) / 1024, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=0, help="generated nights to stage from one folder")
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--wide-hours", type=float, default=0.0, help="length of the wide EDF (0: none)")
    parser.add_argument("--wide-channels", type=int, default=64)
    parser.add_argument("--wide-sfreq", type=int, default=512)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    print(f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="many-nights-") as work:
        work = Path(work)
        if args.wide_hours:
            wide = write_wide_edf(work / "wide.edf", hours=args.wide_hours, n_channels=args.wide_channels,
                                  sfreq=args.wide_sfreq)  # fmt: skip
            seconds, peak, code = _stage([str(wide), "--output-dir", str(work / "wide-out")], env)
            size = wide.stat().st_size / 2**30
            print(f"wide EDF {args.wide_hours:g} h x {args.wide_channels} ch x {args.wide_sfreq} Hz ({size:.1f} GiB): "
                  f"{seconds:.1f} s, peak RSS {peak:.0f} MB, exit {code}")  # fmt: skip
            wide.unlink()
        if args.nights:
            from hf_sleep.data.synthetic import write_sleep_edf_night

            folder = work / "nights"
            for index in range(args.nights):
                write_sleep_edf_night(folder, hypnogram=None, subject=index, night=1, duration_hours=args.hours)
            seconds, peak, code = _stage([str(folder), "--output-dir", str(work / "out")], env)
            print(f"{args.nights} nights of {args.hours:g} h: {seconds:.1f} s ({args.nights / seconds * 60:.1f} nights "
                  f"per minute, first-process start-up included), peak RSS {peak:.0f} MB, exit {code}")  # fmt: skip


if __name__ == "__main__":
    main()
