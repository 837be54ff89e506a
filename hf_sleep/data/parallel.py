"""Worker pools for ``num_proc``: parallel without the ``if __name__ == "__main__":`` guard.

``spawn`` and ``forkserver`` workers re-run the user's script (``__main__``) before they take work, so a
plain script that calls ``convert_sleep_edf(..., options=ConversionOptions(num_proc=2))`` at top level would start workers from its
workers and fail with "An attempt has been made to start a new process before the current process has
finished its bootstrapping phase". Here workers never import ``__main__``:

- on Linux, processes are forked (as ``datasets.Dataset.map(num_proc=...)`` does): the child already holds
  every module and runs only the library function it is given;
- elsewhere (macOS, where forking is unsafe, and Windows, which cannot fork), the work runs in threads:
  reading, resampling (numpy/scipy) and writing Arrow shards release the GIL for most of their time.
"""

from __future__ import annotations

import sys
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

__all__ = ["worker_pool"]


def worker_pool(num_proc: int) -> Executor:
    """An executor running ``num_proc`` workers that never re-import the caller's ``__main__`` module.

    Submitted functions must be module-level library functions (picklable by reference).

    Args:
        num_proc: number of workers (at least 1).
    """
    if sys.platform.startswith("linux"):
        from multiprocessing import get_context

        return ProcessPoolExecutor(max_workers=num_proc, mp_context=get_context("fork"))
    return ThreadPoolExecutor(max_workers=num_proc)
