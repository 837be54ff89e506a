"""SeqSleepNet (Phan, Andreotti, Cooray, Chén & De Vos 2019), faithful to pquochuy/SeqSleepNet.

The time-frequency front end is part of the model, in torch: per channel, a log-magnitude STFT (2-s symmetric
Hamming window, 1-s hop, 256-point FFT, 20·log10|X|, as Matlab's `spectrogram` in the original data
preparation), an optional per-bin normalisation, then a learnable filterbank (sigmoid weights times a fixed
linear triangular filterbank). An epoch's frames go through a bidirectional RNN and attention pooling; the
epochs of a sequence through a second bidirectional RNN; each position has its own linear classifier.

physioex's variant is a configuration of the same classes: scipy's power-spectral-density spectrogram, a plain
LSTM over frames, a GRU over epochs, one shared classifier and per-recording standardisation of the log spectrum.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from hf_sleep.models.sleep_base.configuration_sleep_base import SleepStagingConfig
from hf_sleep.models.sleep_base.modeling_sleep_base import (
    EncodedSequence,
    SleepBackboneMixin,
    SleepStagingHeadMixin,
    SleepStagingOutput,
    SleepStagingPreTrainedModel,
    init,
)

RNN_CELLS: tuple[str, ...] = ("gru", "lstm", "plain_lstm")
# "magnitude": 20·log10|X| of a symmetric Hamming window (Matlab's `spectrogram`, the original's data preparation);
# "scipy_density": 20·log10(P + eps) of scipy.signal.spectrogram's default power spectral density (physioex).
SPECTROGRAMS: tuple[str, ...] = ("magnitude", "scipy_density")
# None: the fixed `spectrum_mean`/`spectrum_std` (or none); "recording": statistics of the recording being staged.
SPECTRUM_STANDARDIZATIONS: tuple[str | None, ...] = (None, "recording")


class SeqSleepNetConfig(SleepStagingConfig):
    r"""Configuration of [`SeqSleepNetForSleepStaging`]: a log-magnitude STFT and a learnable filterbank per
    channel, a bidirectional RNN with attention pooling over the frames of each epoch, a bidirectional RNN over
    the `seq_len` epochs of a sequence and one classifier per position.

    The defaults are the paper's for 30-s epochs at 100 Hz: 2-s Hamming windows with 1-s overlap and a
    256-point FFT give 29 frames × 129 bins per epoch; 32 triangular filters span 0-50 Hz.

    The recurrent cell: the paper describes GRUs (`rnn_cell="gru"`, the default here, PyTorch's fused GRU,
    which applies the reset gate after the hidden projection where TensorFlow's GRUCell applies it before);
    the released TensorFlow code (pquochuy/SeqSleepNet) uses batch-normalised LSTM cells with per-step
    population statistics (`rnn_cell="lstm"`, a custom cell that loops over time, slower; it matches the
    released code's parameters one to one).

    physioex's variant (the trained checkpoints `hf_sleep.pretrained` ships) is a configuration of this one:
    `epoch_rnn_cell="plain_lstm"` (PyTorch's `nn.LSTM`), `sequence_rnn_cell="gru"`, `attention_size=32`,
    `per_position_classifier=False`, `spectrogram="scipy_density"`, `spectrum_standardization="recording"`,
    `channel_major_frames=True` and no dropout (`drop_prob=0.0`).

    Args:
        n_chans (`int`, *optional*, defaults to 1):
            Number of input channels; each gets its own filterbank (MASS: EEG C4-A1, EOG, EMG gives 3).
        sfreq (`float`, *optional*, defaults to 100.0):
            Sampling rate of the input in Hz.
        epoch_seconds (`float`, *optional*, defaults to 30.0):
            Length of one epoch in seconds.
        seq_len (`int`, *optional*, defaults to 20):
            Epochs per sequence (20 in the paper's main setup). With `per_position_classifier` the model has one
            classifier per position and accepts sequences of at most `seq_len` epochs.
        window_seconds (`float`, *optional*, defaults to 2.0):
            Length of the Hamming window of the STFT (a symmetric window, as Matlab's `hamming`).
        hop_seconds (`float`, *optional*, defaults to 1.0):
            Step between STFT frames (1 s = 1-s overlap of 2-s windows).
        n_fft (`int`, *optional*, defaults to 256):
            FFT length; each windowed frame is zero-padded to it, giving `n_fft // 2 + 1` frequency bins.
        n_filters (`int`, *optional*, defaults to 32):
            Triangular filters of each channel's learnable filterbank.
        filter_low_hz (`float`, *optional*, defaults to 0.0):
            Lower edge of the filterbank in Hz.
        filter_high_hz (`float`, *optional*, defaults to 50.0):
            Upper edge of the filterbank in Hz (at most `sfreq / 2`).
        spectrum_mean (`list[list[float]]`, *optional*):
            Per-channel, per-bin mean of the log spectrum (`n_chans` lists of `n_fft // 2 + 1` values), subtracted
            before the filterbank as in the original's training script. `None` leaves the spectrum unnormalised;
            [`SeqSleepNetForSleepStaging.fit_spectrum_normalization`] fills it from training data.
        spectrum_std (`list[list[float]]`, *optional*):
            Per-channel, per-bin standard deviation of the log spectrum (positive), dividing after the mean.
        spectrogram (`str`, *optional*, defaults to `"magnitude"`):
            How each frame becomes a log spectrum. `"magnitude"`: `20·log10|X|` with a symmetric Hamming window
            (Matlab's `spectrogram`, as the original). `"scipy_density"`: `20·log10(P + eps)` of the power spectral
            density `scipy.signal.spectrogram` returns with its defaults (periodic Hamming window, mean of each
            frame removed, density scaling, one-sided), as physioex prepares its input.
        spectrum_standardization (`str`, *optional*):
            `None` uses `spectrum_mean`/`spectrum_std` (or nothing). `"recording"` standardises each channel's log
            spectrum per frequency bin with the mean and standard deviation over every frame of the recording
            being staged (see [`SeqSleepNetForSleepStaging.recording_statistics`]); a plain forward without them
            uses the statistics of its own input.
        channel_major_frames (`bool`, *optional*, defaults to False):
            How the channels' filterbank outputs become the frame RNN's input. `False`: frame `t` holds the `n_filters`
            outputs of every channel at frame `t` (as the original). `True`: the `(n_chans, n_frames, n_filters)`
            outputs are reshaped to `(n_frames, n_chans * n_filters)` as they lie in memory, as physioex does (the
            same for one channel; with several, each row holds consecutive frames of one channel).
        rnn_cell (`str`, *optional*, defaults to `"gru"`):
            `"gru"` (as in the paper), `"lstm"` (the released code's batch-normalised LSTM) or `"plain_lstm"`
            (PyTorch's `nn.LSTM`, as physioex).
        epoch_rnn_cell (`str`, *optional*):
            The cell of the frame-level RNN when it differs from `rnn_cell`.
        sequence_rnn_cell (`str`, *optional*):
            The cell of the epoch-level RNN when it differs from `rnn_cell`.
        epoch_rnn_hidden_size (`int`, *optional*, defaults to 64):
            Units per direction of the frame-level (epoch encoder) bidirectional RNN.
        attention_size (`int`, *optional*, defaults to 64):
            Size of the attention layer that pools the frames of an epoch into one vector.
        sequence_rnn_hidden_size (`int`, *optional*, defaults to 64):
            Units per direction of the epoch-level (sequence) bidirectional RNN.
        drop_prob (`float`, *optional*, defaults to 0.25):
            Dropout on the inputs and outputs of both RNNs (keep probability 0.75 in the original).
        per_position_classifier (`bool`, *optional*, defaults to True):
            One linear classifier per sequence position, as in the original; `False` shares one classifier across
            positions (and lifts the limit on the sequence length).
        kwargs:
            The shared arguments of [`SleepStagingConfig`] (`class_weights`, `id2label`, ...).

    Example:

    ```python
    >>> from hf_sleep import SeqSleepNetConfig
    >>> config = SeqSleepNetConfig()
    >>> config.n_frames, config.n_bins
    (29, 129)
    ```
    """

    model_type = "seqsleepnet"
    auto_model_class = "SeqSleepNetForSleepStaging"
    default_seq_len = 20

    def __init__(
        self,
        window_seconds: float = 2.0,
        hop_seconds: float = 1.0,
        n_fft: int = 256,
        n_filters: int = 32,
        filter_low_hz: float = 0.0,
        filter_high_hz: float = 50.0,
        spectrum_mean: list[list[float]] | None = None,
        spectrum_std: list[list[float]] | None = None,
        spectrogram: str = "magnitude",
        spectrum_standardization: str | None = None,
        channel_major_frames: bool = False,
        rnn_cell: str = "gru",
        epoch_rnn_cell: str | None = None,
        sequence_rnn_cell: str | None = None,
        epoch_rnn_hidden_size: int = 64,
        attention_size: int = 64,
        sequence_rnn_hidden_size: int = 64,
        drop_prob: float = 0.25,
        per_position_classifier: bool = True,
        **kwargs: Any,
    ) -> None:
        for name, cell in (
            ("rnn_cell", rnn_cell),
            ("epoch_rnn_cell", epoch_rnn_cell or rnn_cell),
            ("sequence_rnn_cell", sequence_rnn_cell or rnn_cell),
        ):
            if cell not in RNN_CELLS:
                raise ValueError(f"{name} must be one of {RNN_CELLS}, got {cell!r}")
        if spectrogram not in SPECTROGRAMS:
            raise ValueError(f"spectrogram must be one of {SPECTROGRAMS}, got {spectrogram!r}")
        if spectrum_standardization not in SPECTRUM_STANDARDIZATIONS:
            raise ValueError(
                f"spectrum_standardization must be one of {SPECTRUM_STANDARDIZATIONS}, got {spectrum_standardization!r}"
            )
        if spectrum_standardization is not None and spectrum_mean is not None:
            raise ValueError("give spectrum_mean/spectrum_std or spectrum_standardization, not both")
        if not 0.0 <= drop_prob < 1.0:
            raise ValueError(f"drop_prob must be in [0, 1), got {drop_prob}")
        for name, value in (
            ("n_fft", n_fft),
            ("n_filters", n_filters),
            ("epoch_rnn_hidden_size", epoch_rnn_hidden_size),
            ("attention_size", attention_size),
            ("sequence_rnn_hidden_size", sequence_rnn_hidden_size),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name, value in (("window_seconds", window_seconds), ("hop_seconds", hop_seconds)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
        self.window_seconds = window_seconds
        self.hop_seconds = hop_seconds
        self.n_fft = n_fft
        self.n_filters = n_filters
        self.filter_low_hz = filter_low_hz
        self.filter_high_hz = filter_high_hz
        self.spectrum_mean = None if spectrum_mean is None else [list(map(float, row)) for row in spectrum_mean]
        self.spectrum_std = None if spectrum_std is None else [list(map(float, row)) for row in spectrum_std]
        self.spectrogram = spectrogram
        self.spectrum_standardization = spectrum_standardization
        self.channel_major_frames = bool(channel_major_frames)
        self.rnn_cell = rnn_cell
        self.epoch_rnn_cell = epoch_rnn_cell
        self.sequence_rnn_cell = sequence_rnn_cell
        self.epoch_rnn_hidden_size = epoch_rnn_hidden_size
        self.attention_size = attention_size
        self.sequence_rnn_hidden_size = sequence_rnn_hidden_size
        self.drop_prob = drop_prob
        self.per_position_classifier = bool(per_position_classifier)
        super().__init__(**kwargs)
        self._validate_front_end()

    def _validate_front_end(self) -> None:
        for name, seconds in (("window_seconds", self.window_seconds), ("hop_seconds", self.hop_seconds)):
            samples = seconds * self.sfreq
            if abs(samples - round(samples)) > 1e-6:
                raise ValueError(
                    f"{name} * sfreq must be a whole number of samples, got {seconds} s * {self.sfreq} Hz = {samples}"
                )
        if self.window_samples > self.n_fft:
            raise ValueError(
                f"n_fft ({self.n_fft}) must be at least the window length ({self.window_samples} samples = "
                f"{self.window_seconds} s * {self.sfreq} Hz)"
            )
        if self.window_samples > self.n_times:
            raise ValueError(
                f"window_seconds ({self.window_seconds}) must not exceed epoch_seconds ({self.epoch_seconds})"
            )
        nyquist = self.sfreq / 2
        if not 0.0 <= self.filter_low_hz < self.filter_high_hz <= nyquist:
            raise ValueError(
                f"the filterbank needs 0 <= filter_low_hz < filter_high_hz <= sfreq / 2 = {nyquist}, got "
                f"filter_low_hz={self.filter_low_hz}, filter_high_hz={self.filter_high_hz}"
            )
        for name, rows in (("spectrum_mean", self.spectrum_mean), ("spectrum_std", self.spectrum_std)):
            if rows is None:
                continue
            shape = (len(rows), *{len(row) for row in rows})
            if shape != (self.n_chans, self.n_bins):
                raise ValueError(
                    f"{name} must hold n_chans={self.n_chans} lists of n_bins={self.n_bins} values "
                    f"(n_fft // 2 + 1), got shape {shape}"
                )
            if not all(math.isfinite(v) for row in rows for v in row):
                raise ValueError(f"{name} must hold finite values")
        if self.spectrum_std is not None and min(min(row) for row in self.spectrum_std) <= 0:
            raise ValueError("spectrum_std must be positive everywhere")
        if (self.spectrum_mean is None) != (self.spectrum_std is None):
            raise ValueError("give both spectrum_mean and spectrum_std, or neither")

    @property
    def window_samples(self) -> int:
        """Samples in one STFT window (200 for 2 s at 100 Hz)."""
        return int(round(self.window_seconds * self.sfreq))

    @property
    def hop_samples(self) -> int:
        """Samples between STFT frames (100 for 1 s at 100 Hz)."""
        return int(round(self.hop_seconds * self.sfreq))

    @property
    def n_frames(self) -> int:
        """STFT frames per epoch (29 for the paper's setup)."""
        return (self.n_times - self.window_samples) // self.hop_samples + 1

    @property
    def n_bins(self) -> int:
        """Frequency bins of the one-sided spectrum (129 for a 256-point FFT)."""
        return self.n_fft // 2 + 1

    @property
    def epoch_embedding_size(self) -> int:
        """Size of one epoch's attention-pooled vector (both directions of the frame RNN)."""
        return 2 * self.epoch_rnn_hidden_size


# |X| below this is clamped before the log, so a flat (e.g. disconnected) channel gives -200 dB, not -inf.
MAGNITUDE_FLOOR = 1e-10


def log_magnitude_spectrogram(
    signal: torch.Tensor, window_samples: int, hop_samples: int, n_fft: int
) -> torch.Tensor:
    """20·log10|STFT| of the last axis: `(..., n_times) -> (..., n_frames, n_fft // 2 + 1)`.

    Frames of `window_samples` start every `hop_samples` (no centring or padding of the signal, as Matlab's
    `spectrogram`), are multiplied by a symmetric Hamming window and zero-padded to `n_fft`; there is no
    other scaling, so the values equal `20 * log10(abs(spectrogram(x, hamming(w), w - hop, n_fft)))`.
    """
    window = torch.hamming_window(window_samples, periodic=False, dtype=signal.dtype, device=signal.device)
    frames = signal.unfold(-1, window_samples, hop_samples)
    spectrum = torch.fft.rfft(frames * window, n=n_fft)
    return 20.0 * torch.log10(spectrum.abs().clamp_min(MAGNITUDE_FLOOR))


# np.finfo(float).eps: what physioex adds to the power spectral density before the log.
DENSITY_EPS = 2.220446049250313e-16
# A channel whose log spectrum does not vary (flat signal) is divided by this, not by 0.
MIN_SPECTRUM_STD = 1e-6


def density_log_spectrogram(
    signal: torch.Tensor, window_samples: int, hop_samples: int, n_fft: int, sfreq: float
) -> torch.Tensor:
    """`20·log10(P + eps)` of scipy's default spectrogram of the last axis: `(..., n_times) -> (..., n_frames, n_bins)`.

    Equals `20 * np.log10(np.abs(scipy.signal.spectrogram(x, fs=sfreq, window="hamming", nperseg=window_samples,
    noverlap=window_samples - hop_samples, nfft=n_fft)[2]) + np.finfo(float).eps).T`: frames without padding, the
    mean of each frame removed (`detrend="constant"`), a periodic Hamming window (`get_window`'s default), the
    power spectral density `|X|² / (sfreq · Σw²)` with the one-sided bins doubled (all but DC and, for an even
    `n_fft`, Nyquist).
    """
    window = torch.hamming_window(window_samples, periodic=True, dtype=signal.dtype, device=signal.device)
    frames = signal.unfold(-1, window_samples, hop_samples)
    frames = frames - frames.mean(dim=-1, keepdim=True)
    power = torch.fft.rfft(frames * window, n=n_fft).abs().square() / (sfreq * window.square().sum())
    one_sided = torch.full((n_fft // 2 + 1,), 2.0, dtype=signal.dtype, device=signal.device)
    one_sided[0] = 1.0
    if n_fft % 2 == 0:
        one_sided[-1] = 1.0
    return 20.0 * torch.log10(power * one_sided + DENSITY_EPS)


def spectrum_statistics(spectrum: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel, per-bin mean and (population) std of `(n, n_chans, n_frames, n_bins)` over epochs and frames."""
    spectrum = spectrum.double()
    mean = spectrum.mean(dim=(0, 2))
    std = spectrum.var(dim=(0, 2), unbiased=False).sqrt().clamp_min(MIN_SPECTRUM_STD)
    return mean, std


def triangular_filterbank(
    n_filters: int, n_fft: int, sfreq: float, low_hz: float, high_hz: float
) -> np.ndarray:
    """`(n_fft // 2 + 1, n_filters)` linearly spaced triangular filters, as `lin_tri_filter_shape` of the original.

    Filter edges are `n_filters + 2` points evenly spaced from `low_hz` to `high_hz`, mapped to FFT bins by
    `floor((n_fft + 1) * hz / sfreq)`; each filter rises from 0 to 1 and falls back to 0 between its edges.
    """
    edges = np.floor((n_fft + 1) * np.linspace(low_hz, high_hz, n_filters + 2) / sfreq).astype(int)
    bank = np.zeros((n_fft // 2 + 1, n_filters))
    for j in range(n_filters):
        left, centre, right = edges[j], edges[j + 1], edges[j + 2]
        rising = np.arange(left, centre)
        bank[rising, j] = (rising - left) / (centre - left)
        falling = np.arange(centre, right)
        bank[falling, j] = (right - falling) / (right - centre)
    return bank


def _init_unless_loaded(tensor: torch.Tensor, values: torch.Tensor) -> None:
    """Copies `values` into `tensor` unless transformers marked it as loaded from a checkpoint."""
    if not getattr(tensor, "_is_hf_initialized", False):
        with torch.no_grad():
            tensor.copy_(values.to(device=tensor.device, dtype=tensor.dtype))


class SeqSleepNetFrontEnd(nn.Module):
    """Log spectrogram, per-bin normalisation and the learnable filterbank of every channel.

    `(n, n_chans, n_times) -> (n, n_frames, n_chans * n_filters)`; the channels' filter outputs are
    concatenated per frame, EEG filters first, as in the original.
    """

    def __init__(self, config: SeqSleepNetConfig) -> None:
        super().__init__()
        self.window_samples = config.window_samples
        self.hop_samples = config.hop_samples
        self.n_fft = config.n_fft
        self.sfreq = config.sfreq
        self.spectrogram = config.spectrogram
        self.per_recording = config.spectrum_standardization == "recording"
        self.channel_major_frames = config.channel_major_frames
        # Set by `SeqSleepNetForSleepStaging.recording_statistics` while a recording is staged.
        self.recording_mean_std: tuple[torch.Tensor, torch.Tensor] | None = None
        # Unconstrained weights; sigmoid keeps the effective filterbank non-negative.
        self.filterbank_weight = nn.Parameter(torch.empty(config.n_chans, config.n_bins, config.n_filters))
        self.register_buffer("triangular_filters", torch.from_numpy(self.triangular(config)).float())
        if not self.per_recording:  # fixed statistics, saved with the weights
            mean, std = self.normalization(config)
            self.register_buffer("spectrum_mean", mean)
            self.register_buffer("spectrum_std", std)

    @staticmethod
    def triangular(config: SeqSleepNetConfig) -> np.ndarray:
        return triangular_filterbank(
            config.n_filters, config.n_fft, config.sfreq, config.filter_low_hz, config.filter_high_hz
        )

    @staticmethod
    def normalization(config: SeqSleepNetConfig) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-channel, per-bin mean and std from the config (identity when the config has none)."""
        if config.spectrum_mean is None:
            return torch.zeros(config.n_chans, config.n_bins), torch.ones(config.n_chans, config.n_bins)
        return torch.tensor(config.spectrum_mean), torch.tensor(config.spectrum_std)

    def raw_log_spectrum(self, epochs: torch.Tensor) -> torch.Tensor:
        """Log spectrum `(n, n_chans, n_frames, n_bins)` before standardisation, in at least float32.

        The scipy-density spectrogram runs in float64 (as physioex's, whose float32 rounding would move
        low-power bins by up to 0.005 dB), except on devices without float64 (Apple's MPS).
        """
        compute_dtype = torch.promote_types(epochs.dtype, torch.float32)
        if self.spectrogram == "scipy_density":
            if epochs.device.type != "mps":
                compute_dtype = torch.float64
            return density_log_spectrogram(
                epochs.to(compute_dtype), self.window_samples, self.hop_samples, self.n_fft, self.sfreq
            )
        return log_magnitude_spectrogram(epochs.to(compute_dtype), self.window_samples, self.hop_samples, self.n_fft)

    def log_spectrum(self, epochs: torch.Tensor) -> torch.Tensor:
        """Standardised log spectrum `(n, n_chans, n_frames, n_bins)`."""
        spectrum = self.raw_log_spectrum(epochs)
        if not self.per_recording:
            mean, std = self.spectrum_mean, self.spectrum_std
        elif self.recording_mean_std is not None:
            mean, std = self.recording_mean_std
        else:  # a plain forward: the statistics of the input itself
            mean, std = spectrum_statistics(spectrum)
        mean, std = (value.to(device=spectrum.device, dtype=spectrum.dtype) for value in (mean, std))
        # (n_chans, n_bins) for all epochs, or (n_epochs, n_chans, n_bins): each epoch its recording's.
        mean, std = (value[..., None, :] for value in (mean, std))
        return ((spectrum - mean) / std).to(epochs.dtype)

    def forward(self, epochs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        spectrum = self.log_spectrum(epochs)
        filterbank = torch.sigmoid(self.filterbank_weight) * self.triangular_filters
        if self.channel_major_frames:
            # physioex: (n, n_chans, n_frames, n_filters) reshaped as it lies in memory.
            filtered = torch.einsum("ncfb,cbk->ncfk", spectrum, filterbank)
            return filtered.reshape(filtered.shape[0], filtered.shape[2], -1), spectrum
        filtered = torch.einsum("ncfb,cbk->nfck", spectrum, filterbank)
        return filtered.reshape(filtered.shape[0], filtered.shape[1], -1), spectrum


class SeqSleepNetBNLSTM(nn.Module):
    """Bidirectional batch-normalised LSTM (Cooijmans et al. 2017), the cell of the released SeqSleepNet code.

    Per direction: `gates = BN(x W_x; scale) + BN(h W_h; scale, offset)` in the order forget, input, output,
    candidate; `c = c·σ(f) + σ(i)·tanh(j)`; `h = tanh(BN(c; scale, offset))·σ(o)`. No other biases. Each time
    step keeps its own population statistics (steps past `max_steps` share the last), updated with decay 0.95.
    Both directions run in one loop over time with batched matrix products. `(n, steps, input) -> (n, steps, 2·hidden)`.
    """

    momentum = 0.05  # 1 - decay of the original
    eps = 1e-5

    def __init__(self, input_size: int, hidden_size: int, max_steps: int) -> None:
        super().__init__()
        gates = 4 * hidden_size
        self.hidden_size = hidden_size
        self.max_steps = max_steps
        self.weight_ih = nn.Parameter(torch.empty(2, input_size, gates))
        self.weight_hh = nn.Parameter(torch.empty(2, hidden_size, gates))
        self.scale_ih = nn.Parameter(torch.empty(2, gates))
        self.scale_hh = nn.Parameter(torch.empty(2, gates))
        self.offset_hh = nn.Parameter(torch.empty(2, gates))
        self.scale_cell = nn.Parameter(torch.empty(2, hidden_size))
        self.offset_cell = nn.Parameter(torch.empty(2, hidden_size))
        for name, size in (("ih", gates), ("hh", gates), ("cell", hidden_size)):
            self.register_buffer(f"running_mean_{name}", torch.zeros(2, max_steps, size))
            self.register_buffer(f"running_var_{name}", torch.ones(2, max_steps, size))

    def reset_parameters(self) -> None:
        """The original's initialisation: orthogonal weights, BN scales 0.1, forget-gate offset 1."""
        for weight in (self.weight_ih, self.weight_hh):
            values = torch.empty_like(weight)
            for direction in range(2):
                nn.init.orthogonal_(values[direction])
            _init_unless_loaded(weight, values)
        for scale in (self.scale_ih, self.scale_hh, self.scale_cell):
            _init_unless_loaded(scale, torch.full_like(scale, 0.1))
        offset = torch.zeros_like(self.offset_hh)
        offset[:, : self.hidden_size] = 1.0
        _init_unless_loaded(self.offset_hh, offset)
        _init_unless_loaded(self.offset_cell, torch.zeros_like(self.offset_cell))
        for name in ("ih", "hh", "cell"):
            mean, var = getattr(self, f"running_mean_{name}"), getattr(self, f"running_var_{name}")
            _init_unless_loaded(mean, torch.zeros_like(mean))
            _init_unless_loaded(var, torch.ones_like(var))

    def _batch_norm(
        self, values: torch.Tensor, name: str, step: int, scale: torch.Tensor, offset: torch.Tensor | None
    ) -> torch.Tensor:
        """Normalises `(2, n, size)` over the batch with this step's statistics."""
        running_mean = getattr(self, f"running_mean_{name}")[:, step]
        running_var = getattr(self, f"running_var_{name}")[:, step]
        if self.training:
            mean = values.mean(dim=1)
            var = values.var(dim=1, unbiased=False)
            with torch.no_grad():
                running_mean.lerp_(mean.detach(), self.momentum)
                running_var.lerp_(var.detach(), self.momentum)
        else:
            mean, var = running_mean, running_var
        normalised = (values - mean[:, None]) * torch.rsqrt(var[:, None] + self.eps) * scale[:, None]
        return normalised if offset is None else normalised + offset[:, None]

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        n, steps, _ = inputs.shape
        both = torch.stack((inputs, inputs.flip(1)))  # the backward direction reads the sequence reversed
        projected = torch.einsum("zntd,zdg->ztng", both, self.weight_ih)
        h = inputs.new_zeros(2, n, self.hidden_size)
        c = inputs.new_zeros(2, n, self.hidden_size)
        outputs = []
        for t in range(steps):
            step = min(t, self.max_steps - 1)
            gates = self._batch_norm(projected[:, t], "ih", step, self.scale_ih, None) + self._batch_norm(
                torch.bmm(h, self.weight_hh), "hh", step, self.scale_hh, self.offset_hh
            )
            forget, input_gate, output_gate, candidate = gates.chunk(4, dim=-1)
            c = c * torch.sigmoid(forget) + torch.sigmoid(input_gate) * torch.tanh(candidate)
            normalised_c = self._batch_norm(c, "cell", step, self.scale_cell, self.offset_cell)
            h = torch.tanh(normalised_c) * torch.sigmoid(output_gate)
            outputs.append(h)
        stacked = torch.stack(outputs, dim=2)  # (2, n, steps, hidden)
        return torch.cat((stacked[0], stacked[1].flip(1)), dim=-1)


class SeqSleepNetBiRNN(nn.Module):
    """Dropout → bidirectional GRU or BN-LSTM → dropout (the original's input and output dropout wrappers)."""

    def __init__(
        self, input_size: int, hidden_size: int, max_steps: int, config: SeqSleepNetConfig, cell: str | None = None
    ) -> None:
        super().__init__()
        self.input_dropout = nn.Dropout(config.drop_prob)
        cell = cell or config.rnn_cell
        if cell == "gru":
            self.rnn = nn.GRU(input_size, hidden_size, batch_first=True, bidirectional=True)
        elif cell == "plain_lstm":
            self.rnn = nn.LSTM(input_size, hidden_size, batch_first=True, bidirectional=True)
        else:
            self.rnn = SeqSleepNetBNLSTM(input_size, hidden_size, max_steps)
        self.output_dropout = nn.Dropout(config.drop_prob)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        outputs = self.rnn(self.input_dropout(inputs))
        if isinstance(outputs, tuple):
            outputs = outputs[0]
        return self.output_dropout(outputs)


class SeqSleepNetAttention(nn.Module):
    """Attention pooling over time: `α = softmax(tanh(x W + b) · u)`, output `Σ α_t x_t`."""

    def __init__(self, input_size: int, attention_size: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(input_size, attention_size))
        self.bias = nn.Parameter(torch.empty(attention_size))
        self.context = nn.Parameter(torch.empty(attention_size))

    def reset_parameters(self) -> None:
        # The original draws W, b and u from N(0, 0.1²).
        for parameter in (self.weight, self.bias, self.context):
            init.normal_(parameter, 0.0, 0.1)

    def forward(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scores = torch.tanh(inputs @ self.weight + self.bias) @ self.context
        weights = torch.softmax(scores, dim=-1)
        return torch.einsum("nt,ntd->nd", weights, inputs), weights


class SeqSleepNetEpochEncoder(nn.Module):
    """Front end, frame-level bidirectional RNN and attention: `(n, n_chans, n_times) -> (n, 2 * hidden)`."""

    def __init__(self, config: SeqSleepNetConfig) -> None:
        super().__init__()
        self.front_end = SeqSleepNetFrontEnd(config)
        self.frame_rnn = SeqSleepNetBiRNN(
            config.n_chans * config.n_filters,
            config.epoch_rnn_hidden_size,
            config.n_frames,
            config,
            config.epoch_rnn_cell,
        )
        self.attention = SeqSleepNetAttention(config.epoch_embedding_size, config.attention_size)

    def forward(self, epochs: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        filtered, spectrum = self.front_end(epochs)
        frames = self.frame_rnn(filtered)
        embedding, _ = self.attention(frames)
        return embedding, (spectrum, filtered, frames)


class SeqSleepNetClassifier(nn.Module):
    """One linear layer per sequence position (the original's `output-i` layers), or one shared layer.

    `(batch, length, hidden) -> (batch, length, num_labels)`; position `i` of the input uses classifier `i`,
    so a sequence may be shorter than `seq_len` (whole-night inference on a short night) but not longer.
    """

    def __init__(self, config: SeqSleepNetConfig) -> None:
        super().__init__()
        self.positions = config.seq_len if config.per_position_classifier else 1
        hidden = 2 * config.sequence_rnn_hidden_size
        self.weight = nn.Parameter(torch.empty(self.positions, config.num_labels, hidden))
        self.bias = nn.Parameter(torch.empty(self.positions, config.num_labels))

    def reset_parameters(self) -> None:
        # Glorot-uniform per position, zero bias: TensorFlow's `get_variable` defaults in the original.
        bound = float(np.sqrt(6.0 / (self.weight.shape[1] + self.weight.shape[2])))
        init.uniform_(self.weight, -bound, bound)
        init.zeros_(self.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        length = hidden.shape[1]
        if self.positions == 1:
            return hidden @ self.weight[0].T + self.bias[0]
        if length > self.positions:
            raise ValueError(
                f"this SeqSleepNet has one classifier per position for sequences of at most seq_len="
                f"{self.positions} epochs, got {length}; use per_position_classifier=False for longer sequences"
            )
        return torch.einsum("blh,lch->blc", hidden, self.weight[:length]) + self.bias[:length]


class SeqSleepNetPreTrainedModel(SleepStagingPreTrainedModel):
    config_class = SeqSleepNetConfig
    base_model_prefix = "seqsleepnet"
    is_sequence_model = True

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, SeqSleepNetFrontEnd):
            # Standard-normal filterbank weights, as `tf.random_normal` in the original.
            init.normal_(module.filterbank_weight, 0.0, 1.0)
            _init_unless_loaded(module.triangular_filters, torch.from_numpy(module.triangular(self.config)))
            if not module.per_recording:
                mean, std = module.normalization(self.config)
                _init_unless_loaded(module.spectrum_mean, mean)
                _init_unless_loaded(module.spectrum_std, std)
        elif isinstance(module, (SeqSleepNetAttention, SeqSleepNetBNLSTM, SeqSleepNetClassifier)):
            module.reset_parameters()
        elif isinstance(module, nn.GRU):
            super()._init_weights(module)
            # TensorFlow's GRUCell starts its reset and update gates with bias 1 (torch: gate order r, z, n).
            for name, bias in module.named_parameters():
                if name.startswith("bias_ih"):
                    values = torch.zeros_like(bias)
                    values[: 2 * module.hidden_size] = 1.0
                    _init_unless_loaded(bias, values)
        else:
            super()._init_weights(module)


class SeqSleepNetModel(SleepBackboneMixin, SeqSleepNetPreTrainedModel):
    """The SeqSleepNet backbone: epoch encoder, then the sequence-level bidirectional RNN (no classifier)."""

    def __init__(self, config: SeqSleepNetConfig) -> None:
        super().__init__(config)
        self.epoch_encoder = SeqSleepNetEpochEncoder(config)
        self.sequence_rnn = SeqSleepNetBiRNN(
            config.epoch_embedding_size,
            config.sequence_rnn_hidden_size,
            config.seq_len,
            config,
            config.sequence_rnn_cell,
        )
        self.post_init()

    def encode_sequence(self, sequence: torch.Tensor) -> EncodedSequence:
        embeddings, inner = self.encode_each_epoch(sequence, self.epoch_encoder)
        last_hidden_state = self.sequence_rnn(embeddings)
        return last_hidden_state, embeddings, (*inner, embeddings, last_hidden_state)


class SeqSleepNetForSleepStaging(SleepStagingHeadMixin, SeqSleepNetPreTrainedModel):
    """SeqSleepNet with its per-position classifiers: `(batch, seq_len, n_chans, n_times)` → `(batch, seq_len, num_labels)`.

    A 3-D `(batch, n_chans, n_times)` input is a sequence of one epoch, scored by the first position's
    classifier. Hidden states (on request): the normalised log spectrum `(batch * seq_len, n_chans, 29, 129)`,
    the filterbank output, the frame RNN output, the epoch embeddings and the sequence RNN output.

    Example:

    ```python
    >>> import torch
    >>> from hf_sleep import SeqSleepNetConfig, SeqSleepNetForSleepStaging
    >>> model = SeqSleepNetForSleepStaging(SeqSleepNetConfig(seq_len=20)).eval()
    >>> model(torch.randn(2, 20, 1, 3000)).logits.shape
    torch.Size([2, 20, 5])
    ```
    """

    def __init__(self, config: SeqSleepNetConfig) -> None:
        super().__init__(config)
        self.seqsleepnet = SeqSleepNetModel(config)
        self.classifier = SeqSleepNetClassifier(config)
        self.post_init()

    def get_encoder(self) -> nn.Module:
        """The epoch encoder (front end, frame RNN, attention)."""
        return self.seqsleepnet.epoch_encoder

    def embed_epochs(self, epochs: torch.Tensor) -> torch.Tensor:
        return self.seqsleepnet.epoch_encoder(epochs)[0]

    def stage_sequences(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.seqsleepnet.sequence_rnn(embeddings))

    @contextlib.contextmanager
    def recording_statistics(self, epochs: torch.Tensor, batch_size: int | None = 256) -> Iterator[None]:
        """Within this block, the log spectrum is standardised with the statistics of `epochs` (a whole recording).

        Only for `spectrum_standardization="recording"` (otherwise it does nothing): per channel and frequency
        bin, the mean and standard deviation over every frame of every epoch, computed once.
        [`hf_sleep.staging.inference.predict_night`] enters it for the night it stages, so chunks and windows of the night
        all see the night's statistics.

        Args:
            epochs: `(n_epochs, n_chans, n_times)` the whole recording, in the model's units.
            batch_size: epochs per spectrogram pass (memory only); `None`: one pass, as an exported graph needs.
        """
        front_end = self.seqsleepnet.epoch_encoder.front_end
        if not front_end.per_recording:
            yield
            return
        mean, std = self.spectrum_statistics_of(epochs, batch_size)
        front_end.recording_mean_std = (mean, std)
        try:
            yield
        finally:
            front_end.recording_mean_std = None

    @torch.no_grad()
    def fit_spectrum_normalization(self, epochs: torch.Tensor, batch_size: int = 256) -> None:
        """Sets the per-channel, per-bin mean and std of the log spectrum from training epochs.

        As in the original training script, statistics run over every frame of every epoch (population std).
        They are written both into the buffers (saved with the weights) and into the config. A model with
        `spectrum_standardization="recording"` has no fixed statistics: this does nothing.

        Args:
            epochs: `(n_epochs, n_chans, n_times)` training signal in the model's units.
            batch_size: epochs per STFT pass (memory only; the result does not depend on it).
        """
        config = self.config
        if config.spectrum_standardization is not None:
            return  # statistics come from each recording (or input), none are fixed at training time
        epochs = torch.as_tensor(epochs)
        if (
            epochs.ndim != 3
            or tuple(epochs.shape[1:]) != (config.n_chans, config.n_times)
            or len(epochs) == 0
        ):
            raise ValueError(
                f"epochs must have shape (n_epochs, {config.n_chans}, {config.n_times}), got {tuple(epochs.shape)}"
            )
        front_end = self.seqsleepnet.epoch_encoder.front_end
        total = torch.zeros(config.n_chans, config.n_bins, dtype=torch.float64)
        total_sq = torch.zeros_like(total)
        for start in range(0, len(epochs), batch_size):
            spectrum = front_end.raw_log_spectrum(epochs[start : start + batch_size].double())
            total += spectrum.sum(dim=(0, 2)).cpu()
            total_sq += (spectrum**2).sum(dim=(0, 2)).cpu()
        count = len(epochs) * config.n_frames
        mean = total / count
        std = (total_sq / count - mean**2).clamp_min(0).sqrt().clamp_min(1e-6)
        front_end.spectrum_mean.copy_(mean)
        front_end.spectrum_std.copy_(std)
        config.spectrum_mean = mean.tolist()
        config.spectrum_std = std.tolist()

    @torch.no_grad()
    def spectrum_statistics_of(self, epochs: torch.Tensor, batch_size: int | None = 256) -> torch.Tensor:
        """`(2, n_chans, n_bins)` mean and std of the log spectrum of `epochs` (a whole recording), per channel and bin.

        What [`recording_statistics`] uses; a dataset converted for fine-tuning can store it per recording and
        pass it with each sequence as `spectrum_statistics`.
        """
        front_end = self.seqsleepnet.epoch_encoder.front_end
        if batch_size is None:  # no loop whose length depends on the night (`hf_sleep.staging.onnx_export`)
            return torch.stack(spectrum_statistics(front_end.raw_log_spectrum(epochs)))
        spectrum = torch.cat(
            [front_end.raw_log_spectrum(epochs[i : i + batch_size]) for i in range(0, len(epochs), batch_size)]
        )
        return torch.stack(spectrum_statistics(spectrum))

    def forward(
        self,
        input_values: torch.Tensor,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        spectrum_statistics: torch.Tensor | None = None,
    ) -> SleepStagingOutput | tuple:
        r"""
        spectrum_statistics (`torch.Tensor` of shape `(batch, 2, n_chans, n_bins)`, *optional*):
            For `spectrum_standardization="recording"`: the mean and std of each sequence's recording
            ([`spectrum_statistics_of`]), so that training windows are standardised as whole nights are at staging.
            Without them (and outside [`recording_statistics`]) the statistics of the input itself are used.
        """
        front_end = self.seqsleepnet.epoch_encoder.front_end
        if spectrum_statistics is None or not front_end.per_recording:
            return super().forward(input_values, labels, output_hidden_states, return_dict)
        seq_len = input_values.shape[1] if input_values.ndim == 4 else 1
        per_epoch = spectrum_statistics.repeat_interleave(seq_len, dim=0)  # (batch * seq_len, 2, C, bins)
        front_end.recording_mean_std = (per_epoch[:, 0], per_epoch[:, 1])
        try:
            return super().forward(input_values, labels, output_hidden_states, return_dict)
        finally:
            front_end.recording_mean_std = None
