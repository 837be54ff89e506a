"""Section 4: what the models learn on generated nights, from the training issue's `bench/learning.py`.

That script owns the training recipe, the subject-wise split and the held-out metrics. The harness runs
it in a fresh process as `python bench/learning.py --out PATH --work_dir DIR` and reads the JSON it writes:
one entry per model with `accuracy`, `macro_f1`, `kappa` and `minutes` (a `markdown` string or a list of
`rows` is shown as is). `run_all.py --learning-json PATH` re-uses the results of an earlier run instead of
training again; `--quick` skips this section (it trains real models for minutes).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from bench.harness.common import BENCH_DIR, python_ours, run_process
from bench.harness.context import Context

SCRIPT = BENCH_DIR / "learning.py"
METRICS = (("accuracy", "Held-out accuracy"), ("macro_f1", "Macro-F1"), ("kappa", "Cohen's kappa"),
           ("minutes", "Minutes (CPU)"))  # fmt: skip


def run(ctx: Context) -> dict[str, Any]:
    if ctx.learning_json is not None:
        data = json.loads(Path(ctx.learning_json).read_text())
        data["source"] = f"re-used from {ctx.learning_json}"
        return data
    if ctx.settings.quick:
        return {"note": "skipped in --quick: bench/learning.py trains every model for minutes"}
    if not SCRIPT.is_file():
        return {"error": "bench/learning.py is not available yet (the training issue)"}

    def measure() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="hf-sleep-bench-learning-") as scratch:
            path = Path(scratch) / "learning.json"
            command = [python_ours(), str(SCRIPT), "--out", str(path), "--work_dir", str(ctx.work_dir / "learning")]
            process = run_process(command, timeout=3600)
            data = json.loads(path.read_text())
        data["source"] = f"`bench/learning.py`, {process.seconds / 60:.1f} min in this run"
        return data

    ctx.log("learning: bench/learning.py")
    return ctx.attempt(measure)


def render(result: dict[str, Any]) -> str:
    lines = ["## 4. Learning: held-out metrics on generated nights", ""]
    if "error" in result:
        return "\n".join(lines + [f"Not measured: {result['error']}.", ""])
    if "note" in result:
        return "\n".join(lines + [f"Not measured: {result['note']}.", ""])
    if result.get("markdown"):
        lines.append(result["markdown"].strip())
    elif result.get("rows"):
        columns = list(result["rows"][0])
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "---|" * len(columns))
        lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in result["rows"]]
    else:
        # bench/learning.py nests the trained models under "models" beside its band-power baseline.
        entries = {**result, **result.get("models", {})}
        models = {name: entry for name, entry in entries.items() if isinstance(entry, dict) and "accuracy" in entry}
        lines.append("| Model | " + " | ".join(label for _, label in METRICS) + " |")
        lines.append("|---|" + "---:|" * len(METRICS))
        for name, entry in models.items():
            cells = [
                "—" if key not in entry else f"{entry[key]:.1f}" if key == "minutes" else f"{entry[key]:.3f}"
                for key, _ in METRICS
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        epochs = result.get("epochs") or result.get("data", {}).get("epochs")
        if epochs:
            split = ", ".join(f"{name} {count:,}" for name, count in epochs.items())
            lines.append(f"\nEpochs per split: {split}.")
    lines.append(f"\n(Source: {result.get('source', 'bench/learning.py')}.) Generated signals: this shows that the "
                 "pipeline learns, not how accurate the models are on real EEG.")
    return "\n".join(lines + [""])
