"""What staging a night gives back: [`StagingResult`], the stages, probabilities and statistics of every epoch.

Its own module, below both the staging steps (`one_night.py`, `consensus.py`) and the writers (`outputs.py`),
which all hand it on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

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
            `output_dir` was given.
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
        extra_columns: more per-epoch columns of the hypnogram CSV, after the probabilities (a consensus: the
            members' agreement and each member's stage).
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
    extra_columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def n_epochs(self) -> int:
        return len(self.stages)
