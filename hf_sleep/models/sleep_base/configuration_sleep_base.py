"""The configuration contract every hf_sleep architecture shares: the signal shape and the label set."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, ClassVar

from transformers import PretrainedConfig

from hf_sleep.models.sleep_base.signals import AASM_STAGES  # noqa: F401 - re-exported

# Signal-contract keys that configs saved before the contract's one home (the feature extractor) still carry: read
# on load, kept for `SignalContract.from_model_config` (a folder without `preprocessor_config.json`), never saved.
LEGACY_SIGNAL_KEYS: tuple[str, ...] = ("ch_names", "units")


# Activations a config may name; `modeling_sleep_base.ACTIVATIONS` builds them (a test keeps the two equal).
ACTIVATION_NAMES: tuple[str, ...] = (
    "relu", "elu", "gelu", "leaky_relu", "prelu", "tanh", "sigmoid", "silu", "identity",
)  # fmt: skip


# The sleep-staging pipeline, saved beside every model (named, not imported: configs stay free of modeling code).
SLEEP_STAGING_TASK = "sleep-staging"
SLEEP_STAGING_PIPELINE_FILE = "sleep_staging_pipeline.py"
SLEEP_STAGING_PIPELINE: dict[str, Any] = {"impl": "sleep_staging_pipeline.SleepStagingPipeline"}


def check_activation(argument: str, name: str) -> None:
    """Raises a `ValueError` naming the config argument when `name` is not a known activation."""
    if name not in ACTIVATION_NAMES:
        raise ValueError(f"{argument} must be one of {sorted(ACTIVATION_NAMES)}, got {name!r}")


def check_padding(argument: str, padding: int | list[int] | tuple[int, int]) -> int | list[int]:
    """Validates a padding argument: an int pads both sides, a `[left, right]` pair each side on its own.

    TensorFlow's `SAME` padding puts an odd sample on the right, which one symmetric int cannot say. A pair
    is returned as a list (JSON-native, so a config equals itself after a `config.json` round trip).
    """
    sides = [padding, padding] if isinstance(padding, int) else padding
    if (
        isinstance(padding, bool)
        or not isinstance(sides, (list, tuple))
        or len(sides) != 2
        or any(isinstance(side, bool) or not isinstance(side, int) or side < 0 for side in sides)
    ):
        raise ValueError(f"{argument} must be a non-negative int or a [left, right] pair of them, got {padding!r}")
    return padding if isinstance(padding, int) else list(sides)


def padding_pair(padding: int | list[int]) -> tuple[int, int]:
    """A checked padding argument (see `check_padding`) as `(left, right)`."""
    return (padding, padding) if isinstance(padding, int) else (padding[0], padding[1])


def conv_output_width(width: int, kernel: int, stride: int, padding: int | list[int]) -> int:
    """Output width of a convolution or pooling over `width` samples with a checked padding argument."""
    left, right = padding_pair(padding)
    return (width + left + right - kernel) // stride + 1


class SleepStagingConfig(PretrainedConfig):
    r"""Base configuration of every hf_sleep model: the shape of the input tensor and the stages to predict.

    The signal contract (channel names, units, filters) lives in the model's `SleepFeatureExtractor`
    (`preprocessor_config.json`); the config holds what the architecture is built for. Architectures subclass it, add their own hyper-parameters and set `model_type` and
    `auto_model_class` (the name of their `...ForSleepStaging` class in `modeling_<model_type>.py`).

    Args:
        n_chans (`int`, *optional*):
            Number of signal channels per epoch (e.g. 1 for a single Fpz-Cz EEG derivation). Defaults to the
            architecture's `default_n_chans` (1 unless it says otherwise), as do the next three.
        sfreq (`float`, *optional*):
            Sampling rate of the input in Hz (`default_sfreq`: 100.0).
        epoch_seconds (`float`, *optional*):
            Length of one scored epoch in seconds: 30 s in AASM scoring, 4 s or 10 s in rodent scoring
            (`default_epoch_seconds`: 30.0).
        seq_len (`int`, *optional*):
            Number of consecutive epochs in one training sample, the context of sequence models
            (`default_seq_len`: 1).
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
    # The input shape when an argument is not given. The arguments are declared here only; an architecture
    # with other defaults sets these (class attributes too, kept out of config.json).
    default_n_chans: ClassVar[int] = 1
    default_sfreq: ClassVar[float] = 100.0
    default_epoch_seconds: ClassVar[float] = 30.0
    default_seq_len: ClassVar[int] = 1

    def __init__(
        self,
        n_chans: int | None = None,
        sfreq: float | None = None,
        epoch_seconds: float | None = None,
        seq_len: int | None = None,
        class_weights: list[float] | None = None,
        **kwargs: Any,
    ) -> None:
        legacy_signal = {key: kwargs.pop(key) for key in LEGACY_SIGNAL_KEYS if key in kwargs}
        if kwargs.get("id2label") is None and kwargs.get("num_labels") is None:
            kwargs["id2label"] = dict(enumerate(AASM_STAGES))
        if kwargs.get("id2label") is not None:
            kwargs["id2label"] = {int(index): str(name) for index, name in kwargs["id2label"].items()}
            if kwargs.get("label2id") is None:
                kwargs["label2id"] = {name: index for index, name in kwargs["id2label"].items()}
        self.n_chans = self.default_n_chans if n_chans is None else n_chans
        self.sfreq = self.default_sfreq if sfreq is None else sfreq
        self.epoch_seconds = self.default_epoch_seconds if epoch_seconds is None else epoch_seconds
        self.seq_len = self.default_seq_len if seq_len is None else seq_len
        self.class_weights = list(class_weights) if class_weights is not None else None
        super().__init__(**kwargs)
        self._legacy_signal = legacy_signal
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
        if self.num_labels is None or self.num_labels < 2:
            raise ValueError(f"a sleep-staging model needs at least 2 labels, got id2label={self.id2label}")
        if sorted(self.id2label) != list(range(self.num_labels)):
            raise ValueError(f"id2label keys must be 0..{self.num_labels - 1}, got {sorted(self.id2label)}")
        if self.class_weights is not None and len(self.class_weights) != self.num_labels:
            raise ValueError(
                f"class_weights needs one weight per label ({self.num_labels}: {self.stage_names}), "
                f"got {len(self.class_weights)}"
            )

    def to_dict(self) -> dict[str, Any]:
        output = super().to_dict()
        output.pop("_legacy_signal", None)
        return output

    def _save_legacy_signal(self, folder: Path) -> None:
        """Moves `ch_names`/`units` given to this config (the arguments of older releases) to their home: a
        `preprocessor_config.json` with the channels, rate, epoch length, units and labels, unless one is there."""
        target = folder / "preprocessor_config.json"
        if not self._legacy_signal or target.exists():
            return
        default = ["EEG"] if self.n_chans == 1 else [f"EEG{i + 1}" for i in range(self.n_chans)]  # as from_model_config
        contract = {
            "feature_extractor_type": "SleepFeatureExtractor",
            "ch_names": list(self._legacy_signal.get("ch_names") or default),
            "sfreq": float(self.sfreq),
            "epoch_seconds": float(self.epoch_seconds),
            "units": self._legacy_signal.get("units", "uV"),
            "label_names": self.stage_names,
        }
        Path(f"{target}.tmp").write_text(json.dumps(contract, indent=2) + "\n", encoding="utf-8")
        os.replace(f"{target}.tmp", target)

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
        self._save_legacy_signal(Path(save_directory))
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
