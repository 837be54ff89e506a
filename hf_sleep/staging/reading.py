"""Reading a night for a model: the channels it needs read, checked and cut into its epochs.

The model's `SleepFeatureExtractor` does the work (pick, derive, re-reference, resample, filter, epoch); this
module adds what staging needs around it: the channels picked for this recording, the reader's warnings kept,
non-finite samples set to 0 and marked (their epochs are unscorable), amplitudes judged.
"""

from __future__ import annotations

import copy
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from hf_sleep.data.checks import amplitude_problems, mask_nonfinite, volts_per_unit
from hf_sleep.data.recording import EDF_SUFFIXES


@dataclass
class NightInput:
    """A recording read for a model: its epochs and what staging needs to know about the signal they came from.

    Args:
        extractor: the model's `SleepFeatureExtractor` set up for this recording (its channels picked).
        epochs: `(n_epochs, n_chans, n_times)` float32, the model's input.
        n_samples: samples of the signal read, at `sfreq` (only its length is kept, not the samples).
        sfreq: the recording's sampling rate in Hz.
        channels: the channels (or derivations) read, in model order.
        meas_date: the recording's start, `None` when its header has none.
        reference: the reference applied (`None`: the recorded one).
        nonfinite: `(n_samples,)` bool, True where a channel read holds NaN or inf; `None` when none does.
        warnings: problems of the input (a truncated file, implausible amplitudes), also issued as `UserWarning`.
        gaps: what an EDF+D (discontinuous) file did not record, `(start_s, end_s)` each; NaN in the signal read.
    """

    extractor: Any
    epochs: np.ndarray
    n_samples: int
    sfreq: float
    channels: list[str]
    meas_date: datetime | None = None
    reference: str | None = None
    nonfinite: np.ndarray | None = None
    warnings: list[str] | None = None
    gaps: list[tuple[float, float]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """The length of the signal read, in seconds."""
        return self.n_samples / self.sfreq


def read_night(
    path: str | os.PathLike,
    extractor: Any,
    channels: Sequence[str] | None = None,
    reference: str | Sequence[str] | None = None,
    rescale: float = 1.0,
) -> NightInput:
    """Reads the channels a model needs from one recording and cuts them into its epochs.

    Args:
        path: the recording.
        extractor: the model's `SleepFeatureExtractor`; left unchanged (a copy is set up for this recording).
        channels: the channels in the model's input order; `None` picks them by the extractor's names or kinds.
        reference: overrides the extractor's reference.
        rescale: factor for files whose physical dimension is wrong.
    """
    extractor = copy.deepcopy(extractor)
    extractor.ch_names = _pick_channels(path, extractor.ch_names, channels)
    if reference is not None:
        extractor.reference = reference
    signal, info = read_checked(extractor, path, rescale=rescale)
    # Only the length of the signal read is kept: a long, fast recording's samples are not held while the model runs.
    return NightInput(
        extractor=extractor,
        epochs=extractor.epochs_from_signal(signal, info["sfreq_in"]),
        n_samples=signal.shape[-1],
        sfreq=info["sfreq_in"],
        channels=info["channels"],
        meas_date=info["meas_date"],
        reference=info.get("reference"),
        nonfinite=info["nonfinite"],
        warnings=info["warnings"],
        gaps=list(info.get("gaps") or []),
    )


def _pick_channels(path: str | os.PathLike, model_channels: list[str], given: Sequence[str] | None) -> list[str]:
    """The channels to read: those given (as many as the model takes), else picked from the recording by the
    model's names or kinds (`hf_sleep.pretrained.channels`)."""
    if not given:
        from hf_sleep.pretrained.channels import default_channels

        picked = default_channels(model_channels, _channel_names(path))
        _refuse_duplicated_pick(path, picked)
        return picked
    if len(given) != len(model_channels):
        raise ValueError(
            f"the model takes {len(model_channels)} channel(s) ({', '.join(model_channels)}), got "
            f"{len(given)}: {', '.join(given)}"
        )
    return list(given)


def read_signals(
    path: str | os.PathLike,
    channels: Sequence[str],
    *,
    reference: str | Sequence[str] | None = None,
    sfreq: float,
    units: str = "uV",
    rescale: float = 1.0,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Reads, derives, re-references, resamples and scales channels: a `SleepFeatureExtractor` made of the arguments.

    Args:
        path: the recording.
        channels: channel names (or `A - B` derivations), in the model's input order.
        reference: a channel (or several, averaged) subtracted from every channel, `"average"` for the
            average of all EEG channels, or `None` to keep the recorded reference.
        sfreq: the model's sampling rate; the signal is resampled with a polyphase filter.
        units: the model's input unit (`"uV"`, `"mV"` or `"V"`).
        rescale: a factor applied to the signal read, for files whose physical dimension is wrong.

    Non-finite samples (NaN, inf) are set to 0 before resampling, so they cannot spread beyond their epochs;
    `info["nonfinite"]` marks them.

    Returns:
        `(signal, info)`: `(n_chans, n_samples)` float32 in `units`, and `{"sfreq_in", "meas_date",
        "available", "channels", "reference", "nonfinite", "warnings"}`; `nonfinite` is a `(n_samples_in,)`
        bool array at `sfreq_in` (True where a channel used is NaN or infinite) or `None`.
    """
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    if not channels:
        raise ValueError("at least one channel is needed")
    # One-sample "epochs": the epoch length plays no part in reading a continuous signal.
    extractor = SleepFeatureExtractor(list(channels), sfreq=sfreq, epoch_seconds=1 / sfreq, units=units,
                                      reference=reference)  # fmt: skip
    signal, info = read_checked(extractor, path, rescale=rescale)
    signal, _ = extractor.prepare_signal(signal, info["sfreq_in"])
    return signal, info


def read_checked(extractor: Any, path: str | os.PathLike, *, rescale: float = 1.0) -> tuple[np.ndarray, dict]:
    """`extractor.read(path)` with the checks staging makes: the reader's warnings (a truncated EDF) collected,
    non-finite samples set to 0 and marked, amplitudes judged.

    Returns:
        `(signal, info)`: the signal at the recording's rate in the extractor's units, and the reader's info
        plus `sfreq_in`, `nonfinite` (see [`read_signals`]) and `warnings` (also issued as `UserWarning`).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        signal, sfreq_in, info = extractor.read(path, rescale=rescale)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    signal, bad_samples = mask_nonfinite(signal)  # the epochs they touch are staged as unscorable
    valid = slice(None) if bad_samples is None else ~bad_samples  # judge amplitudes on finite stretches only
    messages += amplitude_problems(signal[:, valid], info["channels"], volts_per_unit(extractor.units) / 1e-6)
    for message in dict.fromkeys(messages):
        warnings.warn(message, UserWarning, stacklevel=3)
    return signal, {**info, "sfreq_in": sfreq_in, "nonfinite": bad_samples, "warnings": list(dict.fromkeys(messages))}


def _refuse_duplicated_pick(path: str | os.PathLike, picked: Sequence[str]) -> None:
    """A channel picked by kind must not be one of several signals sharing a label: which one is meant is the
    user's call (`--channels 'EEG C4-M1-1'`), never the first one silently."""
    if not str(path).lower().endswith(EDF_SUFFIXES):
        return  # MNE renames duplicated labels of other formats and warns
    from hf_sleep.data.edf import read_edf_header

    for label, names in read_edf_header(path).duplicated.items():
        if any(name in names for name in picked):
            raise ValueError(
                f"{path}: {len(names)} signals are labelled {label!r} (read as {', '.join(map(repr, names))}): "
                "choose one with --channels"
            )


def _channel_names(path: str | os.PathLike) -> list[str]:
    """The recording's channels: an EDF's or BDF's from its header, as the fast reader sees them (MNE, which takes
    longer to import than to read a night, is not needed; nor does it word a corrupt header); other formats' from
    MNE."""
    if str(path).lower().endswith(EDF_SUFFIXES):
        from hf_sleep.data.edf import read_edf_header

        return list(read_edf_header(path).channels)  # its errors name the file and the field
    from hf_sleep.data.recording import open_recording

    return open_recording(path).ch_names
