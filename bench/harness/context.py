"""What one benchmark run measures: sizes, repetitions and the shared inputs (generated nights, saved models)."""

from __future__ import annotations

import importlib.util
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import nights
from bench.harness.common import PEERS_DIR, ProcessRun, python_ours, python_peers, run_process, thread_env


@dataclass
class Settings:
    """Sizes of one run. The defaults are the reference run; `quick()` shrinks everything for a smoke test.

    Args:
        night_hours: length of the staged night (inference, staging, conversion nights).
        model_runs: timed repetitions of in-process model time (a warm-up run comes first, excluded).
        process_runs: fresh-process repetitions (end-to-end staging, conversion).
        conversion_nights: nights converted together in the conversion comparison.
        memory_nights: night counts of the memory-growth series.
        memory_hours: length of each night in the memory series.
        train_steps: optimizer steps per timed training run.
        train_batch_size: sequences per training step.
        train_runs: timed training runs per architecture.
        staged_archs: the architectures staged end to end (`None`: every one that takes one 30-s EEG channel;
            the staging path is the same for all, so the quick run stages TinySleepNet only).
        many_nights: night counts staged in one `hf-sleep stage` process (section 7).
        wide_recording: `(hours, channels, sfreq)` of the long, wide EDF staged in section 7.
    """

    quick: bool = False
    night_hours: float = 8.0
    model_runs: int = 5
    process_runs: int = 3
    conversion_nights: int = 4
    memory_nights: tuple[int, ...] = (1, 4, 16)
    memory_hours: float = 2.0
    train_steps: int = 3
    train_batch_size: int = 4
    train_runs: int = 3
    staged_archs: tuple[str, ...] | None = None
    many_nights: tuple[int, ...] = (1, 4, 8)
    wide_recording: tuple[float, int, int] = (24.0, 64, 512)

    @classmethod
    def quick_settings(cls) -> Settings:
        return cls(
            quick=True,
            night_hours=0.25,
            model_runs=1,
            process_runs=1,
            conversion_nights=1,
            memory_nights=(1, 2),
            memory_hours=0.25,
            train_steps=1,
            train_batch_size=2,
            train_runs=1,
            staged_archs=("tinysleepnet",),
            many_nights=(1, 2),
            wide_recording=(0.1, 8, 256),
        )


@dataclass
class Context:
    """Settings plus the inputs every section shares, created once per run under `work_dir`."""

    settings: Settings
    work_dir: Path
    log: Callable[[str], None] = print
    verbose: bool = False
    learning_json: Path | None = None
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def peers_python(self) -> str | None:
        return python_peers()

    def conversion_pairs(self) -> list[tuple[Path, Path]]:
        """The nights of the staging and conversion comparisons (the first one is the staged night)."""
        if "conversion" not in self._cache:
            s = self.settings
            self.log(f"generating {s.conversion_nights} night(s) of {s.night_hours:g} h with {nights.GENERATOR}")
            self._cache["conversion"] = nights.generate_nights(
                self.work_dir / "nights", s.conversion_nights, s.night_hours
            )
        return self._cache["conversion"]

    def staged_night(self) -> Path:
        return self.conversion_pairs()[0][0]

    def memory_pairs(self) -> list[tuple[Path, Path]]:
        if "memory" not in self._cache:
            s = self.settings
            n = max(s.memory_nights)
            self.log(f"generating {n} night(s) of {s.memory_hours:g} h with {nights.GENERATOR}")
            self._cache["memory"] = nights.generate_nights(self.work_dir / "nights", n, s.memory_hours)
        return self._cache["memory"]

    def saved_model(self, arch: str) -> Path:
        """A randomly initialised model of `arch`, saved once with `save_pretrained` for `hf-sleep stage`."""
        path = self.work_dir / "models" / arch
        if not (path / "config.json").is_file():
            self.ours("save-model", "--arch", arch, "--out", str(path))
        return path

    def attempt(self, function: Callable[[], Any]) -> Any:
        """[`attempt`] with this run's log and verbosity."""
        return attempt(function, self.log, self.verbose)

    def ours(self, *args: str, timeout: float = 1800) -> ProcessRun:
        """`python -m bench.harness.worker ARGS` in a fresh process of the hf_sleep environment."""
        return run_process([python_ours(), "-m", "bench.harness.worker", *args], timeout=timeout)

    def peer(self, script: str, *args: str, timeout: float = 1800) -> ProcessRun:
        """`bench/peers/SCRIPT ARGS` in a fresh process of the peer environment."""
        python = self.peers_python
        if python is None:
            raise PeersMissing()
        return run_process([python, str(PEERS_DIR / script), *args], timeout=timeout, env=thread_env())


class PeersMissing(RuntimeError):
    def __init__(self) -> None:
        super().__init__("peer environment missing: run `bash bench/peers/setup_peers.sh` first")


def has_module(name: str) -> bool:
    """Whether `name` is importable in the hf_sleep checkout being measured (without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def attempt(function: Callable[[], Any], log: Callable[[str], None] = print, verbose: bool = False) -> Any:
    """Runs one measurement; a failure becomes `{"error": message}` so the other measurements still run.

    The message is the last line of the error, which for a failed worker is the exception it raised.
    """
    try:
        return function()
    except Exception as error:  # noqa: BLE001 - every failure is reported in BENCHMARKS.md
        message = str(error).strip().splitlines()
        text = message[-1] if message else type(error).__name__
        log(f"  failed: {text}")
        if verbose:
            traceback.print_exc()
        return {"error": text[:500]}
