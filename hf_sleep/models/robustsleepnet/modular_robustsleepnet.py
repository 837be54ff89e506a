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

import math
from typing import Any

import torch
from torch import nn

from hf_sleep.models.sleep_base.configuration_sleep_base import SleepStagingConfig
from hf_sleep.models.sleep_base.modeling_sleep_base import (
    EncodedSequence,
    SleepBackboneMixin,
    SleepStagingHeadMixin,
    SleepStagingPreTrainedModel,
)


class RobustSleepNetConfig(SleepStagingConfig):
    r"""Configuration of [`RobustSleepNetForSleepStaging`]: a channel-attention encoder of log spectrograms and a
    residual bidirectional GRU over the epochs (Dreem's RobustSleepNet).

    The defaults are those of the 8 published leave-one-cohort-out models (their `net_params.json` and
    `normalization_parameters.json`): 60-Hz input normalised per recording by its interquartile range, clipped at
    ±`clip_value` and scaled by it, a log power spectrogram of 2-s Hann windows every second (128-point FFT,
    28 frames × 65 bins per epoch) standardised per channel and frequency over each window of `seq_len` epochs,
    then per frame a linear frequency reduction to `filter_dim`, `n_virtual_channels` attentions over the input
    channels, a bidirectional GRU over the frames with attention pooling, and a 2-layer residual bidirectional
    GRU over the epochs. No weight depends on the number of input channels: `n_chans` only states what the
    model is given (1 to 15 derivations in the published training).

    Args:
        n_chans (`int`, *optional*, defaults to 1):
            Number of input derivations (EEG, EOG, EMG, in any number).
        sfreq (`float`, *optional*, defaults to 60.0):
            Sampling rate of the input in Hz.
        epoch_seconds (`float`, *optional*, defaults to 30.0):
            Length of one epoch in seconds.
        seq_len (`int`, *optional*, defaults to 21):
            Epochs per window (the published models' temporal context).
        clip_value (`float`, *optional*, defaults to 20.0):
            The input is clipped to ±`clip_value` and divided by it before the spectrogram.
        spectrogram_window_seconds (`float`, *optional*, defaults to 2.0):
            Spectrogram window; the FFT length is the power of two above `sfreq * spectrogram_window_seconds`.
        spectrogram_hop_seconds (`float`, *optional*, defaults to 1.0):
            Time between spectrogram frames.
        power_floor (`float`, *optional*, defaults to 1e-20):
            Smallest power before the `log10`.
        standardization_eps (`float`, *optional*, defaults to 1e-15):
            Added to the standard deviation of the per-window standardisation.
        filter_dim (`int`, *optional*, defaults to 32):
            Size of the linear reduction of the frequency bins.
        n_virtual_channels (`int`, *optional*, defaults to 4):
            Attentions over the input channels; each gives one virtual channel.
        channel_attention_size (`int`, *optional*, defaults to 30):
            Context size of each channel attention.
        epoch_rnn_hidden_size (`int`, *optional*, defaults to 64):
            Units per direction of the bidirectional GRU over the frames of an epoch.
        epoch_embedding_size (`int`, *optional*, defaults to 50):
            Size of the per-epoch vector (linear reduction before the frame attention).
        epoch_attention_size (`int`, *optional*, defaults to 25):
            Context size of the attention pooling over frames.
        sequence_rnn_hidden_size (`int`, *optional*, defaults to 50):
            Units per direction of each residual GRU layer over the epochs.
        sequence_rnn_layers (`int`, *optional*, defaults to 2):
            Residual GRU layers over the epochs.
        drop_prob (`float`, *optional*, defaults to 0.5):
            Dropout after the channel attention, after the frame GRU and after each residual layer (training only).
        end_padding_epochs (`int`, *optional*, defaults to 0):
            Zero-valued epochs added at each end of a recording before staging and dropped after. The original
            pads 30 (900 s), which makes the first and last epochs of a recording look like wake; 0 stages every
            epoch from the windows that lie inside the recording.
        kwargs:
            The shared arguments of [`SleepStagingConfig`] (`class_weights`, `id2label`, ...).

    Example:

    ```python
    >>> from hf_sleep import RobustSleepNetConfig
    >>> config = RobustSleepNetConfig()
    >>> config.n_times, config.n_fft, config.n_frames
    (1800, 128, 28)
    ```
    """

    model_type = "robustsleepnet"
    auto_model_class = "RobustSleepNetForSleepStaging"
    default_sfreq = 60.0
    default_seq_len = 21

    def __init__(
        self,
        clip_value: float = 20.0,
        spectrogram_window_seconds: float = 2.0,
        spectrogram_hop_seconds: float = 1.0,
        power_floor: float = 1e-20,
        standardization_eps: float = 1e-15,
        filter_dim: int = 32,
        n_virtual_channels: int = 4,
        channel_attention_size: int = 30,
        epoch_rnn_hidden_size: int = 64,
        epoch_embedding_size: int = 50,
        epoch_attention_size: int = 25,
        sequence_rnn_hidden_size: int = 50,
        sequence_rnn_layers: int = 2,
        drop_prob: float = 0.5,
        end_padding_epochs: int = 0,
        **kwargs: Any,
    ) -> None:
        sizes = {
            "filter_dim": filter_dim,
            "n_virtual_channels": n_virtual_channels,
            "channel_attention_size": channel_attention_size,
            "epoch_rnn_hidden_size": epoch_rnn_hidden_size,
            "epoch_embedding_size": epoch_embedding_size,
            "epoch_attention_size": epoch_attention_size,
            "sequence_rnn_hidden_size": sequence_rnn_hidden_size,
            "sequence_rnn_layers": sequence_rnn_layers,
        }
        for name, value in sizes.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name, value in (
            ("clip_value", clip_value),
            ("spectrogram_window_seconds", spectrogram_window_seconds),
            ("spectrogram_hop_seconds", spectrogram_hop_seconds),
            ("power_floor", power_floor),
            ("standardization_eps", standardization_eps),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not 0.0 <= drop_prob < 1.0:
            raise ValueError(f"drop_prob must be in [0, 1), got {drop_prob}")
        if isinstance(end_padding_epochs, bool) or not isinstance(end_padding_epochs, int) or end_padding_epochs < 0:
            raise ValueError(f"end_padding_epochs must be a non-negative integer, got {end_padding_epochs!r}")
        self.clip_value = float(clip_value)
        self.spectrogram_window_seconds = float(spectrogram_window_seconds)
        self.spectrogram_hop_seconds = float(spectrogram_hop_seconds)
        self.power_floor = float(power_floor)
        self.standardization_eps = float(standardization_eps)
        self.filter_dim = filter_dim
        self.n_virtual_channels = n_virtual_channels
        self.channel_attention_size = channel_attention_size
        self.epoch_rnn_hidden_size = epoch_rnn_hidden_size
        self.epoch_embedding_size = epoch_embedding_size
        self.epoch_attention_size = epoch_attention_size
        self.sequence_rnn_hidden_size = sequence_rnn_hidden_size
        self.sequence_rnn_layers = sequence_rnn_layers
        self.drop_prob = drop_prob
        self.end_padding_epochs = end_padding_epochs
        super().__init__(**kwargs)
        if self.n_frames < 1:
            raise ValueError(
                f"an epoch of {self.n_times} samples is shorter than one spectrogram window ({self.n_fft} samples)"
            )

    @property
    def n_fft(self) -> int:
        """FFT length: the power of two above `sfreq * spectrogram_window_seconds` (the original's rule)."""
        return 2 ** (int(math.log2(self.sfreq * self.spectrogram_window_seconds)) + 1)

    @property
    def hop_length(self) -> int:
        """Samples between spectrogram frames."""
        return int(self.sfreq * self.spectrogram_hop_seconds)

    @property
    def n_frames(self) -> int:
        """Spectrogram frames per epoch (no centring: whole windows only)."""
        return (self.n_times - self.n_fft) // self.hop_length + 1

    @property
    def n_freqs(self) -> int:
        """One-sided frequency bins of the spectrogram."""
        return self.n_fft // 2 + 1


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
            # Xavier-uniform over the (heads * context, last) view, applied to the parameters themselves: transformers
            # skips initialising tensors it has loaded only when it sees the parameter, not a view of its data.
            for parameter in (module.context_weight, module.context_vector):
                fan_in, fan_out = parameter.shape[-1], parameter.numel() // parameter.shape[-1]
                bound = math.sqrt(6.0 / (fan_in + fan_out))
                nn.init.uniform_(parameter, -bound, bound)
            nn.init.zeros_(module.context_bias)
        else:
            super()._init_weights(module)


class RobustSleepNetModel(SleepBackboneMixin, RobustSleepNetPreTrainedModel):
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

    def encode_sequence(self, sequence: torch.Tensor) -> EncodedSequence:
        spectrograms = self.standardized_spectrograms(sequence)
        embeddings, frames = self.encode_each_epoch(spectrograms, self.epoch_encoder)
        layers = [embeddings]
        for layer in self.sequence_layers:
            layers.append(layer(layers[-1]))
        return layers[-1], embeddings, (spectrograms.flatten(0, 1), frames, *layers[1:])


class RobustSleepNetForSleepStaging(SleepStagingHeadMixin, RobustSleepNetPreTrainedModel):
    """RobustSleepNet with its classifier: logits `(batch, seq_len, num_labels)` for every epoch of a window.

    Example:

    ```python
    >>> import torch
    >>> from hf_sleep import RobustSleepNetConfig, RobustSleepNetForSleepStaging
    >>> model = RobustSleepNetForSleepStaging(RobustSleepNetConfig(n_chans=2)).eval()
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
