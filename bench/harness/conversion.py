"""Section 2: converting Sleep-EDF nights into training windows, hf_sleep against braindecode.

Same generated PSG/hypnogram files for both. hf_sleep: `hf_sleep.data.convert_sleep_edf` (Fpz-Cz, 30-s
epochs, written as an Arrow dataset to a fresh folder). braindecode: `SleepPhysionet`'s loading of each
file pair, channel pick and µV scaling, `create_windows_from_events` with preloaded windows
(`bench/peers/convert_braindecode.py`). Both keep 30 min of wake around the sleep period (their defaults). Each
side imports its libraries before its clock starts (`datasets` and MNE; braindecode with MNE, pandas and torch).
"""

from __future__ import annotations

from typing import Any

from bench.harness.common import Stat, ratio
from bench.harness.context import Context

TARGET_SPEEDUP = 3.0
TARGET_PEAK_MB = 1024.0


def files_of(pairs) -> list[str]:
    return [str(path) for pair in pairs for path in pair]


def run(ctx: Context) -> dict[str, Any]:
    pairs = ctx.conversion_pairs()
    files = files_of(pairs)
    runs = ctx.settings.process_runs
    result: dict[str, Any] = {"n_nights": len(pairs), "night_hours": ctx.settings.night_hours}
    ctx.log("conversion: hf_sleep convert_sleep_edf")
    result["ours"] = ctx.attempt(lambda: _collect([ctx.ours("convert", *files) for _ in range(runs)]))
    ctx.log("conversion: braindecode windowing")
    result["braindecode"] = ctx.attempt(
        lambda: _collect([ctx.peer("convert_braindecode.py", *files) for _ in range(runs)])
    )
    return result


def _collect(runs) -> dict[str, Any]:
    outputs = [r.json() for r in runs]
    return {
        "seconds": [o["seconds"] for o in outputs],
        "process_seconds": [r.seconds for r in runs],
        "peak_rss_mb": [r.peak_rss_mb for r in runs],
        "recorded_hours": outputs[0]["recorded_hours"],
        "n_windows": outputs[0]["n_windows"],
    }


def render(result: dict[str, Any]) -> str:
    lines = [
        "## 2. Conversion: Sleep-EDF nights into 30-s training windows",
        "",
        f"{result['n_nights']} generated night(s) of {result['night_hours']:g} h converted together, EEG Fpz-Cz. "
        "*Pipeline* is the conversion call itself, timed inside the process once each tool's libraries are imported; "
        "*process* is the fresh process's "
        "wall time (imports included). Per recorded hour of PSG; median (min–max, n).",
        "",
        "| Tool | Windows | Pipeline s per recorded hour | Process s per recorded hour | Peak RSS (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    stats: dict[str, dict[str, Stat]] = {}
    for key, label in (("ours", "hf_sleep `convert_sleep_edf`"), ("braindecode", "braindecode SleepPhysionet + windows")):
        entry = result.get(key, {})
        if "error" in entry or not entry:
            lines.append(f"| {label} | not measured: {entry.get('error', 'missing')} | | | |")
            continue
        hours = entry["recorded_hours"]
        stats[key] = {
            "pipeline": Stat.of(entry["seconds"]).scaled(1 / hours),
            "process": Stat.of(entry["process_seconds"]).scaled(1 / hours),
            "rss": Stat.of(entry["peak_rss_mb"]),
        }
        st = stats[key]
        lines.append(
            f"| {label} | {entry['n_windows']:,} | {st['pipeline'].fmt()} | {st['process'].fmt()} | {st['rss'].fmt()} |"
        )
    if "ours" in stats and "braindecode" in stats:
        ours, bd = stats["ours"], stats["braindecode"]
        speedup = bd["pipeline"].median / ours["pipeline"].median
        mark = "met" if speedup >= TARGET_SPEEDUP else "NOT met"
        lines += [
            "",
            f"Speed-up of hf_sleep over braindecode: **{ratio(bd['pipeline'], ours['pipeline'])}** (pipeline), "
            f"**{ratio(bd['process'], ours['process'])}** (process); target ≥ {TARGET_SPEEDUP:g}× on the "
            f"pipeline: {mark}. Peak memory braindecode / hf_sleep: {ratio(bd['rss'], ours['rss'])}.",
        ]
    lines.append("")
    return "\n".join(lines)
