"""ONNX export of a sleep-staging model as one graph that stages a whole night.

    >>> from hf_sleep.staging.onnx_export import export_onnx
    >>> export_onnx("hf-sleep/seqsleepnet-physioex-eeg", "stager-onnx")  # doctest: +SKIP

The graph takes a night's preprocessed epochs and the epochs of every window to score, and returns each window's
logits: the same split as [`hf_sleep.staging.inference.predict_night`] (each epoch encoded once, the sequence part
run per window), with what the model computes in torch inside it (SeqSleepNet's spectrogram, its standardisation
over the whole recording and the filterbank). What a runtime does before and after the graph is written beside it
in `onnx/staging.json` ([`staging_description`]); `hf_sleep.staging.onnx_runtime` is that runtime, in numpy.

The folder written is laid out as a Hub repository for transformers.js: `config.json` and
`preprocessor_config.json` at the top, the graph as `onnx/model.onnx`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hf_sleep.staging.night_windows import window_starts
from hf_sleep.staging.onnx_runtime import GRAPH_FILE, STAGING_FILE, STAGING_FORMAT

# The opset the graphs are written in: onnxruntime 1.17 and onnxruntime-web run it (DFT included).
OPSET = 18
EXPORTERS: tuple[str, ...] = ("dynamo", "torchscript")


class NightStagingGraph(torch.nn.Module):
    """`(input_values (n_epochs, n_chans, n_times) float32, window_index (n_windows, window) int64)` ->
    `logits (n_windows, window, num_labels)`: every epoch encoded once, then the sequence part per window (a model
    without that split runs on each window whole, as `predict_night` runs it).

    A model that standardises its input over the whole recording (physioex's SeqSleepNet) computes the statistics
    of `input_values` inside the graph, as `predict_night` does for the night it stages.
    """

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_values: torch.Tensor, window_index: torch.Tensor) -> torch.Tensor:
        statistics = getattr(self.model, "recording_statistics", None)
        # One pass over the whole night: the graph has no loop over chunks whose count depends on n_epochs.
        with statistics(input_values, batch_size=None) if statistics else contextlib.nullcontext():
            try:
                embeddings = self.model.embed_epochs(input_values)
            except NotImplementedError:  # a model that does not split (RobustSleepNet): every window whole
                return self.model(input_values[window_index]).logits
        return self.model.stage_windows(embeddings, window_index)


def example_inputs(config: Any, n_epochs: int | None = None, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A random night of `n_epochs` (default: two windows' worth and a bit) and its stride-1 windows."""
    window = int(getattr(config, "seq_len", 1) or 1)
    n_epochs = n_epochs or 2 * window + 3
    generator = torch.Generator().manual_seed(seed)
    epochs = 20.0 * torch.randn(n_epochs, config.n_chans, config.n_times, generator=generator)
    starts = window_starts(n_epochs, min(window, n_epochs))
    index = torch.as_tensor(starts)[:, None] + torch.arange(min(window, n_epochs))
    return epochs, index


def _constant_window(kind: str):
    """An ONNX translation of `torch.<kind>_window` as a constant: the window is fixed by the config, and ONNX's
    own HammingWindow uses other coefficients (25/46, 21/46) than torch's (0.54, 0.46)."""
    import onnx
    from onnxscript import opset18 as op

    window_function = getattr(torch, f"{kind}_window")

    def constant(window_length, periodic=True, dtype=None, layout=None, device=None, pin_memory=None):
        if isinstance(dtype, int):  # the exporter passes ONNX's element type
            dtype = onnx.helper.tensor_dtype_to_np_dtype(dtype)
        elif isinstance(dtype, torch.dtype):
            dtype = torch.empty((), dtype=dtype).numpy().dtype
        values = window_function(int(window_length), periodic=bool(periodic), dtype=torch.float64).numpy()
        return op.Constant(value=onnx.numpy_helper.from_array(values.astype(dtype or np.float32)))

    return constant


def _export(graph: NightStagingGraph, inputs: tuple, path: Path, exporter: str, window: int) -> None:
    names = {"input_names": ["input_values", "window_index"], "output_names": ["logits"]}
    if exporter == "dynamo":
        # The window stays seq_len: torch.export unrolls recurrent layers over it (see `staging_description`).
        shapes = ({0: torch.export.Dim("n_epochs", min=window)}, {0: torch.export.Dim("n_windows", min=1)})
        program = torch.onnx.export(
            graph, inputs, dynamic_shapes=shapes, opset_version=OPSET, dynamo=True, verbose=False,
            optimize=True, custom_translation_table={
                torch.ops.aten.hamming_window.periodic: _constant_window("hamming"),
            }, **names,
        )  # fmt: skip
        program.save(str(path))
        return
    axes = {"input_values": {0: "n_epochs"}, "window_index": {0: "n_windows", 1: "window"}, "logits": {0: "n_windows", 1: "window"}}
    torch.onnx.export(graph, inputs, str(path), dynamo=False, opset_version=OPSET, dynamic_axes=axes, **names)


def _max_difference(path: Path, graph: NightStagingGraph, inputs: tuple) -> float:
    """The largest absolute difference between onnxruntime's logits and torch's on `inputs`."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {"input_values": inputs[0].numpy(), "window_index": inputs[1].numpy()}
    with torch.no_grad():
        expected = graph(*inputs).numpy()
    return float(np.abs(session.run(["logits"], feeds)[0] - expected).max())


def export_graph(model: Any, path: str | os.PathLike, exporter: str = "auto", tolerance: float = 1e-4) -> str:
    """Writes `model`'s [`NightStagingGraph`] to `path` (ONNX, opset [`OPSET`]) and returns the exporter used.

    Args:
        model: an hf_sleep `...ForSleepStaging` model (put in eval mode, on the CPU, in float32).
        path: the `.onnx` file to write.
        exporter: `"dynamo"` (`torch.export`), `"torchscript"`, or `"auto"`: dynamo, else TorchScript when dynamo
            fails or its graph disagrees with torch on a night of another length than the one it was traced on.
        tolerance: the largest difference of logits from torch's accepted from an exporter.

    Raises:
        ValueError: no exporter gives a graph that runs and agrees with torch.
    """
    if exporter not in ("auto", *EXPORTERS):
        raise ValueError(f"exporter must be 'auto' or one of {EXPORTERS}, got {exporter!r}")
    model = model.to("cpu", torch.float32).eval()
    graph = NightStagingGraph(model).eval()
    window = int(getattr(model.config, "seq_len", 1) or 1)
    traced = example_inputs(model.config)
    # Checked on other lengths than traced: a night of one window, and a longer one.
    checks = [example_inputs(model.config, n, seed=1) for n in (window, 3 * window + 7)]
    problems = []
    for candidate in EXPORTERS if exporter == "auto" else (exporter,):
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(None):
                warnings.simplefilter("ignore")
                _export(graph, traced, Path(path), candidate, window)
            difference = max(_max_difference(Path(path), graph, inputs) for inputs in checks)
        except Exception as error:  # exporters fail with many error types; the next one is tried
            problems.append(f"{candidate}: {' '.join(str(error).split())[:300]}")
            continue
        if difference <= tolerance:
            return candidate
        problems.append(f"{candidate}: logits differ from torch's by {difference:.2g}")
    Path(path).unlink(missing_ok=True)
    raise ValueError(f"could not export {model.config.model_type} to ONNX ({'; '.join(problems)})")


def steps_before_the_graph(contract: Any) -> list[str]:
    """How a runtime turns a recording into `input_values` under `contract`, in words, step by step."""
    steps = [
        f"read the channels {contract.ch_names} (an 'A - B' name is A minus B; a bare 'EEG', 'EOG' or 'EMG' is a "
        "channel of that kind picked by name) in microvolts"
        + ("" if contract.reference is None else f", re-referenced to {contract.reference}"),
        "set NaN and infinite samples to 0 and mark the epochs that held any: they are left out of input_values "
        "and reported as unscorable ('?')",
    ]
    named = [step for step in contract.preprocessing if step["name"] in ("robustsleepnet", "slumbernet")]
    if named:  # a model's own chain resamples and filters (SignalContract.prepare_signal / prepare_epochs)
        steps += [
            f"the named step {step} of preprocessor_config.json: hf_sleep.models.sleep_base.preprocessing."
            f"{step['name']}_preprocess, which filters and resamples to {contract.sfreq:g} Hz itself"
            for step in named
        ]
    else:
        steps.append(f"resample each channel to {contract.sfreq:g} Hz (scipy.signal.resample_poly)")
    if contract.units != "uV":
        steps.insert(1, f"convert to {contract.units}")
    cut = (
        f"cut into {contract.epoch_seconds:g}-s epochs of {contract.n_times} samples from the first sample (a partial "
        "epoch at the end is dropped)"
    )
    if contract.filter is not None:
        design = contract.filter
        filtering = (
            f"band-pass {contract.l_freq}-{contract.h_freq} Hz: "
            + (f"Butterworth of order {design.get('order', 5)} as second-order sections, " if design.get("method") == "butter" else "MNE's FIR, ")
            + ("zero-phase (scipy.signal.sosfiltfilt)" if design.get("zero_phase", True) else "causal")
        )
        if design.get("scope", "recording") == "epoch":
            steps += [cut, f"{filtering}, each epoch and channel alone"]
        else:
            steps += [f"{filtering}, over the whole signal", cut]
    else:
        steps.append(cut)
    steps.append("the result, float32 (n_epochs, n_chans, n_times), is input_values")
    return steps


def staging_description(model: Any, contract: Any, exporter: str) -> dict[str, Any]:
    """What `onnx/staging.json` says: the graph's inputs and outputs, and the steps before and after it."""
    config = model.config
    window = int(getattr(config, "seq_len", 1) or 1)
    stage_names = [config.id2label[index] for index in range(config.num_labels)]
    return {
        "format": STAGING_FORMAT,
        "graph": Path(GRAPH_FILE).name,
        "opset": OPSET,
        "exporter": exporter,
        "torch_version": torch.__version__.split("+")[0],
        "model_type": config.model_type,
        "inputs": {
            "input_values": {
                "dtype": "float32",
                "shape": ["n_epochs", int(config.n_chans), int(config.n_times)],
                "what": "every scorable epoch of one night, in order (the whole night: statistics over the "
                "recording are computed inside the graph)",
            },
            "window_index": {
                "dtype": "int64",
                "shape": ["n_windows", "window"],
                "what": f"the epochs of each window: start + 0..{window - 1}, starts every `stride` epochs (default "
                "1) and a last window ending at the last epoch; the window is fixed, so a night needs at least "
                f"{window} epochs",
            },
        },
        "outputs": {"logits": {"dtype": "float32", "shape": ["n_windows", "window", config.num_labels]}},
        "window": window,
        "stride": 1,
        # RobustSleepNet: the windows' probabilities averaged, and zero-valued epochs added at both ends.
        "fusion": getattr(model, "window_fusion", "log_probability"),
        "end_padding_epochs": int(getattr(config, "end_padding_epochs", 0) or 0),
        "stage_names": stage_names,
        "epoch_seconds": float(config.epoch_seconds),
        "before_the_graph": steps_before_the_graph(contract),
        "after_the_graph": [
            "log_softmax of each window's logits over the stages, in float64",
            "fusion 'log_probability': sum each epoch's log-probabilities over every window containing it; the "
            "stage is the arg max; its probabilities are the softmax of that sum divided by the number of windows",
            "fusion 'probability': average each epoch's probabilities over every window containing it; the stage "
            "is the arg max",
            "end_padding_epochs > 0: that many all-zero epochs are added at both ends of input_values before the "
            "windows are cut, and their scores dropped after",
        ],
        "preprocessor_config": "../preprocessor_config.json",
    }


def export_onnx(
    model: Any, out_dir: str | os.PathLike, *, exporter: str = "auto", overwrite: bool = False
) -> dict[str, Any]:
    """Exports a model to `out_dir`: `config.json`, `preprocessor_config.json`, `onnx/model.onnx`, `onnx/staging.json`.

    Args:
        model: a bundled name (`"hf-sleep/seqsleepnet-physioex-eeg"`), a folder saved with `save_pretrained`, a Hub
            id, or a model instance.
        out_dir: the folder to write (created); it may be the model's own folder (the ONNX files are added).
        exporter: as for [`export_graph`].
        overwrite: replace an existing `onnx/model.onnx`.

    Returns:
        The content of `onnx/staging.json`.
    """
    import importlib.util

    from hf_sleep.pretrained import resolve_bundled
    from hf_sleep.staging.model_loading import load_feature_extractor, load_model

    missing = [name for name in ("onnx", "onnxscript", "onnxruntime") if importlib.util.find_spec(name) is None]
    if missing:
        raise ValueError(f"the ONNX export needs {', '.join(missing)}: pip install 'hf_sleep[onnx]'")
    out_dir = Path(out_dir)
    if (out_dir / GRAPH_FILE).exists() and not overwrite:
        raise FileExistsError(f"{out_dir / GRAPH_FILE} already exists (use --overwrite to replace it)")
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"output {out_dir} is a file, not a folder")
    model = resolve_bundled(model)
    source = model if isinstance(model, (str, os.PathLike)) else getattr(model.config, "_name_or_path", "")
    model = load_model(model, "cpu", progress=False)
    contract = load_feature_extractor(source, model.config)
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    # Written into a hidden folder first and moved into place: a failed export leaves nothing half-written.
    scratch = Path(tempfile.mkdtemp(prefix=".hf-sleep-export-", dir=out_dir))
    try:
        (scratch / "onnx").mkdir()
        used = export_graph(model, scratch / GRAPH_FILE, exporter)
        description = staging_description(model, contract, used)
        (scratch / STAGING_FILE).write_text(json.dumps(description, indent=2) + "\n")
        model.config.to_json_file(scratch / "config.json")
        contract.to_json_file(scratch / "preprocessor_config.json")
        (out_dir / "onnx").mkdir(exist_ok=True)
        for name in (GRAPH_FILE, STAGING_FILE, "config.json", "preprocessor_config.json"):
            if name.startswith("onnx/") or not (out_dir / name).exists():  # a model folder keeps its own JSON
                os.replace(scratch / name, out_dir / name)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        if created:  # a folder made for this export goes with it
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    shutil.rmtree(scratch, ignore_errors=True)
    return description
