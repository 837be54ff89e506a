"""Section 3: training throughput, epochs of EEG per second per architecture (CPU, and GPU when present)."""

from __future__ import annotations

from typing import Any

from bench.harness.common import Stat, gpu_name
from bench.harness.context import Context


def run(ctx: Context) -> dict[str, Any]:
    s = ctx.settings
    options = ["--steps", str(s.train_steps), "--batch-size", str(s.train_batch_size), "--runs", str(s.train_runs)]
    ctx.log("training throughput: CPU")
    result: dict[str, Any] = {"cpu": ctx.attempt(lambda: ctx.ours("train", "--device", "cpu", *options).json())}
    gpu = gpu_name()
    if gpu:
        ctx.log(f"training throughput: {gpu}")
        gpu_options = ["--steps", str(5 * s.train_steps), "--batch-size", str(8 * s.train_batch_size)]
        gpu_options += ["--runs", str(s.train_runs)]
        result["gpu"] = ctx.attempt(lambda: ctx.ours("train", "--device", "cuda", *gpu_options).json())
    else:
        result["gpu"] = {"note": "no CUDA GPU at hand on this machine"}
    return result


def _throughput(entry: dict[str, Any]) -> Stat:
    return Stat.of([entry["epochs_per_run"] / seconds for seconds in entry["seconds"]])


def render(result: dict[str, Any]) -> str:
    cpu, gpu = result.get("cpu", {}), result.get("gpu", {})
    gpu_label = gpu.get("device", "GPU")
    lines = [
        "## 3. Training throughput",
        "",
        "Epochs of EEG (30-s, 1 channel, 100 Hz) per second through a full AdamW step (forward, loss, backward, "
        "update), each architecture at its default `seq_len`; warm-up step excluded; median (min–max, n runs).",
        "",
        f"| Model | Batch (sequences × seq_len) | CPU, 2 threads | {gpu_label} |",
        "|---|---:|---:|---:|",
    ]
    if "error" in cpu:
        lines.append(f"| all | | not measured: {cpu['error']} | |")
        return "\n".join(lines + [""])
    for name, entry in cpu["models"].items():
        gpu_cell = "—"
        if "note" in gpu:
            gpu_cell = gpu["note"]
        elif "error" in gpu:
            gpu_cell = f"not measured: {gpu['error']}"
        elif name in gpu.get("models", {}):
            g = gpu["models"][name]
            gpu_cell = f"{_throughput(g).fmt()} (batch {g['batch_size']})"
        lines.append(
            f"| {entry['display_name']} | {entry['batch_size']} × {entry['seq_len']} | {_throughput(entry).fmt()} | {gpu_cell} |"
        )
    return "\n".join(lines + [""])
