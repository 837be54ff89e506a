"""Staging with an exported ONNX graph and onnxruntime: no torch, no transformers.

    >>> from hf_sleep.staging.onnx_runtime import OnnxStagingModel
    >>> model = OnnxStagingModel.from_folder("stager-onnx")  # written by `hf-sleep export onnx`  # doctest: +SKIP
    >>> model.predict_night(epochs).stage_labels  # doctest: +SKIP

A folder holds `config.json`, `preprocessor_config.json` (the signal contract, applied in numpy by
[`hf_sleep.models.sleep_base.signal_contract.SignalContract`], the same code the torch path runs), `onnx/model.onnx`
(see `hf_sleep.staging.onnx_export`) and `onnx/staging.json`, which says what a runtime does before and after
the graph. [`hf_sleep.staging.one_night.stage_recording`] takes an [`OnnxStagingModel`] where it takes a torch
model, and writes the same four outputs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hf_sleep.staging.night_windows import NightPrediction, window_starts

GRAPH_FILE = "onnx/model.onnx"
STAGING_FILE = "onnx/staging.json"
# The `format` of `onnx/staging.json`: a runtime refuses a description it does not know.
STAGING_FORMAT = "hf_sleep-night-staging-1"


def has_onnx_graph(folder: str | os.PathLike) -> bool:
    """Whether `folder` holds an exported graph (`onnx/model.onnx` and `onnx/staging.json`)."""
    folder = Path(str(folder)).expanduser()
    return (folder / GRAPH_FILE).is_file() and (folder / STAGING_FILE).is_file()


def has_torch_weights(folder: str | os.PathLike) -> bool:
    """Whether `folder` holds weights torch loads (`*.safetensors` or `pytorch_model.bin`)."""
    folder = Path(str(folder)).expanduser()
    return any(folder.glob("*.safetensors")) or (folder / "pytorch_model.bin").is_file()


@dataclass
class OnnxModelConfig:
    """What staging reads of a model's `config.json`, without transformers.

    Args:
        model_type: the architecture.
        n_chans: channels per epoch.
        n_times: samples per epoch.
        epoch_seconds: epoch length in seconds.
        seq_len: epochs per window.
        id2label: stage names by class index.
        name_or_path: the folder, for the outputs' `model` field.
    """

    model_type: str
    n_chans: int
    n_times: int
    epoch_seconds: float
    seq_len: int
    id2label: dict[int, str]
    name_or_path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def num_labels(self) -> int:
        return len(self.id2label)

    @property
    def _name_or_path(self) -> str:  # the attribute transformers' configs carry
        return self.name_or_path

    @classmethod
    def from_json(cls, path: Path, name_or_path: str) -> OnnxModelConfig:
        content = _read_json(path)
        try:
            sfreq, epoch_seconds = float(content["sfreq"]), float(content["epoch_seconds"])
            return cls(
                model_type=str(content["model_type"]),
                n_chans=int(content["n_chans"]),
                n_times=int(round(sfreq * epoch_seconds)),
                epoch_seconds=epoch_seconds,
                seq_len=int(content.get("seq_len") or 1),
                id2label={int(key): str(value) for key, value in content["id2label"].items()},
                name_or_path=name_or_path,
                extra=content,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{path} is not an hf_sleep model config (missing or bad field: {error})") from None


class _ConfigFields:
    """A `config.json`'s fields as attributes, with `id2label` keyed by int (what `from_model_config` reads)."""

    def __init__(self, content: dict[str, Any]) -> None:
        self.__dict__.update(content)
        self.id2label = {int(key): value for key, value in content["id2label"].items()}
        self.num_labels = len(self.id2label)


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON ({' '.join(str(error).split())})") from None
    if not isinstance(content, dict):
        raise ValueError(f"{path} must hold a JSON object, not {type(content).__name__}")
    return content


class OnnxStagingModel:
    """An exported stager run with onnxruntime: [`predict_night`] gives what the torch path's `predict_night` gives.

    Args:
        folder: the exported folder.
        threads: onnxruntime's intra-op threads (`None`: its default, every core).
    """

    def __init__(self, folder: str | os.PathLike, threads: int | None = None) -> None:
        try:
            import onnxruntime
        except ImportError:
            raise ValueError(
                "staging with ONNX needs onnxruntime: pip install 'hf_sleep[onnx]' (or onnxruntime)"
            ) from None
        from hf_sleep.models.sleep_base.signal_contract import SignalContract

        folder = Path(str(folder)).expanduser()
        if not has_onnx_graph(folder):
            raise FileNotFoundError(
                f"model folder {folder} holds no exported graph ({GRAPH_FILE} and {STAGING_FILE}); write one with "
                "hf-sleep export onnx"
            )
        self.folder = folder
        self.description = _read_json(folder / STAGING_FILE)
        if self.description.get("format") != STAGING_FORMAT:
            raise ValueError(
                f"{folder / STAGING_FILE} has format {self.description.get('format')!r}; this hf_sleep reads "
                f"{STAGING_FORMAT!r} (export the model again)"
            )
        self.config = OnnxModelConfig.from_json(folder / "config.json", str(folder))
        contract = folder / "preprocessor_config.json"
        if contract.is_file():
            self.signal_contract = SignalContract.from_preprocessor_config(contract)
        else:  # a folder without one: the contract its config implies, as for torch models
            self.signal_contract = SignalContract.from_model_config(_ConfigFields(self.config.extra))
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3  # its warnings about unused initialisers are not the user's concern
        try:
            self.session = onnxruntime.InferenceSession(
                str(folder / GRAPH_FILE), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own types for a damaged file
            raise ValueError(f"{folder / GRAPH_FILE} is not a graph onnxruntime can load ({' '.join(str(error).split())[:200]})") from None

    @classmethod
    def from_folder(cls, folder: str | os.PathLike, threads: int | None = None) -> OnnxStagingModel:
        return cls(folder, threads)

    @property
    def stage_names(self) -> list[str]:
        return [self.config.id2label[index] for index in range(self.config.num_labels)]

    def logits(self, epochs: np.ndarray, window_index: np.ndarray) -> np.ndarray:
        """The graph's `(n_windows, window, num_labels)` logits for a night's epochs and its windows."""
        feeds = {
            "input_values": np.ascontiguousarray(epochs, dtype=np.float32),
            "window_index": np.ascontiguousarray(window_index, dtype=np.int64),
        }
        return self.session.run(["logits"], feeds)[0]

    def predict_night(
        self, epochs: np.ndarray, *, stride: int | None = None, window_offset: int = 0, **_: Any
    ) -> NightPrediction:
        """Stages a whole night: `(n_epochs, n_chans, n_times)` epochs in the model's units.

        One graph call scores every window (the graph encodes each epoch once); `stride` and `window_offset` as for
        the torch path (default stride 1; DeepSleepNet's whole-night pass is not exported, its graph scores
        windows). The night must
        be at least one window long: the graph's window is fixed at the model's `seq_len`.
        """
        config = self.config
        epochs = np.asarray(epochs)
        expected = (config.n_chans, config.n_times)
        if epochs.ndim != 3 or tuple(epochs.shape[1:]) != expected:
            raise ValueError(
                f"epochs must have shape (n_epochs, {expected[0]}, {expected[1]}) for this model, got {epochs.shape}"
            )
        n_epochs, window = len(epochs), int(self.description["window"])
        if n_epochs < window:  # the exported graph's window is fixed (recurrent layers are unrolled over it)
            minutes = window * config.epoch_seconds / 60
            raise ValueError(
                f"the exported graph scores windows of {window} epochs and needs at least {window} epochs "
                f"({minutes:g} min) of scorable signal, got {n_epochs}: stage this recording with --backend torch"
            )
        padding = int(self.description.get("end_padding_epochs", 0))
        if padding:  # zero-valued epochs at both ends, staged and then dropped (RobustSleepNet's original)
            zeros = np.zeros((padding, *epochs.shape[1:]), dtype=np.float32)
            epochs = np.concatenate([zeros, epochs, zeros])
        starts = window_starts(len(epochs), window, stride or 1, window_offset)
        index = np.asarray(starts, dtype=np.int64)[:, None] + np.arange(window, dtype=np.int64)
        logits = self.logits(epochs, index).astype(np.float64)
        log_probs = logits - logits.max(axis=-1, keepdims=True)
        log_probs -= np.log(np.exp(log_probs).sum(axis=-1, keepdims=True))
        fuse_probabilities = self.description.get("fusion", "log_probability") == "probability"
        scores = np.exp(log_probs) if fuse_probabilities else log_probs
        log_prob_sum = np.zeros((len(epochs), config.num_labels))
        np.add.at(log_prob_sum, index.reshape(-1), scores.reshape(-1, config.num_labels))
        n_windows = np.bincount(index.reshape(-1), minlength=len(epochs)).astype(np.float64)
        if fuse_probabilities:  # mean probability, stored as n_windows * log(mean) (see NightPrediction)
            log_prob_sum = np.log(np.maximum(log_prob_sum / n_windows[:, None], 1e-300)) * n_windows[:, None]
        kept = slice(padding, len(epochs) - padding)
        log_prob_sum, n_windows = log_prob_sum[kept], n_windows[kept]
        return NightPrediction(log_prob_sum, n_windows, self.stage_names)


# How `hf-sleep stage --backend` runs a model: `auto` takes the ONNX graph of a folder that has no torch weights.
BACKENDS: tuple[str, ...] = ("auto", "torch", "onnx")


def staging_model(model: Any, backend: str = "auto") -> Any:
    """`model` as the staging path runs it: an [`OnnxStagingModel`] for the ONNX backend, else unchanged.

    Args:
        model: a model folder (a bundled model's, as `hf_sleep.pretrained.resolve_bundled` gives), a Hub id or a
            model instance.
        backend: `"torch"`, `"onnx"` (the folder's `onnx/model.onnx` with onnxruntime: neither torch nor
            transformers is imported), or `"auto"`: ONNX for a folder holding a graph but no torch weights.

    Raises:
        ValueError: an unknown backend, or `"onnx"` for something that is not a folder with a graph.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "torch" or isinstance(model, OnnxStagingModel):
        return model
    is_folder = isinstance(model, (str, os.PathLike)) and Path(str(model)).expanduser().is_dir()
    if backend == "onnx":
        if not is_folder:
            raise ValueError(
                f"--backend onnx stages a bundled model or a folder written by hf-sleep export onnx, got {model!r}"
            )
        return OnnxStagingModel(model)
    if is_folder and has_onnx_graph(model) and not has_torch_weights(model):
        return OnnxStagingModel(model)
    return model
