# Generated from hf_sleep/models/seqsleepnet/modular_seqsleepnet.py by `python scripts/check_modular.py --fix`:
# edit the modular file, not this one (tests/test_modular.py fails while the two disagree). Each block
# marked `Copied from` lives at the place named; the copies make this file self-contained, so a saved
# model folder loads with `trust_remote_code=True` without hf_sleep.
"""SeqSleepNetConfig: the configuration of the `seqsleepnet` architecture."""

from __future__ import annotations

import math
import os
import shutil
import sys
from pathlib import Path
from typing import Any, ClassVar

from transformers import PretrainedConfig

# Copied from hf_sleep.models.sleep_base.signals.UNIT_SCALE
# Volts per unit of model input, by the unit names a config or feature extractor accepts.
UNIT_SCALE: dict[str, float] = {"uV": 1e-6, "mV": 1e-3, "V": 1.0}


# Copied from hf_sleep.models.sleep_base.configuration_sleep_base.SUPPORTED_UNITS
SUPPORTED_UNITS: tuple[str, ...] = tuple(UNIT_SCALE)


# Copied from hf_sleep.models.sleep_base.configuration_sleep_base.SLEEP_STAGING_TASK
# The sleep-staging pipeline, saved beside every model (named, not imported: configs stay free of modeling code).
SLEEP_STAGING_TASK = "sleep-staging"


# Copied from hf_sleep.models.sleep_base.configuration_sleep_base.SLEEP_STAGING_PIPELINE_FILE
SLEEP_STAGING_PIPELINE_FILE = "sleep_staging_pipeline.py"


# Copied from hf_sleep.models.sleep_base.configuration_sleep_base.SLEEP_STAGING_PIPELINE
SLEEP_STAGING_PIPELINE: dict[str, Any] = {"impl": "sleep_staging_pipeline.SleepStagingPipeline"}


# Copied from hf_sleep.models.sleep_base.configuration_sleep_base.SleepStagingConfig
class SleepStagingConfig(PretrainedConfig):
    r"""Base configuration of every hf_sleep model: the shape of the signal and the stages to predict.

    Architectures subclass it, add their own hyper-parameters and set `model_type` and
    `auto_model_class` (the name of their `...ForSleepStaging` class in `modeling_<model_type>.py`).

    Args:
        n_chans (`int`, *optional*, defaults to 1):
            Number of signal channels per epoch (e.g. 1 for a single Fpz-Cz EEG derivation).
        sfreq (`float`, *optional*, defaults to 100.0):
            Sampling rate of the input in Hz.
        epoch_seconds (`float`, *optional*, defaults to 30.0):
            Length of one scored epoch in seconds (30 s in AASM scoring, 4 s or 10 s in rodent scoring).
        seq_len (`int`, *optional*, defaults to 1):
            Number of consecutive epochs in one training sample (the context of sequence models).
        ch_names (`list[str]`, *optional*):
            Names of the input channels in order, e.g. `["EEG Fpz-Cz"]`. Defaults to `EEG1 ... EEGn`.
        units (`str`, *optional*, defaults to `"uV"`):
            Physical unit the model expects its input in: `"uV"`, `"mV"` or `"V"`.
        class_weights (`list[float]`, *optional*):
            Per-class weights of the cross-entropy loss, one per label (e.g. 1.5 for N1 as in TinySleepNet).
        id2label (`dict[int, str]`, *optional*):
            Stage names by class index. Defaults to the five AASM stages W, N1, N2, N3, REM.
        label2id (`dict[str, int]`, *optional*):
            The inverse of `id2label`; derived from it when not given.

    Example:

    ```python
    >>> from hf_sleep import TinySleepNetConfig
    >>> config = TinySleepNetConfig(seq_len=20)
    >>> config.n_times, config.num_labels
    (3000, 5)
    ```
    """

    model_type = "sleep_staging"
    # A class attribute, not a config field: it must not be written into config.json.
    auto_model_class: ClassVar[str] = ""

    def __init__(
        self,
        n_chans: int = 1,
        sfreq: float = 100.0,
        epoch_seconds: float = 30.0,
        seq_len: int = 1,
        ch_names: list[str] | None = None,
        units: str = "uV",
        class_weights: list[float] | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("id2label") is None and kwargs.get("num_labels") is None:
            kwargs["id2label"] = dict(enumerate(AASM_STAGES))
        if kwargs.get("id2label") is not None:
            kwargs["id2label"] = {int(index): str(name) for index, name in kwargs["id2label"].items()}
            if kwargs.get("label2id") is None:
                kwargs["label2id"] = {name: index for index, name in kwargs["id2label"].items()}
        self.n_chans = n_chans
        self.sfreq = sfreq
        self.epoch_seconds = epoch_seconds
        self.seq_len = seq_len
        self.ch_names = list(ch_names) if ch_names is not None else [f"EEG{i + 1}" for i in range(n_chans)]
        self.units = units
        self.class_weights = list(class_weights) if class_weights is not None else None
        super().__init__(**kwargs)
        if self.label2id is None or len(self.label2id) != len(self.id2label):
            self.label2id = {name: index for index, name in self.id2label.items()}
        self.validate_signal_shape()

    @property
    def n_times(self) -> int:
        """Samples in one epoch: `sfreq * epoch_seconds`."""
        return int(round(self.sfreq * self.epoch_seconds))

    @property
    def stage_names(self) -> list[str]:
        """Stage names in class-index order."""
        return [self.id2label[index] for index in range(self.num_labels)]

    def validate_signal_shape(self) -> None:
        """Checks the signal-shape arguments together; raises `ValueError` saying what was expected."""
        if isinstance(self.n_chans, bool) or not isinstance(self.n_chans, int) or self.n_chans < 1:
            raise ValueError(f"n_chans must be a positive integer, got {self.n_chans!r}")
        if isinstance(self.seq_len, bool) or not isinstance(self.seq_len, int) or self.seq_len < 1:
            raise ValueError(f"seq_len must be a positive integer (epochs per sample), got {self.seq_len!r}")
        for name in ("sfreq", "epoch_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        n_samples = self.sfreq * self.epoch_seconds
        if abs(n_samples - round(n_samples)) > 1e-6:
            raise ValueError(
                f"sfreq * epoch_seconds must be a whole number of samples, got {self.sfreq} Hz * "
                f"{self.epoch_seconds} s = {n_samples}"
            )
        if len(self.ch_names) != self.n_chans:
            raise ValueError(
                f"ch_names must name every channel: expected {self.n_chans} names, got {len(self.ch_names)} "
                f"({self.ch_names})"
            )
        if self.units not in SUPPORTED_UNITS:
            raise ValueError(f"units must be one of {SUPPORTED_UNITS}, got {self.units!r}")
        if self.num_labels is None or self.num_labels < 2:
            raise ValueError(f"a sleep-staging model needs at least 2 labels, got id2label={self.id2label}")
        if sorted(self.id2label) != list(range(self.num_labels)):
            raise ValueError(f"id2label keys must be 0..{self.num_labels - 1}, got {sorted(self.id2label)}")
        if self.class_weights is not None and len(self.class_weights) != self.num_labels:
            raise ValueError(
                f"class_weights needs one weight per label ({self.num_labels}: {self.stage_names}), "
                f"got {len(self.class_weights)}"
            )

    def save_pretrained(self, save_directory: str | os.PathLike, push_to_hub: bool = False, **kwargs: Any):
        """Saves `config.json` with the configuration and modeling files beside it, so the folder loads with
        `trust_remote_code=True`: both files are self-contained (generated from `modular_<arch>.py`), so they are
        copied as they are."""
        if self.auto_model_class:
            module_prefix = type(self).__module__.rsplit(".", 1)[-1]
            self.auto_map = {
                "AutoConfig": f"{module_prefix}.{type(self).__name__}",
                "AutoModel": f"modeling_{self.model_type}.{self.auto_model_class}",
            }
            # transformers' custom-pipeline entry: `pipeline(model=repo, trust_remote_code=True)` finds the task.
            self.custom_pipelines = {SLEEP_STAGING_TASK: dict(SLEEP_STAGING_PIPELINE, pt=["AutoModel"])}
        super().save_pretrained(save_directory, **kwargs)
        if self.auto_model_class:
            source = Path(sys.modules[type(self).__module__].__file__).parent
            # The pipeline sits beside this file in a saved folder, in hf_sleep/staging/ in the package.
            pipeline = [source / SLEEP_STAGING_PIPELINE_FILE, source.parents[1] / "staging" / SLEEP_STAGING_PIPELINE_FILE]
            for path in [source / f"{module_prefix}.py", source / f"modeling_{self.model_type}.py", *pipeline]:
                # Loaded with `trust_remote_code`, the modeling file may not have been fetched: transformers
                # copies it itself when the model is saved.
                target = Path(save_directory) / path.name
                if path.is_file() and not target.is_file():
                    shutil.copyfile(path, f"{target}.tmp")
                    os.replace(f"{target}.tmp", target)
        if push_to_hub:
            # `push_to_hub` saves again into a fresh folder, so the code travels in the same commit.
            self.push_to_hub(kwargs.pop("repo_id", str(save_directory).rstrip("/").split("/")[-1]), **kwargs)


# Copied from hf_sleep.models.sleep_base.signals.AASM_STAGES
AASM_STAGES: tuple[str, ...] = ("W", "N1", "N2", "N3", "REM")


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
            The shared arguments of [`SleepStagingConfig`] (`ch_names`, `units`, `class_weights`, `id2label`, ...).

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

    def __init__(
        self,
        n_chans: int = 1,
        sfreq: float = 100.0,
        epoch_seconds: float = 30.0,
        seq_len: int = 20,
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
        super().__init__(n_chans=n_chans, sfreq=sfreq, epoch_seconds=epoch_seconds, seq_len=seq_len, **kwargs)
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
