"""Runs one command and records its wall time and its own peak RSS (`python launcher.py OUT.json CMD ...`).

Why a launcher: on Linux a child's `ru_maxrss` starts from the resident size of the process that forked
it (the forked copy of the parent's memory is its first "peak"). The harness process may hold hundreds of
MB, so the measured command is forked from this small stdlib-only process instead.
"""

import json
import os
import sys
import time


def main() -> int:
    out_path, command = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: become the measured command
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    with open(out_path, "w") as handle:
        json.dump({"seconds": seconds, "maxrss_kb": usage.ru_maxrss}, handle)
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
