"""The model explorer's logic, free of any UI: build a model from a signal shape and hyper-parameters,
describe it (parameter count, layer table, input/output contract, model card) and stage a night with it.

`app.py` only lays these functions out in Gradio; the tests call them directly.
"""

from __future__ import annotations

import inspect
import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from hf_sleep import AASM_STAGES, ARCHITECTURES, get_architecture
from hf_sleep.models.sleep_base import SleepFeatureExtractor, SleepStagingConfig

# Arguments every architecture shares; the explorer sets them from the signal-shape controls.
SIGNAL_ARGUMENTS: tuple[str, ...] = ("n_chans", "sfreq", "epoch_seconds", "seq_len")
# Usual label sets by number of classes (others are named Stage0, Stage1, ...).
LABEL_SETS: dict[int, tuple[str, ...]] = {
    2: ("W", "Sleep"),
    3: ("W", "NREM", "REM"),
    4: ("W", "Light", "Deep", "REM"),
    5: AASM_STAGES,
}
DEFAULT_CHANNELS: tuple[str, ...] = ("EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal")


def architecture_choices() -> list[tuple[str, str]]:
    """`(display name, model_type)` for every registered architecture, for a dropdown."""
    return [(arch.display_name, name) for name, arch in ARCHITECTURES.items()]


def hyperparameter_defaults(name: str) -> dict[str, Any]:
    """The architecture's own hyper-parameters (everything but the signal shape and the shared contract) with
    their defaults, from its config class and any intermediate base (e.g. the DeepSleepBench heads' options)."""
    from hf_sleep.models.sleep_base import SleepStagingConfig

    defaults: dict[str, Any] = {}
    for klass in get_architecture(name).config_class.__mro__:
        # By name: each configuration file holds its own copy of the base (self-contained).
        if klass.__name__ == SleepStagingConfig.__name__ or klass.__module__.startswith("transformers"):
            break
        for parameter in inspect.signature(klass.__init__).parameters.values():
            if (
                parameter.name not in ("self", *SIGNAL_ARGUMENTS)
                and parameter.kind is not inspect.Parameter.VAR_KEYWORD
                and parameter.default is not inspect.Parameter.empty
            ):
                defaults.setdefault(parameter.name, parameter.default)
    return defaults


def default_signal_shape(name: str) -> dict[str, Any]:
    """The architecture's default signal shape: `n_chans`, `sfreq`, `epoch_seconds`, `seq_len`, classes."""
    config = get_architecture(name).config_class()
    return {**{key: getattr(config, key) for key in SIGNAL_ARGUMENTS}, "num_classes": config.num_labels}


def parse_hyperparameters(text: str | dict | None) -> dict[str, Any]:
    """Hyper-parameters from the explorer's JSON box; a clear `ValueError` when it is not a JSON object."""
    if text is None or text == "":
        return {}
    if isinstance(text, dict):
        return text
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"hyper-parameters must be a JSON object: {error}") from None
    if not isinstance(values, dict):
        raise ValueError(f"hyper-parameters must be a JSON object, got {type(values).__name__}")
    return values


def build_config(
    name: str,
    n_chans: int = 1,
    sfreq: float = 100.0,
    epoch_seconds: float = 30.0,
    seq_len: int | None = None,
    num_classes: int = 5,
    hyperparameters: str | dict | None = None,
) -> SleepStagingConfig:
    """The config for the explorer's settings; unknown hyper-parameters are refused by name."""
    arch = get_architecture(name)
    values = parse_hyperparameters(hyperparameters)
    known = hyperparameter_defaults(name)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"{arch.display_name} has no hyper-parameter {', '.join(unknown)}; it has: {', '.join(known)}")
    n_chans, num_classes = int(n_chans), int(num_classes)
    if num_classes < 2:
        raise ValueError(f"number of classes must be at least 2, got {num_classes}")
    labels = LABEL_SETS.get(num_classes, tuple(f"Stage{i}" for i in range(num_classes)))
    shape = {"n_chans": n_chans, "sfreq": float(sfreq), "epoch_seconds": float(epoch_seconds)}
    if seq_len is not None:
        shape["seq_len"] = int(seq_len)
    return arch.config_class(**shape, **values, id2label=dict(enumerate(labels)))


def explorer_channels(n_chans: int) -> list[str]:
    """The channel names the explorer gives a model of `n_chans` inputs."""
    return list(DEFAULT_CHANNELS[:n_chans]) + [f"EEG{i + 1}" for i in range(len(DEFAULT_CHANNELS), n_chans)]


def count_parameters(model: torch.nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def _shape(output: Any) -> str:
    if isinstance(output, torch.Tensor):
        return str(tuple(output.shape))
    if isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        return str(tuple(output[0].shape))  # an LSTM's (output, (h, c)): the output sequence
    if isinstance(output, dict):  # a ModelOutput: its first field (logits, last_hidden_state)
        first = next((value for value in output.values() if isinstance(value, torch.Tensor)), None)
        return "" if first is None else str(tuple(first.shape))
    return ""


def layer_table(model: torch.nn.Module, batch_size: int = 1) -> list[list[Any]]:
    """`[layer, type, output shape, parameters]` for every module down to the leaves, from one forward pass
    of a `(batch_size, seq_len, n_chans, n_times)` input.

    The pass runs the training-mode code path with batch norm and dropout in evaluation mode: in evaluation
    mode some encoders fold batch norm into the convolution and never call their `Conv1d`/`BatchNorm1d`/
    activation modules, so their hooks would not fire. Buffers (running statistics) are restored afterwards.
    Modules that the forward pass does not use (e.g. a decoder of another head) are marked as such.
    """
    config = model.config
    rows: dict[str, list[Any]] = {}
    hooks = []
    for name, module in model.named_modules():
        if not name:
            continue
        own = sum(p.numel() for p in module.parameters())
        rows[name] = [name, type(module).__name__, "", own]

        def record(_module, _inputs, output, name=name):
            if not rows[name][2]:  # the first call (some modules run once per channel)
                rows[name][2] = _shape(output)

        hooks.append(module.register_forward_hook(record))
    was_training = model.training
    buffers = {name: buffer.clone() for name, buffer in model.named_buffers()}
    model.train()
    for module in model.modules():
        if isinstance(module, (torch.nn.modules.batchnorm._BatchNorm, torch.nn.modules.dropout._DropoutNd)):
            module.eval()  # running statistics, no random masks: the shapes of inference, every module called
    try:
        with torch.no_grad():
            model(torch.zeros(batch_size, config.seq_len, config.n_chans, config.n_times))
    finally:
        for hook in hooks:
            hook.remove()
        with torch.no_grad():
            for name, buffer in model.named_buffers():
                buffer.copy_(buffers[name])
        model.train(was_training)
    modules = dict(model.named_modules())
    for name, row in rows.items():
        if not row[2]:
            row[2] = _why_no_shape(name, modules[name], rows)
    return list(rows.values())


def _why_no_shape(name: str, module: torch.nn.Module, rows: dict[str, list[Any]]) -> str:
    """What the shape column says for a module whose forward the pass did not call."""
    if isinstance(module, (torch.nn.ModuleList, torch.nn.ModuleDict)):
        return "list of layers"
    if any(row[2] and key.startswith(name + ".") for key, row in rows.items()):
        return "runs through its layers"
    parent = rows.get(name.rpartition(".")[0])
    if parent and parent[2] and not next(module.children(), None):
        return f"weights used inside {parent[1]}"  # e.g. a MultiheadAttention's output projection
    if not next(module.children(), None) and next(module.parameters(), None) is not None:
        return "learned tokens"
    return "not used by forward"


def io_contract(config: SleepStagingConfig, channels: list[str], units: str = "uV") -> str:
    """The input/output contract of a model with this config reading `channels` in `units`, in Markdown."""
    from hf_sleep.hub.model_card import UNIT_NAMES

    labels = ", ".join(f"{i} = {name}" for i, name in config.id2label.items())
    return "\n".join(
        [
            f"- **Input** `input_values`: `(batch, {config.seq_len}, {config.n_chans}, {config.n_times})` = "
            f"(batch, seq_len, n_chans, n_times), {config.n_times} samples = {config.sfreq:g} Hz × "
            f"{config.epoch_seconds:g} s, in **{UNIT_NAMES[units]}**; a 3-D `(batch, {config.n_chans}, "
            f"{config.n_times})` input is one epoch.",
            f"- **Channels**: {', '.join(channels)}",
            f"- **Output** `logits`: `(batch, {config.seq_len}, {config.num_labels})`; `loss` when `labels` "
            "`(batch, seq_len)` are given (`-100` ignored).",
            f"- **Labels**: {labels}",
            "- **Whole nights**: `hf_sleep.staging.inference.predict_night` fuses overlapping windows of "
            f"{config.seq_len} epochs by summed log-probabilities.",
        ]
    )


# --- Model card --------------------------------------------------------------------------------------------
# A simple stand-in: the Hub card renderer (hf_sleep.hub) replaces this function when it lands.
def render_model_card(model: torch.nn.Module) -> str:
    """The package's architecture-only model card for this (randomly initialised) model, as Markdown."""
    from hf_sleep.hub.model_card import model_card_for

    return model_card_for(model, trained=False).text


@dataclass
class Exploration:
    """Everything the explorer shows about one model."""

    config: SleepStagingConfig
    n_parameters: int
    layers: list[list[Any]]
    contract: str
    card: str

    @property
    def parameter_text(self) -> str:
        return f"**{self.n_parameters:,} parameters** ({self.n_parameters / 1e6:.2f} M)"


def explore(
    name: str,
    n_chans: int = 1,
    sfreq: float = 100.0,
    epoch_seconds: float = 30.0,
    seq_len: int | None = None,
    num_classes: int = 5,
    hyperparameters: str | dict | None = None,
) -> Exploration:
    """Builds the model for these settings and describes it."""
    config = build_config(name, n_chans, sfreq, epoch_seconds, seq_len, num_classes, hyperparameters)
    torch.manual_seed(0)
    model = get_architecture(name).model_class(config)
    return Exploration(config, count_parameters(model), layer_table(model), io_contract(config, explorer_channels(config.n_chans)),
                       render_model_card(model))


# --- Staging a night ----------------------------------------------------------------------------------------
_WORK_DIR = Path(tempfile.mkdtemp(prefix="hf-sleep-explorer-"))


def bundled_night(hours: float = 8.0) -> Path:
    """The generated demo night (made once per process, deterministic)."""
    from hf_sleep.staging.demo_night import make_demo_night

    return make_demo_night(_WORK_DIR / "nights", hours=hours, seed=0)


def stage_night(
    name: str,
    n_chans: int = 1,
    sfreq: float = 100.0,
    epoch_seconds: float = 30.0,
    seq_len: int | None = None,
    num_classes: int = 5,
    hyperparameters: str | dict | None = None,
    *,
    recording: str | Path | None = None,
    checkpoint: str | None = None,
    channels: str | list[str] | None = None,
    pretrained: str | None = None,
):
    """Stages `recording` (default: the bundled night) with a checkpoint (local folder or Hub id), a trained model
    shipped with the package (`pretrained`, e.g. `"seqsleepnet-physioex-eeg"`), or, without either, with a
    random-weight model of the explorer's settings.

    Returns:
        The [`hf_sleep.staging.StagingResult`], whose `files` hold the PNG and the CSV.
    """
    from hf_sleep.staging import stage_recording

    extractor = None  # a checkpoint's or a bundled model's own
    if checkpoint:
        model: Any = checkpoint.strip()
    elif pretrained:
        model = pretrained
    else:
        config = build_config(name, n_chans, sfreq, epoch_seconds, seq_len, num_classes, hyperparameters)
        torch.manual_seed(0)
        model = get_architecture(name).model_class(config)
        # The explorer's channel names, in the signal contract (the feature extractor), not the config.
        extractor = SleepFeatureExtractor.from_model_config(config, ch_names=explorer_channels(config.n_chans))
    if isinstance(channels, str):
        channels = [channel.strip() for channel in channels.split(",") if channel.strip()] or None
    path = Path(recording) if recording else bundled_night()
    output_dir = Path(tempfile.mkdtemp(prefix="run-", dir=_WORK_DIR))
    random_weights = not (checkpoint or pretrained)
    try:
        result = stage_recording(
            path, model, channels=channels, output_dir=output_dir, random_weights=random_weights,
            feature_extractor=extractor,
        )  # fmt: skip
    except ValueError as error:
        raise ValueError(gui_wording(str(error))) from None
    result.warnings[:] = [gui_wording(message) for message in result.warnings]
    return result


# The library's messages advise command-line flags; in the explorer the same advice names its controls.
_GUI_ADVICE: tuple[tuple[str, str], ...] = (
    (r"[Cc]hoose channels with --channels", "Type the channels to use in the Channels box, comma-separated"),
    (r"pass --rescale (\S+)", r"stage it from the command line with `hf-sleep stage --rescale \1`"),
)


def gui_wording(message: str) -> str:
    """A staging message with command-line advice (`--channels`, `--rescale`) put in the explorer's words."""
    import re

    for pattern, replacement in _GUI_ADVICE:
        message = re.sub(pattern, replacement, message)
    return message


def probabilities_markdown(stage_names: list[str], probabilities) -> str:
    """The night's mean probability of each stage and the epochs scored as it, as a Markdown table."""
    winners = probabilities.argmax(axis=1)
    lines = ["| Stage | Mean probability | Epochs |", "|---|---:|---:|"]
    for index, name in enumerate(stage_names):
        lines.append(f"| {name} | {probabilities[:, index].mean():.3f} | {int((winners == index).sum())} |")
    return "\n".join(lines)


def statistics_markdown(statistics: dict[str, float]) -> str:
    """The sleep statistics as a two-column Markdown table."""
    lines = ["| Statistic | Value |", "|---|---:|"]
    for key, value in statistics.items():
        unit = "%" if key.startswith("%") or key in ("SE", "SME") else "min"
        lines.append(f"| {key} | {'n/a' if math.isnan(value) else f'{value:.1f} {unit}'} |")
    return "\n".join(lines)
