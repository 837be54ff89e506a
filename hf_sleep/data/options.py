"""`ConversionOptions`: how recordings become a dataset, the same for every converter.

Every `convert_*` function takes what is particular to its source (where the files are, which channels, the
cohort's vocabulary) as its own arguments, and what every conversion shares as one `ConversionOptions`: the
output rate and band-pass, which epochs are kept, and where and how the dataset is written.

    >>> from hf_sleep.data import ConversionOptions, convert_sleep_edf
    >>> options = ConversionOptions(sfreq=100.0, l_freq=0.3, h_freq=35.0, output_dir="sleep-edf-20")
    >>> dataset = convert_sleep_edf("sleep-cassette/", channels=["EEG Fpz-Cz"], options=options)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor


@dataclass(frozen=True)
class ConversionOptions:
    """What every conversion shares: the signal written, the epochs kept, and where the dataset goes.

    Args:
        sfreq: output rate in Hz; channels at other rates are resampled (polyphase). `None` keeps the recording's
            rate where a converter can (MASS, rodent recordings).
        l_freq: high-pass edge of an optional band-pass in Hz (`None`: none).
        h_freq: low-pass edge of an optional band-pass in Hz (`None`: none).
        trim_wake_minutes: wake kept before the first and after the last sleep epoch (`None`: the whole
            recording; 30 min as in DeepSleepNet/TinySleepNet).
        keep_unknown: keep unscored epochs (`Sleep stage ?`, movement, unannotated) with label -100 (`labels`
            becomes an `int64` column); by default they are dropped.
        num_proc: recordings converted in parallel (processes).
        output_dir: also `save_to_disk` the dataset there, atomically.
        overwrite: replace an existing `output_dir`.
        cache_dir: folder for the Arrow shards when `output_dir` is not given.
        shard_index: with `num_shards`, convert only every `num_shards`-th recording from this one (to spread a
            conversion over machines; join the parts with `combine_datasets`).
        num_shards: number of shards.
        progress: show a progress bar over recordings.
    """

    sfreq: float | None = 100.0
    l_freq: float | None = None
    h_freq: float | None = None
    trim_wake_minutes: float | None = None
    keep_unknown: bool = False
    num_proc: int = 1
    output_dir: str | os.PathLike | None = None
    overwrite: bool = False
    cache_dir: str | os.PathLike | None = None
    shard_index: int = 0
    num_shards: int = 1
    progress: bool = True

    def replace(self, **changes: Any) -> ConversionOptions:
        """A copy with `changes` (`dataclasses.replace`)."""
        return dataclasses.replace(self, **changes)

    def shard(self, tasks: Sequence[Any]) -> list[Any]:
        """This machine's share of `tasks` (see [`shard_tasks`])."""
        return shard_tasks(tasks, self.shard_index, self.num_shards)

    def contract(
        self, names: Sequence[str], epoch_seconds: float, label_names: Sequence[str], sfreq: float | None = None
    ) -> SleepFeatureExtractor:
        """The signal contract of the dataset: `names` at the output rate (or `sfreq`, the recording's own, when
        the options keep it), `epoch_seconds`, the band-pass, µV, `label_names`.

        Raises:
            RecordingError: impossible settings (e.g. a low-pass edge above Nyquist), named `<settings>`.
        """
        from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

        from .errors import RecordingError

        try:
            return SleepFeatureExtractor(
                list(names), sfreq=sfreq or self.sfreq, epoch_seconds=epoch_seconds, l_freq=self.l_freq,
                h_freq=self.h_freq, label_names=list(label_names),
            )  # fmt: skip
        except ValueError as error:
            raise RecordingError("<settings>", str(error)) from None

    def described(
        self, channels: Sequence[str], sfreq: float, epoch_seconds: float, label_names: Sequence[str]
    ) -> dict[str, str]:
        """The settings a dataset's description records, one `- key: value` line each (cards read `label names`)."""
        return {
            "channels": ", ".join(channels),
            "sampling rate": f"{sfreq:g} Hz",
            "epoch": f"{epoch_seconds:g} s",
            "band-pass": f"{self.l_freq} - {self.h_freq} Hz" if (self.l_freq or self.h_freq) else "none",
            "wake trimming": f"{self.trim_wake_minutes:g} min around the sleep period"
            if self.trim_wake_minutes is not None
            else "none",
            "unscored epochs": "kept with label -100" if self.keep_unknown else "dropped",
            "label names": ", ".join(label_names),
        }


def shard_tasks(tasks: Sequence[Any], shard_index: int, num_shards: int) -> list[Any]:
    """Every ``num_shards``-th task starting at ``shard_index`` (disjoint, covering all tasks).

    Args:
        tasks: all tasks, in a deterministic order.
        shard_index: this shard, ``0 <= shard_index < num_shards``.
        num_shards: number of shards.
    """
    if not 0 <= shard_index < num_shards:
        raise ValueError(f"shard_index must be in [0, {num_shards}), got {shard_index}")
    return list(tasks[shard_index::num_shards])
