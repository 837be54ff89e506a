"""RobustSleepNet configuration (Guillot & Thorey 2021)."""

from __future__ import annotations

import math
from typing import Any

from hf_sleep.models.sleep_base.configuration_sleep_base import SleepStagingConfig


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
            The shared arguments of [`SleepStagingConfig`] (`ch_names` defaults to `["EEG"]` for one channel).

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

    def __init__(
        self,
        n_chans: int = 1,
        sfreq: float = 60.0,
        epoch_seconds: float = 30.0,
        seq_len: int = 21,
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
        if kwargs.get("ch_names") is None and n_chans == 1:
            kwargs["ch_names"] = ["EEG"]
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
        super().__init__(n_chans=n_chans, sfreq=sfreq, epoch_seconds=epoch_seconds, seq_len=seq_len, **kwargs)
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
