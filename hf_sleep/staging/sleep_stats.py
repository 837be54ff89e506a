"""Sleep statistics from a hypnogram, defined as in the AASM manual and YASA's `sleep_statistics`.

The hypnogram is taken as already cropped to time in bed (lights off to lights on), one label per epoch;
`time_in_bed` gives that span of a whole recording's epochs. Durations are in minutes, efficiencies and stage
shares in percent.

- **TIB** (time in bed): duration of the whole hypnogram, unscored epochs included.
- **SPT** (sleep period time): from the first to the last sleep epoch, both included.
- **WASO** (wake after sleep onset): wake inside the SPT.
- **TST** (total sleep time): time in any sleep stage (everything but wake and unscored epochs).
- **SE** (sleep efficiency): TST / TIB × 100 (AASM; YASA ≥ 0.4 does the same).
- **SME** (sleep maintenance efficiency): TST / SPT × 100.
- **SOL** (sleep onset latency): from the start of the hypnogram to the first sleep epoch (AASM's
  "sleep latency": lights off to the first epoch of any sleep stage).
- **REM_latency**: from sleep onset to the first REM epoch (AASM's "REM latency"). YASA's `Lat_REM`
  counts from the start of the record instead; that value is `SOL + REM_latency`.
- **<stage>** (e.g. `N2`): minutes in that stage over the whole hypnogram; **%<stage>** for every sleep
  stage: its share of TST.

Naps (MSLT/MWT trials, a recording shorter than `NAP_MAX_MINUTES` or `nap=True`) add:

- **SOREMP** (sleep-onset REM period): 1 when REM begins at most `SOREMP_MINUTES` (15) after sleep onset
  (AASM/MSLT: the first epoch of any sleep stage), else 0; NaN without sleep. SOL is the nap's sleep latency.

Latencies are NaN when the stage never occurs, and stage shares are NaN when there is no sleep at all.
Epochs whose label is not one of the known stages (`?`, movement time, artefacts) count in TIB and SPT but
neither as sleep nor as wake.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hf_sleep.models.sleep_base.signals import AASM_STAGES

# The order in which the statistics are reported (stage entries follow).
SUMMARY_KEYS: tuple[str, ...] = ("TIB", "SPT", "TST", "WASO", "SE", "SME", "SOL", "REM_latency")
# A recording shorter than this (minutes in bed) is a nap: its statistics add the sleep-onset REM period.
NAP_MAX_MINUTES = 120.0
# MSLT: REM within 15 minutes of sleep onset is a sleep-onset REM period.
SOREMP_MINUTES = 15.0


def sleep_statistics(
    hypnogram: Sequence[str],
    epoch_seconds: float = 30.0,
    *,
    stages: Sequence[str] = AASM_STAGES,
    wake: str = "W",
    rem: str | None = "REM",
    nap: bool | None = None,
) -> dict[str, float]:
    """Sleep statistics of one hypnogram (see the module docstring for the definitions).

    Args:
        hypnogram: one stage label per epoch, e.g. `["W", "W", "N1", "N2", ...]`.
        epoch_seconds: duration of one epoch in seconds.
        stages: the scored stages; any other label is treated as unscored.
        wake: the label of wakefulness; every other stage in `stages` is sleep.
        rem: the label of REM sleep, for the REM latency (`None` when the stage set has no REM).
        nap: add the nap statistics (SOREMP); `None`: when the hypnogram is shorter than `NAP_MAX_MINUTES`.

    Returns:
        `{"TIB": ..., "SPT": ..., "TST": ..., "WASO": ..., "SE": ..., "SME": ..., "SOL": ...,
        "REM_latency": ..., "<stage>": minutes for each stage, "%<stage>": percent of TST for each sleep
        stage}`.
    """
    labels = [str(label) for label in hypnogram]
    stages = [str(stage) for stage in stages]
    if not labels:
        raise ValueError("hypnogram is empty: sleep statistics need at least one epoch")
    if epoch_seconds <= 0:
        raise ValueError(f"epoch_seconds must be positive, got {epoch_seconds}")
    if wake not in stages:
        raise ValueError(f"wake label {wake!r} is not one of the stages {stages}")
    if rem is not None and rem not in stages:
        raise ValueError(f"REM label {rem!r} is not one of the stages {stages}")
    minutes_per_epoch = epoch_seconds / 60.0
    sleep_stages = [stage for stage in stages if stage != wake]
    is_sleep = [label in sleep_stages for label in labels]
    sleep_indices = [index for index, asleep in enumerate(is_sleep) if asleep]

    stats: dict[str, float] = {"TIB": len(labels) * minutes_per_epoch}
    if sleep_indices:
        first, last = sleep_indices[0], sleep_indices[-1]
        sleep_period = labels[first : last + 1]
        stats["SPT"] = len(sleep_period) * minutes_per_epoch
        stats["TST"] = len(sleep_indices) * minutes_per_epoch
        stats["WASO"] = sleep_period.count(wake) * minutes_per_epoch
        stats["SE"] = 100.0 * stats["TST"] / stats["TIB"]
        stats["SME"] = 100.0 * stats["TST"] / stats["SPT"]
        stats["SOL"] = first * minutes_per_epoch
        first_rem = labels.index(rem) if rem is not None and rem in labels else None
        stats["REM_latency"] = (first_rem - first) * minutes_per_epoch if first_rem is not None else math.nan
    else:
        stats.update(SPT=0.0, TST=0.0, WASO=0.0, SE=0.0, SME=math.nan, SOL=math.nan, REM_latency=math.nan)
    for stage in stages:
        stats[stage] = labels.count(stage) * minutes_per_epoch
    for stage in sleep_stages:
        stats[f"%{stage}"] = 100.0 * stats[stage] / stats["TST"] if stats["TST"] > 0 else math.nan
    if nap is None:
        nap = stats["TIB"] < NAP_MAX_MINUTES
    if nap and rem is not None:
        latency = stats.get("REM_latency", math.nan)
        if not sleep_indices:
            stats["SOREMP"] = math.nan
        else:  # REM latency up to and including 15 min
            stats["SOREMP"] = float(not math.isnan(latency) and latency <= SOREMP_MINUTES)
    return stats


def time_in_bed(
    n_epochs: int, epoch_seconds: float, lights_off: float | None = None, lights_on: float | None = None
) -> slice:
    """The epochs between lights off and lights on (AASM's time in bed), as a slice of a recording's hypnogram.

    Args:
        n_epochs: epochs of the whole recording.
        epoch_seconds: duration of one epoch in seconds.
        lights_off: lights-off in seconds from the recording start (`None`: the recording's start).
        lights_on: lights-on in seconds from the recording start (`None`: the recording's end).

    Returns:
        `slice(first, stop)`: an epoch is in bed when its start is at or after lights off and its end at or
        before lights on, each time rounded to the nearest epoch boundary (a 23:10:10 lights-off on a 30-s grid
        starting 23:00:00 starts time in bed at 23:10:00).

    Raises:
        ValueError: lights on is not after lights off, or no epoch lies between them.
    """
    first = 0 if lights_off is None else max(0, round(lights_off / epoch_seconds))
    stop = n_epochs if lights_on is None else min(n_epochs, round(lights_on / epoch_seconds))
    if stop <= first:
        raise ValueError(
            f"no epoch lies between lights off ({lights_off} s) and lights on ({lights_on} s) of a "
            f"{n_epochs * epoch_seconds:g}-s recording: lights on must come after lights off, within the recording"
        )
    return slice(first, stop)


# Why a statistic has no value (NaN).
UNDEFINED_BECAUSE: dict[str, str] = {"REM_latency": "no REM sleep", "SOL": "no sleep", "SME": "no sleep"}


def format_statistics(stats: dict[str, float]) -> str:
    """A small aligned text table of the statistics (minutes, percent for SE/SME and stage shares)."""
    lines = []
    for key, value in stats.items():
        unit = "%" if key.startswith("%") or key in ("SE", "SME") else "min"
        unit = "" if key == "SOREMP" else unit
        if math.isnan(value):  # a latency to something the night does not have: say why, with no unit
            lines.append(f"{key:<12}{'n/a':>9} ({UNDEFINED_BECAUSE.get(key, 'undefined')})")
        elif key == "SOREMP":
            lines.append(f"{key:<12}{'yes' if value else 'no':>9}")
        else:
            lines.append(f"{key:<12}{value:>9.1f} {unit}")
    return "\n".join(lines)
