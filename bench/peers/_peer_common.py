"""Helpers shared by the peer scripts (run inside bench/.peers-venv, never importing hf_sleep)."""

from __future__ import annotations

import json
import os
import sys
import time
import warnings

THREADS = int(os.environ.get("OMP_NUM_THREADS", "2"))


def quiet() -> None:
    """Peers print progress and warnings; the harness reads only the JSON line printed last."""
    warnings.filterwarnings("ignore")
    import mne

    mne.set_log_level("ERROR")


def set_threads() -> None:
    import torch

    torch.set_num_threads(THREADS)


def emit(result: dict) -> None:
    """The result, as the last line of stdout."""
    sys.stdout.flush()
    print(json.dumps(result), flush=True)


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start
