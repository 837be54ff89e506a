"""A stand-in for torchaudio in the benchmark's peer environment only.

braindecode imports torchaudio at module level (`torchaudio.functional` in `modules/filter.py`,
`torchaudio.transforms` in a few models), but torchaudio has no build for the CPU torch the
benchmarks pin. None of the sleep models we measure (DeepSleepNet, AttnSleep, USleep) or the
Sleep-EDF windowing touch it, so this stub provides the names braindecode imports and raises if
anything actually calls them.
"""

from . import functional, transforms

__version__ = "0.0.0+hf-sleep-bench-stub"
__all__ = ["functional", "transforms"]
