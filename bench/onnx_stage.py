"""Whole-night staging through ONNX (no torch) against the floor of reading the night, beside torch, YASA and GSSC.

One run, interleaved fresh processes on the same generated 8-h night (so machine load hits all alike): MNE reading
the staged channel; `hf-sleep stage --backend onnx` with one model (physioex's SeqSleepNet, the previous default)
and with the default consensus (the 7 RobustSleepNet graphs); `hf-sleep stage` through torch with the previous
default and with the consensus default (their ratio is issue 22's bound); YASA and GSSC from the peer environment
(`bench/peers/setup_peers.sh`, or `HF_SLEEP_PEERS_VENV`; left out, and said so, without it). Then nights in one
process (`hf-sleep stage nights/ --backend onnx`): nights per minute. The nights are hard links to the one
generated night, so the disk cache serves every read after the first.

    python bench/onnx_stage.py --repeats 3 --nights 100 --json bench/results/onnx_stage.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `bench` and `hf_sleep` importable from the checkout
    sys.path.insert(0, str(ROOT))

from bench.harness.common import PEERS_DIR, machine_info, python_ours, python_peers, run_process, thread_env  # noqa: E402
from bench.harness.startup import STAGED_CHANNEL, TARGET_STAGE_OVER_READ, mne_read_command  # noqa: E402

# The single model of the one-model rows: the bundled single-EEG SeqSleepNet (the previous default).
MODEL = "hf-sleep/seqsleepnet-physioex-eeg"
SINGLE = ("--model", MODEL, "--channels", STAGED_CHANNEL)
# The label of the row that the 3x target is read from.
TARGET_ROW = "ONNX, one model, no plot"


def stage_command(night: str, out_dir: str, *extra: str) -> list[str]:
    """`hf-sleep stage`; without `--model` in `extra`, the consensus default (on the night's central EEG)."""
    return [python_ours(), "-m", "hf_sleep.cli", "stage", night, "--output-dir", out_dir, "--overwrite", "--quiet",
            *extra]  # fmt: skip


def commands(night: str, work: Path) -> dict[str, list[str] | None]:
    """What each row runs, by label; `None` where the peer environment is missing."""
    peers = python_peers()
    torch = ("--backend", "torch", "--device", "cpu")
    return {
        "MNE read": mne_read_command(night),
        TARGET_ROW: stage_command(night, str(work / "onnx"), *SINGLE, "--backend", "onnx", "--no-plot"),
        "ONNX, consensus default, no plot": stage_command(night, str(work / "onnx-c"), "--backend", "onnx", "--no-plot"),
        "ONNX, consensus default, four outputs": stage_command(night, str(work / "onnx-c-plot"), "--backend", "onnx"),
        "torch, previous default (one model), four outputs": stage_command(night, str(work / "torch"), *SINGLE, *torch),
        "torch, consensus default, four outputs": stage_command(night, str(work / "torch-c"), *torch),
        "YASA": [peers, str(PEERS_DIR / "stage_yasa.py"), night] if peers else None,
        "GSSC": [peers, str(PEERS_DIR / "stage_gssc.py"), night] if peers else None,
    }


def one_night(night: str, work: Path, repeats: int) -> dict[str, dict]:
    rows = commands(night, work)
    results: dict[str, dict] = {label: {"seconds": [], "peak_rss_mb": []} for label in rows}
    for _ in range(repeats):
        for label, command in rows.items():
            if command is None:
                results[label] = {"error": "peer environment missing (bash bench/peers/setup_peers.sh)"}
                continue
            run = run_process(command, env=thread_env())
            results[label]["seconds"].append(run.seconds)
            results[label]["peak_rss_mb"].append(run.peak_rss_mb)
    return results


def many_nights(night: Path, work: Path, n_nights: int, backend: str, consensus: bool) -> dict[str, float]:
    folder = work / f"nights-{n_nights}"  # as many links as nights: a smaller run does not stage a larger one's
    folder.mkdir(exist_ok=True)
    for index in range(n_nights):
        link = folder / f"night_{index:03d}.edf"
        if not link.exists():
            os.link(night, link)
    models = () if consensus else SINGLE
    run = run_process(
        stage_command(str(folder), str(work / f"many-{backend}"), *models, "--backend", backend, "--no-plot"),
        env=thread_env(), timeout=3600,
    )  # fmt: skip
    return {"nights": n_nights, "seconds": run.seconds, "nights_per_minute": n_nights / run.seconds * 60,
            "peak_rss_mb": run.peak_rss_mb, "models": "consensus default" if consensus else MODEL}  # fmt: skip


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.3g} ({min(values):.3g}–{max(values):.3g}, n={len(values)})"


def render(result: dict) -> str:
    rows = result["one_night"]
    floor = statistics.median(rows["MNE read"]["seconds"])
    lines = [
        "## 11. Staging through ONNX, without torch",
        "",
        f"{result['machine']}; {result['date']}; load average {result['load_average']:.1f} at the start, "
        f"{result.get('load_average_end', float('nan')):.1f} at the end. One generated {result['hours']:g}-h night "
        f"(`{STAGED_CHANNEL}`, 100 Hz), interleaved fresh processes; one model: `{MODEL}` (physioex SeqSleepNet); "
        "consensus default: no `--model` (the 7 RobustSleepNet models on the night's central EEG); median (min–max, "
        "n) of wall time.",
        "",
        "| Process | Seconds | × MNE read | Peak RSS (MB) |",
        "|---|---:|---:|---:|",
    ]
    for label, row in rows.items():
        if "error" in row:
            lines.append(f"| {label} | {row['error']} | | |")
            continue
        ratio = statistics.median(row["seconds"]) / floor
        lines.append(f"| {label} | {median(row['seconds'])} | {ratio:.2f}× | {max(row['peak_rss_mb']):.0f} |")
    onnx = statistics.median(rows[TARGET_ROW]["seconds"]) / floor
    over_read = [a / b for a, b in zip(rows[TARGET_ROW]["seconds"], rows["MNE read"]["seconds"], strict=True)]
    new, old = rows["torch, consensus default, four outputs"], rows["torch, previous default (one model), four outputs"]
    ratios = [a / b for a, b in zip(new["seconds"], old["seconds"], strict=True)]
    lines += [
        "",
        f"Target: a night staged within {TARGET_STAGE_OVER_READ:g}× MNE's read: {onnx:.2f}× through ONNX with one "
        f"model ({'met' if onnx <= TARGET_STAGE_OVER_READ else 'NOT met'} by the medians; run by run "
        f"{', '.join(f'{r:.2f}' for r in over_read)}×; CSV, EDF+ annotations and statistics). "
        "YASA and GSSC only stage (no files written). Consensus default over previous default through torch, run "
        f"by run: {', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f}×; bound 1.5×).",
        "",
        "| Nights in one process | Models | Backend | Seconds | Nights per minute | Peak RSS (MB) |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for backend, row in result["many_nights"].items():
        lines.append(f"| {row['nights']} | {row.get('models', MODEL)} | {backend.split()[0]} | {row['seconds']:.1f} | "
                     f"{row['nights_per_minute']:.1f} | {row['peak_rss_mb']:.0f} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--nights", type=int, default=100, help="nights staged in one process")
    parser.add_argument("--many-backends", nargs="+", default=["onnx"], help="backends of the many-night run")
    parser.add_argument(
        "--consensus-nights", type=int, default=0, help="also this many nights with the consensus default (ONNX)"
    )
    parser.add_argument("--json", help="write the measurements here")
    args = parser.parse_args()
    import datetime

    from hf_sleep.data.synthetic import write_sleep_edf_night

    work = Path(tempfile.mkdtemp(prefix="onnx-stage-"))
    night, _ = write_sleep_edf_night(work / "night", hypnogram=None, subject=0, night=1, duration_hours=args.hours)
    info = machine_info()
    result = {
        "machine": f"{info.get('cpu')}, {info.get('cores')} cores",
        "date": datetime.date.today().isoformat(),
        "load_average": os.getloadavg()[0],
        "hours": args.hours,
        "one_night": one_night(str(night), work, args.repeats),
        "many_nights": {},
    }
    for backend in args.many_backends:  # the one-night figures are kept even if a long many-night run is cut short
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        result["many_nights"][backend] = many_nights(Path(night), work, args.nights, backend, consensus=False)
    if args.consensus_nights:
        result["many_nights"]["onnx consensus"] = many_nights(Path(night), work, args.consensus_nights, "onnx", True)
    result["load_average_end"] = os.getloadavg()[0]
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(render(result))


if __name__ == "__main__":
    main()
