"""Server errors and dropped connections in `hf-sleep push` and `push-dataset` (issue 25, item 10 and minor).

A server error (5xx) is tried again with a backoff; when it persists, and for a connection lost half-way, the
command says so in one line (exit status 1) and the repository holds no partial commit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run_client

NIGHT = ["W"] * 4 + ["N1"] * 2 + ["N2"] * 8 + ["N3"] * 4 + ["REM"] * 4 + ["W"] * 2


def error_lines(result) -> list[str]:
    return [line.split("/s]")[-1] for line in result.stderr.splitlines() if "error" in line or "Traceback" in line]


@pytest.fixture(scope="module")
def dataset_folder(tmp_path_factory) -> Path:
    from hf_sleep.cli import main
    from hf_sleep.data.synthetic import write_sleep_edf_night

    root = tmp_path_factory.mktemp("push-failures")
    for subject in range(2):
        write_sleep_edf_night(root / "in", hypnogram=NIGHT, subject=subject, night=1)
    assert main(["convert", "sleep-edf", str(root / "in"), "--output-dir", str(root / "dataset")]) == 0
    return root / "dataset"


@pytest.mark.slow  # four pushes in fresh interpreters against the local Hub
def test_push_dataset_server_error_and_dropped_connection_are_one_line(local_hub, hf_home, dataset_folder):
    command = ["-m", "hf_sleep.cli", "push-dataset", str(dataset_folder)]

    local_hub.fail_requests("/commit/", status=500, times=10)  # more than the retries
    failed = run_client(local_hub, hf_home, [*command, "--repo-id", "tester/push-failures-500"])
    lines = error_lines(failed)
    assert failed.returncode == 1 and len(lines) == 1 and "Traceback" not in failed.stderr, failed.stderr[-3000:]
    assert lines[0].startswith(
        f"hf-sleep push-dataset: error: pushing to tester/push-failures-500 on {local_hub.endpoint} failed: the Hub "
        "answered 500 (injected server error 500) 3 times"
    )
    local_hub.clear_failures()

    local_hub.fail_requests("/commit/", status=503, times=1)  # once: the retry gets through
    retried = run_client(local_hub, hf_home, [*command, "--repo-id", "tester/push-failures-retried"])
    assert retried.returncode == 0, retried.stderr[-3000:]
    assert "README.md" in local_hub.files("tester/push-failures-retried", repo_type="dataset")

    local_hub.drop_connections("/commit/", times=1)
    dropped = run_client(local_hub, hf_home, [*command, "--repo-id", "tester/push-failures-dropped"])
    lines = error_lines(dropped)
    assert dropped.returncode == 1 and len(lines) == 1 and "Traceback" not in dropped.stderr, dropped.stderr[-3000:]
    assert "failed half-way: the connection was lost" in lines[0] and "run the same push again" in lines[0]


@pytest.mark.slow  # three pushes in fresh interpreters against the local Hub
def test_push_retries_a_server_error_then_says_it_in_one_line(local_hub, hf_home):
    command = ["-m", "hf_sleep.cli", "push", "--architecture", "tinysleepnet", "--architecture-only"]
    local_hub.clear_failures()
    local_hub.fail_requests("/commit/", status=500, times=1)
    retried = run_client(local_hub, hf_home, [*command, "--repo-id", "tester/push-retried"])
    assert retried.returncode == 0, retried.stderr[-3000:]
    assert "config.json" in local_hub.files("tester/push-retried")

    local_hub.fail_requests("/commit/", status=500, times=10)
    failed = run_client(local_hub, hf_home, [*command, "--repo-id", "tester/push-500"])
    local_hub.clear_failures()
    lines = error_lines(failed)
    assert failed.returncode == 1 and len(lines) == 1 and "Traceback" not in failed.stderr, failed.stderr[-3000:]
    assert lines[0] == (
        f"hf-sleep push: error: pushing to tester/push-500 on {local_hub.endpoint} failed: the Hub answered 500 "
        "(injected server error 500) 3 times; nothing was committed, try again later"
    )
    assert not local_hub.repo_exists("tester/push-500") or "config.json" not in local_hub.files("tester/push-500")
