"""One command for every benchmark: `python bench/run_all.py [--quick]` writes BENCHMARKS.md.

Sections: inference (model time per hour and whole-night staging end to end, against braindecode, YASA and
GSSC), conversion (against braindecode's Sleep-EDF windowing), training throughput, learning (the training
issue's `bench/learning.py`), memory growth with the number of nights, start-up and one night against the
floor of reading it, many nights in one process and a long, wide recording, multiply-accumulates against the
CPU's rate, and the GPU (measured when one is at hand, else the figures recorded in bench/results/gpu.json).
The peers run in their own environment, created by `bash bench/peers/setup_peers.sh`; without it their cells
say so.
A measurement that cannot run (a missing module, a crash) is written into BENCHMARKS.md as "not measured"
with the reason, and the command exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `hf_sleep` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (  # noqa: E402
    conversion,
    gpu,
    inference,
    learning,
    macs,
    many,
    memory,
    nights,
    report,
    startup,
    training,
)
from bench.harness.common import (  # noqa: E402
    REPO_ROOT,
    machine_info,
    package_versions,
    python_ours,
    python_peers,
)
from bench.harness.context import Context, Settings  # noqa: E402

SECTIONS = {
    "inference": inference.run,
    "conversion": conversion.run,
    "training": training.run,
    "learning": learning.run,
    "memory": memory.run,
    "startup": startup.run,
    "many": many.run,
    "macs": macs.run,
    "gpu": gpu.run,
}
OURS_PACKAGES = ("torch", "transformers", "datasets", "mne", "numpy", "edfio")
PEER_PACKAGES = ("torch", "braindecode", "yasa", "gssc", "mne", "lightgbm", "numpy")


def _errors(value) -> list[str]:
    """Every `error` entry inside a section's results."""
    if isinstance(value, dict):
        found = [value["error"]] if "error" in value else []
        return found + [e for v in value.values() for e in _errors(v)]
    if isinstance(value, list):
        return [e for v in value for e in _errors(v)]
    return []


def _hf_sleep_version() -> str:
    """`__version__` of the checkout, read from its source: this process stays small (no torch import)."""
    match = re.search(r'^__version__ = "([^"]+)"', (REPO_ROOT / "hf_sleep" / "__init__.py").read_text(), re.M)
    return match.group(1) if match else "unknown"


def _commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO_ROOT, timeout=30
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=REPO_ROOT
        )
        if result.returncode != 0:
            return "unknown (not a git checkout)"
        return result.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _write(path: Path, markdown: str) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(markdown)
    partial.replace(path)  # never a half-written BENCHMARKS.md


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the harness in a minute or two")
    parser.add_argument(
        "--sections", nargs="+", choices=list(SECTIONS), default=list(SECTIONS), help="run only these sections"
    )
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "BENCHMARKS.md", help="the Markdown written")
    parser.add_argument("--json", type=Path, help="also write the raw results here (default: WORK_DIR/results.json)")
    parser.add_argument(
        "--work-dir", type=Path, default=REPO_ROOT / "bench" / ".work",
        help="generated nights, saved models and scratch (kept between runs; nights are re-used)",
    )  # fmt: skip
    parser.add_argument("--verbose", action="store_true", help="print tracebacks of failed measurements")
    parser.add_argument(
        "--learning-json", type=Path, metavar="PATH", help="re-use an earlier `bench/learning.py --out PATH`"
    )
    parser.add_argument("--note", help="a sentence added to the set-up (e.g. what else ran on the machine)")
    parser.add_argument(
        "--from-json", type=Path, metavar="RESULTS", help="measure nothing: re-render RESULTS (a --json file)"
    )
    args = parser.parse_args(argv)
    if args.from_json:
        results = json.loads(args.from_json.read_text())
        if args.note:
            results["meta"]["note"] = args.note
        _write(args.output, report.render(results))
        return 1 if _errors(results["sections"]) else 0

    settings = Settings.quick_settings() if args.quick else Settings()
    work_dir = args.work_dir / ("quick" if args.quick else "full")
    work_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - start:7.1f} s] {message}", flush=True)

    ctx = Context(settings=settings, work_dir=work_dir, log=log, verbose=args.verbose, learning_json=args.learning_json)
    peers = python_peers()
    results = {
        "meta": {
            "quick": settings.quick,
            "settings": {k: v for k, v in vars(settings).items()},
            "machine": machine_info(),
            "versions_ours": package_versions(python_ours(), OURS_PACKAGES),
            "versions_peers": package_versions(peers, PEER_PACKAGES) if peers else None,
            "hf_sleep_version": _hf_sleep_version(),
            "commit": _commit(),
            "generator": nights.GENERATOR,
            "command": "python bench/run_all.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])),
            "note": args.note,
        },
        "sections": {},
    }
    for name in args.sections:
        log(f"section {name}")
        try:
            results["sections"][name] = SECTIONS[name](ctx)
        except Exception as error:  # noqa: BLE001 - a broken section must not lose the others' figures
            log(f"section {name} failed: {error}")
            results["sections"][name] = {"error": str(error)}
    results["meta"]["seconds"] = time.perf_counter() - start

    json_path = args.json or work_dir / "results.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=1, default=str))
    _write(args.output, report.render(results))
    errors = _errors(results["sections"])
    log(f"wrote {args.output} and {json_path}; {len(errors)} measurement(s) not available")
    for error in errors:
        print(f"  not measured: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
