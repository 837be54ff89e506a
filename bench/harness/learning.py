"""Section 4: what the models learn on generated nights, from the training issue's `bench/learning.py`.

That script owns the training recipe and the held-out metrics. The harness runs it in a fresh process as
`python bench/learning.py --json PATH [--quick]` and includes the Markdown it returns under the JSON key
`markdown` (or a table built from `rows`, a list of flat dicts).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from bench.harness.common import BENCH_DIR, python_ours, run_process
from bench.harness.context import Context

SCRIPT = BENCH_DIR / "learning.py"


def run(ctx: Context) -> dict[str, Any]:
    if not SCRIPT.is_file():
        return {"error": "bench/learning.py is not available yet (the training issue)"}

    def measure() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="hf-sleep-bench-learning-") as scratch:
            path = Path(scratch) / "learning.json"
            command = [python_ours(), str(SCRIPT), "--json", str(path)] + (["--quick"] if ctx.settings.quick else [])
            process = run_process(command, timeout=1800)
            data = json.loads(path.read_text())
        data["process_seconds"] = process.seconds
        return data

    ctx.log("learning: bench/learning.py")
    return ctx.attempt(measure)


def render(result: dict[str, Any]) -> str:
    lines = ["## 4. Learning: held-out metrics on generated nights", ""]
    if "error" in result:
        return "\n".join(lines + [f"Not measured: {result['error']}.", ""])
    if result.get("markdown"):
        lines.append(result["markdown"].strip())
    elif result.get("rows"):
        columns = list(result["rows"][0])
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "---|" * len(columns))
        for row in result["rows"]:
            lines.append("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    lines.append(f"\n(`bench/learning.py`, {result['process_seconds']:.0f} s.)")
    return "\n".join(lines + [""])
