"""Local `evaluate` modules shipped with hf_sleep (loaded from a path, so they work offline)."""

from __future__ import annotations

from pathlib import Path

SLEEP_STAGING_METRIC_PATH = str(Path(__file__).resolve().parent / "sleep_staging")

__all__ = ["SLEEP_STAGING_METRIC_PATH"]
