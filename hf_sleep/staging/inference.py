"""Whole-night inference: every epoch of a night scored by every window that contains it.

Sequence models see `seq_len` consecutive epochs at a time. As in SeqSleepNet's evaluation, a night of
N epochs is cut into overlapping windows (stride 1 by default), and each epoch's stage is decided by the
sum of the log-probabilities that every window containing it gave it (a model with `window_fusion =
"probability"`, RobustSleepNet, averages the probabilities instead, as its original does; a config's
`end_padding_epochs` adds that many zero-valued epochs at each end first, as RobustSleepNet's original does,
and drops them after). A model whose original scores a night
in one pass (DeepSleepNet: LSTM states carried from chunk to chunk) has a `stage_night` method, used unless a
stride is asked for.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch
from tqdm.auto import tqdm

from hf_sleep.staging.night_windows import NightPrediction, window_starts  # noqa: F401 - re-exported


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


def _embed(model: torch.nn.Module, epochs: torch.Tensor, embed_batch: int) -> torch.Tensor:
    """Every epoch encoded once, in chunks of `embed_batch` (much larger ones fall out of the CPU caches)."""
    return torch.cat([model.embed_epochs(epochs[i : i + embed_batch]) for i in range(0, len(epochs), embed_batch)])


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
