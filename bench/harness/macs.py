"""Section 8: multiply–accumulates per epoch against what the CPU delivers (`bench/macs.py --json`)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from bench.harness.common import BENCH_DIR, python_ours, run_process, thread_env
from bench.harness.context import Context

SCRIPT = BENCH_DIR / "macs.py"


def run(ctx: Context) -> dict[str, Any]:
    ctx.log("multiply-accumulates per epoch and the CPU's rate")

    def measure() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="hf-sleep-bench-macs-") as scratch:
            path = Path(scratch) / "macs.json"
            sizes = ["--batch", "4"] if ctx.settings.quick else []
            run_process([python_ours(), str(SCRIPT), "--json", str(path), *sizes], env=thread_env(), timeout=1800)
            return json.loads(path.read_text())

    return ctx.attempt(measure)


def render(result: dict[str, Any]) -> str:
    lines = [
        "## 8. Multiply–accumulates per epoch against the CPU's rate",
        "",
        "`python bench/macs.py`: the MACs of one epoch (convolutions, linear layers, attention products, counted "
        "with torch's flop counter, plus hooks for attention), eval-mode model time per epoch on 2 threads, and "
        "the rate that makes beside a float32 1024² matrix product (the CPU's practical peak). Random weights.",
        "",
    ]
    if "error" in result:
        return "\n".join(lines + [f"Not measured: {result['error']}", ""])
    if "markdown" in result:  # the script's own table
        return "\n".join(lines + [result["markdown"].rstrip(), ""])
    return "\n".join(lines + ["```", json.dumps(result, indent=1), "```", ""])
