"""The signal contract of a sleep-staging model: how a recording becomes its `input_values`.

`SleepFeatureExtractor` holds what a model needs to know about its input (channels in model order with
derivations and re-reference, sampling rate, epoch length, units, band-pass, resampling, named model-specific
preprocessing, label names) and applies it. Converters write datasets through it, training saves it beside the
model as `preprocessor_config.json`, and staging reads recordings through the one loaded with the model, so the
model sees the same input when it is used as when it was trained.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from transformers.dynamic_module_utils import get_relative_import_files
from transformers.feature_extraction_utils import BatchFeature, FeatureExtractionMixin

# Relative, so a saved folder that holds this file, signal_contract.py and signals.py (which signal_contract.py
# imports) loads with `trust_remote_code` as it is.
from .signal_contract import (  # noqa: F401 - re-exported: the contract's names
    CONTRACT_KEYS,
    EPOCHS_PER_BLOCK,
    EXTRACTOR_STEPS,
    FILTER_METHODS,
    FILTER_SCOPES,
    RESAMPLE_METHODS,
    SignalContract,
)

# Keys transformers itself writes into `preprocessor_config.json` beside the contract's own.
TRANSFORMERS_KEYS: frozenset[str] = frozenset({"processor_class", "_processor_class", "auto_map"})
# Key of the contract in a dataset's `input_values` feature metadata (its `id` string holds JSON).
DATASET_CONTRACT_KEY = "sleep_feature_extractor"


class SleepFeatureExtractor(SignalContract, FeatureExtractionMixin):
    r"""Turns a recording into the epochs a sleep-staging model takes, and records how (the signal contract).

    Saved as `preprocessor_config.json` beside the model and loaded with `AutoFeatureExtractor.from_pretrained`. The
    numpy work is [`SignalContract`]'s, which the ONNX staging path runs without transformers. Every value is judged
    once, there; an unknown key is refused here; both are a one-line `ValueError` naming the key (and, through
    `from_pretrained`/`from_dataset`, the file).

    Args:
        ch_names (`list[str]`):
            Input channels in model order; a bipolar derivation is written `"A - B"`.
        sfreq (`float`, *optional*, defaults to 100.0):
            Sampling rate of the model input in Hz.
        epoch_seconds (`float`, *optional*, defaults to 30.0):
            Length of one scored epoch in seconds.
        units (`str`, *optional*, defaults to `"uV"`):
            Physical unit of the model input: `"uV"`, `"mV"` or `"V"`.
        ch_types (`list[str]`, *optional*):
            Type of each channel (`"eeg"`, `"eog"`, `"emg"`, ...), informative.
        reference (`str` or `list[str]`, *optional*):
            `None` keeps the recorded reference, `"average"` subtracts the mean of the recording's EEG channels,
            channel names subtract their mean.
        l_freq (`float`, *optional*):
            High-pass edge of the band-pass in Hz (`None`: none).
        h_freq (`float`, *optional*):
            Low-pass edge of the band-pass in Hz (`None`: none).
        filter (`dict`, *optional*):
            Design of the band-pass: `method` (`"fir"`, MNE's zero-phase FIR, or `"butter"`), `order` (Butterworth),
            `zero_phase` and `scope` (`"recording"`: the whole signal at once, `"epoch"`: each epoch alone).
            Defaults to `{"method": "fir", "zero_phase": True, "scope": "recording"}` when a band edge is set.
        resample_method (`str`, *optional*, defaults to `"polyphase"`):
            How the signal is brought to `sfreq` (`scipy.signal.resample_poly`).
        preprocessing (`list[dict]`, *optional*):
            Named model-specific steps, e.g. `{"name": "slumbernet", "emg_index": 1}` (EMG low-pass, resampling
            and polynomial detrend per epoch, applied here), `{"name": "robustsleepnet"}` (RobustSleepNet's
            resampling to 100 Hz, band-pass, resampling to `sfreq` and recording-wide IQR normalisation, applied
            here; options as in `preprocessing.robustsleepnet_preprocess`) or steps the model's own code applies
            (kept as given).
        label_names (`list[str]`, *optional*):
            Stage names in class-index order. Defaults to the five AASM stages W, N1, N2, N3, REM.

    Example:

    ```python
    >>> import numpy as np
    >>> from hf_sleep import SleepFeatureExtractor
    >>> extractor = SleepFeatureExtractor(["EEG Fpz-Cz"], sfreq=100.0, l_freq=0.3, h_freq=35.0)
    >>> signal = np.random.default_rng(0).normal(size=(1, 200 * 95)).astype("float32")  # 200 Hz, 95 s
    >>> extractor(signal, sfreq=200.0)["input_values"].shape
    (3, 1, 3000)
    ```
    """

    model_input_names = ["input_values"]

    def __init__(self, ch_names: Sequence[str], **kwargs: Any) -> None:
        # The contract's arguments are `SignalContract`'s (documented above); the rest are transformers' own keys.
        kwargs.pop("feature_extractor_type", None)
        unexpected = sorted(set(kwargs) - set(CONTRACT_KEYS) - TRANSFORMERS_KEYS)
        if unexpected:  # a typo or a field of another version: never dropped or set silently
            raise ValueError(
                f"unexpected key(s) {', '.join(map(repr, unexpected))}; a SleepFeatureExtractor has "
                f"{', '.join(CONTRACT_KEYS)}"
            )
        FeatureExtractionMixin.__init__(self, **{key: kwargs.pop(key) for key in TRANSFORMERS_KEYS if key in kwargs})
        SignalContract.__init__(self, ch_names, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        output = super().to_dict()
        output.pop("_processor_class", None)
        return output

    def config_kwargs(self) -> dict[str, Any]:
        """The arguments of a `SleepStagingConfig` built for this contract: the input tensor's shape and the labels
        (channel names and units stay here, their one home)."""
        return {
            "n_chans": len(self.ch_names),
            "sfreq": self.sfreq,
            "epoch_seconds": self.epoch_seconds,
            "id2label": dict(enumerate(self.label_names)),
        }

    def to_feature_id(self) -> str:
        """The contract as the JSON string a dataset stores in its `input_values` feature (`Feature.id`)."""
        return json.dumps({DATASET_CONTRACT_KEY: self.to_dict()}, sort_keys=True)

    @classmethod
    def from_dict(cls, feature_extractor_dict: Any, **kwargs: Any):
        """The contract from its dictionary; a `ValueError` naming the key for a wrong key, type or value."""
        if not isinstance(feature_extractor_dict, dict):
            raise ValueError(f"a signal contract is a JSON object, not {type(feature_extractor_dict).__name__}")
        try:
            return super().from_dict(dict(feature_extractor_dict), **kwargs)
        except TypeError as error:  # a required key missing, e.g. ch_names
            raise ValueError(str(error).replace(f"{cls.__name__}.__init__() ", "")) from None

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | os.PathLike, **kwargs: Any):
        """`FeatureExtractionMixin.from_pretrained`, with a broken `preprocessor_config.json` as one `ValueError`
        naming the file and the key (never a `TypeError` or `OverflowError` from deep inside)."""
        location = str(pretrained_model_name_or_path)
        where = location if os.path.isfile(location) else f"{location.rstrip('/')}/preprocessor_config.json"
        try:
            return super().from_pretrained(pretrained_model_name_or_path, **kwargs)
        except ValueError as error:
            raise ValueError(f"{where}: {' '.join(str(error).split())}") from None
        except OSError as error:
            if "valid JSON" in str(error):  # transformers' wording for a file that is not JSON
                raise ValueError(f"{where} is not valid JSON") from None
            raise

    @classmethod
    def from_dataset(cls, dataset: Any, *, missing_ok: bool = False) -> SleepFeatureExtractor | None:
        """The contract stored in a converted dataset (a `Dataset`, `DatasetDict` or `Features`).

        Args:
            dataset: the dataset.
            missing_ok: return `None` for a dataset without a contract instead of raising.

        Raises:
            ValueError: the dataset carries no contract (converted before it was stored, or built by hand), or a
                broken one: the message names the dataset's `dataset_info.json` and the key.
        """
        if not hasattr(dataset, "features") and hasattr(dataset, "column_names"):  # DatasetDict: its first split
            dataset = next(iter(dataset.values()))
        features = getattr(dataset, "features", dataset)
        feature = features.get("input_values") if hasattr(features, "get") else None
        stored = getattr(feature, "id", None)
        try:
            stored = json.loads(stored) if stored else None
        except ValueError:
            stored = None  # an id that is not ours
        if not isinstance(stored, dict) or DATASET_CONTRACT_KEY not in stored:
            if missing_ok:
                return None
            raise ValueError(
                "the dataset carries no signal contract (no SleepFeatureExtractor in its `input_values` feature); "
                "convert it again with hf_sleep or give the channels, sampling rate and epoch length explicitly"
            )
        try:
            return cls.from_dict(stored[DATASET_CONTRACT_KEY])
        except ValueError as error:
            raise ValueError(f"{_dataset_file(dataset)}: the signal contract of `input_values`: {error}") from None

    def save_pretrained(self, save_directory: str | os.PathLike, push_to_hub: bool = False, **kwargs: Any):
        """Saves `preprocessor_config.json` and this module's code, so the folder loads with `trust_remote_code`."""
        module = type(self).__module__
        self.auto_map = {"AutoFeatureExtractor": f"{module.rsplit('.', 1)[-1]}.{type(self).__name__}"}
        os.makedirs(save_directory, exist_ok=True)
        for source in [__file__, *get_relative_import_files(__file__)]:
            target = Path(save_directory) / Path(source).name
            shutil.copyfile(source, f"{target}.tmp")
            os.replace(f"{target}.tmp", target)
        return super().save_pretrained(save_directory, push_to_hub=push_to_hub, **kwargs)

    def __call__(
        self,
        recording: Any,
        *,
        sfreq: float | None = None,
        ch_names: Sequence[str] | None = None,
        units: str | None = None,
        return_tensors: str | None = None,
        **kwargs: Any,
    ) -> BatchFeature:
        """Model input from a recording file, an MNE `Raw` or an array.

        Args:
            recording: a path (EDF, BDF, FIF, BrainVision), an `mne.io.Raw`, or an array `(n_chans, n_samples)`.
            sfreq: the array's sampling rate (arrays only).
            ch_names: the names of the array's rows, to pick and derive the contract's channels from them;
                `None`: the rows already are the contract's channels in order.
            units: the unit of the array (arrays only); defaults to the contract's `units`.
            return_tensors: `"np"` or `"pt"` (default: numpy arrays).
            kwargs: for files, passed to the reader (e.g. `rescale`).

        Returns:
            `BatchFeature` with `input_values` `(n_epochs, n_chans, n_times)` float32 in `units`.
        """
        if isinstance(recording, (str, os.PathLike)) or hasattr(recording, "get_data"):
            signal, rate, _ = self.read(recording, **kwargs)
        else:
            signal, rate = self.signal_from_array(recording, sfreq, ch_names, units), float(sfreq)
        epochs = self.epochs_from_signal(signal, rate)
        return BatchFeature({"input_values": epochs}, tensor_type=return_tensors)

def _dataset_file(dataset: Any) -> str:
    """The `dataset_info.json` a loaded dataset was read from (where its contract is stored), for messages."""
    files = getattr(dataset, "cache_files", None) or []
    if files and files[0].get("filename"):
        return os.path.join(os.path.dirname(files[0]["filename"]), "dataset_info.json")
    return "the dataset"
