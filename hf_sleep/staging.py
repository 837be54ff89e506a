"""Whole-night staging of a recording: read, pick and re-reference channels, resample, epoch, stage, write.

`stage_recording("night.edf", "user/tinysleepnet-sleepedf", out_dir="results")` writes four files next to
each other, named after the recording:

- `<stem>_hypnogram.csv`: `onset,duration,stage,prob_<stage>...`, one row per 30-s epoch;
- `<stem>_hypnogram.edf`: an EDF+ file with annotations only (`Sleep stage <label>` for each run of equal
  stages, as in Sleep-EDF's `*-Hypnogram.edf`), which EDFbrowser and `mne.read_annotations` open;
- `<stem>_hypnogram.png`: the hypnogram and the stage probabilities over the night;
- `<stem>_sleep_stats.json`: the sleep statistics of `hf_sleep.sleep_stats`.

Outputs are written into a hidden temporary folder inside `out_dir` and moved into place only when all
four are complete, so a failure never leaves half-written files behind.
"""

from __future__ import annotations

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
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from hf_sleep.data.checks import (
    amplitude_problems,
    apply_umask,
    check_writable_folder,
    derivation_name,
    eeg_channels,
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
READERS: dict[str, str] = {
    ".edf": "read_raw_edf",
    ".bdf": "read_raw_bdf",
    ".fif": "read_raw_fif",
    ".fif.gz": "read_raw_fif",
    ".vhdr": "read_raw_brainvision",
}


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
        statistics: sleep statistics (`hf_sleep.sleep_stats.sleep_statistics`).
        channels: the channels (or derivations) fed to the model, in model order.
        recording: the staged file.
        files: the written outputs by kind (`csv`, `annotations`, `plot`, `statistics`); empty when no
            `out_dir` was given.
        dropped_seconds: signal at the end shorter than one epoch, left unscored.
        timings: seconds spent reading, preprocessing, running the model and writing.
        warnings: messages about the input (amplitude units, flat channels, truncation, non-finite samples)
            also issued as `UserWarning`.
        meas_date: the recording start (`datetime`) or `None`.
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
    unscorable: np.ndarray | None = None
    reference: str | None = None
    context_epochs: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_epochs(self) -> int:
        return len(self.stages)


def open_recording(path: str | os.PathLike, **kwargs: Any):
    """Opens a recording lazily with MNE (EDF, BDF, FIF, BrainVision; others through `mne.io.read_raw`).

    Raises:
        FileNotFoundError: when `path` does not exist.
        ValueError: naming the file when MNE cannot read it.
    """
    import mne

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"recording {path} does not exist")
    name = path.name.lower()
    reader_name = next((reader for suffix, reader in READERS.items() if name.endswith(suffix)), "read_raw")
    reader = getattr(mne.io, reader_name)
    try:
        return reader(path, preload=False, verbose="error", **kwargs)
    except Exception as error:  # MNE raises many types for corrupt files; the user needs the file name.
        raise ValueError(f"could not read {path} as a recording ({type(error).__name__}: {error})") from error


def resolve_channels(requested: Sequence[str], available: Sequence[str]) -> list[tuple[str, str | None]]:
    """Maps requested channel names to `(channel, minus)` pairs in the file (the signal contract's rules).

    An exact channel name always wins (then the name ignoring case and surrounding spaces); `"A - B"` is the
    bipolar derivation A minus B, also when A and B contain `-` (`"FP1-A1 - C3-A1"`).

    Raises:
        ValueError: listing the channels the file has when one cannot be found.
    """
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
    """Reads, derives, re-references, resamples and scales the channels a model needs.

    Non-finite samples (NaN, inf) are set to 0 before resampling, so they cannot spread beyond their
    epochs; `info["nonfinite"]` marks them.

    Args:
        path: the recording.
        channels: channel names (or `"A - B"` derivations), in the model's input order.
        reference: a channel (or several, averaged) subtracted from every channel, `"average"` for the
            average of the EEG channels (by type, and by name where a file types EOG/EMG as EEG), or `None`
            to keep the recorded reference.
        sfreq: the model's sampling rate; the signal is resampled with a polyphase filter.
        units: the model's input unit (`"uV"`, `"mV"` or `"V"`).
        rescale: a factor applied to the signal read, for files whose physical dimension is wrong.

    Returns:
        `(signal, info)`: `(n_chans, n_samples)` float32 in `units`, and `{"sfreq_in", "meas_date",
        "available", "channels", "reference", "nonfinite", "warnings"}`; `nonfinite` is a `(n_samples_in,)`
        bool array at `sfreq_in` (True where a channel used is NaN or infinite) or `None`.
    """
    model_volts = volts_per_unit(units)
    if model_volts is None:
        raise ValueError(f"units must be a voltage unit (uV, mV, V), got {units!r}")
    if not channels:
        raise ValueError("at least one channel is needed")
    messages: list[str] = []
    file_units: dict[str, str] = {}  # the physical dimensions as the file spells them (EDF)
    if Path(path).name.lower().endswith(".edf") and Path(path).is_file():
        from hf_sleep.data.edf import read_edf_header

        edf_header = read_edf_header(path)
        file_units = dict(zip(edf_header.labels, edf_header.units, strict=True))
        # The judgement conversion makes too: a truncated file (or a wrong record count) is read as far as
        # it goes, and says so.
        if edf_header.record_count_problem:
            messages.append(f"{path}: {edf_header.record_count_problem}")
    header = open_recording(path)
    available = list(header.ch_names)
    try:
        resolved = resolve_channels(channels, available)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    if reference is None:
        reference_names: list[str] = []
    elif isinstance(reference, str) and reference.lower() == "average":
        reference_names = [available[i] for i in _eeg_indices(header)]
        reference = "average of " + ", ".join(reference_names)
    else:
        reference_names = [ch for ch, _ in resolve_channels([reference] if isinstance(reference, str) else reference,
                                                              available)]
    needed = list(dict.fromkeys([ch for pair in resolved for ch in pair if ch] + reference_names))
    raw = header
    if Path(path).name.lower().endswith((".edf", ".bdf")):
        # Reading only the needed channels keeps slow channels (1 Hz) from being upsampled to the EEG rate.
        raw = open_recording(path, include=needed)
    try:
        data = raw.get_data(picks=needed)  # volts, float64
    except Exception as error:
        raise ValueError(f"could not read the signal of {path} ({type(error).__name__}: {error})") from error
    from hf_sleep.data.edf import volts_correction

    # MNE reads `UV` or `uv` as volts; every spelling of µV means µV (the table conversion uses too).
    for row, name in enumerate(needed):
        factor = volts_correction(file_units.get(name, "V"))
        if factor not in (None, 1.0):
            data[row] *= factor
    data, bad_samples = mask_nonfinite(data)  # the epochs they touch are staged as unscorable
    rows = {name: index for index, name in enumerate(needed)}
    signal = np.stack([data[rows[plus]] - (data[rows[minus]] if minus else 0.0) for plus, minus in resolved])
    if reference_names:
        signal = signal - data[[rows[name] for name in reference_names]].mean(axis=0)
    signal *= rescale / model_volts
    sfreq_in = float(raw.info["sfreq"])
    if not math.isclose(sfreq_in, sfreq):
        from scipy.signal import resample_poly  # a third of a second to import: only when resampling

        ratio = Fraction(sfreq / sfreq_in).limit_denominator(1000)
        signal = resample_poly(signal, ratio.numerator, ratio.denominator, axis=-1)
    names = [derivation_name(plus, minus) for plus, minus in resolved]
    valid = slice(None)
    if bad_samples is not None:  # judge the amplitude on the finite stretches only
        valid = ~bad_samples[np.minimum((np.arange(signal.shape[-1]) * (sfreq_in / sfreq)).astype(np.int64),
                                        len(bad_samples) - 1)]  # fmt: skip
    messages += amplitude_problems(signal[:, valid], names, model_volts / 1e-6)
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=2)
    return signal.astype(np.float32), {
        "sfreq_in": sfreq_in,
        "meas_date": raw.info.get("meas_date"),
        "available": available,
        "channels": names,
        "reference": reference if reference is None or isinstance(reference, str) else " + ".join(reference),
        "nonfinite": bad_samples,
        "warnings": messages,
    }


def _eeg_indices(raw) -> list[int]:
    """EEG channels by type, less those whose name says EOG, EMG, ECG, ... (files often type them EEG)."""
    import mne

    typed = [raw.ch_names[i] for i in mne.pick_types(raw.info, eeg=True, exclude=[])]
    indices = [raw.ch_names.index(name) for name in eeg_channels(typed)]
    if not indices:
        raise ValueError("reference='average' needs EEG channels, and the recording has none")
    return indices


def epoch_signal(signal: np.ndarray, n_times: int) -> tuple[np.ndarray, int]:
    """Cuts `(n_chans, n_samples)` into `(n_epochs, n_chans, n_times)`; returns it and the samples left over."""
    n_epochs = signal.shape[-1] // n_times
    used = n_epochs * n_times
    epochs = signal[:, :used].reshape(signal.shape[0], n_epochs, n_times).transpose(1, 0, 2)
    return np.ascontiguousarray(epochs), signal.shape[-1] - used


def load_model(model: Any, device: str | None = None, *, progress: bool = True):
    """An hf_sleep model from an instance, a local folder or a Hub id (`AutoModel.from_pretrained`).

    Args:
        model: a model, a folder written by `save_pretrained`, or a Hub repository id.
        device: where to put it; defaults to the GPU when there is one.
        progress: show transformers' weight-loading bar.

    Raises:
        FileNotFoundError: a local folder that does not exist.
        ValueError: one line naming the folder (or the file in it) when it cannot be loaded: missing or
            corrupt `config.json`, an incomplete or corrupt `model.safetensors`, a config of another
            architecture, a repository that does not exist.
    """
    import torch

    if isinstance(model, (str, os.PathLike)):
        from transformers import AutoModel

        import hf_sleep  # noqa: F401  (registers every architecture, so no remote code is needed)

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
    model: Any,
    channels: Sequence[str] | None = None,
    reference: str | Sequence[str] | None = None,
    out_dir: str | os.PathLike | None = None,
    *,
    rescale: float = 1.0,
    device: str | None = None,
    batch_size: int = 64,
    stride: int = 1,
    progress: bool = False,
    overwrite: bool = False,
) -> StagingResult:
    """Stages a whole recording with a sleep-staging model and (with `out_dir`) writes the four outputs.

    Args:
        path: an EDF/BDF/FIF/BrainVision recording.
        model: an hf_sleep model, a local folder saved with `save_pretrained`, or a Hub repository id.
        channels: the channels to feed the model, in its input order; defaults to `config.ch_names`.
        reference: see [`read_signals`].
        out_dir: where to write the outputs; `None` writes nothing.
        rescale: factor for files whose physical dimension is wrong (see the amplitude warnings).
        device: `"cpu"`, `"cuda"`, ...; defaults to the GPU when there is one.
        batch_size: windows per forward pass.
        stride: epochs between overlapping windows of sequence models (1 = every window).
        progress: show the progress bars (weight loading and staging).
        overwrite: replace existing outputs instead of refusing.

    Epochs that hold NaN or infinite samples are unscorable: they get the stage `"?"` and no
    probabilities, count in no sleep statistic but time in bed, and are cut out of the sequence that the
    model sees, so the other epochs get exactly the stages they would get if those epochs were absent.

    Returns:
        A [`StagingResult`].
    """
    from hf_sleep.inference import predict_night
    from hf_sleep.sleep_stats import sleep_statistics

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"recording {path} does not exist")
    targets = output_paths(path, out_dir) if out_dir is not None else {}
    _refuse_existing(targets, overwrite)
    if out_dir is not None:
        check_writable_folder(out_dir)  # before the night is staged, not after
    timings: dict[str, float] = {}
    start = time.perf_counter()
    model = load_model(model, device, progress=progress)
    config = model.config
    timings["load_model"] = time.perf_counter() - start
    channels = list(channels) if channels else list(config.ch_names)
    if len(channels) != config.n_chans:
        raise ValueError(
            f"the model takes {config.n_chans} channel(s) ({', '.join(config.ch_names)}), got {len(channels)}: "
            f"{', '.join(channels)}"
        )

    start = time.perf_counter()
    signal, info = read_signals(
        path, channels, reference=reference, sfreq=config.sfreq, units=config.units, rescale=rescale
    )
    epochs, left_over = epoch_signal(signal, config.n_times)
    timings["read"] = time.perf_counter() - start
    if len(epochs) == 0:
        seconds = signal.shape[-1] / config.sfreq
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
    rem = "REM" if "REM" in stage_names else ("R" if "R" in stage_names else None)
    wake = "W" if "W" in stage_names else ("Wake" if "Wake" in stage_names else stage_names[0])
    result = StagingResult(
        stages=stages,
        probabilities=probabilities,
        stage_names=stage_names,
        onsets=np.arange(len(stages)) * float(config.epoch_seconds),
        epoch_seconds=float(config.epoch_seconds),
        statistics=sleep_statistics(stages, config.epoch_seconds, stages=stage_names, wake=wake, rem=rem),
        channels=info["channels"],
        recording=path,
        dropped_seconds=left_over / config.sfreq,
        warnings=messages,
        meas_date=info["meas_date"],
        timings=timings,
        unscorable=unscorable,
        reference=info["reference"],
        context_epochs=context,
        notes=notes,
    )
    if out_dir is not None:
        start = time.perf_counter()
        result.files = write_outputs(result, out_dir, overwrite=overwrite, model_name=_model_name(model))
        timings["write"] = time.perf_counter() - start
    return result


def _model_name(model) -> str:
    return str(getattr(model.config, "_name_or_path", "") or model.config.model_type)


def output_paths(recording: str | os.PathLike, out_dir: str | os.PathLike) -> dict[str, Path]:
    """The four output files for a recording, by kind."""
    stem = Path(recording).name
    for suffix in sorted(READERS, key=len, reverse=True):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return {kind: Path(out_dir) / f"{stem}{suffix}" for kind, suffix in OUTPUT_SUFFIXES.items()}


def _refuse_existing(targets: dict[str, Path], overwrite: bool) -> None:
    existing = [str(target) for target in targets.values() if target.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"output already exists: {', '.join(existing)} (use --overwrite to replace it)")


def write_outputs(
    result: StagingResult, out_dir: str | os.PathLike, *, overwrite: bool = False, model_name: str = ""
) -> dict[str, Path]:
    """Writes the CSV, the EDF+ annotations, the PNG and the statistics; all or nothing."""
    from hf_sleep.plotting import plot_hypnogram

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

    from edfio import Edf, EdfAnnotation, Recording

    annotations = []
    run_start = 0
    for index in range(1, len(result.stages) + 1):
        if index == len(result.stages) or result.stages[index] != result.stages[run_start]:
            annotations.append(
                EdfAnnotation(
                    float(result.onsets[run_start]),
                    (index - run_start) * result.epoch_seconds,
                    STAGE_PREFIX + result.stages[run_start],
                )
            )
            run_start = index
    meas_date = result.meas_date if isinstance(result.meas_date, datetime.datetime) else None
    edf = Edf(
        signals=[],
        annotations=annotations,
        starttime=meas_date.time().replace(microsecond=0, tzinfo=None) if meas_date else None,
        recording=Recording(startdate=meas_date.date()) if meas_date else None,
    )
    edf.write(path)


def read_hypnogram_annotations(path: str | os.PathLike, epoch_seconds: float = 30.0) -> list[str]:
    """Per-epoch stages from a hypnogram annotation file (ours or Sleep-EDF's), via `mne.read_annotations`."""
    import mne

    annotations = mne.read_annotations(path)
    stages: list[str] = []
    for description, duration in zip(annotations.description, annotations.duration, strict=True):
        if description.startswith(STAGE_PREFIX):
            stages.extend([description[len(STAGE_PREFIX) :]] * int(round(duration / epoch_seconds)))
    return stages
