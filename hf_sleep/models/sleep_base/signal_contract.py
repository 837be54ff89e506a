"""The signal contract applied in numpy: channels, rate, epochs, band-pass and named preprocessing.

[`SignalContract`] holds what a model needs to know about its input and turns a recording into its epochs. It
imports neither torch nor transformers: the ONNX staging path (`hf_sleep.staging.onnx_runtime`) runs it as it is,
and `SleepFeatureExtractor` (transformers' feature-extractor API, `preprocessor_config.json`) is this class plus
saving and loading, so both paths prepare a recording with the same code.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

# Relative, so a saved folder that holds this file and signals.py loads with `trust_remote_code` as it is.
from .signals import (
    AASM_STAGES,
    UNIT_SCALE,
    cut_epochs,
    derive_channels,
    resample_ratio,
    resolve_channels,
    whole_samples,
)

FILTER_METHODS: tuple[str, ...] = ("fir", "butter")
FILTER_SCOPES: tuple[str, ...] = ("recording", "epoch")
RESAMPLE_METHODS: tuple[str, ...] = ("polyphase",)
# Steps the extractor applies itself; other named steps are carried for the model's own code.
EXTRACTOR_STEPS: tuple[str, ...] = ("slumbernet", "robustsleepnet")
FILTER_KEYS: frozenset[str] = frozenset({"method", "order", "zero_phase", "scope"})
CONTRACT_KEYS: tuple[str, ...] = (
    "ch_names", "sfreq", "epoch_seconds", "units", "ch_types", "reference", "l_freq", "h_freq", "filter",
    "resample_method", "preprocessing", "label_names",
)  # fmt: skip
# Samples in one epoch of one channel: beyond this a rate is a typo (Arrow offsets are 32-bit as well).
MAX_EPOCH_SAMPLES = 2**31 - 1
# Epochs prepared at a time by `epochs_from_signal`: the epoch-wise steps' float64 scratch stays small.
EPOCHS_PER_BLOCK = 256


class SignalContract:
    """How a recording becomes a model's input; the arguments are `SleepFeatureExtractor`'s (documented there).

    Every value is judged here, once, for every reader (staging, training, publishing, ONNX): a wrong type or a
    number that is not finite and positive is a one-line `ValueError` naming the key.

    Example:

    ```python
    >>> import numpy as np
    >>> from hf_sleep.models.sleep_base.signal_contract import SignalContract
    >>> contract = SignalContract(["EEG Fpz-Cz"], sfreq=100.0)
    >>> contract.epochs_from_signal(np.zeros((1, 200 * 95), "float32"), 200.0).shape
    (3, 1, 3000)
    ```
    """

    def __init__(
        self,
        ch_names: Sequence[str],
        sfreq: float = 100.0,
        epoch_seconds: float = 30.0,
        units: str = "uV",
        ch_types: Sequence[str] | None = None,
        reference: str | Sequence[str] | None = None,
        l_freq: float | None = None,
        h_freq: float | None = None,
        filter: dict[str, Any] | None = None,  # noqa: A002  (the agreed argument name)
        resample_method: str = "polyphase",
        preprocessing: Sequence[dict[str, Any]] | None = None,
        label_names: Sequence[str] | None = None,
    ) -> None:
        if isinstance(ch_names, str) or not _is_list_of(ch_names, str) or not ch_names:
            raise ValueError(f"ch_names must be a non-empty list of channel names, got {ch_names!r}")
        self.ch_names = list(ch_names)
        self.sfreq = _positive_number("sfreq", sfreq)
        self.epoch_seconds = _positive_number("epoch_seconds", epoch_seconds)
        self.units = units
        if ch_types is not None and not _is_list_of(ch_types, str):
            raise ValueError(f"ch_types must be a list of channel types (text) or null, got {ch_types!r}")
        self.ch_types = list(ch_types) if ch_types is not None else None
        if reference is not None and not isinstance(reference, str) and not _is_list_of(reference, str):
            raise ValueError(f"reference must be null, 'average' or a list of channel names, got {reference!r}")
        self.reference = reference if reference is None or isinstance(reference, str) else list(reference)
        self.l_freq = None if l_freq is None else _positive_number("l_freq", l_freq)
        self.h_freq = None if h_freq is None else _positive_number("h_freq", h_freq)
        if filter is None and (self.l_freq is not None or self.h_freq is not None):
            filter = {"method": "fir", "zero_phase": True, "scope": "recording"}
        if filter is not None and not isinstance(filter, dict):
            raise ValueError(f"filter must be an object (method, order, zero_phase, scope) or null, got {filter!r}")
        self.filter = dict(filter) if filter is not None else None
        self.resample_method = resample_method
        if preprocessing and not _is_list_of(preprocessing, dict):
            raise ValueError(f"preprocessing must be a list of objects with a 'name', got {preprocessing!r}")
        self.preprocessing = [dict(step) for step in preprocessing] if preprocessing else []
        if label_names is not None and (isinstance(label_names, str) or not _is_list_of(label_names, str)):
            raise ValueError(f"label_names must be a list of stage names, got {label_names!r}")
        self.label_names = list(label_names) if label_names is not None else list(AASM_STAGES)
        self._validate()

    def _validate(self) -> None:
        samples = self.sfreq * self.epoch_seconds
        if not math.isfinite(samples) or samples > MAX_EPOCH_SAMPLES:
            raise ValueError(
                f"sfreq * epoch_seconds ({self.sfreq:g} Hz x {self.epoch_seconds:g} s) must be at most "
                f"{MAX_EPOCH_SAMPLES} samples per epoch"
            )
        whole_samples(self.sfreq, self.epoch_seconds)
        if not isinstance(self.units, str) or self.units not in UNIT_SCALE:
            raise ValueError(f"units must be one of {tuple(UNIT_SCALE)}, got {self.units!r}")
        if self.ch_types is not None and len(self.ch_types) != len(self.ch_names):
            raise ValueError(f"ch_types needs one type per channel ({len(self.ch_names)}), got {self.ch_types}")
        if not isinstance(self.resample_method, str) or self.resample_method not in RESAMPLE_METHODS:
            raise ValueError(f"resample_method must be one of {RESAMPLE_METHODS}, got {self.resample_method!r}")
        if self.h_freq is not None and self.h_freq >= self.sfreq / 2:
            raise ValueError(f"h_freq ({self.h_freq:g} Hz) must be below Nyquist ({self.sfreq / 2:g} Hz)")
        if self.l_freq is not None and (self.l_freq <= 0 or (self.h_freq is not None and self.l_freq >= self.h_freq)):
            raise ValueError(f"l_freq must be positive and below h_freq, got {self.l_freq} and {self.h_freq}")
        if self.filter is not None:
            unknown = sorted(set(self.filter) - FILTER_KEYS)
            if unknown:
                raise ValueError(f"filter has unexpected key(s) {', '.join(map(repr, unknown))}; it has {FILTER_KEYS}")
            if self.filter.get("method", "fir") not in FILTER_METHODS:
                raise ValueError(f"filter method must be one of {FILTER_METHODS}, got {self.filter['method']!r}")
            if self.filter.get("scope", "recording") not in FILTER_SCOPES:
                raise ValueError(f"filter scope must be one of {FILTER_SCOPES}, got {self.filter['scope']!r}")
            order = self.filter.get("order", 5)
            if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= 20:
                raise ValueError(f"filter order must be a whole number from 1 to 20, got {order!r}")
            if not isinstance(self.filter.get("zero_phase", True), bool):
                raise ValueError(f"filter zero_phase must be true or false, got {self.filter['zero_phase']!r}")
        if len(self.label_names) < 2:
            raise ValueError(f"label_names needs at least 2 stages, got {self.label_names}")
        for step in self.preprocessing:
            if not isinstance(step.get("name"), str):
                raise ValueError(f"a preprocessing step needs a 'name', got {step}")
        if self._slumbernet is not None and len(self.ch_names) != 2:
            raise ValueError(f"SlumberNet preprocessing needs one EEG and one EMG channel, got {self.ch_names}")

    # -- the contract ---------------------------------------------------------------------------------

    @property
    def n_times(self) -> int:
        """Samples in one epoch of model input: `sfreq * epoch_seconds`."""
        return whole_samples(self.sfreq, self.epoch_seconds)

    @property
    def model_steps(self) -> list[dict[str, Any]]:
        """The named preprocessing steps the model's own code applies (those the extractor does not know)."""
        return [step for step in self.preprocessing if step["name"] not in EXTRACTOR_STEPS]

    @property
    def _robustsleepnet(self) -> dict[str, Any] | None:
        return next((step for step in self.preprocessing if step["name"] == "robustsleepnet"), None)

    @property
    def _slumbernet(self) -> dict[str, Any] | None:
        return next((step for step in self.preprocessing if step["name"] == "slumbernet"), None)

    @property
    def reading_rate(self) -> float | None:
        """The rate a reader brings channels recorded at different rates to: the model's, as `prepare_signal` would
        (`None` when a step of its own resamples, as SlumberNet's and RobustSleepNet's do: the fastest channel's
        rate then)."""
        return None if self._slumbernet is not None or self._robustsleepnet is not None else self.sfreq

    def is_pointwise(self, sfreq: float) -> bool:
        """Whether each output sample depends only on the input sample at the same time (no filter, no resampling).

        A converter then reads only the span it keeps: the values equal those of reading the whole recording.
        """
        return sfreq == self.sfreq and self.filter is None and not self.preprocessing

    @classmethod
    def from_model_config(cls, config: Any, **kwargs: Any) -> SignalContract:
        """The contract a model config implies (rate, epoch length, labels) with no filter.

        What a model folder saved without `preprocessor_config.json` is taken to expect: in µV, the rows the architecture
        names (`default_ch_names`: SlumberNet's `EEG`, `EMG`), else one `EEG` (staging picks the recording's EEG by
        name) or `EEG1 ... EEGn`, unless its `config.json` was written when configs
        still carried `ch_names` and `units`.
        """
        legacy = getattr(config, "_legacy_signal", None) or {}
        default = list(getattr(config, "default_ch_names", ()))
        if len(default) != config.n_chans:
            default = ["EEG"] if config.n_chans == 1 else [f"EEG{index + 1}" for index in range(config.n_chans)]
        values = {
            "ch_names": list(legacy.get("ch_names") or default),
            "sfreq": config.sfreq,
            "epoch_seconds": config.epoch_seconds,
            "units": legacy.get("units", "uV"),
            "label_names": [config.id2label[index] for index in range(config.num_labels)],
        }
        values.update(kwargs)
        return cls(**values)

    def check_model(self, config: Any, source: Any = "") -> None:
        """Raises a `ValueError` naming `source` when this contract and a model's config disagree on an epoch: its
        channels, its samples, or its rate (as transformers' feature extractors refuse a mismatched sampling rate).
        """
        if (len(self.ch_names), self.n_times) != (config.n_chans, config.n_times):
            raise ValueError(
                f"{source}: preprocessor_config.json describes epochs of ({len(self.ch_names)}, {self.n_times}) but "
                f"the model takes ({config.n_chans}, {config.n_times})"
            )
        if self.sfreq != float(config.sfreq):
            raise ValueError(
                f"{source}: preprocessor_config.json samples at {self.sfreq:g} Hz but the model was built for "
                f"{float(config.sfreq):g} Hz ({self.epoch_seconds:g}-s epochs, not {float(config.epoch_seconds):g} s)"
            )

    @classmethod
    def from_preprocessor_config(cls, path: str | os.PathLike) -> SignalContract:
        """The contract saved in a `preprocessor_config.json` (written by `SleepFeatureExtractor.save_pretrained`).

        Raises:
            ValueError: naming the file when it is not JSON or not a contract.
        """
        try:
            values = json.loads(open(path, encoding="utf-8").read())
        except (ValueError, UnicodeDecodeError) as error:
            raise ValueError(f"{path} is not valid JSON ({' '.join(str(error).split())})") from None
        if not isinstance(values, dict) or "ch_names" not in values:
            raise ValueError(f"{path} is not a signal contract (no ch_names)")
        known = cls.__init__.__code__.co_varnames[1 : cls.__init__.__code__.co_argcount]
        try:
            return cls(**{key: value for key, value in values.items() if key in known})
        except TypeError as error:
            raise ValueError(f"{path} is not a signal contract ({error})") from None

    def resample(self, signal: np.ndarray, sfreq: float) -> np.ndarray:
        """`(..., n_samples)` at `sfreq` brought to the model's rate (float32)."""
        if sfreq == self.sfreq:
            return signal
        # Relative (saved with this file): scipy.signal's resampler without scipy.signal's import.
        from .filters import resample_poly

        up, down = resample_ratio(sfreq, self.sfreq)
        return resample_poly(signal, up, down).astype(np.float32)

    def band_pass(self, signal: np.ndarray, sfreq: float | None = None) -> np.ndarray:
        """The band-pass of the contract applied along the last axis (float32); the input when there is none."""
        if self.filter is None or (self.l_freq is None and self.h_freq is None):
            return signal
        sfreq = self.sfreq if sfreq is None else sfreq
        if self.h_freq is not None and self.h_freq >= sfreq / 2:
            raise ValueError(f"low-pass edge {self.h_freq:g} Hz is not below Nyquist ({sfreq / 2:g} Hz)")
        zero_phase = self.filter.get("zero_phase", True)
        if self.filter.get("method", "fir") == "fir":
            import mne

            shape = signal.shape
            filtered = mne.filter.filter_data(
                signal.reshape(-1, shape[-1]).astype(np.float64),
                sfreq,
                self.l_freq,
                self.h_freq,
                phase="zero" if zero_phase else "minimum",
                verbose="error",
            )
            return filtered.reshape(shape).astype(np.float32)
        from .filters import butter_sos, sosfilt, sosfiltfilt  # scipy.signal's, without its import

        if self.l_freq is not None and self.h_freq is not None:
            edges, kind = [self.l_freq, self.h_freq], "bandpass"
        else:
            edges, kind = (self.l_freq, "highpass") if self.l_freq is not None else (self.h_freq, "lowpass")
        sos = butter_sos(int(self.filter.get("order", 5)), edges, kind, fs=sfreq)
        apply = sosfiltfilt if zero_phase else sosfilt
        return apply(sos, signal.astype(np.float64)).astype(np.float32)

    def prepare_signal(self, signal: np.ndarray, sfreq: float) -> tuple[np.ndarray, float]:
        """The steps that run over the continuous signal: resampling and a recording-wide band-pass.

        Args:
            signal: `(n_chans, n_samples)` in model order and units.
            sfreq: its sampling rate.

        Returns:
            `(signal, rate)`: the signal ready to be cut into epochs, and its rate (the model's, unless an
            epoch-wise step resamples, as SlumberNet's preprocessing does).
        """
        if self._slumbernet is not None:
            return signal, sfreq
        step = self._robustsleepnet
        if step is not None:  # its own chain: two resamplings around a band-pass, then a per-recording scale
            from .preprocessing import robustsleepnet_preprocess  # relative: saved with this file

            options = {key: value for key, value in step.items() if key != "name"}
            return robustsleepnet_preprocess(signal, sfreq, target_sfreq=self.sfreq, **options), self.sfreq
        signal = self.resample(signal, sfreq)
        if self.filter is not None and self.filter.get("scope", "recording") == "recording":
            signal = self.band_pass(signal)
        return signal, self.sfreq

    def prepare_epochs(self, epochs: np.ndarray, sfreq: float) -> np.ndarray:
        """The steps that run on each epoch alone: an epoch-wise band-pass, SlumberNet's preprocessing.

        Args:
            epochs: `(n_epochs, n_chans, sfreq * epoch_seconds)` from [`prepare_signal`].
            sfreq: their sampling rate.

        Returns:
            `(n_epochs, n_chans, n_times)` float32 model input.
        """
        step = self._slumbernet
        if step is not None:
            from .preprocessing import slumbernet_preprocess

            emg = int(step.get("emg_index", 1))
            options = {key: step[key] for key in ("detrend_order", "emg_lowpass_hz", "emg_filter_order") if key in step}
            out, _ = slumbernet_preprocess(
                epochs[:, 1 - emg],
                epochs[:, emg],
                sfreq,
                epoch_seconds=self.epoch_seconds,
                target_sfreq=self.sfreq,
                **options,
            )
            # `slumbernet_preprocess` returns EEG first; keep the contract's channel order.
            return out if emg == 1 else np.ascontiguousarray(out[:, ::-1])
        if self.filter is not None and self.filter.get("scope", "recording") == "epoch":
            epochs = self.band_pass(epochs)
        return np.asarray(epochs, dtype=np.float32)

    def epochs_from_signal(self, signal: np.ndarray, sfreq: float) -> np.ndarray:
        """Every whole epoch of a continuous `(n_chans, n_samples)` signal (model order and units) as model input.

        The epoch-wise steps run on `EPOCHS_PER_BLOCK` epochs at a time (each epoch alone, so the result is the
        same): a whole night at once would hold several float64 copies of it (2.4 GB RSS for 48 h of 3 channels).
        """
        signal, rate = self.prepare_signal(signal, sfreq)
        n_times = whole_samples(rate, self.epoch_seconds)
        n_epochs = signal.shape[-1] // n_times
        out = None
        for first in range(0, max(n_epochs, 1), EPOCHS_PER_BLOCK):
            stop = min(first + EPOCHS_PER_BLOCK, n_epochs)
            block = self.prepare_epochs(cut_epochs(signal[:, first * n_times : stop * n_times], n_times), rate)
            if out is None:
                if stop == n_epochs:
                    return block
                out = np.empty((n_epochs, *block.shape[1:]), dtype=block.dtype)
            out[first:stop] = block
        return out

    def signal_from_array(
        self, recording: Any, sfreq: float | None, ch_names: Sequence[str] | None = None, units: str | None = None
    ) -> np.ndarray:
        """An array `(n_rows, n_samples)` as the contract's channels `(n_chans, n_samples)` float32 in `units`.

        Args:
            recording: the array.
            sfreq: its sampling rate (required; the caller resamples).
            ch_names: the names of its rows, to pick and derive the contract's channels from them; `None`: the rows
                already are the contract's channels in order.
            units: the unit of the array; defaults to the contract's `units`.
        """
        if sfreq is None:
            raise ValueError("an array needs its sampling rate: pass sfreq=")
        signal = np.asarray(recording, dtype=np.float32)
        if signal.ndim != 2:
            raise ValueError(f"an array recording must be (n_chans, n_samples), got shape {signal.shape}")
        if ch_names is not None:
            if len(ch_names) != signal.shape[0]:
                raise ValueError(f"ch_names names {len(ch_names)} rows, the array has {signal.shape[0]}")
            resolved = resolve_channels(self.ch_names, list(ch_names))
            reference = [] if self.reference is None else self._reference_rows(list(ch_names))
            signal = derive_channels(signal, list(ch_names), resolved, reference)
        elif signal.shape[0] != len(self.ch_names):
            raise ValueError(
                f"the array has {signal.shape[0]} rows, the contract {len(self.ch_names)} channels "
                f"({', '.join(self.ch_names)}); pass ch_names= to pick them"
            )
        if units is not None and units != self.units:
            if units not in UNIT_SCALE:
                raise ValueError(f"units must be one of {tuple(UNIT_SCALE)}, got {units!r}")
            signal = signal * np.float32(UNIT_SCALE[units] / UNIT_SCALE[self.units])
        return signal

    def read(self, recording: Any, *, rescale: float = 1.0) -> tuple[np.ndarray, float, dict[str, Any]]:
        """Reads the contract's channels (derived and re-referenced) from a file or an MNE `Raw`, in `units`.

        Needs the hf_sleep package (its recording reader); model code saved beside the weights runs without it
        on arrays.

        Returns:
            `(signal, sfreq, info)`: `(n_chans, n_samples)` float32 at the recording's rate, and the reader's info
            (`channels` as resolved, `available`, `meas_date`, `path`).
        """
        try:  # an edge up to the data layer, named in tests/test_layering.py; transformers' check of a saved
            # folder's imports skips `try` blocks, so the folder loads without hf_sleep and reads arrays
            from hf_sleep.data.recording import read_recording
        except ImportError as error:
            raise ImportError(f"reading a recording file needs the hf_sleep package ({error}); pass an array") from None
        signal, rate, info = read_recording(
            recording, self.ch_names, reference=self.reference, rescale=rescale, sfreq=self.reading_rate
        )
        if self.units != "uV":  # the reader gives µV
            signal = signal * np.float32(UNIT_SCALE["uV"] / UNIT_SCALE[self.units])
        return signal, rate, info

    def _reference_rows(self, available: list[str]) -> list[str]:
        if isinstance(self.reference, str) and self.reference.lower() == "average":
            raise ValueError("reference='average' needs channel types: pass a file or an MNE Raw, not an array")
        names = [self.reference] if isinstance(self.reference, str) else list(self.reference)
        return [channel for channel, _ in resolve_channels(names, available)]


def _is_list_of(value: Any, kind: type) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(item, kind) for item in value)


def _positive_number(name: str, value: Any) -> float:
    """`value` as a float; a `ValueError` naming `name` unless it is a finite positive number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < float(value) < math.inf:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)
