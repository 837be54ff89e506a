"""The four outputs of a staged night, written all or nothing, and a reader of the hypnogram annotations.

- `<stem>_hypnogram.csv`: `onset,duration,stage,prob_<stage>...`, one row per epoch;
- `<stem>_hypnogram.edf`: an EDF+ file with annotations only (`Sleep stage <label>` for each run of equal
  stages, as in Sleep-EDF's `*-Hypnogram.edf`), which EDFbrowser and `mne.read_annotations` open;
- `<stem>_hypnogram.png`: the hypnogram and the stage probabilities over the night;
- `<stem>_sleep_stats.json`: the sleep statistics of `hf_sleep.staging.sleep_stats`.
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hf_sleep.data.checks import apply_umask, check_writable_folder, writing
from hf_sleep.data.scratch import scratch_folder

if TYPE_CHECKING:
    from hf_sleep.staging.result import StagingResult

STAGE_PREFIX = "Sleep stage "
SCRATCH_PREFIX = ".hf-sleep-stage-"  # the hidden folder the outputs are written in before they are moved
OUTPUT_SUFFIXES: dict[str, str] = {
    "csv": "_hypnogram.csv",
    "annotations": "_hypnogram.edf",
    "plot": "_hypnogram.png",
    "statistics": "_sleep_stats.json",
}


def output_paths(recording: str | os.PathLike, output_dir: str | os.PathLike, plot: bool = True) -> dict[str, Path]:
    """The four output files for a recording, by kind (three without the `plot`)."""
    from hf_sleep.data.recording import recording_stem

    stem = recording_stem(recording)
    kinds = {kind: suffix for kind, suffix in OUTPUT_SUFFIXES.items() if plot or kind != "plot"}
    return {kind: Path(output_dir) / f"{stem}{suffix}" for kind, suffix in kinds.items()}


def refuse_existing(targets: dict[str, Path], overwrite: bool) -> None:
    existing = [str(target) for target in targets.values() if target.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"output already exists: {', '.join(existing)} (use --overwrite to replace it)")


def write_outputs(
    result: StagingResult,
    output_dir: str | os.PathLike,
    *,
    overwrite: bool = False,
    model_name: str = "",
    time_axis: str = "clock",
    plot: bool = True,
) -> dict[str, Path]:
    """Writes the CSV, the EDF+ annotations, the PNG and the statistics; all or nothing.

    The PNG's time axis is the clock time from the recording's start (`time_axis="hours"`: hours from the
    start); it marks lights-off/on and says when the model has random weights. `plot=False` leaves the PNG out
    (and matplotlib unimported). The files are also kept in `result.files`, the seconds spent in
    `result.timings["write"]`.
    """
    start = time.perf_counter()
    output_dir = check_writable_folder(output_dir)
    targets = output_paths(result.recording, output_dir, plot=plot)
    refuse_existing(targets, overwrite)
    # A hidden folder beside the outputs (one rename each away); a killed run's is removed by the next one here.
    outputs = f"the outputs of {result.recording.name} in {output_dir}"
    with scratch_folder(output_dir, SCRATCH_PREFIX) as temporary_folder, writing(outputs):
        temporary = {kind: temporary_folder / target.name for kind, target in targets.items()}
        write_hypnogram_csv(result, temporary["csv"])
        write_annotations_edf(result, temporary["annotations"])
        if plot:
            from hf_sleep.staging.plotting import plot_hypnogram

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
        temporary["statistics"].write_text(json.dumps(night_summary(result, model_name), indent=2) + "\n")
        for kind, target in targets.items():
            apply_umask(temporary[kind])
            os.replace(temporary[kind], target)
    result.files = targets
    result.timings["write"] = time.perf_counter() - start
    return targets


def night_summary(result: StagingResult, model_name: str = "") -> dict[str, Any]:
    """What `<stem>_sleep_stats.json` holds: the night's provenance, its problems and its statistics."""
    return {
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


def write_hypnogram_csv(result: StagingResult, path: str | os.PathLike) -> None:
    """One row per epoch: `onset,duration,stage,prob_<stage>...` (onsets in seconds from the start), then the
    result's `extra_columns` (a consensus: `agreement`, `disagree` and each member's stage).

    An unscorable epoch has the stage `"?"` and empty probabilities.
    """
    extra = result.extra_columns
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["onset", "duration", "stage", *(f"prob_{name}" for name in result.stage_names), *extra])
        for index, (onset, stage, row) in enumerate(zip(result.onsets, result.stages, result.probabilities, strict=True)):
            probabilities = ("" if math.isnan(p) else f"{p:.6f}" for p in row)
            more = (values[index] for values in extra.values())
            writer.writerow([f"{onset:g}", f"{result.epoch_seconds:g}", stage, *probabilities, *more])


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
