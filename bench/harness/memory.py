"""Section 5: peak memory as the number of nights grows (it must stay flat for hf_sleep).

Each point is one fresh process: whole-night staging of N nights in turn (`stage_recording`, one process),
and conversion of N nights into one dataset (hf_sleep and braindecode).
"""

from __future__ import annotations

from typing import Any

from bench.harness.context import Context, has_module
from bench.harness.conversion import TARGET_PEAK_MB, files_of

FLAT_TOLERANCE = 1.25  # largest / smallest peak allowed for "flat"


def run(ctx: Context) -> dict[str, Any]:
    counts = ctx.settings.memory_nights
    pairs = ctx.memory_pairs()
    result: dict[str, Any] = {"counts": list(counts), "night_hours": ctx.settings.memory_hours, "series": {}}

    def staging(n: int) -> dict[str, Any]:
        if not has_module("hf_sleep.staging"):
            raise RuntimeError("hf_sleep.staging is not available yet (the staging issue)")
        run = ctx.ours("stage-many", "--arch", "tinysleepnet", *[str(psg) for psg, _ in pairs[:n]])
        return {"peak_rss_mb": run.peak_rss_mb, "seconds": run.seconds}

    def convert_ours(n: int) -> dict[str, Any]:
        run = ctx.ours("convert", *files_of(pairs[:n]))
        return {"peak_rss_mb": run.peak_rss_mb, "seconds": run.seconds}

    def convert_braindecode(n: int) -> dict[str, Any]:
        run = ctx.peer("convert_braindecode.py", *files_of(pairs[:n]))
        return {"peak_rss_mb": run.peak_rss_mb, "seconds": run.seconds}

    for key, function in (
        ("hf_sleep staging (TinySleepNet)", staging),
        ("hf_sleep conversion", convert_ours),
        ("braindecode conversion", convert_braindecode),
    ):
        series = {}
        for n in counts:
            ctx.log(f"memory: {key}, {n} night(s)")
            series[str(n)] = ctx.attempt(lambda function=function, n=n: function(n))
            if "error" in series[str(n)]:
                break  # the same failure would repeat for every count
        result["series"][key] = series
    return result


def render(result: dict[str, Any]) -> str:
    counts = result["counts"]
    lines = [
        "## 5. Memory: peak RSS as the number of nights grows",
        "",
        f"Nights of {result['night_hours']:g} h each; one fresh process per cell; peak resident memory in MB "
        f"(`wait4` of that process). *Flat* means the largest peak is within {FLAT_TOLERANCE:g}× of the smallest.",
        "",
        "| Process | " + " | ".join(f"{n} night{'s' if n > 1 else ''}" for n in counts) + " | Flat? | Under 1 GB? |",
        "|---|" + "---:|" * len(counts) + "---|---|",
    ]
    for key, series in result["series"].items():
        cells, peaks = [], []
        for n in counts:
            entry = series.get(str(n))
            if entry is None:
                cells.append("—")
            elif "error" in entry:
                cells.append(f"not measured: {entry['error']}")
            else:
                peaks.append(entry["peak_rss_mb"])
                cells.append(f"{entry['peak_rss_mb']:,.0f}")
        complete = len(peaks) == len(counts)
        flat = ("yes" if max(peaks) <= FLAT_TOLERANCE * min(peaks) else "no") if complete else "—"
        under = ("yes" if max(peaks) < TARGET_PEAK_MB else "no") if complete else "—"
        lines.append(f"| {key} | " + " | ".join(cells) + f" | {flat} | {under} |")
    return "\n".join(lines + [""])
