"""Section 9: training throughput and whole-night staging on a CUDA GPU (`bench/gpu_bench.py`).

With a GPU at hand the section runs `bench/gpu_bench.py` and records its figures in `bench/results/gpu.json`;
without one it renders the figures recorded there (on the machine and date they name), or says that none exist.
"""

from __future__ import annotations

import json
from typing import Any

from bench.harness.common import BENCH_DIR, gpu_name, python_ours, run_process, thread_env
from bench.harness.context import Context

SCRIPT = BENCH_DIR / "gpu_bench.py"
RECORDED = BENCH_DIR / "results" / "gpu.json"


def run(ctx: Context) -> dict[str, Any]:
    device = ctx.attempt(gpu_name)
    if isinstance(device, str):
        ctx.log(f"gpu: measuring on {device}")
        measured = ctx.attempt(
            lambda: run_process([python_ours(), str(SCRIPT), "--out", str(RECORDED)], env=thread_env(), timeout=3600)
        )
        if isinstance(measured, dict):  # the failure, as `{"error": ...}`
            return measured
        return {"source": "measured in this run", **json.loads(RECORDED.read_text())}
    if RECORDED.is_file():
        return {"source": f"recorded earlier in `{RECORDED.relative_to(BENCH_DIR.parent)}`; no CUDA GPU on the "
                          "machine of this run", **json.loads(RECORDED.read_text())}  # fmt: skip
    return {"note": "no CUDA GPU on this machine and no recorded GPU figures"}


def _display_name(key: str) -> str:
    """The architecture's name as the other sections write it (`dsb_cnn` -> DeepSleepBench CNN)."""
    from hf_sleep.registry import ARCHITECTURES  # light: no torch

    arch = ARCHITECTURES.get(key.split(" (")[0])
    return arch.display_name if arch is not None else key


def render(result: dict[str, Any]) -> str:
    if "note" in result or "error" in result:
        detail = result.get("note") or f"not measured: {result['error']}"
        return "\n".join(["## 9. GPU", "", detail, ""])
    training, staging = result.get("training", {}), result.get("staging_model_time", {})
    lines = [
        f"## 9. GPU: training throughput and whole-night staging ({result['device']})",
        "",
        f"`python bench/gpu_bench.py` on {result['date']}, one {result['device']}, torch {result['torch']}, Python "
        f"{result['python']} ({result['source']}). Random weights (speed does not depend on them), random input in "
        "each architecture's own signal shape. *Training*: forward + backward + AdamW on about 1,000 epochs per "
        "batch, best of 3 × 10 steps after 3 warm-up steps, fp32 and bf16 autocast (what `hf-sleep train` picks on "
        "such a GPU). *Staging model time*: `predict_night` over an 8-h night already on the GPU.",
        "",
        "| Architecture | Batch | fp32 epochs/s | bf16 epochs/s | bf16 peak GPU memory (GB) | 8-h night, model time "
        "(s) | nights per minute (model time) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    names = list(dict.fromkeys(key.split("/")[0] for key in training))  # in the order measured
    for name in [*names, *(n for n in staging if n not in names)]:
        fp32, bf16 = training.get(f"{name}/fp32", {}), training.get(f"{name}/bf16", {})
        shape = (fp32 or bf16).get("batch", [])
        # (samples, epochs, channels, times) for sequence models, (samples, channels, times) for the others
        batch = f"{shape[0]} × {shape[1] if len(shape) == 4 else 1}" if shape else "—"
        night = staging.get(name, {})
        cells = [
            f"{fp32['epochs_per_second']:,.0f}" if fp32 else "—",
            f"{bf16['epochs_per_second']:,.0f}" if bf16 else "—",
            f"{bf16['peak_memory_gb']:.1f}" if bf16 else "—",
            f"{night['seconds']:.3f}" if night else "—",
            f"{night['nights_per_minute']:,.0f}" if night else "—",
        ]
        lines.append(f"| {_display_name(name)} | {batch} | " + " | ".join(cells) + " |")
    end_to_end = result.get("staging_end_to_end", {})
    if end_to_end:
        parts = [f"{name} {entry['best_seconds']:.1f} s" for name, entry in end_to_end.items()]
        lines += [
            "",
            "`hf-sleep stage night.edf --device cuda` of a generated 8-h night in a fresh process on that machine (best "
            f"of 3): {', '.join(parts)}. With the model a fraction of a second on the GPU, one night is bound by "
            "start-up, reading and writing on the CPU; many nights per process share the start-up.",
        ]
    return "\n".join(lines + [""])
