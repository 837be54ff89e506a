"""Whole-night staging of a recording, in five steps: check → read → predict → score → write.

`stage_recording("night.edf", "user/tinysleepnet-sleepedf", output_dir="results")` runs them:

1. [`check_request`]: the recording exists, the outputs may be written (before any work is done);
2. `load_model_and_extractor` (`model_loading.py`) and `read_night` (`reading.py`): the model, its signal
   contract, and the recording read and cut into the model's epochs ([`NightInput`]);
3. a predictor (`epochs -> NightPrediction`): [`torch_predictor`] runs the model (`inference.predict_night`);
   another backend plugs in here;
4. [`score_night`]: unscorable epochs left out of the model's sequence, stages and probabilities per epoch,
   the sleep statistics over time in bed ([`StagingResult`]);
5. `write_outputs` (`outputs.py`): the CSV, the EDF+ annotations, the PNG and the statistics, written into a
   hidden temporary folder inside `output_dir` and moved into place only when all four are complete.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hf_sleep.data.checks import check_writable_folder, nonfinite_epochs
from hf_sleep.data.edf import describe_gaps, gap_epochs
from hf_sleep.staging.lights import night_lights
from hf_sleep.staging.model_loading import load_model_and_extractor, model_name
from hf_sleep.staging.onnx_runtime import OnnxStagingModel
from hf_sleep.staging.outputs import output_paths, refuse_existing, write_outputs
from hf_sleep.staging.reading import NightInput, read_night
from hf_sleep.staging.result import UNSCORABLE, StagingResult

if TYPE_CHECKING:
    from hf_sleep.staging.inference import NightPrediction


# What the predict step is: `(n_epochs, n_chans, n_times)` model input in, fused predictions per epoch out.
NightPredictor = Callable[[np.ndarray], "NightPrediction"]


def stage_recording(
    path: str | os.PathLike,
    model: Any = None,
    channels: Sequence[str] | None = None,
    reference: str | Sequence[str] | None = None,
    output_dir: str | os.PathLike | None = None,
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
    night: NightInput | None = None,
    nap: bool | None = None,
    backend: str = "auto",
    plot: bool = True,
    feature_extractor: Any = None,
) -> StagingResult:
    """Stages a whole recording with a sleep-staging model and (with `output_dir`) writes the four outputs.

    Args:
        path: an EDF/BDF/FIF/BrainVision recording.
        model: an hf_sleep model, a bundled model's name (`"hf-sleep/seqsleepnet-physioex-eeg-eog-emg"`), a local
            folder saved with `save_pretrained`, or a Hub repository id; `None`: `hf_sleep.pretrained.DEFAULT_MODEL`.
        channels: the channels to feed the model, in its input order; defaults to its feature extractor's, where a
            channel kind (`EEG`, `EOG`, `EMG`, as in the bundled models) picks a fitting channel of the recording by
            name (a central EEG first; `hf_sleep.pretrained.channels`).
        reference: overrides the feature extractor's: channel(s) to subtract, or `"average"`.
        output_dir: where to write the outputs; `None` writes nothing.
        rescale: factor for files whose physical dimension is wrong (see the amplitude warnings).
        device: `"cpu"`, `"cuda"`, ...; defaults to the GPU when there is one.
        batch_size: windows per forward pass.
        stride: epochs between overlapping windows of sequence models (1 = every window); `None`: the model's
            single whole-night pass where it has one (DeepSleepNet, as its original scores nights), else 1.
        progress: show the progress bars (weight loading and staging).
        overwrite: replace existing outputs instead of refusing.
        lights_off, lights_on: as `"HH:MM"` or seconds from the start; default: the recording's `Lights off` and
            `Lights on` annotations, if any. Marked on the plot.
        random_weights: the model is untrained (a demo): the plot says so.
        time_axis: the plot's time axis: `"clock"` (time of day from the recording's start) or `"hours"`.
        night: this recording already read for the model ([`read_night`]), when it was read ahead (many nights).
        nap: report nap statistics (sleep-onset REM period); `None`: when time in bed is under 2 h.
        backend: `"torch"`, `"onnx"` (the exported graph on onnxruntime, importing neither torch nor transformers)
            or `"auto"` (ONNX for a folder with a graph and no torch weights; `onnx_runtime.staging_model`).
        plot: write the PNG (`False`: the CSV, the annotations and the statistics only).
        feature_extractor: the `SleepFeatureExtractor` to read with, checked against the model; default: the
            model's `preprocessor_config.json`, else what its architecture implies (one EEG picked by name).

    Epochs holding NaN or infinite samples get the stage `"?"`, out of the model's sequence ([`score_night`]).

    Returns:
        A [`StagingResult`].
    """
    path = check_request(path, output_dir, overwrite=overwrite, time_axis=time_axis, plot=plot)
    start = time.perf_counter()
    model, extractor = load_model_and_extractor(
        model, device, progress=progress, backend=backend, feature_extractor=feature_extractor
    )
    timings = {"load_model": time.perf_counter() - start}
    start = time.perf_counter()
    night = night or read_night(path, extractor, channels, reference, rescale)
    lights = night_lights(path, lights_off, lights_on, night.meas_date, night.seconds)
    timings["read"] = time.perf_counter() - start
    result = score_night(
        path, night, predictor(model, batch_size=batch_size, stride=stride, progress=progress),
        context_epochs=int(getattr(model.config, "seq_len", 1) or 1), lights=lights, random_weights=random_weights,
        nap=nap,
    )  # fmt: skip
    result.timings = {**timings, **result.timings}
    if output_dir is not None:
        write_outputs(
            result, output_dir, overwrite=overwrite, model_name=model_name(model), time_axis=time_axis, plot=plot
        )
    return result


def check_request(
    path: str | os.PathLike,
    output_dir: str | os.PathLike | None,
    *,
    overwrite: bool,
    time_axis: str = "clock",
    plot: bool = True,
) -> Path:
    """The checks made before any work: the recording exists, the plot's axis is known, and (with `output_dir`)
    the folder is writable and holds no outputs of this recording unless `overwrite`. Returns the path."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"recording {path} does not exist")
    if time_axis not in ("clock", "hours"):
        raise ValueError(f"time_axis must be 'clock' or 'hours', got {time_axis!r}")
    if output_dir is not None:
        refuse_existing(output_paths(path, output_dir, plot=plot), overwrite)
        check_writable_folder(output_dir, create=False)  # before the night is staged; creates nothing
    return path


def predictor(model: Any, *, batch_size: int = 64, stride: int | None = None, progress: bool = False):
    """The predict step for a loaded model: onnxruntime's for an `OnnxStagingModel`, else [`torch_predictor`]."""
    if isinstance(model, OnnxStagingModel):
        return lambda epochs: model.predict_night(epochs, stride=stride)
    return torch_predictor(model, batch_size=batch_size, stride=stride, progress=progress)


def torch_predictor(model: Any, *, batch_size: int = 64, stride: int | None = None, progress: bool = False):
    """The predict step with a torch model: `epochs -> NightPrediction` (`inference.predict_night`)."""
    from hf_sleep.staging.inference import predict_night

    def predict(epochs: np.ndarray) -> NightPrediction:
        return predict_night(model, epochs, batch_size=batch_size, stride=stride, progress=progress)

    return predict


def score_night(
    path: Path,
    night: NightInput,
    predict: NightPredictor,
    *,
    context_epochs: int = 1,
    lights: dict[str, float] | None = None,
    random_weights: bool = False,
    nap: bool | None = None,
) -> StagingResult:
    """Stages a night read for a model: its scorable epochs predicted, the unscorable ones marked, the statistics
    computed over time in bed. Needs no torch: `predict` is the only step that runs a model.

    Args:
        path: the recording (named in errors and in the result).
        night: the recording read for the model ([`read_night`]).
        predict: the predict step, `(n_epochs, n_chans, n_times) -> NightPrediction` ([`torch_predictor`]).
        context_epochs: epochs per window of the model (`config.seq_len`).
        lights: lights-off/on in seconds from the start ([`night_lights`]).
        random_weights: the model is untrained (a demo).
        nap: report nap statistics (sleep-onset REM period); `None`: when time in bed is under 2 h.
    """
    from hf_sleep.staging.sleep_stats import sleep_statistics, time_in_bed

    lights = lights or {}
    epoch_seconds = float(night.extractor.epoch_seconds)
    unscorable, messages = unscorable_epochs(path, night)
    start = time.perf_counter()
    stages, probabilities, stage_names = predict_scorable(predict, night.epochs, unscorable)
    predicting = time.perf_counter() - start
    scorable = int((~unscorable).sum())
    context = min(context_epochs, scorable)
    notes = []
    if context < context_epochs:
        notes.append(
            f"the recording has {scorable} scorable epochs, fewer than the model's context of "
            f"{context_epochs}: every epoch was staged with a context of {context}, so the stages may be "
            "less reliable than on a whole night"
        )
    # Time in bed runs from lights off to lights on (AASM, YASA): the statistics see only those epochs.
    in_bed = stages[time_in_bed(len(stages), epoch_seconds, lights.get("lights_off"), lights.get("lights_on"))]
    wake, rem = wake_and_rem_labels(stage_names)
    return StagingResult(
        stages=stages,
        probabilities=probabilities,
        stage_names=stage_names,
        onsets=np.arange(len(stages)) * epoch_seconds,
        epoch_seconds=epoch_seconds,
        statistics=sleep_statistics(in_bed, epoch_seconds, stages=stage_names, wake=wake, rem=rem, nap=nap),
        channels=night.channels,
        recording=path,
        dropped_seconds=night.seconds - len(stages) * epoch_seconds,
        warnings=list(night.warnings or []) + messages,
        meas_date=night.meas_date,
        timings={"model": predicting},
        unscorable=unscorable,
        reference=night.reference,
        context_epochs=context,
        notes=notes,
        random_weights=random_weights,
        **lights,
    )


def unscorable_epochs(path: Path, night: NightInput) -> tuple[np.ndarray, list[str]]:
    """`(n_epochs,)` bool, True for the epochs that hold NaN or infinite samples or that a gap of an EDF+D file
    touches, and the warnings saying so.

    Raises:
        ValueError: a recording shorter than one epoch, or one where no epoch is scorable.
    """
    epoch_seconds = night.extractor.epoch_seconds
    n_epochs = len(night.epochs)
    if n_epochs == 0:
        raise ValueError(
            f"recording {path} is {night.seconds:.1f} s long, shorter than one {epoch_seconds:g}-s epoch: "
            "nothing to stage"
        )
    unscorable = np.zeros(n_epochs, dtype=bool)
    if night.nonfinite is not None:
        unscorable = nonfinite_epochs(night.nonfinite, night.sfreq, epoch_seconds, n_epochs)
    # EDF+D: what was not recorded is unscored, at its true onsets, never closed up
    in_gaps = gap_epochs(night.gaps, epoch_seconds, n_epochs)
    unscorable |= in_gaps
    if unscorable.all():
        raise ValueError(
            f"{path}: every {epoch_seconds:g}-s epoch holds NaN or infinite samples in "
            f"{', '.join(night.channels)}: nothing can be staged"
        )
    messages = []
    if in_gaps.any():
        messages.append(
            f"{path}: EDF+D (discontinuous) recording with {describe_gaps(night.gaps)}: the {int(in_gaps.sum())} "
            f"epochs they touch are reported as unscorable ('{UNSCORABLE}'), at their true onsets, and left out "
            "of the model's sequence context"
        )
    if (unscorable & ~in_gaps).any():
        messages.append(
            f"{path}: {int((unscorable & ~in_gaps).sum())} of {n_epochs} epochs hold NaN or infinite samples; "
            f"they are reported as unscorable ('{UNSCORABLE}') and left out of the model's sequence context"
        )
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=4)
    return unscorable, messages


def predict_scorable(
    predict: NightPredictor, epochs: np.ndarray, unscorable: np.ndarray
) -> tuple[list[str], np.ndarray, list[str]]:
    """Predicts the scorable epochs as one sequence (the unscorable ones cut out) and puts the results back in
    place: `(stages, probabilities, stage_names)`, with `"?"` and a NaN row for each unscorable epoch."""
    scorable = np.flatnonzero(~unscorable)
    prediction = predict(epochs[scorable] if unscorable.any() else epochs)
    stage_names = prediction.stage_names
    stages = [UNSCORABLE] * len(epochs)
    for index, stage in zip(scorable, prediction.stage_labels, strict=True):
        stages[index] = stage
    probabilities = np.full((len(epochs), len(stage_names)), np.nan)
    probabilities[scorable] = prediction.probabilities
    return stages, probabilities, stage_names


def wake_and_rem_labels(stage_names: Sequence[str]) -> tuple[str, str | None]:
    """The labels of wake and of REM sleep among a model's stages (`W`/`Wake`, `REM`/`R`; no REM: `None`)."""
    rem = "REM" if "REM" in stage_names else ("R" if "R" in stage_names else None)
    wake = "W" if "W" in stage_names else ("Wake" if "Wake" in stage_names else stage_names[0])
    return wake, rem
