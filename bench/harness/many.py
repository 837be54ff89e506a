"""Section 7: many nights in one `hf-sleep stage` process, and a long, wide recording.

Nights per minute and peak RSS of `hf-sleep stage a.edf b.edf ...` (bundled trained default, model loaded
once, the next night read while the model runs) as the number of nights grows; then one long recording with
many channels at a high rate (`bench/many_nights.py`'s writer), of which staging must read only the channel
it needs.
"""

from __future__ import annotations

from typing import Any

from bench.harness.common import python_ours, run_process, thread_env
from bench.harness.context import Context
from bench.harness.nights import generate_nights
from bench.many_nights import write_wide_edf

FLAT_TOLERANCE = 1.25  # largest / smallest peak RSS allowed for "flat"
TARGET_WIDE_PEAK_MB = 1024


def _stage(files: list[str], out_dir: str) -> Any:
    command = [python_ours(), "-m", "hf_sleep.cli", "stage", *files, "--output-dir", out_dir, "--device", "cpu",
               "--overwrite", "--quiet"]  # fmt: skip
    return run_process(command, env=thread_env(), timeout=3600)


def run(ctx: Context) -> dict[str, Any]:
    s = ctx.settings
    counts = s.many_nights
    result: dict[str, Any] = {"night_hours": s.night_hours, "counts": list(counts), "series": {}}
    pairs = generate_nights(ctx.work_dir / "nights", max(counts), s.night_hours)
    for n in counts:
        ctx.log(f"many nights: {n} night(s) of {s.night_hours:g} h in one process")
        result["series"][str(n)] = ctx.attempt(
            lambda n=n: (lambda r: {"seconds": r.seconds, "peak_rss_mb": r.peak_rss_mb})(
                _stage([str(psg) for psg, _ in pairs[:n]], str(ctx.work_dir / "many" / str(n)))
            )
        )
    wide = s.wide_recording
    result["wide"] = {"hours": wide[0], "channels": wide[1], "sfreq": wide[2]}
    ctx.log(f"many nights: a {wide[0]:g}-h, {wide[1]}-channel, {wide[2]}-Hz EDF")

    def wide_run() -> dict[str, Any]:
        path = ctx.work_dir / "wide.edf"
        try:
            write_wide_edf(path, hours=wide[0], n_channels=wide[1], sfreq=wide[2])
            size_gib = path.stat().st_size / 2**30
            run = _stage([str(path)], str(ctx.work_dir / "wide-out"))
        finally:
            path.unlink(missing_ok=True)  # gigabytes: never kept between runs
        return {"seconds": run.seconds, "peak_rss_mb": run.peak_rss_mb, "size_gib": size_gib}

    result["wide"].update(ctx.attempt(wide_run))
    return result


def render(result: dict[str, Any]) -> str:
    hours = result["night_hours"]
    lines = [
        "## 7. Many nights in one process, and a long, wide recording",
        "",
        f"`hf-sleep stage a.edf b.edf ...` of generated {hours:g}-h nights with the bundled trained default: the "
        "model is loaded once and the next night is read while the model runs. One fresh process per row; its "
        "wall time (start-up included) and peak RSS.",
        "",
        "| Nights | Seconds | Nights per minute | Peak RSS (MB) |",
        "|---:|---:|---:|---:|",
    ]
    peaks = []
    for n, entry in result["series"].items():
        if "error" in entry:
            lines.append(f"| {n} | not measured: {entry['error']} | — | — |")
            continue
        peaks.append(entry["peak_rss_mb"])
        rate = int(n) / entry["seconds"] * 60
        lines.append(f"| {n} | {entry['seconds']:.1f} | {rate:.1f} | {entry['peak_rss_mb']:,.0f} |")
    counts = list(result["series"])
    if len(peaks) == len(counts) > 2:
        # From two nights on, one night is read while another is staged: the peak holds two nights' signals.
        # Flat means that it stops there, whatever the number of nights.
        flat = peaks[-1] <= FLAT_TOLERANCE * peaks[1]
        lines += ["", f"Memory flat in the number of nights once the read-ahead runs (peak with {counts[-1]} nights "
                  f"within {FLAT_TOLERANCE:g}× the peak with {counts[1]}): {'yes' if flat else 'NO'}."]  # fmt: skip
    wide = result["wide"]
    label = f"{wide['hours']:g}-h, {wide['channels']}-channel, {wide['sfreq']}-Hz EDF"
    if "error" in wide:
        lines += ["", f"{label}: not measured: {wide['error']}.", ""]
        return "\n".join(lines)
    under = "met" if wide["peak_rss_mb"] < TARGET_WIDE_PEAK_MB else "NOT met"
    lines += [
        "",
        f"A {label} ({wide['size_gib']:.1f} GiB), one EEG channel staged: {wide['seconds']:.1f} s, peak RSS "
        f"{wide['peak_rss_mb']:,.0f} MB (target under {TARGET_WIDE_PEAK_MB:,} MB: {under}; staging reads only the "
        "channel it needs, one block of records at a time).",
        "",
    ]
    return "\n".join(lines)

