"""Interrupted and failed writes leave nothing behind (issue 25, items 9, 12 and 13).

A full disk is one line naming the output, with nothing half-written; a killed command's hidden working folder
is removed by the next command writing to the same place (never a live one's); `convert --num-proc` workers die
with their parent, even when it is killed with SIGKILL.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hf_sleep.cli import main
from hf_sleep.data.synthetic import write_sleep_edf_night as write_sleep_edf_pair

from .conftest import REPO_ROOT
from .staging.helpers import write_sleep_edf_night

NIGHT = ["W"] * 4 + ["N1"] * 2 + ["N2"] * 10 + ["N3"] * 6 + ["REM"] * 6 + ["W"] * 4


def run(capsys, *argv) -> tuple[int, list[str]]:
    code = main([str(a) for a in argv])
    pieces = [piece.split("/s]")[-1] for piece in capsys.readouterr().err.replace("\r", "\n").splitlines()]
    return code, [piece for piece in pieces if "error" in piece or "Traceback" in piece]  # progress bars removed


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has died


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# -- a full disk (item 9) -----------------------------------------------------------------------------------
@pytest.mark.parametrize("writer", ["_write_arrow", "_write_dataset_files"])
def test_full_disk_in_convert_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch, writer):
    write_sleep_edf_pair(tmp_path / "in", hypnogram=NIGHT, subject=0, night=1)
    monkeypatch.setattr(f"hf_sleep.data.conversion.{writer}", full_disk)
    out = tmp_path / "out"
    code, errors = run(capsys, "convert", "sleep-edf", tmp_path / "in", "--out", out / "dataset")
    assert code == 2 and len(errors) == 1, errors
    assert errors[0] == (
        f"hf-sleep convert: error: could not write {out / 'dataset'}: No space left on device; "
        "nothing was left half-written"
    )
    assert list(out.iterdir()) == []


def test_full_disk_while_writing_the_dataset_card_is_one_line(tmp_path, capsys, monkeypatch):
    write_sleep_edf_pair(tmp_path / "in", hypnogram=NIGHT, subject=0, night=1)
    write_text = Path.write_text

    def full_disk_for_the_card(self, *args, **kwargs):
        return full_disk() if self.name.startswith(".README.md") else write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk_for_the_card)
    out = tmp_path / "out"
    code, errors = run(capsys, "convert", "sleep-edf", tmp_path / "in", "--out", out / "dataset", "--card")
    assert code == 2 and len(errors) == 1, errors
    assert errors[0].startswith(f"hf-sleep convert: error: could not write {out / 'dataset' / 'README.md'}")
    assert sorted(p.name for p in (out / "dataset").iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(
    "writer", ["matplotlib.figure.Figure.savefig", "hf_sleep.staging.outputs.write_hypnogram_csv"]
)
def test_full_disk_in_stage_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch, writer):
    night = write_sleep_edf_night(tmp_path / "night.edf", ["W"] * 3)
    monkeypatch.setattr(writer, full_disk)
    out = tmp_path / "out"
    code, errors = run(capsys, "stage", night, "--architecture", "tinysleepnet", "--out-dir", out, "--quiet")
    assert code == 2 and len(errors) == 1, errors
    assert errors[0] == (
        f"hf-sleep stage: error: could not write the outputs of night.edf in {out}: No space left on device; "
        "nothing was left half-written"
    )
    assert list(out.iterdir()) == []


# -- hidden working folders of killed commands (item 12) ---------------------------------------------------
HOLD_SCRATCH = textwrap.dedent(
    """
    import sys, time
    from hf_sleep.data.scratch import scratch_folder
    with scratch_folder(sys.argv[1], sys.argv[2]) as folder:
        (folder / "half-written").write_bytes(b"x" * 1000)
        print(folder, flush=True)
        time.sleep(600)
    """
)


def hold_scratch(parent: Path, prefix: str) -> tuple[subprocess.Popen, Path]:
    """A process that creates a scratch folder and waits inside it: `(process, folder)`."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRATCH, str(parent), prefix], stdout=subprocess.PIPE, text=True, env=env
    )
    return process, Path(process.stdout.readline().strip())


@pytest.mark.parametrize("command", ["stage", "convert"])
def test_killed_commands_scratch_folder_is_removed_by_the_next_run_but_a_live_one_is_kept(
    tmp_path, capsys, command
):
    from hf_sleep.data.conversion import CONVERT_PREFIX
    from hf_sleep.staging.outputs import SCRATCH_PREFIX

    out = tmp_path / "out"
    out.mkdir()
    parent, prefix = (out, SCRATCH_PREFIX) if command == "stage" else (out, CONVERT_PREFIX)
    killed, killed_folder = hold_scratch(parent, prefix)
    live, live_folder = hold_scratch(parent, prefix)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(10)
        assert killed_folder.is_dir() and live_folder.is_dir()  # SIGKILL: nothing could clean up
        if command == "stage":
            night = write_sleep_edf_night(tmp_path / "night.edf", ["W"] * 3)
            code, errors = run(capsys, "stage", night, "--architecture", "tinysleepnet", "--out-dir", out, "--quiet")
        else:
            write_sleep_edf_pair(tmp_path / "in", hypnogram=NIGHT, subject=0, night=1)
            code, errors = run(capsys, "convert", "sleep-edf", tmp_path / "in", "--out", out / "dataset")
        assert code == 0, errors
        assert not killed_folder.exists()
        assert live_folder.is_dir() and (live_folder / "half-written").is_file()  # a concurrent run's: untouched
    finally:
        live.kill()
        live.wait(10)


def test_convert_overwrite_leaves_no_old_copy(tmp_path, capsys):
    write_sleep_edf_pair(tmp_path / "in", hypnogram=NIGHT, subject=0, night=1)
    out = tmp_path / "out"
    for _ in range(2):
        code, errors = run(capsys, "convert", "sleep-edf", tmp_path / "in", "--out", out / "dataset", "--overwrite")
        assert code == 0, errors
    assert [p.name for p in out.iterdir()] == ["dataset"]


# -- workers die with their parent (item 13) ---------------------------------------------------------------
POOL_THEN_WAIT = textwrap.dedent(
    """
    import time
    from hf_sleep.data.parallel import worker_pool
    pool = worker_pool(2)
    futures = [pool.submit(time.sleep, 600) for _ in range(2)]
    print("started", flush=True)
    time.sleep(600)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="processes (and /proc) only on Linux")
def test_workers_die_when_their_parent_is_killed():
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    parent = subprocess.Popen([sys.executable, "-c", POOL_THEN_WAIT], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert parent.stdout.readline().strip() == "started"
        assert wait_until(lambda: len(children_of(parent.pid)) >= 2, 30)
        workers = children_of(parent.pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert wait_until(lambda: not any(alive(pid) for pid in workers), 10), [p for p in workers if alive(p)]
    finally:
        parent.kill()
        for pid in children_of(parent.pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow  # three killed conversions and two whole ones in fresh interpreters: about a minute
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="processes (and /proc) only on Linux")
def test_killed_convert_at_several_points_leaves_no_process_and_no_folder(tmp_path):
    """SIGKILL to `convert --num-proc 2` at increasing delays: its workers die at once, and the next run leaves
    only the dataset in the output's folder (with --overwrite, the previous dataset or the new one, never none)."""
    for subject in range(3):
        write_sleep_edf_pair(tmp_path / "in", hypnogram=NIGHT * 8, subject=subject, night=1)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "hf_sleep.cli", "convert", "sleep-edf", str(tmp_path / "in"), "--out",
               str(out / "dataset"), "--num-proc", "2", "--overwrite"]  # fmt: skip

    def finish() -> None:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert [p.name for p in out.iterdir()] == ["dataset"]

    for first_run in (True, False):  # into a new folder, then over an existing dataset
        for delay in (0.5, 0.0, 1.5):  # while starting; as soon as workers exist; once they have worked a while
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            workers: set[int] = set()
            if delay:
                time.sleep(delay)
            if delay != 0.5:
                wait_until(lambda p=process: len(children_of(p.pid)) >= 2 or p.poll() is not None, 60)
                workers = children_of(process.pid)
                time.sleep(delay)
                workers |= children_of(process.pid)
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            assert wait_until(lambda w=workers: not any(alive(pid) for pid in w), 10)
            if not first_run:
                assert (out / "dataset" / "dataset_info.json").is_file()  # the previous dataset is still there
        finish()


STAGE_THEN_HANG = textwrap.dedent(
    """
    import sys, time
    import hf_sleep.staging.outputs as outputs
    from hf_sleep.cli import main

    def hang(result, path):  # the kill lands while the outputs are half-written in their hidden folder
        path.write_bytes(b"half")
        print("writing", flush=True)
        time.sleep(600)

    if sys.argv[1] == "hang":
        outputs.write_annotations_edf = hang
    sys.exit(main(sys.argv[2:]))
    """
)


@pytest.mark.slow  # three staging runs in fresh interpreters: about a minute on a busy machine
def test_killed_stage_leaves_nothing_after_the_next_run(tmp_path):
    """SIGKILL while `stage` writes its outputs (a real kill, at the one point that leaves a folder), and once
    before: the next run into the same folder leaves exactly its four outputs."""
    night = write_sleep_edf_night(tmp_path / "night.edf", ["W"] * 3)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    argv = ["stage", str(night), "--architecture", "tinysleepnet", "--output-dir", str(out), "--quiet", "--overwrite"]
    hung = subprocess.Popen([sys.executable, "-c", STAGE_THEN_HANG, "hang", *argv], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        assert "writing" in hung.stdout.readline()
    finally:
        hung.send_signal(signal.SIGKILL)
        hung.wait(10)
    assert [p.name for p in out.iterdir()][0].startswith(".hf-sleep-stage-")  # what the kill left
    early = subprocess.Popen([sys.executable, "-c", STAGE_THEN_HANG, "run", *argv], env=env)
    time.sleep(1.0)  # still importing: killed before it writes anything
    early.send_signal(signal.SIGKILL)
    early.wait(10)
    done = subprocess.run([sys.executable, "-c", STAGE_THEN_HANG, "run", *argv], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in out.iterdir()) == [
        "night_hypnogram.csv", "night_hypnogram.edf", "night_hypnogram.png", "night_sleep_stats.json"
    ]  # fmt: skip
