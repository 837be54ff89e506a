# Generated from hf_sleep/models/dsb_cnn/modular_dsb_cnn.py by `python scripts/check_modular.py --fix`:
# edit the modular file, not this one (tests/test_modular.py fails while the two disagree). Each block
# marked `Copied from` lives at the place named; the copies make this file self-contained, so a saved
# model folder loads with `trust_remote_code=True` without hf_sleep.
"""DSBCNNConfig: the configuration of the `dsb_cnn` architecture."""

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


# Copied from hf_sleep.models.dsb_base.configuration_dsb_base.MASK_LOSS_TARGETS
MASK_LOSS_TARGETS: tuple[str, ...] = ("masked", "visible", "all")


# Copied from hf_sleep.models.dsb_base.configuration_dsb_base.DSBConfig
class DSBConfig(SleepStagingConfig):
    r"""Base of the DeepSleepBench configs: the pretraining objectives and the staging head, shared by the backbones.

    Args:
        contrastive_temperature (`float`, *optional*, defaults to 0.5):
            Temperature of the NT-Xent contrastive loss (not `temperature`, which transformers reserves for
            generation). The original configs say 0.1 (and 0.07), but its
            `NTXentLoss` was built without arguments, so 0.5 is what its runs actually used.
        mask_ratio (`float`, *optional*):
            Fraction of the input hidden from the encoder in masked-prediction pretraining. Defaults to the
            backbone's original setting (see the backbone's notes).
        mask_loss_on (`str`, *optional*, defaults to `"masked"`):
            Where the reconstruction error is measured: `"masked"` (the hidden part, as in MAE), `"visible"`
            (the part the encoder saw, what the original code does: its mask marks kept samples and its L2 loss
            averages over them) or `"all"`.
        alpha_crl (`float`, *optional*, defaults to 1.0):
            Weight of the contrastive loss in hybrid pretraining: `loss = masked + alpha_crl * contrastive`.
        augmentation_probability (`float`, *optional*, defaults to 0.5):
            Probability with which each of the six augmentations is applied to each epoch of a contrastive view.
        augmentation_seed (`int`, *optional*):
            Seed of the generator behind the augmentations and the masks. Unset, it is drawn from torch's
            global generator (so `transformers.set_seed` makes runs reproducible).
        freeze_encoder (`bool`, *optional*, defaults to False):
            Keeps the encoder's weights fixed (and its batch-norm statistics, by holding it in eval mode) when
            training the staging head: the original's linear evaluation on the frozen encoder.
        classifier_hidden_size (`int`, *optional*, defaults to 256):
            Width of the two hidden layers of the staging MLP (latent → 256 → 256 → num_labels in the original).
        classifier_dropout (`float`, *optional*, defaults to 0.5):
            Dropout after each hidden layer of the staging MLP.
        kwargs:
            The shared arguments of [`SleepStagingConfig`] (`ch_names`, `units`, `class_weights`, `id2label`, ...).
    """

    # Not annotated: transformers turns annotated config attributes into saved fields.
    default_mask_ratio = 0.5

    def __init__(
        self,
        contrastive_temperature: float = 0.5,
        mask_ratio: float | None = None,
        mask_loss_on: str = "masked",
        alpha_crl: float = 1.0,
        augmentation_probability: float = 0.5,
        augmentation_seed: int | None = None,
        freeze_encoder: bool = False,
        classifier_hidden_size: int = 256,
        classifier_dropout: float = 0.5,
        **kwargs: Any,
    ) -> None:
        mask_ratio = self.default_mask_ratio if mask_ratio is None else mask_ratio
        if not (isinstance(contrastive_temperature, (int, float)) and contrastive_temperature > 0):
            raise ValueError(f"contrastive_temperature must be a positive number, got {contrastive_temperature!r}")
        if not 0.0 < mask_ratio < 1.0:
            raise ValueError(f"mask_ratio must be in (0, 1) (fraction of the input hidden), got {mask_ratio!r}")
        if mask_loss_on not in MASK_LOSS_TARGETS:
            raise ValueError(f"mask_loss_on must be one of {MASK_LOSS_TARGETS}, got {mask_loss_on!r}")
        if alpha_crl < 0:
            raise ValueError(f"alpha_crl must be >= 0, got {alpha_crl}")
        if not 0.0 <= augmentation_probability <= 1.0:
            raise ValueError(f"augmentation_probability must be in [0, 1], got {augmentation_probability}")
        if classifier_hidden_size < 1:
            raise ValueError(f"classifier_hidden_size must be a positive integer, got {classifier_hidden_size}")
        if not 0.0 <= classifier_dropout < 1.0:
            raise ValueError(f"classifier_dropout must be in [0, 1), got {classifier_dropout}")
        self.contrastive_temperature = float(contrastive_temperature)
        self.mask_ratio = float(mask_ratio)
        self.mask_loss_on = mask_loss_on
        self.alpha_crl = float(alpha_crl)
        self.augmentation_probability = float(augmentation_probability)
        self.augmentation_seed = augmentation_seed
        self.freeze_encoder = bool(freeze_encoder)
        self.classifier_hidden_size = classifier_hidden_size
        self.classifier_dropout = classifier_dropout
        super().__init__(**kwargs)

    @property
    def latent_size(self) -> int:
        """Size of the L2-normalised per-epoch latent the heads work on."""
        raise NotImplementedError


class DSBCNNConfig(DSBConfig):
    r"""Configuration of the DeepSleepBench CNN ([`DSBCNNForSleepStaging`] and its pretraining heads).

    SleePyCo's encoder: five stages of kernel-3 convolutions with batch norm and PReLU, each ended by a
    squeeze-and-excitation gate, with max-pooling between stages; the stage outputs c3, c4, c5 form the feature
    pyramid and the average of c5 over time, L2-normalised, is the 128-d latent. Masked prediction adds a
    mirrored decoder (transposed convolutions in place of the pooling). `mask_ratio` defaults to 0.25, the
    original's setting.

    Args:
        n_chans (`int`, *optional*, defaults to 1):
            Number of input channels (the original uses one EEG derivation, Fpz-Cz).
        sfreq (`float`, *optional*, defaults to 100.0):
            Sampling rate of the input in Hz.
        epoch_seconds (`float`, *optional*, defaults to 30.0):
            Length of one epoch in seconds.
        seq_len (`int`, *optional*, defaults to 1):
            Epochs per sample; every epoch is encoded and staged on its own.
        channels (`list[int]`, *optional*):
            Output channels of the five stages. Defaults to `[64, 128, 192, 256, 128]`; the last is the latent size.
        n_layers (`list[int]`, *optional*):
            Convolutions per stage. Defaults to `[2, 2, 3, 3, 3]`.
        pool_sizes (`list[int]`, *optional*):
            Max-pooling before each stage after the first (zero-padded to a multiple). Defaults to `[5, 5, 5, 4]`
            (3000 samples → 600 → 120 → 24 → 6).
        kernel_size (`int`, *optional*, defaults to 3):
            Kernel of every convolution (odd, length-preserving padding).
        gate_reduction (`int`, *optional*, defaults to 16):
            Reduction of the squeeze-and-excitation gate that ends each stage.
        attention_stages (`list[int]`, *optional*):
            0-based stages followed by multi-head self-attention with a residual connection and LayerNorm.
            Defaults to `[]` (no attention).
        attention_heads (`int`, *optional*, defaults to 8):
            Heads of each self-attention layer.
        kwargs:
            The pretraining and staging-head arguments of [`DSBConfig`] (`contrastive_temperature`, `mask_ratio`,
            `freeze_encoder`, `classifier_hidden_size`, ...), then the shared ones of [`SleepStagingConfig`].

    Example:

    ```python
    >>> from hf_sleep import DSBCNNConfig
    >>> DSBCNNConfig().stage_widths
    [3000, 600, 120, 24, 6]
    ```
    """

    model_type = "dsb_cnn"
    auto_model_class = "DSBCNNForSleepStaging"
    # Stages (0-based) followed by 8-head self-attention; none in the plain CNN.
    default_attention_stages = ()
    # The original's hybrid CNN configs hide 25 % of the samples.
    default_mask_ratio = 0.25

    def __init__(
        self,
        n_chans: int = 1,
        sfreq: float = 100.0,
        epoch_seconds: float = 30.0,
        seq_len: int = 1,
        channels: list[int] | None = None,
        n_layers: list[int] | None = None,
        pool_sizes: list[int] | None = None,
        kernel_size: int = 3,
        gate_reduction: int = 16,
        attention_stages: list[int] | None = None,
        attention_heads: int = 8,
        **kwargs: Any,
    ) -> None:
        self.channels = list(channels) if channels is not None else [64, 128, 192, 256, 128]
        self.n_layers = list(n_layers) if n_layers is not None else [2, 2, 3, 3, 3]
        self.pool_sizes = list(pool_sizes) if pool_sizes is not None else [5, 5, 5, 4]
        self.attention_stages = (
            list(attention_stages) if attention_stages is not None else list(self.default_attention_stages)
        )
        self.kernel_size = kernel_size
        self.gate_reduction = gate_reduction
        self.attention_heads = attention_heads
        self._validate_cnn()
        super().__init__(n_chans=n_chans, sfreq=sfreq, epoch_seconds=epoch_seconds, seq_len=seq_len, **kwargs)

    def _validate_cnn(self) -> None:
        n_stages = len(self.channels)
        if n_stages < 1 or any(not isinstance(c, int) or c < 1 for c in self.channels):
            raise ValueError(f"channels must be a non-empty list of positive integers, got {self.channels}")
        if len(self.n_layers) != n_stages or any(n < 1 for n in self.n_layers):
            raise ValueError(
                f"n_layers needs one positive count per stage ({n_stages} stages), got {self.n_layers}"
            )
        if len(self.pool_sizes) != n_stages - 1 or any(p < 1 for p in self.pool_sizes):
            raise ValueError(
                f"pool_sizes needs one positive size per stage after the first ({n_stages - 1}), got {self.pool_sizes}"
            )
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (length-preserving padding), got {self.kernel_size}")
        if self.gate_reduction < 1:
            raise ValueError(f"gate_reduction must be a positive integer, got {self.gate_reduction}")
        for stage in self.attention_stages:
            # Stage 0's mirror in the decoder would attend over the input channels, so it is left out.
            if not 1 <= stage < n_stages:
                raise ValueError(f"attention_stages holds stage {stage}, but must be in 1..{n_stages - 1}")
            if self.channels[stage] % self.attention_heads or self.attention_heads < 1:
                raise ValueError(
                    f"attention after stage {stage} needs its {self.channels[stage]} channels divisible by "
                    f"attention_heads={self.attention_heads}"
                )
        # The mirrored decoder's attention runs on the input width of the stage.
        for stage in self.attention_stages:
            width = self.channels[stage - 1]
            if width % self.attention_heads:
                raise ValueError(
                    f"the decoder's attention at stage {stage} needs its {width} channels divisible by "
                    f"attention_heads={self.attention_heads}"
                )

    @property
    def latent_size(self) -> int:
        """Size of the latent: the channels of the last stage (128)."""
        return self.channels[-1]

    @property
    def stage_widths(self) -> list[int]:
        """Samples per epoch after each stage (pooling pads to a multiple of the pool size, as the original)."""
        widths = [self.n_times]
        for pool in self.pool_sizes:
            widths.append(-(-widths[-1] // pool))
        return widths
