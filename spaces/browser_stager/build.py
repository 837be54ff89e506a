"""Builds the browser stager into `dist/`: the page, its modules, onnxruntime-web's WASM runtime (from
`node_modules`, installed with `npm ci`) and the graphs of the bundled consensus with their manifest.

    npm ci && python build.py            # then serve dist/ (python -m http.server -d dist)

The graphs are the bundled models' `onnx/model.onnx` (written by `hf-sleep export onnx`); a bundled folder
without one is exported here, into `.graphs/` beside this file (kept between builds, not committed). The manifest carries what the page needs to prepare a night as the Python path does:
the models' windows and stage names from `onnx/staging.json`, and the band-pass of RobustSleepNet's preprocessing
designed by scipy (its coefficients and `lfilter_zi` state do not depend on the recording).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# onnxruntime-web's WASM build: its ES module and the runtime it loads (the single-threaded fallback included).
RUNTIME_FILES = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
PAGE_FILES = ("index.html", "README.md")  # dist/ is the Space as published: its README is its front matter
GRAPH_CACHE = HERE / ".graphs"


def graph_folder(name: str) -> Path:
    """The folder holding `name`'s `onnx/model.onnx` and `onnx/staging.json`: the bundled one, else an export."""
    from hf_sleep.pretrained import pretrained_path
    from hf_sleep.staging.onnx_runtime import has_onnx_graph

    folder = Path(pretrained_path(name))
    if has_onnx_graph(folder):
        return folder
    exported = GRAPH_CACHE / name
    if not has_onnx_graph(exported):
        from hf_sleep.staging.onnx_export import export_onnx

        export_onnx(name, exported, overwrite=True)
    return exported


def manifest(models: list[str]) -> dict:
    from scipy import signal

    from hf_sleep.models.sleep_base.signal_contract import SignalContract
    from hf_sleep.pretrained import pretrained_path
    from hf_sleep.staging.consensus import MAX_EEG_DERIVATIONS

    entries, steps, contracts = [], [], []
    for name in models:
        folder = Path(pretrained_path(name))
        description = json.loads((graph_folder(name) / "onnx" / "staging.json").read_text())
        contract = SignalContract.from_preprocessor_config(folder / "preprocessor_config.json")
        (step,) = [s for s in contract.preprocessing if s["name"] == "robustsleepnet"]
        steps.append(step)
        contracts.append((contract.sfreq, contract.epoch_seconds))
        entries.append({
            "name": name,
            "graph": f"models/{name}.onnx",
            **{key: description[key] for key in ("window", "fusion", "end_padding_epochs", "stage_names")},
        })
    if any(s != steps[0] for s in steps) or len(set(contracts)) != 1:
        raise SystemExit("the consensus models prepare their signal differently; the page prepares it once")
    step, (sfreq, epoch_seconds) = steps[0], contracts[0]
    intermediate = float(step.get("intermediate_sfreq", 100.0))
    order = int(step.get("filter_order", 2))
    edges = [edge * 2.0 / intermediate for edge in (step.get("l_freq", 0.2), step.get("h_freq", 30.0))]
    b, a = signal.iirfilter(order, edges, btype="bandpass", ftype="butter")
    return {
        "models": entries,
        "max_eeg_derivations": MAX_EEG_DERIVATIONS,
        "epoch_seconds": epoch_seconds,
        "preprocessing": {
            "intermediate_sfreq": intermediate,
            "target_sfreq": sfreq,
            "clip_iqr": float(step.get("clip_iqr", 20.0)),
            "eps": float(step.get("eps", 1e-5)),
            "b": b.tolist(),
            "a": a.tolist(),
            "zi": signal.lfilter_zi(b, a).tolist(),
        },
    }


def build(out: Path, models: list[str] | None = None) -> Path:
    from hf_sleep.pretrained import ROBUSTSLEEPNET_MODELS

    models = list(models or ROBUSTSLEEPNET_MODELS)
    runtime = HERE / "node_modules" / "onnxruntime-web" / "dist"
    if not runtime.is_dir():
        raise SystemExit(f"{runtime} is missing: run `npm ci` in {HERE} first")
    if out.exists():
        shutil.rmtree(out)
    (out / "models").mkdir(parents=True)
    for name in PAGE_FILES:
        shutil.copy2(HERE / name, out / name)
    shutil.copytree(HERE / "src", out / "src")
    (out / "ort").mkdir()
    for name in RUNTIME_FILES:
        shutil.copy2(runtime / name, out / "ort" / name)
    for name in models:
        shutil.copy2(graph_folder(name) / "onnx" / "model.onnx", out / "models" / f"{name}.onnx")
    (out / "models" / "manifest.json").write_text(json.dumps(manifest(models), indent=1) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "dist", help="the folder to write (replaced)")
    parser.add_argument("--models", nargs="*", help="bundled models of the consensus (default: RobustSleepNet's 7)")
    args = parser.parse_args(argv)
    print(build(args.out, args.models))
    return 0


if __name__ == "__main__":
    sys.exit(main())
