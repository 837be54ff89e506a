"""Hidden working folders that a killed command does not leave behind.

`convert` writes its shards, and `stage` its four outputs, into a hidden folder beside the target and move them
into place when everything is written. A command killed half-way (SIGKILL, a lost session) cannot remove that
folder itself, so its name carries the host and the process id of its owner, and the next command writing to
the same place removes every such folder whose owner is gone. Folders of live processes (a concurrent
`stage` into the same folder) and of other hosts (a shared file system) are left alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["remove_stale", "scratch_folder"]


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale(parent: str | os.PathLike, prefix: str) -> list[Path]:
    """Removes the `prefix` folders in `parent` left by processes of this host that no longer run.

    Args:
        parent: the folder that holds them.
        prefix: their name's start, as given to `scratch_folder`.

    Returns:
        The folders removed.
    """
    host, removed = _host(), []
    try:
        entries = list(Path(parent).iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix) or not entry.is_dir() or entry.is_symlink():
            continue
        owner_host, _, rest = entry.name[len(prefix) :].rpartition("@")
        pid = rest.split("-", 1)[0]
        if owner_host == host and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


@contextlib.contextmanager
def scratch_folder(parent: str | os.PathLike, prefix: str) -> Iterator[Path]:
    """A new private folder `parent/<prefix><host>@<pid>-<random>`, removed on exit whatever happens.

    Stale folders of the same prefix (their process was killed) are removed first.

    Args:
        parent: where to create it (the same file system as the target, so that moving out of it is atomic).
        prefix: the start of its name, e.g. `".hf_sleep-convert-"`.
    """
    remove_stale(parent, prefix)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{_host()}@{os.getpid()}-", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
