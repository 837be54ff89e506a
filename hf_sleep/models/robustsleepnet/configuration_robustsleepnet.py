# Generated from hf_sleep/models/robustsleepnet/modular_robustsleepnet.py by `python scripts/check_modular.py --fix`:
# edit the modular file, not this one (tests/test_modular.py fails while the two disagree). Each block
# marked `Copied from` lives at the place named; the copies make this file self-contained, so a saved
# model folder loads with `trust_remote_code=True` without hf_sleep.
"""RobustSleepNetConfig: the configuration of the `robustsleepnet` architecture."""

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
