# Generated from hf_sleep/staging/modular_sleep_staging_pipeline.py by `python scripts/check_modular.py --fix`:
# edit the modular file, not this one (tests/test_modular.py fails while the two disagree). Each block
# marked `Copied from` lives at the place named; the copies make this file self-contained, so a saved
# model folder loads with `trust_remote_code=True` without hf_sleep.
"""`pipeline("sleep-staging", model=...)`: a night in, a stage and the stage probabilities per 30-s epoch out.

    >>> from transformers import pipeline
    >>> import hf_sleep  # registers the task (published repositories also carry this file: trust_remote_code=True)
    >>> stager = pipeline("sleep-staging", model="hf-sleep/seqsleepnet-physioex-eeg")
    >>> night = stager("night.edf")
    >>> night["stages"][:3], night["probabilities"].shape
    (['W', 'W', 'W'], (960, 5))

The input goes through the model's feature extractor (its signal contract), and the whole night through
[`predict_night`] (overlapping windows fused), as `hf-sleep stage` does. Saving a model writes this module beside
its weights (`custom_pipelines` in `config.json`), so that a published repository stages nights with
`trust_remote_code=True` where hf_sleep is not installed; files are then read with MNE. The saved file,
`sleep_staging_pipeline.py`, is generated from `modular_sleep_staging_pipeline.py` with `predict_night` and the
channel picking copied in.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import Pipeline

# Copied from hf_sleep.models.sleep_base.configuration_sleep_base.SLEEP_STAGING_TASK
# The sleep-staging pipeline, saved beside every model (named, not imported: configs stay free of modeling code).
SLEEP_STAGING_TASK = "sleep-staging"


# Copied from hf_sleep.pretrained.channels.CHANNEL_KINDS
CHANNEL_KINDS: tuple[str, ...] = ("EEG", "EOG", "EMG")


# Copied from hf_sleep.pretrained.channels.EEG_PREFERENCE
# EEG electrodes in order of preference: central first, then the frontal-central derivation of Sleep-EDF.
EEG_PREFERENCE: tuple[str, ...] = ("C4", "C3", "CZ", "FPZ-CZ", "FPZ")


# Copied from hf_sleep.pretrained.channels.EOG_ELECTRODES
EOG_ELECTRODES: tuple[str, ...] = ("E1", "E2", "LOC", "ROC")


# Copied from hf_sleep.pretrained.channels.EMG_WORDS
EMG_WORDS: tuple[str, ...] = ("CHIN", "SUBMENTAL")


# Copied from hf_sleep.pretrained.channels._electrodes
def _electrodes(name: str) -> tuple[str, str]:
    """`("C4", "C4-A1")` for `"EEG C4-A1"`: the first electrode and the whole derivation, upper case, no type prefix."""
    text = re.sub(r"^(EEG|EOG|EMG)[\s_:]*", "", name.strip().upper())
    text = re.sub(r"\s*-\s*", "-", text).strip()
    first = re.split(r"[-:/\s]", text, maxsplit=1)[0]
    return first, text


# Copied from hf_sleep.pretrained.channels.pick_channel
def pick_channel(kind: str, available: Sequence[str]) -> str | None:
    """The first channel of `available` that fits `kind` (`"EEG"`, `"EOG"` or `"EMG"`) by name, or `None`."""
    if kind == "EEG":
        for wanted in EEG_PREFERENCE:
            for channel in available:
                first, whole = _electrodes(channel)
                if channel.strip().upper().startswith(("EOG", "EMG")):
                    continue
                if wanted == whole or ("-" not in wanted and wanted == first):
                    return channel
        return None
    upper = [channel.strip().upper() for channel in available]
    if kind == "EOG":
        typed = [channel for channel, name in zip(available, upper, strict=True) if "EOG" in name]
        electrodes = [ch for ch in available if _electrodes(ch)[0] in EOG_ELECTRODES]
        candidates = typed or electrodes
    else:
        typed = [channel for channel, name in zip(available, upper, strict=True) if "EMG" in name]
        chin = [ch for ch in typed if any(word in ch.upper() for word in EMG_WORDS)]
        candidates = chin or typed or [ch for ch in available if any(w in ch.upper() for w in EMG_WORDS)]
    return candidates[0] if candidates else None


# Copied from hf_sleep.pretrained.channels.default_channels
def default_channels(ch_names: Sequence[str], available: Sequence[str]) -> list[str]:
    """The recording channels for a model's `ch_names`: a name the file has is used as is; a kind is picked.

    Raises:
        ValueError: naming the kind that no channel fits and listing the recording's channels.
    """
    available_folded = {channel.strip().lower() for channel in available}
    picked = []
    for name in ch_names:
        if name.strip().lower() in available_folded or name not in CHANNEL_KINDS:
            picked.append(name)
            continue
        channel = pick_channel(name, available)
        if channel is None:
            hint = "a central EEG (C4, C3, Cz) or Fpz-Cz" if name == "EEG" else f"an {name}"
            raise ValueError(
                f"no channel looks like {hint}; the recording has: {', '.join(available)}. "
                "Choose with --channels (a derivation is written 'A-B')"
            )
        picked.append(channel)
    return picked


# Copied from hf_sleep.staging.inference.predict_night
@torch.inference_mode()
def predict_night(
    model: torch.nn.Module,
    epochs: np.ndarray | torch.Tensor,
    *,
    window: int | None = None,
    stride: int | None = None,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    progress: bool = False,
    window_offset: int = 0,
) -> NightPrediction:
    """Stages a whole night with any hf_sleep model, fusing overlapping windows by summed log-probabilities.

    Args:
        model: an hf_sleep `...ForSleepStaging` model (put in eval mode here).
        epochs: `(n_epochs, n_chans, n_times)` signal of consecutive epochs, in the model's units.
        window: epochs per window; defaults to the model's `config.seq_len`. A night shorter than the window
            is scored as one window of its own length.
        stride: epochs between window starts (1 scores each epoch `window` times inside the night). `None`
            (default): the model's single whole-night pass where it has one (`stage_night`, DeepSleepNet), else 1.
        batch_size: windows per forward pass; the result does not depend on it.
        device: where to run; defaults to the model's device.
        progress: show a progress bar over batches.
        window_offset: shifts the grid of window starts at a stride > 1 (see [`window_starts`]).

    Returns:
        A [`NightPrediction`].
    """
    config = model.config
    epochs = torch.as_tensor(np.asarray(epochs) if not isinstance(epochs, torch.Tensor) else epochs)
    expected = (config.n_chans, config.n_times)
    if epochs.ndim != 3 or tuple(epochs.shape[1:]) != expected:
        raise ValueError(
            f"epochs must have shape (n_epochs, {expected[0]}, {expected[1]}) for this model, got {tuple(epochs.shape)}"
        )
    padding = int(getattr(config, "end_padding_epochs", 0) or 0)
    if padding:  # the original's zero-valued epochs at both ends, staged and then dropped
        zeros = epochs.new_zeros((padding, *epochs.shape[1:]))
        epochs = torch.cat([zeros, epochs, zeros])
    n_epochs = epochs.shape[0]
    window = min(window or config.seq_len, max(n_epochs, 1))
    model.eval()
    device = torch.device(device) if device is not None else next(model.parameters()).device
    dtype = next(model.parameters()).dtype
    epochs = epochs.to(device=device, dtype=dtype)
    stage_names = [config.id2label[i] for i in range(config.num_labels)]
    # Encoder chunks: `batch_size` epochs, fewer on CPU where the model asks for cache-sized ones.
    embed_batch = batch_size
    if device.type == "cpu" and getattr(model, "cpu_embed_batch", None):
        embed_batch = min(batch_size, model.cpu_embed_batch)
    if stride is None and hasattr(model, "stage_night"):
        log_probs = torch.log_softmax(model.stage_night(_embed(model, epochs, embed_batch)).double(), dim=-1)
        return NightPrediction(log_probs.cpu().numpy(), np.ones(n_epochs), stage_names)
    starts = window_starts(n_epochs, window, stride or 1, window_offset)
    log_prob_sum, n_windows = _fuse_windows(model, epochs, starts, window, embed_batch, batch_size, progress)
    kept = slice(padding, n_epochs - padding)
    return NightPrediction(log_prob_sum[kept].cpu().numpy(), n_windows[kept].cpu().numpy(), stage_names)


# Copied from hf_sleep.staging.inference._embed
def _embed(model: torch.nn.Module, epochs: torch.Tensor, embed_batch: int) -> torch.Tensor:
    """Every epoch encoded once, in chunks of `embed_batch` (much larger ones fall out of the CPU caches)."""
    return torch.cat([model.embed_epochs(epochs[i : i + embed_batch]) for i in range(0, len(epochs), embed_batch)])


# Copied from hf_sleep.staging.inference._fuse_windows
def _fuse_windows(
    model: torch.nn.Module,
    epochs: torch.Tensor,
    starts: list[int],
    window: int,
    embed_batch: int,
    batch_size: int,
    progress: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """`(log_prob_sum, n_windows)` per epoch over the windows starting at `starts` (see [`NightPrediction`])."""
    num_labels, device = model.config.num_labels, epochs.device
    fuse_probabilities = getattr(model, "window_fusion", "log_probability") == "probability"
    log_prob_sum = torch.zeros(len(epochs), num_labels, dtype=torch.float64, device=device)
    n_windows = torch.zeros(len(epochs), dtype=torch.float64, device=device)

    # A model that standardises its input over the whole recording (physioex's SeqSleepNet) sees all of it first.
    recording_statistics = getattr(model, "recording_statistics", None)
    try:
        # Encode every epoch once; windows then only re-run the (cheap) sequence part.
        with recording_statistics(epochs) if recording_statistics else contextlib.nullcontext():
            embeddings = _embed(model, epochs, embed_batch)
        split = True
    except NotImplementedError:
        split = False

    # The sequence part may take more windows per call than the encoder (a model's `stage_windows_batch`).
    window_batch = (getattr(model, "stage_windows_batch", None) or batch_size) if split else batch_size
    batches = range(0, len(starts), window_batch)
    for batch_start in tqdm(batches, desc="staging", unit="batch", disable=not progress):
        batch_starts = starts[batch_start : batch_start + window_batch]
        index = torch.as_tensor(batch_starts, device=device)[:, None] + torch.arange(window, device=device)
        if split:
            logits = model.stage_windows(embeddings, index)
        else:
            logits = model(epochs[index]).logits
        log_probs = torch.log_softmax(logits.double(), dim=-1)
        scores = log_probs.exp() if fuse_probabilities else log_probs
        log_prob_sum.index_add_(0, index.reshape(-1), scores.reshape(-1, num_labels))
        n_windows.index_add_(0, index.reshape(-1), torch.ones(index.numel(), dtype=torch.float64, device=device))
    if fuse_probabilities:  # mean probability, stored as n_windows * log(mean) (see NightPrediction)
        log_prob_sum = torch.log((log_prob_sum / n_windows[:, None]).clamp_min(1e-300)) * n_windows[:, None]
    return log_prob_sum, n_windows


# Copied from hf_sleep.staging.night_windows.NightPrediction
@dataclass
class NightPrediction:
    """Fused predictions for one night.

    Args:
        log_prob_sum: `(n_epochs, num_labels)` sum of the log-probabilities of every window containing the epoch
            (for probability fusion: `n_windows * log(mean probability)`, so that both read the same way).
        n_windows: `(n_epochs,)` how many windows scored each epoch.
        stage_names: the label names in class-index order.
    """

    log_prob_sum: np.ndarray
    n_windows: np.ndarray
    stage_names: list[str]

    @property
    def probabilities(self) -> np.ndarray:
        """`(n_epochs, num_labels)` normalised geometric mean of the window probabilities (rows sum to 1)."""
        mean_log_prob = self.log_prob_sum / self.n_windows[:, None]
        shifted = np.exp(mean_log_prob - mean_log_prob.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    @property
    def stages(self) -> np.ndarray:
        """`(n_epochs,)` class index with the highest fused log-probability."""
        return self.log_prob_sum.argmax(axis=1)

    @property
    def stage_labels(self) -> list[str]:
        return [self.stage_names[index] for index in self.stages]


# Copied from hf_sleep.staging.night_windows.window_starts
def window_starts(n_epochs: int, window: int, stride: int = 1, offset: int = 0) -> list[int]:
    """Start indices of the windows over a night; the first window always starts at the first epoch and the last
    always ends at the last epoch. `offset` shifts the grid of the others (`offset, offset + stride, ...`): models
    of a consensus staged at a stride > 1 with different offsets see each epoch at different window positions."""
    if n_epochs < 1:
        raise ValueError(f"a night needs at least one epoch, got {n_epochs}")
    if window < 1 or stride < 1 or offset < 0:
        raise ValueError(f"window and stride must be positive, got window={window}, stride={stride}, offset={offset}")
    if n_epochs <= window:
        return [0]
    starts = list(range(offset % stride, n_epochs - window + 1, stride))
    if starts[0] != 0:
        starts.insert(0, 0)
    if starts[-1] != n_epochs - window:
        starts.append(n_epochs - window)
    return starts


def _installed_night_reader():
    """hf_sleep's reader of a night (with its checks and one-line errors), or `None` where hf_sleep is absent."""
    try:  # imported by name: the code saved beside a model must not carry the package's reader with it
        return importlib.import_module("hf_sleep.staging.reading").read_night
    except ImportError:
        return None


class SleepStagingPipeline(Pipeline):
    """Stages a whole night given as a recording path (EDF, BDF, FIF, BrainVision), an MNE `Raw` or an array.

    Call arguments:
        sfreq (`float`): the array's sampling rate (arrays only).
        ch_names (`list[str]`): the names of the array's rows; channels are then picked from them as from a file.
        units (`str`): the array's unit, `"uV"` (default: the model's), `"mV"` or `"V"`.
        channels (`list[str]`): the recording's channels in model order; default: picked by name and kind.
        stride (`int`): epochs between the starts of the model's windows (default: the model's own choice).

    Returns:
        `dict` with `stages` (one label per epoch), `probabilities` (`(n_epochs, n_labels)`, rows sum to 1),
        `labels` (the label of each column) and `epoch_seconds`.
    """

    _load_tokenizer = False
    _load_image_processor = False
    _load_video_processor = False
    _load_processor = False
    _load_feature_extractor = True

    def _sanitize_parameters(self, sfreq=None, ch_names=None, units=None, channels=None, stride=None, **kwargs):
        if kwargs:
            raise TypeError(f"the sleep-staging pipeline takes no argument {', '.join(sorted(kwargs))}")
        preprocess = {"sfreq": sfreq, "ch_names": ch_names, "units": units, "channels": channels}
        return {key: value for key, value in preprocess.items() if value is not None}, {"stride": stride}, {}

    def preprocess(self, recording, sfreq=None, ch_names=None, units=None, channels=None):
        if self.feature_extractor is None:
            raise ValueError("the sleep-staging pipeline needs the model's feature extractor (preprocessor_config.json)")
        extractor = copy.deepcopy(self.feature_extractor)
        if isinstance(recording, (str, os.PathLike)):
            read_night = _installed_night_reader()
            if read_night is not None:
                return {"input_values": read_night(recording, extractor, channels).epochs}
            import mne

            recording = mne.io.read_raw(recording, preload=True, verbose="error")
        if hasattr(recording, "get_data"):  # an MNE Raw: its channels, in µV
            ch_names, sfreq, units = list(recording.ch_names), recording.info["sfreq"], "uV"
            recording = recording.get_data(units="uV")
        if channels:
            extractor.ch_names = list(channels)
        elif ch_names is not None:
            extractor.ch_names = default_channels(extractor.ch_names, list(ch_names))
        features = extractor(np.asarray(recording), sfreq=sfreq, ch_names=ch_names, units=units)
        return {"input_values": features["input_values"]}

    def _forward(self, model_inputs, stride=None):
        return predict_night(self.model, model_inputs["input_values"], stride=stride, device=self.device)

    def postprocess(self, prediction):
        return {
            "stages": prediction.stage_labels,
            "probabilities": prediction.probabilities,
            "labels": list(prediction.stage_names),
            "epoch_seconds": float(self.model.config.epoch_seconds),
        }

    def save_pretrained(self, save_directory: str | os.PathLike, **kwargs: Any) -> None:
        """The model and its feature extractor; the model's config writes this module and `custom_pipelines`."""
        self.model.save_pretrained(save_directory, **kwargs)
        self.feature_extractor.save_pretrained(save_directory, **kwargs)


def register_pipeline() -> None:
    """Registers the `sleep-staging` task with transformers' `PIPELINE_REGISTRY` (idempotent)."""
    from transformers import AutoModel
    from transformers.pipelines import PIPELINE_REGISTRY

    if PIPELINE_REGISTRY.supported_tasks.get(SLEEP_STAGING_TASK, {}).get("impl") is not SleepStagingPipeline:
        PIPELINE_REGISTRY.register_pipeline(SLEEP_STAGING_TASK, pipeline_class=SleepStagingPipeline, pt_model=AutoModel)
