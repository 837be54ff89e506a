"""Worker pools for ``num_proc``: parallel without the ``if __name__ == "__main__":`` guard.

``spawn`` and ``forkserver`` workers re-run the user's script (``__main__``) before they take work, so a
plain script that calls ``convert_sleep_edf(..., options=ConversionOptions(num_proc=2))`` at top level would start workers from its
workers and fail with "An attempt has been made to start a new process before the current process has
finished its bootstrapping phase". Here workers never import ``__main__``:

- on Linux, processes are forked (as ``datasets.Dataset.map(num_proc=...)`` does): the child already holds
  every module and runs only the library function it is given, and dies with its parent (``PR_SET_PDEATHSIG``);
- elsewhere (macOS, where forking is unsafe, and Windows, which cannot fork), the work runs in threads:
  reading, resampling (numpy/scipy) and writing Arrow shards release the GIL for most of their time.
"""

from __future__ import annotations

import os
import signal
import sys
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

__all__ = ["die_with_parent", "worker_pool"]

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def worker_pool(num_proc: int) -> Executor:
    """An executor running ``num_proc`` workers that never re-import the caller's ``__main__`` module.

    Submitted functions must be module-level library functions (picklable by reference).

    Args:
        num_proc: number of workers (at least 1).
    """
    if sys.platform.startswith("linux"):
        from multiprocessing import get_context

        return ProcessPoolExecutor(
            max_workers=num_proc, mp_context=get_context("fork"), initializer=die_with_parent, initargs=(os.getpid(),)
        )
    return ThreadPoolExecutor(max_workers=num_proc)


def die_with_parent(parent: int) -> None:
    """Worker initializer (Linux): the kernel kills this worker when its parent dies, even by SIGKILL.

    A killed ``convert --num-proc 2`` would otherwise leave its workers blocked on a pipe for minutes.

    Args:
        parent: the process id of the parent, to catch one that died before the request took effect.
    """
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux after all: nothing to ask for
        return
    if os.getppid() != parent:
        os._exit(1)
