# Generated from hf_sleep/models/slumbernet/modular_slumbernet.py by `python scripts/check_modular.py --fix`:
# edit the modular file, not this one (tests/test_modular.py fails while the two disagree). Each block
# marked `Copied from` lives at the place named; the copies make this file self-contained, so a saved
# model folder loads with `trust_remote_code=True` without hf_sleep.
"""SlumberNetConfig: the configuration of the `slumbernet` architecture."""

from __future__ import annotations

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


# Copied from hf_sleep.models.sleep_base.configuration_sleep_base.ACTIVATION_NAMES
# Activations a config may name; `modeling_sleep_base.ACTIVATIONS` builds them (a test keeps the two equal).
ACTIVATION_NAMES: tuple[str, ...] = (
    "relu", "elu", "gelu", "leaky_relu", "prelu", "tanh", "sigmoid", "silu", "identity",
)  # fmt: skip


# Copied from hf_sleep.models.sleep_base.configuration_sleep_base.SLEEP_STAGING_TASK
# The sleep-staging pipeline, saved beside every model (named, not imported: configs stay free of modeling code).
SLEEP_STAGING_TASK = "sleep-staging"


# Copied from hf_sleep.models.sleep_base.configuration_sleep_base.SLEEP_STAGING_PIPELINE_FILE
SLEEP_STAGING_PIPELINE_FILE = "sleep_staging_pipeline.py"


# Copied from hf_sleep.models.sleep_base.configuration_sleep_base.SLEEP_STAGING_PIPELINE
SLEEP_STAGING_PIPELINE: dict[str, Any] = {"impl": "sleep_staging_pipeline.SleepStagingPipeline"}


# Copied from hf_sleep.models.sleep_base.configuration_sleep_base.check_activation
def check_activation(argument: str, name: str) -> None:
    """Raises a `ValueError` naming the config argument when `name` is not a known activation."""
    if name not in ACTIVATION_NAMES:
        raise ValueError(f"{argument} must be one of {sorted(ACTIVATION_NAMES)}, got {name!r}")


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


MOUSE_STAGES: dict[int, str] = {0: "Wake", 1: "NREM", 2: "REM"}


class SlumberNetConfig(SleepStagingConfig):
    r"""Configuration of [`SlumberNetForSleepStaging`]: a 2-D ResNet over the EEG and EMG of one 4-s mouse epoch.

    The defaults are the original's: 256 Hz signals downsampled ×4 to 64 Hz (256 samples per epoch, see
    [`hf_sleep.models.sleep_base.preprocessing.slumbernet_preprocess`]), six residual blocks of 8 to 256 filters with kernels 8, 5
    and 3 along time, a seventh block of three kernel-8 convolutions at 256 filters, global average pooling and
    a 3-way classifier (Wake, NREM, REM). Every kernel spans `channel_kernel_size` channels (2: EEG and EMG
    together) with TensorFlow `SAME` padding.

    Args:
        n_chans (`int`, *optional*, defaults to 2):
            Number of input channels (EEG, then EMG).
        sfreq (`float`, *optional*, defaults to 64.0):
            Sampling rate of the input in Hz (256 Hz recordings downsampled ×4).
        epoch_seconds (`float`, *optional*, defaults to 4.0):
            Length of one epoch in seconds (4-s epochs in the original).
        seq_len (`int`, *optional*, defaults to 1):
            Epochs per sample; SlumberNet scores each epoch on its own, so longer sequences are scored epoch by epoch.
        block_filters (`list[int]`, *optional*, defaults to [8, 16, 32, 64, 128, 256]):
            Filters of each residual block (the original starts at 8 and doubles).
        kernel_sizes (`list[int]`, *optional*, defaults to [8, 5, 3]):
            Time kernels of the three convolutions of every residual block.
        final_kernel_size (`int`, *optional*, defaults to 8):
            Time kernel of the three convolutions of the last block (which keeps the last block's width).
        channel_kernel_size (`int`, *optional*, defaults to 2):
            How many channels each kernel spans (the original's `kernel_y`; 1 gives per-channel kernels).
        activation (`str`, *optional*, defaults to `"relu"`):
            Activation after the batch norms and after each residual sum.
        drop_prob (`float`, *optional*, defaults to 0.0):
            Dropout after the first two convolutions of each block and after each residual sum (0 in the
            released models).
        kwargs:
            The shared arguments of [`SleepStagingConfig`] (`ch_names` defaults to `["EEG", "EMG"]`, `id2label`
            to Wake, NREM, REM, ...).

    Example:

    ```python
    >>> from hf_sleep import SlumberNetConfig
    >>> config = SlumberNetConfig()
    >>> config.n_times, config.stage_names
    (256, ['Wake', 'NREM', 'REM'])
    ```
    """

    model_type = "slumbernet"
    auto_model_class = "SlumberNetForSleepStaging"

    def __init__(
        self,
        n_chans: int = 2,
        sfreq: float = 64.0,
        epoch_seconds: float = 4.0,
        seq_len: int = 1,
        block_filters: list[int] | None = None,
        kernel_sizes: list[int] | None = None,
        final_kernel_size: int = 8,
        channel_kernel_size: int = 2,
        activation: str = "relu",
        drop_prob: float = 0.0,
        **kwargs: Any,
    ) -> None:
        block_filters = [8, 16, 32, 64, 128, 256] if block_filters is None else list(block_filters)
        kernel_sizes = [8, 5, 3] if kernel_sizes is None else list(kernel_sizes)
        check_activation("activation", activation)
        if not 0.0 <= drop_prob < 1.0:
            raise ValueError(f"drop_prob must be in [0, 1), got {drop_prob}")
        for name, values in (("block_filters", block_filters), ("kernel_sizes", kernel_sizes)):
            if not values or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
                raise ValueError(f"{name} must be a non-empty list of positive integers, got {values!r}")
        if len(kernel_sizes) != 3:
            raise ValueError(
                f"kernel_sizes needs one kernel for each of the 3 convolutions of a block, got {kernel_sizes}"
            )
        for name, value in (
            ("final_kernel_size", final_kernel_size),
            ("channel_kernel_size", channel_kernel_size),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if kwargs.get("id2label") is None and kwargs.get("num_labels") is None:
            kwargs["id2label"] = dict(MOUSE_STAGES)
        if kwargs.get("ch_names") is None and n_chans == 2:
            kwargs["ch_names"] = ["EEG", "EMG"]
        self.block_filters = block_filters
        self.kernel_sizes = kernel_sizes
        self.final_kernel_size = final_kernel_size
        self.channel_kernel_size = channel_kernel_size
        self.activation = activation
        self.drop_prob = drop_prob
        super().__init__(n_chans=n_chans, sfreq=sfreq, epoch_seconds=epoch_seconds, seq_len=seq_len, **kwargs)

    @property
    def hidden_size(self) -> int:
        """Size of the pooled feature vector of one epoch (the last block's filters)."""
        return self.block_filters[-1]
