"""Whole-night staging of a recording: read, pick and re-reference channels, resample, epoch, stage, write.

`stage_recording("night.edf", "user/tinysleepnet-sleepedf", out_dir="results")` writes four files next to
each other, named after the recording:

- `<stem>_hypnogram.csv`: `onset,duration,stage,prob_<stage>...`, one row per 30-s epoch;
- `<stem>_hypnogram.edf`: an EDF+ file with annotations only (`Sleep stage <label>` for each run of equal
  stages, as in Sleep-EDF's `*-Hypnogram.edf`), which EDFbrowser and `mne.read_annotations` open;
- `<stem>_hypnogram.png`: the hypnogram and the stage probabilities over the night;
- `<stem>_sleep_stats.json`: the sleep statistics of `hf_sleep.staging.sleep_stats`.

Outputs are written into a hidden temporary folder inside `out_dir` and moved into place only when all
four are complete, so a failure never leaves half-written files behind.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hf_sleep.data.checks import (
    amplitude_problems,
    apply_umask,
    check_writable_folder,
    mask_nonfinite,
    nonfinite_epochs,
    volts_per_unit,
)

STAGE_PREFIX = "Sleep stage "
OUTPUT_SUFFIXES: dict[str, str] = {
    "csv": "_hypnogram.csv",
    "annotations": "_hypnogram.edf",
    "plot": "_hypnogram.png",
    "statistics": "_sleep_stats.json",
}
# The stage of an epoch that holds NaN or infinite samples: not scored, not fed to the model.
UNSCORABLE = "?"


@dataclass
class StagingResult:
    """A staged night.

    Args:
        stages: one stage label per epoch; `"?"` (`UNSCORABLE`) for epochs holding NaN or infinite samples.
        probabilities: `(n_epochs, n_stages)` fused stage probabilities (rows sum to 1; NaN rows for
            unscorable epochs).
        stage_names: the model's labels in class-index order (the probability columns).
        onsets: `(n_epochs,)` epoch starts in seconds from the recording start.
        epoch_seconds: epoch length in seconds.
        statistics: sleep statistics (`hf_sleep.staging.sleep_stats.sleep_statistics`).
        channels: the channels (or derivations) fed to the model, in model order.
        recording: the staged file.
        files: the written outputs by kind (`csv`, `annotations`, `plot`, `statistics`); empty when no
            `out_dir` was given.
        dropped_seconds: signal at the end shorter than one epoch, left unscored.
        timings: seconds spent reading, preprocessing, running the model and writing.
        warnings: messages about the input (amplitude units, flat channels, truncation, non-finite samples)
            also issued as `UserWarning`.
        meas_date: the recording's start (date and time from its header), `None` when the file has none.
        lights_off: lights-off in seconds from the recording start (given, or from the file's annotations).
        lights_on: lights-on in seconds from the recording start.
        random_weights: the model was not trained: the plot says so.
        unscorable: `(n_epochs,)` bool, True for the epochs left out because they hold non-finite samples.
        reference: the reference applied (`None`: the recorded one; `"average of ..."` names the channels).
        context_epochs: epochs per window the model saw (shorter than `config.seq_len` for a short recording).
        notes: remarks on the result that are not problems of the input (e.g. a shortened context).
    """

    stages: list[str]
    probabilities: np.ndarray
    stage_names: list[str]
    onsets: np.ndarray
    epoch_seconds: float
    statistics: dict[str, float]
    channels: list[str]
    recording: Path
    files: dict[str, Path] = field(default_factory=dict)
    dropped_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    meas_date: Any = None
    lights_off: float | None = None
    lights_on: float | None = None
    random_weights: bool = False
    unscorable: np.ndarray | None = None
    reference: str | None = None
    context_epochs: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_epochs(self) -> int:
        return len(self.stages)


def open_recording(path: str | os.PathLike, **kwargs: Any):
    """Opens a recording lazily with MNE (see `hf_sleep.data.recording.open_recording`)."""
    from hf_sleep.data.recording import open_recording as open_with_mne

    return open_with_mne(path, **kwargs)


def resolve_channels(requested: Sequence[str], available: Sequence[str]) -> list[tuple[str, str | None]]:
    """Maps requested channel names to `(channel, minus)` pairs in the file (see the feature extractor's)."""
    from hf_sleep.models.sleep_base.feature_extraction_sleep import resolve_channels as resolve

    return resolve(requested, available)


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


_LIGHTS_PATTERNS = {"lights_off": r"\blights?[\s_-]*off\b", "lights_on": r"\blights?[\s_-]*on\b"}


def lights_from_annotations(onsets: Sequence[float], descriptions: Sequence[str]) -> dict[str, float]:
    """`{"lights_off": seconds, "lights_on": seconds}` from annotations such as `Lights off` / `LIGHTS_ON`
    (the first of each, onsets in seconds from the recording start); empty when there are none."""
    import re

    found: dict[str, float] = {}
    for onset, description in zip(onsets, descriptions, strict=True):
        for key, pattern in _LIGHTS_PATTERNS.items():
            if key not in found and re.search(pattern, str(description), re.IGNORECASE):
                found[key] = float(onset)
    return found


def recording_lights(path: str | os.PathLike) -> dict[str, float]:
    """The lights-off/on annotations of a recording: an EDF+ file's annotation signal, MNE's annotations else."""
    path = Path(path)
    if path.name.lower().endswith(".edf"):
        from hf_sleep.data.edf import ANNOTATION_LABEL, read_annotations, read_edf_header

        if ANNOTATION_LABEL not in read_edf_header(path).labels:  # plain EDF: no annotations
            return {}
        _, onsets, _, descriptions = read_annotations(path)
        return lights_from_annotations(onsets, descriptions)
    annotations = open_recording(path).annotations
    return lights_from_annotations(annotations.onset, annotations.description)


def seconds_from_start(value: str | float, start: Any, duration: float, what: str = "lights-off") -> float:
    """A clock time `HH:MM` (or seconds from the start) as seconds from the recording start.

    Clock times after midnight belong to the next day (a 22:50 start, lights on at 07:05: 8 h 15 min).

    Args:
        value: `"HH:MM"` (24-h) or seconds from the recording start.
        start: the recording's start (`datetime`), needed for a clock time.
        duration: the recording's length in seconds; the time must fall within it.
        what: the name used in error messages.
    """
    import re

    if isinstance(value, (int, float)):
        offset = float(value)
    else:
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value).strip())
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"{what} must be a clock time HH:MM (24-h), got {value!r}")
        if start is None:
            raise ValueError(f"{what} {value} needs the recording's start time, and the recording has none")
        clock = int(match[1]) * 3600 + int(match[2]) * 60
        offset = float((clock - (start.hour * 3600 + start.minute * 60 + start.second)) % 86400)
    if not 0 <= offset <= duration:
        if start is None:
            raise ValueError(f"{what} {value} is outside the recording (0 to {duration:g} s)")
        import datetime

        end = start + datetime.timedelta(seconds=duration)
        raise ValueError(f"{what} {value} is outside the recording ({start:%H:%M} to {end:%H:%M})")
    return offset


def saved_feature_extractor(source: Any):
    """The `SleepFeatureExtractor` saved in a model folder or Hub repo (`preprocessor_config.json`), else `None`.

    `None` also for a file that is not a contract (unreadable, or without its fields): the caller derives one from
    the model's config, and `load_model` words a damaged folder.
    """
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    if not source:
        return None
    try:
        return SleepFeatureExtractor.from_pretrained(str(Path(str(source)).expanduser()))
    except (OSError, ValueError, TypeError):  # TypeError: a preprocessor_config.json without the contract's fields
        return None


def check_extractor_fits(extractor: Any, config: Any, source: Any) -> None:
    """`ValueError` when a saved extractor cuts epochs of another shape than the model takes."""
    if (len(extractor.ch_names), extractor.n_times) != (config.n_chans, config.n_times):
        raise ValueError(
            f"{source}: preprocessor_config.json describes epochs of ({len(extractor.ch_names)}, "
            f"{extractor.n_times}) but the model takes ({config.n_chans}, {config.n_times})"
        )


def load_feature_extractor(source: Any, config: Any):
    """The model's `SleepFeatureExtractor`: its `preprocessor_config.json`, else one derived from its config.

    Args:
        source: the model folder or Hub id (or `None` for a model given as an instance).
        config: the model's config, for models saved without a feature extractor.
    """
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    extractor = saved_feature_extractor(source)
    if extractor is None:
        return SleepFeatureExtractor.from_model_config(config)
    check_extractor_fits(extractor, config, source)
    return extractor


def check_amplitudes(signal: np.ndarray, names: Sequence[str], units: str) -> list[str]:
    """Warns when channel amplitudes are implausible for EEG in `units` (see `checks.amplitude_problems`)."""
    messages = amplitude_problems(signal, names, volts_per_unit(units) / 1e-6)
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=2)
    return messages


def epoch_signal(signal: np.ndarray, n_times: int) -> tuple[np.ndarray, int]:
    """Cuts `(n_chans, n_samples)` into `(n_epochs, n_chans, n_times)`; returns it and the samples left over."""
    from hf_sleep.models.sleep_base.feature_extraction_sleep import cut_epochs

    epochs = cut_epochs(signal, n_times)
    return epochs, signal.shape[-1] - len(epochs) * n_times


def read_night(
    path: str | os.PathLike,
    extractor: Any,
    channels: Sequence[str] | None = None,
    reference: str | Sequence[str] | None = None,
    rescale: float = 1.0,
) -> tuple[Any, int, float, dict[str, Any], np.ndarray]:
    """Reads and prepares the channels a model needs from one recording (the first step of [`stage_recording`]).

    Args:
        path: the recording.
        extractor: the model's `SleepFeatureExtractor`; left unchanged (a copy is set up for this recording).
        channels: the channels in the model's input order; `None` picks them by the extractor's names or kinds.
        reference: overrides the extractor's reference.
        rescale: factor for files whose physical dimension is wrong.

    Returns:
        `(extractor, n_samples, sfreq, info, epochs)`: the copy set up for this recording, the length, rate and
        info of the signal [`read_checked`] returns, and the model input made of it.
    """
    extractor = copy.deepcopy(extractor)
    if channels:
        if len(channels) != len(extractor.ch_names):
            raise ValueError(
                f"the model takes {len(extractor.ch_names)} channel(s) ({', '.join(extractor.ch_names)}), got "
                f"{len(channels)}: {', '.join(channels)}"
            )
        extractor.ch_names = list(channels)
    else:
        from hf_sleep.pretrained.channels import default_channels

        extractor.ch_names = default_channels(extractor.ch_names, _channel_names(path))
    if reference is not None:
        extractor.reference = reference
    signal, info = read_checked(extractor, path, rescale=rescale)
    # Only the length of the signal read is kept: a long, fast recording's samples are not held while the model runs.
    return extractor, signal.shape[-1], info["sfreq_in"], info, extractor.epochs_from_signal(signal, info["sfreq_in"])


def _channel_names(path: str | os.PathLike) -> list[str]:
    """The recording's channels: an EDF's from its header, as the fast reader sees them (MNE, which takes
    longer to import than to read a night, is not needed); other formats' from MNE."""
    if str(path).lower().endswith((".edf", ".rec")):
        from hf_sleep.data.edf import read_edf_header

        try:
            return list(read_edf_header(path).channels)
        except (ValueError, OSError):  # RecordingError is a ValueError
            pass  # MNE's error names the file
    return open_recording(path).ch_names


def load_model(model: Any, device: str | None = None, *, progress: bool = True):
    """An hf_sleep model from an instance, a bundled name, a local folder or a Hub id (`AutoModel.from_pretrained`).

    Args:
        model: a model, a bundled name (`None`: the default stager, `hf_sleep.pretrained.DEFAULT_MODEL`), a
            folder written by `save_pretrained`, or a Hub repository id.
        device: where to put it; defaults to the GPU when there is one.
        progress: show transformers' weight-loading bar.

    Raises:
        FileNotFoundError: a local folder that does not exist.
        ValueError: one line naming the folder (or the file in it) when it cannot be loaded: missing or
            corrupt `config.json`, an incomplete or corrupt `model.safetensors`, a config of another
            architecture, a repository that does not exist.
    """
    import torch

    from hf_sleep.pretrained import resolve_bundled

    model = resolve_bundled(model)
    if isinstance(model, (str, os.PathLike)):
        from transformers import AutoModel

        from hf_sleep.registry import register_auto_classes

        register_auto_classes()  # every architecture loads without remote code

        location = str(model)
        # "user/repo" is a Hub id; "./x", "/x", "~/x" or "a/b/c" can only be a folder.
        looks_local = location.startswith((".", "/", "~")) or location.count("/") > 1
        if looks_local and not Path(location).expanduser().exists():
            raise FileNotFoundError(f"model folder {location} does not exist")
        if Path(location).expanduser().exists():
            location = str(Path(location).expanduser())
        model = _from_pretrained(AutoModel, location, progress)
    from hf_sleep.models.sleep_base import SleepStagingConfig

    if not isinstance(getattr(model, "config", None), SleepStagingConfig):
        raise ValueError(f"{type(model).__name__} is not an hf_sleep sleep-staging model")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    return model.to(device).eval()


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def _from_pretrained(auto_class: Any, location: str, progress: bool = True):
    """`auto_class.from_pretrained(location)` with every failure as one line naming the folder or file."""
    from transformers.utils import logging as transformers_logging

    folder = Path(location)
    if folder.is_dir() and not (folder / "config.json").is_file():
        raise ValueError(f"model folder {folder} has no config.json: expected a folder written by save_pretrained")
    for name in ("config.json", "preprocessor_config.json"):
        if (folder / name).is_file():
            try:
                content = json.loads((folder / name).read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as error:
                raise ValueError(f"{folder / name} is not valid JSON ({_one_line(error)})") from None
            if not isinstance(content, dict):
                raise ValueError(f"{folder / name} must hold a JSON object, not {type(content).__name__}")
    bars_were_on = transformers_logging.is_progress_bar_enabled()
    verbosity = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()  # its multi-line loading report: our own error says it in one line
    if not progress:
        transformers_logging.disable_progress_bar()
    try:
        model, loading = auto_class.from_pretrained(location, output_loading_info=True)
    except Exception as error:  # transformers, safetensors and the Hub raise many types for one bad folder
        if "safetensor" in type(error).__name__.lower() or "deserializ" in str(error).lower():
            weights = next(iter(sorted(folder.glob("*.safetensors"))), folder / "model.safetensors")
            raise ValueError(f"{weights} is incomplete or corrupt ({_one_line(error)})") from None
        if "ignore_mismatched_sizes" in str(error):
            raise ValueError(
                f"the weights of {location} do not fit its config.json (tensor sizes differ): a config of another "
                "size or architecture?"
            ) from None
        raise ValueError(f"could not load a model from {location!r}: {_one_line(error)}") from None
    finally:
        transformers_logging.set_verbosity(verbosity)
        if bars_were_on and not progress:
            transformers_logging.enable_progress_bar()
    missing, unexpected = list(loading.get("missing_keys", ())), list(loading.get("unexpected_keys", ()))
    if missing or unexpected:  # transformers would stage with randomly initialised layers
        raise ValueError(
            f"the weights of {location} do not fit its config.json ({len(missing)} missing, {len(unexpected)} "
            f"unexpected, e.g. {(missing or unexpected)[0]!r}): a config of another architecture?"
        )
    return model


def stage_recording(
    path: str | os.PathLike,
    model: Any = None,
    channels: Sequence[str] | None = None,
    reference: str | Sequence[str] | None = None,
    out_dir: str | os.PathLike | None = None,
    *,
    rescale: float = 1.0,
    device: str | None = None,
    batch_size: int = 64,
    stride: int | None = None,
    progress: bool = False,
    overwrite: bool = False,
    lights_off: str | float | None = None,
    lights_on: str | float | None = None,
    random_weights: bool = False,
    time_axis: str = "clock",
    preread: tuple[Any, int, float, dict[str, Any], np.ndarray] | None = None,
) -> StagingResult:
    """Stages a whole recording with a sleep-staging model and (with `out_dir`) writes the four outputs.

    Args:
        path: an EDF/BDF/FIF/BrainVision recording.
        model: an hf_sleep model, a bundled model's name (`"hf-sleep/seqsleepnet-physioex-eeg-eog-emg"`), a local
            folder saved with `save_pretrained`, or a Hub repository id; `None` is the bundled default stager
            (physioex's trained SeqSleepNet on one EEG channel).
        channels: the channels to feed the model, in its input order; defaults to those of the model's feature
            extractor (its `preprocessor_config.json`, else `config.ch_names`), where a name that is a channel
            kind (`EEG`, `EOG`, `EMG`, as in the bundled models) picks a fitting channel of the recording by name
            (a central EEG first; `hf_sleep.pretrained.channels`).
        reference: overrides the feature extractor's: channel(s) to subtract, or `"average"`.
        out_dir: where to write the outputs; `None` writes nothing.
        rescale: factor for files whose physical dimension is wrong (see the amplitude warnings).
        device: `"cpu"`, `"cuda"`, ...; defaults to the GPU when there is one.
        batch_size: windows per forward pass.
        stride: epochs between overlapping windows of sequence models (1 = every window); `None`: the model's
            single whole-night pass where it has one (DeepSleepNet, as its original scores nights), else 1.
        progress: show the progress bars (weight loading and staging).
        overwrite: replace existing outputs instead of refusing.
        lights_off: lights-off as `"HH:MM"` or seconds from the start; default: a `Lights off` annotation
            of the recording, if any. Marked on the plot.
        lights_on: lights-on, likewise.
        random_weights: the model is untrained (a demo): the plot says so.
        time_axis: the plot's time axis: `"clock"` (time of day from the recording's start) or `"hours"`.
        preread: what [`read_night`] returned for this recording, when it was read ahead (many nights).

    Epochs that hold NaN or infinite samples are unscorable: they get the stage `"?"` and no
    probabilities, count in no sleep statistic but time in bed, and are cut out of the sequence that the
    model sees, so the other epochs get exactly the stages they would get if those epochs were absent.

    Returns:
        A [`StagingResult`].
    """
    from hf_sleep.staging.inference import predict_night
    from hf_sleep.staging.sleep_stats import sleep_statistics, time_in_bed

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"recording {path} does not exist")
    if time_axis not in ("clock", "hours"):
        raise ValueError(f"time_axis must be 'clock' or 'hours', got {time_axis!r}")
    targets = output_paths(path, out_dir) if out_dir is not None else {}
    _refuse_existing(targets, overwrite)
    if out_dir is not None:
        check_writable_folder(out_dir)  # before the night is staged, not after
    timings: dict[str, float] = {}
    start = time.perf_counter()
    from hf_sleep.pretrained import resolve_bundled

    model = resolve_bundled(model)
    source = model if isinstance(model, (str, os.PathLike)) else getattr(getattr(model, "config", None), "_name_or_path", "")
    model = load_model(model, device, progress=progress)
    config = model.config
    extractor = load_feature_extractor(source, config)
    timings["load_model"] = time.perf_counter() - start
    start = time.perf_counter()
    extractor, n_samples, sfreq_in, info, epochs = preread or read_night(path, extractor, channels, reference, rescale)
    seconds = n_samples / sfreq_in
    lights = {}  # given times first, else the recording's own lights-off/on annotations
    annotated = recording_lights(path) if lights_off is None or lights_on is None else {}
    for name, value in (("lights_off", lights_off), ("lights_on", lights_on)):
        value = annotated.get(name) if value is None else value
        if value is not None:
            lights[name] = seconds_from_start(value, info["meas_date"], seconds, name.replace("_", "-"))
    timings["read"] = time.perf_counter() - start
    if len(epochs) == 0:
        raise ValueError(
            f"recording {path} is {seconds:.1f} s long, shorter than one {config.epoch_seconds:g}-s epoch: "
            "nothing to stage"
        )

    unscorable = np.zeros(len(epochs), dtype=bool)
    if info["nonfinite"] is not None:
        unscorable = nonfinite_epochs(info["nonfinite"], info["sfreq_in"], config.epoch_seconds, len(epochs))
    if unscorable.all():
        raise ValueError(
            f"{path}: every {config.epoch_seconds:g}-s epoch holds NaN or infinite samples in "
            f"{', '.join(info['channels'])}: nothing can be staged"
        )
    messages = list(info["warnings"])
    if unscorable.any():
        message = (
            f"{path}: {int(unscorable.sum())} of {len(epochs)} epochs hold NaN or infinite samples; they are "
            f"reported as unscorable ('{UNSCORABLE}') and left out of the model's sequence context"
        )
        warnings.warn(message, UserWarning, stacklevel=2)
        messages.append(message)

    start = time.perf_counter()
    scorable = np.flatnonzero(~unscorable)
    prediction = predict_night(
        model, epochs[scorable] if unscorable.any() else epochs, batch_size=batch_size, stride=stride,
        progress=progress,
    )  # fmt: skip
    timings["model"] = time.perf_counter() - start
    stage_names = prediction.stage_names
    stages = [UNSCORABLE] * len(epochs)
    probabilities = np.full((len(epochs), len(stage_names)), np.nan)
    for index, stage in zip(scorable, prediction.stage_labels, strict=True):
        stages[index] = stage
    probabilities[scorable] = prediction.probabilities
    context = min(int(getattr(config, "seq_len", 1) or 1), len(scorable))
    notes = []
    if context < int(getattr(config, "seq_len", 1) or 1):
        notes.append(
            f"the recording has {len(scorable)} scorable epochs, fewer than the model's context of "
            f"{config.seq_len}: every epoch was staged with a context of {context}, so the stages may be "
            "less reliable than on a whole night"
        )
    # Time in bed runs from lights off to lights on (AASM, YASA): the statistics see only those epochs.
    in_bed = stages[time_in_bed(len(stages), config.epoch_seconds, lights.get("lights_off"), lights.get("lights_on"))]
    rem = "REM" if "REM" in stage_names else ("R" if "R" in stage_names else None)
    wake = "W" if "W" in stage_names else ("Wake" if "Wake" in stage_names else stage_names[0])
    result = StagingResult(
        stages=stages,
        probabilities=probabilities,
        stage_names=stage_names,
        onsets=np.arange(len(stages)) * float(config.epoch_seconds),
        epoch_seconds=float(config.epoch_seconds),
        statistics=sleep_statistics(in_bed, config.epoch_seconds, stages=stage_names, wake=wake, rem=rem),
        channels=info["channels"],
        recording=path,
        dropped_seconds=seconds - len(epochs) * float(config.epoch_seconds),
        warnings=messages,
        meas_date=info["meas_date"],
        timings=timings,
        unscorable=unscorable,
        reference=info.get("reference"),
        context_epochs=context,
        notes=notes,
        random_weights=random_weights,
        **lights,
    )
    if out_dir is not None:
        start = time.perf_counter()
        result.files = write_outputs(
            result, out_dir, overwrite=overwrite, model_name=_model_name(model), time_axis=time_axis
        )
        timings["write"] = time.perf_counter() - start
    return result


def _model_name(model) -> str:
    """The model as the plot names it: a Hub id as is, a bundled model by its Hub id, a local folder by its name
    (never a path of this machine, which a Space would show to its visitors)."""
    from hf_sleep.pretrained import BUNDLE_ROOT, NAMESPACE, bundled_name

    name = str(getattr(model.config, "_name_or_path", "") or "")
    if not name:
        return model.config.model_type
    path = Path(name).expanduser()
    if not (path.is_absolute() or path.exists()):
        return name  # a Hub repository id
    if path.resolve().parent == BUNDLE_ROOT and bundled_name(path.name):
        return f"{NAMESPACE}/{path.name}"
    return path.resolve().name


def output_paths(recording: str | os.PathLike, out_dir: str | os.PathLike) -> dict[str, Path]:
    """The four output files for a recording, by kind."""
    from hf_sleep.data.recording import recording_stem

    stem = recording_stem(recording)
    return {kind: Path(out_dir) / f"{stem}{suffix}" for kind, suffix in OUTPUT_SUFFIXES.items()}


def _refuse_existing(targets: dict[str, Path], overwrite: bool) -> None:
    existing = [str(target) for target in targets.values() if target.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"output already exists: {', '.join(existing)} (use --overwrite to replace it)")


def write_outputs(
    result: StagingResult,
    out_dir: str | os.PathLike,
    *,
    overwrite: bool = False,
    model_name: str = "",
    time_axis: str = "clock",
) -> dict[str, Path]:
    """Writes the CSV, the EDF+ annotations, the PNG and the statistics; all or nothing.

    The PNG's time axis is the clock time from the recording's start (`time_axis="hours"`: hours from the
    start); it marks lights-off/on and says when the model has random weights.
    """
    from hf_sleep.staging.plotting import plot_hypnogram

    out_dir = check_writable_folder(out_dir)
    targets = output_paths(result.recording, out_dir)
    _refuse_existing(targets, overwrite)
    staging = Path(tempfile.mkdtemp(prefix=".hf-sleep-stage-", dir=out_dir))
    try:
        temporary = {kind: staging / target.name for kind, target in targets.items()}
        write_hypnogram_csv(result, temporary["csv"])
        write_annotations_edf(result, temporary["annotations"])
        plot_hypnogram(
            result.stages,
            result.probabilities,
            result.stage_names,
            result.epoch_seconds,
            title=f"{result.recording.name}" + (f" — {model_name}" if model_name else ""),
            path=temporary["plot"],
            start_time=result.meas_date,
            time_axis=time_axis,
            lights_off=result.lights_off,
            lights_on=result.lights_on,
            note="RANDOM WEIGHTS (untrained model): these stages mean nothing" if result.random_weights else None,
        )
        summary = {
            "recording": str(result.recording),
            "model": model_name,
            "channels": result.channels,
            "epoch_seconds": result.epoch_seconds,
            "reference": result.reference or "as recorded",
            "n_epochs": result.n_epochs,
            "unscorable_epochs": int(np.sum(result.unscorable)) if result.unscorable is not None else 0,
            "context_epochs": result.context_epochs,
            "notes": result.notes,
            "warnings": result.warnings,
            "unscored_seconds_at_end": result.dropped_seconds,
            # the statistics cover time in bed: from lights off to lights on (null: the recording's start / end)
            "lights_off_s": result.lights_off,
            "lights_on_s": result.lights_on,
            "statistics": {key: (None if math.isnan(value) else value) for key, value in result.statistics.items()},
        }
        temporary["statistics"].write_text(json.dumps(summary, indent=2) + "\n")
        for kind, target in targets.items():
            apply_umask(temporary[kind])
            os.replace(temporary[kind], target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return targets


def write_hypnogram_csv(result: StagingResult, path: str | os.PathLike) -> None:
    """One row per epoch: `onset,duration,stage,prob_<stage>...` (onsets in seconds from the start).

    An unscorable epoch has the stage `"?"` and empty probabilities.
    """
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["onset", "duration", "stage", *(f"prob_{name}" for name in result.stage_names)])
        for onset, stage, row in zip(result.onsets, result.stages, result.probabilities, strict=True):
            probabilities = ("" if math.isnan(p) else f"{p:.6f}" for p in row)
            writer.writerow([f"{onset:g}", f"{result.epoch_seconds:g}", stage, *probabilities])


def write_annotations_edf(result: StagingResult, path: str | os.PathLike) -> None:
    """An EDF+ file with annotations only: one `Sleep stage <label>` per run of equal stages."""
    import datetime

    from hf_sleep.data.edf import write_annotations_edf as write_edf_annotations
    from hf_sleep.data.labels import label_runs

    annotations = [
        (float(result.onsets[first]), length * result.epoch_seconds, STAGE_PREFIX + stage)
        for first, length, stage in label_runs(result.stages)
    ]
    meas_date = result.meas_date if isinstance(result.meas_date, datetime.datetime) else None
    write_edf_annotations(path, annotations, start=meas_date)


def read_hypnogram_annotations(path: str | os.PathLike, epoch_seconds: float = 30.0) -> list[str]:
    """Per-epoch stages from a hypnogram annotation file (ours or Sleep-EDF's)."""
    from hf_sleep.data.edf import read_annotations

    _, _, durations, descriptions = read_annotations(path)
    stages: list[str] = []
    for description, duration in zip(descriptions, durations, strict=True):
        if description.startswith(STAGE_PREFIX):
            stages.extend([description[len(STAGE_PREFIX) :]] * int(round(duration / epoch_seconds)))
    return stages
