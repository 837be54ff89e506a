"""Sections 1 and 1b: model time per hour of EEG, and whole-night staging end to end, against the peers.

All tools score the same generated night (`Context.staged_night`). Model time is the network alone on
the night's Fpz-Cz epochs (hf_sleep: `predict_night` with overlapping windows; braindecode: forward passes),
warm-up excluded. YASA and GSSC have no separate network call: their model time is their whole staging
call (YASA: features + LightGBM; GSSC: filtering, resampling and every channel permutation) inside each
fresh process. End to end is the wall time of a fresh process that reads the EDF and stages it.
"""

from __future__ import annotations

from typing import Any

from bench.harness.common import Stat, python_ours, ratio, run_process, thread_env
from bench.harness.context import Context, has_module

BRAINDECODE_MODELS = ("DeepSleepNet", "AttnSleep", "USleep")
# hf-sleep stage targets from the staging issue (8-h night, 2 cores).
TARGET_TINY_MODEL_SECONDS = 0.5
TARGET_TINY_END_TO_END_SECONDS = 6.0
# Key of the trained default stager's row (no --model: the bundled physioex SeqSleepNet).
DEFAULT_STAGER = "default"


def run(ctx: Context) -> dict[str, Any]:
    s = ctx.settings
    night = str(ctx.staged_night())
    result: dict[str, Any] = {"night_hours": s.night_hours, "recording": ctx.staged_night().name}

    ctx.log("inference: hf_sleep model time")
    result["ours"] = ctx.attempt(lambda: ctx.ours("infer", night, "--runs", str(s.model_runs)).json())
    ctx.log("inference: braindecode model time")
    peer_args = ("--recording", night, "--runs", str(s.model_runs))
    result["braindecode"] = ctx.attempt(lambda: ctx.peer("infer_braindecode.py", *peer_args).json())

    ctx.log("staging end to end: hf-sleep stage")
    ours_models = result["ours"].get("models", {}) if "error" not in result["ours"] else {}
    # Whole-night staging of the Fpz-Cz night: the architectures that take one EEG channel of 30-s epochs.
    human_eeg = [
        arch for arch, model in ours_models.items()
        if model.get("n_chans", 1) == 1 and model.get("epoch_seconds", 30.0) == 30.0
    ]  # fmt: skip
    if s.staged_archs is not None:
        human_eeg = [arch for arch in human_eeg if arch in s.staged_archs]
    result["stage_ours"] = {
        arch: ctx.attempt(lambda arch=arch: _stage_ours(ctx, arch, night)) for arch in human_eeg or ["tinysleepnet"]
    }
    # The trained default stager (bundled physioex SeqSleepNet): `hf-sleep stage` without --model.
    if s.staged_archs is None or DEFAULT_STAGER in s.staged_archs:
        result["stage_ours"][DEFAULT_STAGER] = ctx.attempt(lambda: _stage_ours(ctx, DEFAULT_STAGER, night))
    for tool, script in (("yasa", "stage_yasa.py"), ("gssc", "stage_gssc.py")):
        ctx.log(f"staging end to end: {tool}")
        result[tool] = ctx.attempt(lambda script=script: _stage_peer(ctx, script, night))
    return result


def _stage_ours(ctx: Context, arch: str, night: str) -> dict[str, Any]:
    if not has_module("hf_sleep.staging"):
        raise RuntimeError("hf_sleep.staging is not available yet (the staging issue's `hf-sleep stage`)")
    model_args = [] if arch == DEFAULT_STAGER else ["--model", str(ctx.saved_model(arch))]
    out_dir = ctx.work_dir / "staged" / arch
    command = [
        python_ours(), "-m", "hf_sleep.cli", "stage", night, *model_args, "--output-dir", str(out_dir),
        "--channels", "EEG Fpz-Cz", "--device", "cpu", "--overwrite", "--quiet",
    ]  # fmt: skip
    runs = [run_process(command, env=thread_env()) for _ in range(ctx.settings.process_runs)]
    return {"seconds": [r.seconds for r in runs], "peak_rss_mb": [r.peak_rss_mb for r in runs]}


def _stage_peer(ctx: Context, script: str, night: str) -> dict[str, Any]:
    runs = [ctx.peer(script, night) for _ in range(ctx.settings.process_runs)]
    outputs = [r.json() for r in runs]
    return {
        "seconds": [r.seconds for r in runs],
        "peak_rss_mb": [r.peak_rss_mb for r in runs],
        "model_seconds": [o["model_seconds"][0] for o in outputs],
        "n_epochs": outputs[0]["n_epochs"],
        "stages": outputs[0]["stages"],
        "parameters": outputs[0].get("parameters"),
    }


def _err(entry: Any) -> str | None:
    return entry.get("error") if isinstance(entry, dict) else "not measured"


def render(result: dict[str, Any]) -> str:
    hours = result["night_hours"]
    lines = [
        "## 1. Inference: model time per hour of EEG (CPU, 2 threads)",
        "",
        f"Every tool scores the same generated {hours:g}-h night (`{result['recording']}`, EEG Fpz-Cz, 100 Hz). "
        "Figures are seconds of model time per hour of EEG: median (min–max, n = runs), warm-up run excluded. "
        "hf_sleep runs `predict_night` as staging does (every overlapping window of `seq_len` epochs at stride 1, "
        "each epoch encoded once; DeepSleepNet in one pass with its LSTM states carried over, as its original "
        "scores nights); braindecode's DeepSleepNet and AttnSleep score each 30-s epoch alone (batches of 64), "
        "its USleep takes the whole night as one sequence. YASA's and GSSC's figure is their whole staging call "
        "(YASA: feature extraction + LightGBM; GSSC: 0.3–30 Hz filter, resampling, 3 channel permutations), "
        "timed inside each fresh process of the end-to-end runs below. Random weights for the neural networks "
        "(speed does not depend on them); YASA and GSSC use their shipped pre-trained weights.",
        "",
        "| Tool | Model | Parameters | Context (epochs) | s per hour of EEG | × hf_sleep TinySleepNet |",
        "|---|---|---:|---:|---:|---:|",
    ]
    ours = result.get("ours", {})
    per_hour: dict[str, Stat] = {}
    rows: list[tuple[str, str, str, str, Stat | None, str | None]] = []
    if _err(ours):
        rows.append(("hf_sleep", "all", "", "", None, _err(ours)))
    else:
        for name, entry in ours["models"].items():
            stat = Stat.of(entry["seconds"]).scaled(1 / entry.get("hours", ours["hours"]))
            per_hour[f"ours:{name}"] = stat
            rows.append(("hf_sleep", entry["display_name"], f"{entry['parameters']:,}", str(entry["seq_len"]), stat, None))
    bd = result.get("braindecode", {})
    if _err(bd):
        rows.append(("braindecode", ", ".join(BRAINDECODE_MODELS), "", "", None, _err(bd)))
    else:
        for name, entry in bd["models"].items():
            stat = Stat.of(entry["seconds"]).scaled(1 / bd["hours"])
            per_hour[f"braindecode:{name}"] = stat
            context = "whole night" if name == "USleep" else "1"
            rows.append(("braindecode", name, f"{entry['parameters']:,}", context, stat, None))
    for tool, label in (("yasa", "YASA"), ("gssc", "GSSC")):
        entry = result.get(tool, {})
        if _err(entry):
            rows.append((label, "", "", "", None, _err(entry)))
            continue
        stat = Stat.of(entry["model_seconds"]).scaled(1 / hours)
        per_hour[tool] = stat
        model = "LightGBM (eeg, pre-trained)" if tool == "yasa" else "CNN + GRU (pre-trained)"
        params = f"{entry['parameters']:,}" if entry.get("parameters") else "—"
        rows.append((label, model, params, "whole night", stat, None))
    reference = per_hour.get("ours:tinysleepnet")
    for tool, model, params, context, stat, error in rows:
        if error:
            lines.append(f"| {tool} | {model} | {params} | {context} | not measured: {error} | — |")
        else:
            lines.append(f"| {tool} | {model} | {params} | {context} | {stat.fmt()} | {ratio(stat, reference)} |")
    ours_dsn, bd_dsn = per_hour.get("ours:deepsleepnet"), per_hour.get("braindecode:DeepSleepNet")
    lines += [
        "",
        f"**Same architecture, DeepSleepNet:** hf_sleep / braindecode model time = **{ratio(ours_dsn, bd_dsn)}** "
        "(hf_sleep's runs the bidirectional LSTM once over the night in 25-epoch chunks with carried states, as "
        "the original evaluates; braindecode's over each epoch alone, so it sees no context).",
        "",
    ]
    lines += _render_staging(result, per_hour)
    return "\n".join(lines)


def _render_staging(result: dict[str, Any], per_hour: dict[str, Stat]) -> list[str]:
    hours = result["night_hours"]
    lines = [
        f"### 1b. Whole-night staging end to end ({hours:g}-h night, fresh process, 2 threads)",
        "",
        "Wall time of a fresh process that imports the tool, reads the EDF and stages every epoch "
        "(`hf-sleep stage night.edf --model DIR --output-dir DIR --channels 'EEG Fpz-Cz'`, which also writes its "
        "hypnogram CSV, EDF+ annotations, plot and statistics; `bench/peers/stage_yasa.py`, "
        "`bench/peers/stage_gssc.py`, which only stage). Median (min–max, n); peak RSS of the process.",
        "",
        "| Tool | Model | End to end (s) | Model time (s) | Peak RSS (MB) | End to end × hf-sleep TinySleepNet |",
        "|---|---|---:|---:|---:|---:|",
    ]
    stage_ours = result.get("stage_ours", {})
    ours_models = result.get("ours", {}).get("models", {})
    names = {arch: ours_models.get(arch, {}).get("display_name", arch) for arch in stage_ours}
    names[DEFAULT_STAGER] = "SeqSleepNet, trained default (physioex, no `--model`)"
    e2e: dict[str, Stat] = {}
    for arch, entry in stage_ours.items():
        if isinstance(entry, dict) and "seconds" in entry:
            e2e[arch] = Stat.of(entry["seconds"])
    reference = e2e.get("tinysleepnet")
    for arch, entry in stage_ours.items():
        model_time = per_hour.get(f"ours:{arch}")
        model_cell = model_time.scaled(hours).fmt() if model_time else "—"
        if _err(entry):
            lines.append(f"| hf-sleep stage | {names[arch]} | not measured: {_err(entry)} | {model_cell} | — | — |")
            continue
        rss = Stat.of(entry["peak_rss_mb"])
        lines.append(
            f"| hf-sleep stage | {names[arch]} | {e2e[arch].fmt()} | {model_cell} | {rss.fmt()} | {ratio(e2e[arch], reference)} |"
        )
    for tool, label in (("yasa", "YASA 0.8 `SleepStaging`"), ("gssc", "GSSC `EEGInfer.mne_infer`")):
        entry = result.get(tool, {})
        if _err(entry):
            lines.append(f"| {label} | | not measured: {_err(entry)} | — | — | — |")
            continue
        stat, model, rss = Stat.of(entry["seconds"]), Stat.of(entry["model_seconds"]), Stat.of(entry["peak_rss_mb"])
        lines.append(f"| {label} | pre-trained | {stat.fmt()} | {model.fmt()} | {rss.fmt()} | {ratio(stat, reference)} |")
    tiny_model = per_hour.get("ours:tinysleepnet")
    checks = []
    if tiny_model is not None and hours == 8:
        value = tiny_model.scaled(hours).median
        mark = "met" if value < TARGET_TINY_MODEL_SECONDS else "NOT met"
        checks.append(f"TinySleepNet model time on 8 h {value:.2f} s (target < {TARGET_TINY_MODEL_SECONDS} s: {mark})")
    if reference is not None and hours == 8:
        mark = "met" if reference.median < TARGET_TINY_END_TO_END_SECONDS else "NOT met"
        checks.append(
            f"`hf-sleep stage` end to end {reference.median:.2f} s (target < {TARGET_TINY_END_TO_END_SECONDS} s: {mark})"
        )
    if checks:
        lines += ["", "Targets: " + "; ".join(checks) + "."]
    lines.append("")
    return lines
