"""Consensus staging: several models and several channel sets of one recording, probabilities averaged.

Each member is one model staging one set of channels (one EEG derivation, or EEG + EOG + EMG for a model that
takes any number of derivations, as RobustSleepNet does); the consensus stage of an epoch is the argmax of the
members' mean probabilities. The hypnogram CSV keeps those mean probabilities and adds, per epoch, the share of
members that voted the consensus stage (`agreement`), a `disagree` flag (1 when any member voted otherwise) and
each member's own stage in a column named after the model and its channels.

`hf-sleep stage` without `--model` stages with [`DEFAULT_CONSENSUS`]: RobustSleepNet's 7 distinct published
models on every central EEG derivation the file has (at most `MAX_EEG_DERIVATIONS`). Each member scores windows
of 21 epochs at a stride of `seq_len` (each epoch in one window per member) with the window grid shifted from
member to member, so the consensus sees every epoch at several positions in its windows for the cost of about
one window per epoch and member.
"""

from __future__ import annotations

import copy
import json
import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from hf_sleep.staging.result import UNSCORABLE, StagingResult

# At most this many central EEG derivations are staged (and averaged) when no channels are given.
MAX_EEG_DERIVATIONS = 2


def default_consensus() -> tuple[str, ...]:
    """The bundled models `hf-sleep stage` combines without `--model` (RobustSleepNet's 7 distinct models)."""
    from hf_sleep.pretrained import ROBUSTSLEEPNET_MODELS

    return ROBUSTSLEEPNET_MODELS


def central_eeg_channels(available: Sequence[str], limit: int = MAX_EEG_DERIVATIONS) -> list[str]:
    """The recording's central EEG derivations (C4, C3, Cz, then Fpz-Cz), at most `limit`, in that preference.

    Raises:
        ValueError: no channel looks like a central EEG (listing the recording's channels).
    """
    from hf_sleep.pretrained.channels import default_channels, pick_channel

    picked: list[str] = []
    remaining = list(available)
    while len(picked) < limit:
        channel = pick_channel("EEG", remaining)
        if channel is None:
            break
        picked.append(channel)
        remaining.remove(channel)
    return picked or default_channels(["EEG"], available)  # raises the one-line error


def _member_model(model: Any, channels: Sequence[str]):
    """`model` set up for `channels`: a model whose weights do not depend on the channel count (RobustSleepNet)
    is re-declared for that many channels; another (and an exported graph, whose channel count is fixed) must
    take exactly that many."""
    from hf_sleep.staging.onnx_runtime import OnnxStagingModel

    config = model.config
    if len(channels) == config.n_chans:
        return model
    if isinstance(model, OnnxStagingModel):
        raise ValueError(
            f"the exported graph of {config.name_or_path} takes {config.n_chans} channel(s), got {len(channels)}: "
            f"{', '.join(channels)} (stage channel sets of another size with --backend torch)"
        )
    if config.model_type != "robustsleepnet":
        raise ValueError(
            f"{config._name_or_path or config.model_type} takes {config.n_chans} channel(s), got {len(channels)}: "
            f"{', '.join(channels)}"
        )
    member = copy.deepcopy(model)  # 180k weights; the copy's modules share one config, changed in place
    member.config.n_chans = len(channels)
    return member


def _contract_key(extractor: Any) -> str:
    """What decides how a recording is read: members whose contracts give the same key share one read."""
    from hf_sleep.models.sleep_base.signal_contract import CONTRACT_KEYS

    return json.dumps({key: getattr(extractor, key, None) for key in CONTRACT_KEYS}, sort_keys=True, default=str)


def _predict_member(member: Any, epochs: np.ndarray, *, batch_size: int, stride: int, offset: int):
    """One member's `NightPrediction`: onnxruntime's for an exported graph, else torch's `predict_night`."""
    from hf_sleep.staging.onnx_runtime import OnnxStagingModel

    if isinstance(member, OnnxStagingModel):
        return member.predict_night(epochs, stride=stride, window_offset=offset)
    from hf_sleep.staging.inference import predict_night

    return predict_night(member, epochs, batch_size=batch_size, stride=stride, window_offset=offset)


def stage_consensus(
    path: str | os.PathLike,
    models: Sequence[Any] | None = None,
    channel_sets: Sequence[Sequence[str]] | None = None,
    output_dir: str | os.PathLike | None = None,
    *,
    stride: int | None = None,
    rescale: float = 1.0,
    device: str | None = None,
    batch_size: int = 64,
    overwrite: bool = False,
    nap: bool | None = None,
    time_axis: str = "clock",
    progress: bool = False,
    plot: bool = True,
    loaded: dict[str, tuple[Any, Any]] | None = None,
    lights_off: str | float | None = None,
    lights_on: str | float | None = None,
    backend: str = "auto",
):
    """Stages a recording with every model on every channel set and averages their probabilities.

    Args:
        path: the recording.
        models: bundled names, folders or Hub ids (default: [`default_consensus`]).
        channel_sets: each a list of channels in a model's input order (`["C4-M1"]`, `["C4-M1", "E1-M2",
            "Chin1-Chin2"]`); default: each central EEG derivation of the file alone (see [`central_eeg_channels`]).
        output_dir: where to write the four outputs; `None` writes nothing.
        stride: epochs between windows (default: 1 for a single member, else each model's `seq_len`, the window
            grids of the members shifted against each other).
        rescale, device, batch_size, overwrite, time_axis, progress, plot: as for `stage_recording`.
        nap: report nap statistics (sleep-onset REM period); `None`: when time in bed is under 2 h.
        lights_off, lights_on: as for `stage_recording`: the statistics cover time in bed.
        loaded: `{name: (model, feature extractor)}` kept between calls, so that many recordings load each model
            once; filled as models are loaded.
        backend: as for `stage_recording`, for every member: `"onnx"` stages each with its exported graph on
            onnxruntime (every bundled model has one), importing neither torch nor transformers.

    Returns:
        A `StagingResult` whose probabilities are the members' mean, with the members' stages and agreement in
        `extra_columns` (written to the hypnogram CSV).
    """
    from hf_sleep.staging.one_night import check_request
    from hf_sleep.staging.outputs import write_outputs
    from hf_sleep.staging.reading import _channel_names

    path = check_request(path, output_dir, overwrite=overwrite, time_axis=time_axis)
    start = time.perf_counter()
    names = list(models) if models else list(default_consensus())
    if channel_sets:
        sets = [list(channels) for channels in channel_sets]
    else:
        sets = [[channel] for channel in central_eeg_channels(_channel_names(path))]
    timings = {"load_model": 0.0, "read": 0.0, "model": 0.0}
    members = _run_members(
        path, names, sets, timings, stride=stride, rescale=rescale, device=device, batch_size=batch_size,
        progress=progress, loaded=loaded, backend=backend,
    )  # fmt: skip
    result = _consensus_result(path, members, names, sets, timings, lights_off, lights_on, nap)
    if output_dir is not None:
        n_members = len(members.probabilities)
        label = f"consensus of {n_members}" if n_members > 1 else Path(str(names[0])).name
        write_outputs(result, output_dir, overwrite=overwrite, model_name=label, time_axis=time_axis, plot=plot)
    timings["total"] = time.perf_counter() - start
    return result


def _consensus_result(
    path: Path,
    members: MemberVotes,
    names: Sequence[Any],
    sets: Sequence[Sequence[str]],
    timings: dict[str, float],
    lights_off: str | float | None,
    lights_on: str | float | None,
    nap: bool | None,
) -> StagingResult:
    """The `StagingResult` of the members' votes: consensus stages, mean probabilities, the members' columns and
    the statistics of time in bed."""
    from hf_sleep.staging.lights import night_lights
    from hf_sleep.staging.sleep_stats import sleep_statistics, time_in_bed

    stages, extra, agreement = _combine_votes(members)
    night, stage_names, unscorable = members.night, members.stage_names, members.unscorable
    n_epochs, epoch_seconds = len(stages), members.epoch_seconds
    # Time in bed runs from lights off to lights on, as for a single model: the statistics see only those epochs.
    lights = night_lights(path, lights_off, lights_on, night.meas_date, night.seconds)
    in_bed = np.asarray(stages, dtype=object)[
        time_in_bed(n_epochs, epoch_seconds, lights.get("lights_off"), lights.get("lights_on"))
    ]
    rem = "REM" if "REM" in stage_names else None
    statistics = sleep_statistics(
        list(in_bed), epoch_seconds, stages=stage_names, wake=stage_names[0], rem=rem, nap=nap
    )
    notes = [
        f"consensus of {len(members.probabilities)} members ({len(names)} model(s) × {len(sets)} channel set(s)): "
        f"{', '.join(Path(str(n)).name for n in names)} on {'; '.join(' + '.join(s) for s in sets)}; "
        f"{int((agreement < 1).sum())} of {n_epochs} epochs with disagreeing members"
    ]
    return StagingResult(
        stages=stages,
        probabilities=np.where(unscorable[:, None], np.nan, members.mean_probabilities),
        stage_names=stage_names,
        onsets=np.arange(n_epochs) * epoch_seconds,
        epoch_seconds=epoch_seconds,
        statistics=statistics,
        channels=list(dict.fromkeys(ch for s in sets for ch in s)),
        recording=path,
        dropped_seconds=night.seconds - n_epochs * epoch_seconds,
        warnings=list(night.warnings or []),
        meas_date=night.meas_date,
        timings=timings,
        unscorable=unscorable,
        context_epochs=min(members.seq_len, int((~unscorable).sum())),
        notes=notes,
        extra_columns=extra,
        **lights,
    )


@dataclass
class MemberVotes:
    """What the members of a consensus computed for one recording."""

    probabilities: np.ndarray  # (members, epochs, stages); NaN on the epochs no member could score
    labels: list[str]  # the hypnogram CSV column of each member's own stage
    stage_names: list[str]
    unscorable: np.ndarray  # (epochs,) bool: a non-finite sample in some member's read
    night: Any  # the `NightInput` read last (duration, start date and reading warnings are the recording's)
    epoch_seconds: float
    seq_len: int  # of the last member's model: the context the hypnogram's edge epochs had

    @cached_property
    def mean_probabilities(self) -> np.ndarray:
        """`(epochs, stages)`: the members' mean, which both the consensus stages and the result's columns use."""
        return self.probabilities.mean(0)


def _run_members(
    path: Path,
    names: Sequence[Any],
    sets: Sequence[Sequence[str]],
    timings: dict[str, float],
    *,
    stride: int | None,
    rescale: float,
    device: str | None,
    batch_size: int,
    progress: bool,
    loaded: dict[str, tuple[Any, Any]] | None,
    backend: str,
) -> MemberVotes:
    """Every model on every channel set: the members' probabilities, each member's window grid shifted against
    the others' (see the module docstring). Members whose contracts read alike share one read."""
    from hf_sleep.data.checks import nonfinite_epochs

    n_members = len(names) * len(sets)
    reads: dict[tuple[str, tuple[str, ...]], Any] = {}
    probabilities, labels, stage_names, unscorable = [], [], None, None
    for model_index, name in enumerate(names):
        clock = time.perf_counter()
        model, extractor = _load_member(name, loaded, device, progress, backend)
        timings["load_model"] += time.perf_counter() - clock
        for set_index, channels in enumerate(sets):
            member = _member_model(model, channels)
            clock = time.perf_counter()
            night = _read_member(path, extractor, channels, rescale, reads)
            timings["read"] += time.perf_counter() - clock
            epochs = night.epochs
            if unscorable is None:
                if len(epochs) == 0:
                    raise ValueError(
                        f"recording {path} is {night.seconds:.1f} s long, shorter than one "
                        f"{member.config.epoch_seconds:g}-s epoch: nothing to stage"
                    )
                unscorable = np.zeros(len(epochs), dtype=bool)
            if len(epochs) != len(unscorable):
                raise ValueError(
                    f"{path}: the members cut {len(unscorable)} and {len(epochs)} epochs (different epoch lengths)"
                )
            if night.nonfinite is not None:
                unscorable |= nonfinite_epochs(night.nonfinite, night.sfreq, member.config.epoch_seconds, len(epochs))
            clock = time.perf_counter()
            seq_len = int(getattr(member.config, "seq_len", 1) or 1)
            member_stride = stride or (1 if n_members == 1 else seq_len)
            position = model_index * len(sets) + set_index
            offset = round(position * member_stride / n_members) if member_stride > 1 else 0
            scorable = np.flatnonzero(~unscorable)
            prediction = _predict_member(
                member, epochs[scorable], batch_size=batch_size, stride=member_stride, offset=offset
            )
            timings["model"] += time.perf_counter() - clock
            if stage_names is None:
                stage_names = prediction.stage_names
            elif prediction.stage_names != stage_names:
                raise ValueError(f"{name} stages {prediction.stage_names}, the other members {stage_names}")
            member_probabilities = np.full((len(epochs), len(stage_names)), np.nan)
            member_probabilities[scorable] = prediction.probabilities
            probabilities.append(member_probabilities)
            labels.append(f"stage[{Path(str(name)).name} | {' + '.join(night.channels)}]")
    return MemberVotes(
        np.stack(probabilities), labels, stage_names, unscorable, night, float(member.config.epoch_seconds), seq_len
    )


def _load_member(
    name: Any, loaded: dict[str, tuple[Any, Any]] | None, device: str | None, progress: bool, backend: str
) -> tuple[Any, Any]:
    """A member's model and feature extractor, from `loaded` when an earlier recording loaded them."""
    from hf_sleep.staging.model_loading import load_model_and_extractor

    if loaded is not None and name in loaded:
        return loaded[name]
    model, extractor = load_model_and_extractor(name, device, progress=progress, backend=backend)
    if loaded is not None:
        loaded[name] = (model, extractor)
    return model, extractor


def _read_member(path: Path, extractor: Any, channels: Sequence[str], rescale: float, reads: dict) -> Any:
    """The recording read for one member's contract and channels; `reads` keeps each distinct read (all
    RobustSleepNet models share one contract, so their members share the read of each channel set)."""
    from hf_sleep.staging.reading import read_night

    key = (_contract_key(extractor), tuple(channels))
    if key not in reads:
        member_extractor = copy.deepcopy(extractor)
        member_extractor.ch_names = list(channels)
        with warnings.catch_warnings():  # a reading warning is said once, by the first read
            warnings.simplefilter("ignore" if reads else "default", UserWarning)
            reads[key] = read_night(path, member_extractor, channels, None, rescale)
    return reads[key]


def _combine_votes(members: MemberVotes) -> tuple[list[str], dict[str, list[str]], np.ndarray]:
    """The consensus stage of each epoch (argmax of the members' mean), the hypnogram CSV's extra columns
    (agreement, disagree flag, each member's own stage) and the share of members that voted the consensus."""
    names, unscorable, stacked = members.stage_names, members.unscorable, members.probabilities
    votes = np.where(np.isnan(stacked[..., 0]), -1, np.nan_to_num(stacked).argmax(-1))
    consensus = np.nan_to_num(members.mean_probabilities).argmax(-1)
    stages = [UNSCORABLE if unscorable[i] else names[consensus[i]] for i in range(len(consensus))]
    agreement = (votes == consensus[None]).mean(0)
    extra = {
        "agreement": ["" if unscorable[i] else f"{agreement[i]:.3f}" for i in range(len(stages))],
        "disagree": ["" if unscorable[i] else str(int(agreement[i] < 1)) for i in range(len(stages))],
    }
    for label, member_votes in zip(members.labels, votes, strict=True):
        extra[label] = [UNSCORABLE if vote < 0 else names[vote] for vote in member_votes]
    return stages, extra, agreement
