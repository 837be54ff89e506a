"""Shared pieces of the benchmark harness: timing statistics, fresh-process measurement, machine facts."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = BENCH_DIR.parent
PEERS_DIR = BENCH_DIR / "peers"
PEERS_VENV = Path(os.environ.get("HF_SLEEP_PEERS_VENV", BENCH_DIR / ".peers-venv"))
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
HYPNOGRAM_DIR = SHARED_DATA / "sleep-edf" / "hypnograms"

# Every measurement runs on the same thread budget: the 2 cores users' laptops and CI runners have.
THREADS = 2


@dataclass
class Stat:
    """The median of several runs and their spread (min and max), in the unit of the measurement."""

    median: float
    low: float
    high: float
    n: int
    values: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        if not values:
            raise ValueError("a statistic needs at least one value")
        values = [float(v) for v in values]
        return cls(statistics.median(values), min(values), max(values), len(values), values)

    def scaled(self, factor: float) -> Stat:
        """The same runs in another unit (e.g. seconds per hour from seconds)."""
        return Stat.of([v * factor for v in self.values])

    def inverse(self, numerator: float) -> Stat:
        """`numerator / value` for every run (e.g. epochs per second from seconds)."""
        return Stat.of([numerator / v for v in self.values])

    def fmt(self, digits: int = 3) -> str:
        """`median (min–max, n=k)` with `digits` significant digits."""
        return f"{_sig(self.median, digits)} ({_sig(self.low, digits)}–{_sig(self.high, digits)}, n={self.n})"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stat:
        return cls.of(data["values"])


def _sig(value: float, digits: int) -> str:
    if value == 0 or not (abs(value) < 1e15):
        return f"{value:g}"
    return f"{value:.{digits}g}" if abs(value) < 10 ** digits else f"{value:,.0f}"


def ratio(numerator: Stat | None, denominator: Stat | None) -> str:
    """`a / b` of two medians as `1.23×`, or an em dash when either is missing."""
    if numerator is None or denominator is None or denominator.median == 0:
        return "—"
    return f"{numerator.median / denominator.median:.2f}×"


@dataclass
class ProcessRun:
    """One fresh process: its wall time, its peak resident memory and what it printed."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The last line of stdout that parses as JSON (workers print their result last)."""
        for line in reversed(self.stdout.strip().splitlines()):
            line = line.strip()
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError(f"the process printed no JSON result; stderr ends with:\n{self.stderr[-2000:]}")


def thread_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured process: 2 threads everywhere, offline, quiet."""
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_MAX_THREADS"):
        env[name] = str(THREADS)
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "PYTHONWARNINGS": "ignore",
            "MNE_LOGGING_LEVEL": "ERROR",
            "TQDM_DISABLE": "1",
            "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
        }
    )
    pythonpath = [str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env["PYTHONPATH"] = os.pathsep.join(pythonpath)
    if extra:
        env.update(extra)
    return env


def run_process(
    command: Sequence[str], *, timeout: float = 900, env: dict[str, str] | None = None, check: bool = True
) -> ProcessRun:
    """Runs `command` in a fresh process and returns its wall time, its own peak RSS and its output.

    The command is started by `launcher.py`, a small process that forks it and reads its peak RSS with
    `os.wait4` (see there why the harness does not fork it itself).
    """
    with tempfile.TemporaryDirectory(prefix="hf-sleep-bench-run-") as scratch:
        measured = Path(scratch) / "measured.json"
        launcher = [sys.executable, "-I", "-S", str(Path(__file__).with_name("launcher.py")), str(measured)]
        try:
            completed = subprocess.run(
                launcher + list(command),
                capture_output=True,
                text=True,
                env=env if env is not None else thread_env(),
                cwd=REPO_ROOT,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"timed out after {timeout:.0f} s: {' '.join(command)}") from None
        stats = json.loads(measured.read_text()) if measured.is_file() else {"seconds": 0.0, "maxrss_kb": 0}
    run = ProcessRun(
        stats["seconds"], stats["maxrss_kb"] / 1024, completed.returncode, completed.stdout, completed.stderr
    )
    if check and run.returncode != 0:
        raise RuntimeError(
            f"command failed with exit code {run.returncode}: {' '.join(command)}\n{run.stderr[-3000:]}"
        )
    return run


def python_ours() -> str:
    """The interpreter that runs hf_sleep (the one running the harness)."""
    return sys.executable


def python_peers() -> str | None:
    """The peer environment's interpreter, or None when `bench/peers/setup_peers.sh` has not been run."""
    candidate = PEERS_VENV / "bin" / "python"
    return str(candidate) if candidate.is_file() else None


def machine_info() -> dict[str, Any]:
    """CPU model, cores, memory, OS and the date of the run."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024**2, 1)
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "threads": THREADS,
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


VERSION_SCRIPT = """
import importlib.metadata as md, json, sys
out = {}
for name in sys.argv[1:]:
    try:
        out[name] = md.version(name)
    except md.PackageNotFoundError:
        out[name] = None
print(json.dumps(out))
"""


def package_versions(python: str, names: Sequence[str]) -> dict[str, str | None]:
    """Installed versions of `names` in the environment of `python` (None where missing)."""
    result = subprocess.run(
        [python, "-c", VERSION_SCRIPT, *names], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def gpu_name() -> str | None:
    """The name of the first CUDA device of the hf_sleep environment, or None without one."""
    result = subprocess.run(
        [python_ours(), "-c", "import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"],
        capture_output=True,
        text=True,
        timeout=300,
        env=thread_env(),
    )
    name = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    return name or None
