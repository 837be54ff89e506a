# Generated from hf_sleep/models/robustsleepnet/modular_robustsleepnet.py by `python scripts/check_modular.py --fix`:
# edit the modular file, not this one (tests/test_modular.py fails while the two disagree). Each block
# marked `Copied from` lives at the place named; the copies make this file self-contained, so a saved
# model folder loads with `trust_remote_code=True` without hf_sleep.
"""RobustSleepNet (Guillot & Thorey 2021, Dreem-Organization/RobustSleepNet, MIT licence).

One forward pass of the original's `ModuloNet` with its published settings (plain torch operations and
`torch.stft`, which the dynamo ONNX exporter writes as ONNX's STFT):

1. each 30-s epoch of every channel, clipped to ±`clip_value` and divided by it, becomes a log10 power
   spectrogram (Hann window normalised to unit sum, no centring: 28 frames × 65 bins at 60 Hz);
2. every (channel, frequency bin) is standardised over the whole window given to the model (all its epochs and
   frames, unbiased standard deviation), so the same epoch is seen differently in different windows;
3. per frame: a linear reduction of the bins (65 → 32), then `n_virtual_channels` attentions over the input
   channels, each a softmax-weighted sum of the channels; a bidirectional GRU over the 28 frames, a linear
   reduction to 50 and an attention pooling over the frames give one vector per epoch;
4. two residual bidirectional GRU layers over the epochs (`(linear(x) + gru(x)) / 2`) and a linear classifier
   for every epoch of the window.

No weight depends on the number of input channels (the channel attentions sum over them).
"""

from __future__ import annotations

import importlib
import itertools
import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from .configuration_robustsleepnet import RobustSleepNetConfig, SleepStagingConfig

# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.init
try:  # transformers >= 5: init functions that respect weights already loaded from a checkpoint
    from transformers import initialization as init
except ImportError:  # pragma: no cover - older transformers
    init = nn.init


# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.SleepEncoderOutput
@dataclass
class SleepEncoderOutput(ModelOutput):
    """Output of a backbone (`<Arch>Model`).

    Args:
        last_hidden_state (`torch.FloatTensor` of shape `(batch, seq_len, hidden_size)`):
            One feature vector per epoch, after the sequence part of the network.
        epoch_embeddings (`torch.FloatTensor` of shape `(batch, seq_len, epoch_embedding_size)`, *optional*):
            Per-epoch features of the epoch encoder, before any sequence context is mixed in.
        hidden_states (`tuple[torch.FloatTensor]`, *optional*, returned when `output_hidden_states=True`):
            Intermediate feature maps, first dimension `batch * seq_len`.
    """

    last_hidden_state: torch.FloatTensor | None = None
    epoch_embeddings: torch.FloatTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None


# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.SleepStagingOutput
@dataclass
class SleepStagingOutput(ModelOutput):
    """Output of every `<Arch>ForSleepStaging` model.

    Args:
        loss (`torch.FloatTensor` of shape `()`, *optional*, returned when `labels` is given):
            Cross-entropy over every scored epoch (label `-100` is ignored), class-weighted when the config says so.
        logits (`torch.FloatTensor` of shape `(batch, seq_len, num_labels)`, or `(batch, num_labels)` for 3-D input):
            Unnormalised stage scores per epoch.
        hidden_states (`tuple[torch.FloatTensor]`, *optional*, returned when `output_hidden_states=True`):
            Intermediate feature maps of the backbone, then the per-epoch features before the classifier.
    """

    loss: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None


# Copied from hf_sleep.models.sleep_base.modeling_sleep_base.SleepStagingPreTrainedModel
class SleepStagingPreTrainedModel(PreTrainedModel):
    """Base class: shared input checks, loss and weight initialisation for every hf_sleep model."""

    config_class = SleepStagingConfig
    base_model_prefix = "sleep_model"
    main_input_name = "input_values"
    supports_gradient_checkpointing = False
    # Capability flags read by the shared tests and the Hub/explorer code.
    is_sequence_model: bool = False
    # Windows per `stage_windows` call in whole-night inference (`None`: the caller's batch size).
    stage_windows_batch: int | None = None
    # Epochs per `embed_epochs` call in whole-night inference on CPU (`None`: the caller's batch size). Wide
    # feature maps (DeepSleepBench CNN: 64 channels × 3000 samples per epoch) run about twice as fast when one
    # call's maps fit in the CPU caches; `bench/macs.py` measures it.
    cpu_embed_batch: int | None = None

    @classmethod
    def from_pretrained(cls, *args: Any, **kwargs: Any):
        loaded = super().from_pretrained(*args, **kwargs)
        model = loaded[0] if isinstance(loaded, tuple) else loaded
        # Weights loaded zero-copy from safetensors can sit at unaligned CPU addresses, where some kernels
        # (the GRU's, for one) take another path and the outputs differ from the saved model's in the last
        # bit: copy those tensors to fresh, aligned memory so a reload reproduces outputs exactly.
        with torch.no_grad():
            for tensor in itertools.chain(model.parameters(), model.buffers()):
                if tensor.device.type == "cpu" and tensor.data_ptr() % 64:
                    tensor.data = tensor.data.clone()
        return loaded

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d)):
            init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.Linear):
            init.xavier_uniform_(module.weight)
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, (nn.LSTM, nn.GRU)):
            for name, param in module.named_parameters():
                if name.startswith("weight_ih"):
                    init.xavier_uniform_(param)
                elif name.startswith("weight_hh"):
                    init.orthogonal_(param)
                elif name.startswith("bias"):
                    init.zeros_(param)
        else:
            super()._init_weights(module)

    def push_to_hub(self, repo_id: str, *args: Any, **kwargs: Any) -> Any:
        """Publishes the model with the hf_sleep model card (weights, config, code, card); see `hf_sleep.hub.push_model`.

        Extra keyword arguments: `eval_results`, `training_info`, `force`, `trained` (default True). `tags` are
        added to the card. Without hf_sleep (this file loaded with `trust_remote_code`), the plain
        transformers upload is used.
        """
        try:
            # Looked up at call time, so modeling code has no import edge to the hub layer; this file also
            # ships, flattened, inside saved folders, where hf_sleep may be absent.
            hub = importlib.import_module("hf_sleep.hub.publish")
        except ImportError:
            hub = None
        if hub is None or args:
            return super().push_to_hub(repo_id, *args, **kwargs)
        return hub.push_from_model_method(self, repo_id, **kwargs)

    def embed_epochs(self, epochs: torch.Tensor) -> torch.Tensor:
        """Per-epoch features before any sequence context: `(n_epochs, n_chans, n_times) -> (n_epochs, dim)`.

        With `stage_sequences` this splits the forward pass so whole-night inference can encode each epoch
        once and re-use it in every overlapping window (exact in eval mode, where nothing mixes epochs).
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not split into epoch encoder and sequence part"
        )

    def stage_sequences(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Stage logits from per-epoch features: `(batch, seq_len, dim) -> (batch, seq_len, num_labels)`."""
        raise NotImplementedError(
            f"{type(self).__name__} does not split into epoch encoder and sequence part"
        )

    def stage_windows(self, embeddings: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Stage logits of overlapping windows over a night's per-epoch features.

        `embeddings` is `(n_epochs, dim)` from `embed_epochs`, `index` `(batch, window)` the epochs of each
        window. The default gathers the windows and runs `stage_sequences`; a model whose sequence part
        starts with a per-epoch map can override it to compute that map once per epoch rather than once
        per window.
        """
        return self.stage_sequences(embeddings[index])

    def split_input(self, input_values: torch.Tensor) -> tuple[torch.Tensor, bool]:
        """Checks `input_values` and returns it as `(batch, seq_len, n_chans, n_times)` plus whether it was 3-D.

        Raises:
            ValueError: naming the expected and the received shape.
        """
        config = self.config
        expected = f"(batch, seq_len, {config.n_chans}, {config.n_times}) or (batch, {config.n_chans}, {config.n_times})"
        if not isinstance(input_values, torch.Tensor):
            raise ValueError(
                f"input_values must be a torch.Tensor of shape {expected}, got {type(input_values).__name__}"
            )
        shape = tuple(input_values.shape)
        if input_values.ndim not in (3, 4) or shape[-2:] != (config.n_chans, config.n_times) or 0 in shape:
            raise ValueError(
                f"input_values must have shape {expected} (n_chans={config.n_chans}, n_times = "
                f"{config.sfreq} Hz * {config.epoch_seconds} s = {config.n_times}), got {shape}"
            )
        if input_values.ndim == 3:
            return input_values.unsqueeze(1), True
        return input_values, False

    def encoder_output(
        self,
        last_hidden_state: torch.Tensor,
        epoch_embeddings: torch.Tensor,
        hidden_states: tuple[torch.Tensor, ...],
        output_hidden_states: bool | None,
        return_dict: bool | None,
    ) -> SleepEncoderOutput | tuple:
        """Packs a backbone's output; `hidden_states` is kept when `output_hidden_states` (or the config) asks."""
        if not (output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states):
            hidden_states = None
        if return_dict is False:
            return tuple(v for v in (last_hidden_state, epoch_embeddings, hidden_states) if v is not None)
        return SleepEncoderOutput(
            last_hidden_state=last_hidden_state, epoch_embeddings=epoch_embeddings, hidden_states=hidden_states
        )

    def staging_loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cross-entropy over all scored epochs; `-100` labels are ignored, class weights come from the config."""
        if labels.shape != logits.shape[:-1]:
            raise ValueError(
                f"labels must have shape {tuple(logits.shape[:-1])} to match the logits, got {tuple(labels.shape)}"
            )
        weight = None
        if self.config.class_weights is not None:
            weight = torch.tensor(self.config.class_weights, dtype=logits.dtype, device=logits.device)
        return F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]).float(),
            labels.reshape(-1).long(),
            weight=None if weight is None else weight.float(),
            ignore_index=-100,
        )

    def staging_output(
        self,
        logits: torch.Tensor,
        labels: torch.Tensor | None,
        squeeze_sequence: bool,
        hidden_states: tuple[torch.Tensor, ...] | None,
        return_dict: bool | None,
    ) -> SleepStagingOutput | tuple:
        """Packs logits `(batch, seq_len, num_labels)` into the output, squeezing `seq_len` for 3-D input."""
        if squeeze_sequence:
            logits = logits[:, 0]
        loss = self.staging_loss(logits, labels) if labels is not None else None
        return_dict = return_dict if return_dict is not None else self.config.return_dict
        if not return_dict:
            return tuple(value for value in (loss, logits, hidden_states) if value is not None)
        return SleepStagingOutput(loss=loss, logits=logits, hidden_states=hidden_states)


class RobustSleepNetSpectrogram(nn.Module):
    """`(n, n_times)` signal to `(n, n_freqs, n_frames)` log10 power, as the original computes it.

    `torch.stft` without centring, with numpy's symmetric `hanning(n_fft)` divided by its sum as the window;
    power `re² + im²` floored at `power_floor`. The same operation as the original's, so the same float32
    rounding: its log power of the near-empty bins above the band-pass differs from exact arithmetic by up to
    1e-3, and another FFT formulation would differ from the published models' inputs by as much.
    """

    def __init__(self, config: RobustSleepNetConfig) -> None:
        super().__init__()
        self.n_fft, self.hop_length, self.power_floor = config.n_fft, config.hop_length, config.power_floor

    def window(self, device: torch.device) -> torch.Tensor:
        """Computed, not stored: weights loaded onto an empty model leave no buffer to fill."""
        n = torch.arange(self.n_fft, dtype=torch.float64, device=device)
        window = 0.5 - 0.5 * torch.cos(2 * math.pi * n / (self.n_fft - 1))
        return (window / window.sum()).float()

    def forward(self, signal: torch.Tensor) -> torch.Tensor:
        spectrum = torch.stft(
            signal, n_fft=self.n_fft, hop_length=self.hop_length, win_length=self.n_fft,
            window=self.window(signal.device).to(signal.dtype), center=False, onesided=True, return_complex=True,
        )  # fmt: skip
        power = torch.view_as_real(spectrum).pow(2).sum(-1).clamp(min=self.power_floor)
        return torch.log10(power)


class RobustSleepNetAttention(nn.Module):
    """`heads` attentions over the second axis of `(n, length, dim)`: `(n, heads, dim)` softmax-weighted sums.

    Each head scores every position with `v · tanh(W x + b)` (Luong-style, the original's `Attention`).
    """

    def __init__(self, dim: int, context_size: int, heads: int = 1) -> None:
        super().__init__()
        self.context_weight = nn.Parameter(torch.empty(heads, context_size, dim))
        self.context_bias = nn.Parameter(torch.zeros(heads, context_size))
        self.context_vector = nn.Parameter(torch.empty(heads, context_size))

    def forward(self, values: torch.Tensor) -> torch.Tensor:
        context = torch.tanh(torch.einsum("nld,hcd->nlhc", values, self.context_weight) + self.context_bias)
        weights = torch.softmax((context * self.context_vector).sum(-1), dim=1)  # (n, length, heads)
        return torch.einsum("nlh,nld->nhd", weights, values)


class RobustSleepNetEpochEncoder(nn.Module):
    """Standardised log spectrograms `(n, n_chans, n_freqs, n_frames)` of single epochs to `(n, epoch_embedding_size)`."""

    def __init__(self, config: RobustSleepNetConfig) -> None:
        super().__init__()
        self.filter_reduction = nn.Linear(config.n_freqs, config.filter_dim)
        self.channel_attention = RobustSleepNetAttention(
            config.filter_dim, config.channel_attention_size, config.n_virtual_channels
        )
        self.dropout = nn.Dropout(config.drop_prob)
        self.frame_rnn = nn.GRU(
            config.filter_dim * config.n_virtual_channels, config.epoch_rnn_hidden_size, batch_first=True,
            bidirectional=True,
        )  # fmt: skip
        self.embedding = nn.Linear(2 * config.epoch_rnn_hidden_size, config.epoch_embedding_size)
        self.frame_attention = RobustSleepNetAttention(config.epoch_embedding_size, config.epoch_attention_size)

    def forward(self, spectrograms: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns the epoch vectors and the frame GRU's output `(n, n_frames, 2 * epoch_rnn_hidden_size)`."""
        n, n_chans, _, n_frames = spectrograms.shape
        reduced = self.filter_reduction(spectrograms.transpose(2, 3))  # (n, n_chans, n_frames, filter_dim)
        per_frame = reduced.transpose(1, 2).reshape(n * n_frames, n_chans, -1)
        virtual = self.channel_attention(per_frame)  # (n * n_frames, n_virtual_channels, filter_dim)
        frames = self.dropout(virtual.reshape(n, n_frames, -1))
        frames, _ = self.frame_rnn(frames)
        frames = self.dropout(frames)
        return self.frame_attention(self.embedding(frames))[:, 0], frames


class RobustSleepNetSequenceLayer(nn.Module):
    """One residual layer over the epochs: `(linear(x) + bidirectional_gru(x)) / 2`, then dropout."""

    def __init__(self, input_size: int, config: RobustSleepNetConfig) -> None:
        super().__init__()
        hidden = config.sequence_rnn_hidden_size
        self.residual = nn.Linear(input_size, 2 * hidden)
        self.rnn = nn.GRU(input_size, hidden, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(config.drop_prob)

    def forward(self, sequence: torch.Tensor) -> torch.Tensor:
        recurrent, _ = self.rnn(sequence)
        return self.dropout((self.residual(sequence) + recurrent) / 2)


class RobustSleepNetPreTrainedModel(SleepStagingPreTrainedModel):
    config_class = RobustSleepNetConfig
    base_model_prefix = "robustsleepnet"
    is_sequence_model = True
    # Whole-night inference averages the windows' probabilities (the original's "arithmetic" fusion).
    window_fusion = "probability"

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, RobustSleepNetAttention):
            for parameter in (module.context_weight, module.context_vector):
                nn.init.xavier_uniform_(parameter.data.view(-1, parameter.shape[-1]))
            nn.init.zeros_(module.context_bias.data)
        else:
            super()._init_weights(module)


class RobustSleepNetModel(RobustSleepNetPreTrainedModel):
    """The RobustSleepNet backbone: `(batch, seq_len, n_chans, n_times)` → `(batch, seq_len, 2 * sequence_rnn_hidden_size)`."""

    def __init__(self, config: RobustSleepNetConfig) -> None:
        super().__init__(config)
        self.spectrogram = RobustSleepNetSpectrogram(config)
        self.epoch_encoder = RobustSleepNetEpochEncoder(config)
        sizes = [config.epoch_embedding_size] + [2 * config.sequence_rnn_hidden_size] * config.sequence_rnn_layers
        self.sequence_layers = nn.ModuleList(
            RobustSleepNetSequenceLayer(size, config) for size in sizes[: config.sequence_rnn_layers]
        )
        self.post_init()

    def standardized_spectrograms(self, windows: torch.Tensor) -> torch.Tensor:
        """`(batch, seq_len, n_chans, n_times)` → `(batch, seq_len, n_chans, n_freqs, n_frames)`, each channel and
        frequency bin standardised over the window's epochs and frames (the original's `standardize_online`)."""
        config = self.config
        scaled = windows.clamp(-config.clip_value, config.clip_value) / config.clip_value
        batch, seq_len, n_chans, n_times = scaled.shape
        spectrograms = self.spectrogram(scaled.reshape(-1, n_times))
        spectrograms = spectrograms.reshape(batch, seq_len, n_chans, *spectrograms.shape[-2:])
        # Over epochs and frames together, summed in the original's order (mean over epochs then frames; the
        # unbiased std over frames × epochs), so that float32 rounding matches it too.
        mean = spectrograms.mean(1, keepdim=True).mean(-1, keepdim=True)
        std = spectrograms.permute(0, 2, 3, 4, 1).reshape(batch, n_chans, spectrograms.shape[3], -1).std(-1)
        return (spectrograms - mean) / (std[:, None, :, :, None] + config.standardization_eps)

    def forward(
        self,
        input_values: torch.Tensor,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SleepEncoderOutput | tuple:
        windows, _ = self.split_input(input_values)
        batch, seq_len = windows.shape[:2]
        spectrograms = self.standardized_spectrograms(windows)
        embeddings, frames = self.epoch_encoder(spectrograms.flatten(0, 1))
        embeddings = embeddings.reshape(batch, seq_len, -1)
        sequence = embeddings
        layers = []
        for layer in self.sequence_layers:
            sequence = layer(sequence)
            layers.append(sequence)
        hidden_states = (spectrograms.flatten(0, 1), frames, *layers)
        return self.encoder_output(sequence, embeddings, hidden_states, output_hidden_states, return_dict)


class RobustSleepNetForSleepStaging(RobustSleepNetPreTrainedModel):
    """RobustSleepNet with its classifier: logits `(batch, seq_len, num_labels)` for every epoch of a window.

    Example:

    ```python
    >>> import torch
    >>> from hf_sleep import RobustSleepNetConfig, RobustSleepNetForSleepStaging
    >>> model = RobustSleepNetForSleepStaging(RobustSleepNetConfig(n_chans=2, ch_names=["EEG", "EOG"])).eval()
    >>> model(torch.randn(1, 21, 2, 1800)).logits.shape
    torch.Size([1, 21, 5])
    ```
    """

    def __init__(self, config: RobustSleepNetConfig) -> None:
        super().__init__(config)
        self.robustsleepnet = RobustSleepNetModel(config)
        self.classifier = nn.Linear(2 * config.sequence_rnn_hidden_size, config.num_labels)
        self.post_init()

    def get_encoder(self) -> nn.Module:
        return self.robustsleepnet

    def forward(
        self,
        input_values: torch.Tensor,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SleepStagingOutput | tuple:
        _, squeeze = self.split_input(input_values)
        encoded = self.robustsleepnet(input_values, output_hidden_states=output_hidden_states, return_dict=True)
        logits = self.classifier(encoded.last_hidden_state)
        return self.staging_output(logits, labels, squeeze, encoded.hidden_states, return_dict)
