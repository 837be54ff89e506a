"""``num_proc`` works from a plain script: workers never re-run the caller's ``__main__``.

People save the README's data quick start as ``quickstart.py`` and run it without an
``if __name__ == "__main__":`` guard; ``spawn`` workers would re-run the script and fail with
"An attempt has been made to start a new process before the current process has finished its
bootstrapping phase" (then ``BrokenProcessPool``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from hf_sleep.data.parallel import worker_pool

REPO_ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    from pathlib import Path

    from hf_sleep.data import SLEEP_EDF_OPTIONS, convert_sleep_edf, generate_sleep_edf

    # A worker re-running this file would append a second line here.
    with open("runs.txt", "a") as f:
        f.write("ran\\n")
    generate_sleep_edf("raw/", n_nights=2, n_hours=0.5, num_proc=2)
    options = SLEEP_EDF_OPTIONS.replace(num_proc=2, output_dir="converted/")
    ds = convert_sleep_edf("raw/", channels=("EEG Fpz-Cz", "EEG Pz-Oz"), options=options)
    print("rows", len(ds), "recordings", sorted(set(ds["recording"])))
    """
)


def test_num_proc_from_a_script_without_main_guard(tmp_path):
    (tmp_path / "quickstart.py").write_text(SCRIPT)
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO_ROOT), HF_DATASETS_CACHE=str(tmp_path / "c"))
    result = subprocess.run(
        [sys.executable, "quickstart.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "bootstrapping phase" not in result.stderr
    assert (tmp_path / "runs.txt").read_text() == "ran\n"  # the script ran once: no worker re-imported it
    assert "recordings ['SC4001E0', 'SC4002E0']" in result.stdout
    assert (tmp_path / "converted" / "dataset_info.json").is_file()


def _square(x: int) -> int:
    return x * x


def test_worker_pool_runs_library_functions():
    with worker_pool(2) as pool:
        assert list(pool.map(_square, range(4))) == [0, 1, 4, 9]
