"""`python -m hf_sleep.testing`: the local Hub the README tells newcomers to start for trying publishing."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request

from tests.conftest import REPO_ROOT


def test_the_command_serves_a_hub_that_knows_its_token_and_stops_on_ctrl_c(tmp_path):
    command = [sys.executable, "-m", "hf_sleep.testing", "--port", "0", "--root", str(tmp_path / "hub"),
               "--token", "hf_try", "--user", "alice"]  # fmt: skip
    server = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        endpoint = re.search(r"Local Hub at (http://127\.0\.0\.1:\d+)", first).group(1)
        assert f"export HF_ENDPOINT={endpoint} HF_TOKEN=hf_try" in server.stdout.readline()
        request = urllib.request.Request(f"{endpoint}/api/whoami-v2", headers={"Authorization": "Bearer hf_try"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert json.loads(answer.read())["name"] == "alice"
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=20) == 0
    assert (tmp_path / "hub").is_dir()  # repositories are kept for the next start


def test_a_port_in_use_is_one_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "hf_sleep.testing", "--port", str(port),
                               "--root", str(tmp_path / "hub")], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and f"127.0.0.1:{port}" in done.stderr


def _ignore_sigint() -> None:  # as a shell does for a job started with `&` from a script
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_the_command_stops_on_sigterm_and_on_ctrl_c_even_when_started_in_the_background(tmp_path):
    for stopping_signal in (signal.SIGTERM, signal.SIGINT):
        command = [sys.executable, "-m", "hf_sleep.testing", "--port", "0", "--root", str(tmp_path / "hub")]
        server = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  preexec_fn=_ignore_sigint)  # fmt: skip
        try:
            lines = [server.stdout.readline() for _ in range(4)]
            assert f"`kill {server.pid}` stops it" in lines[-1], lines
            server.send_signal(stopping_signal)
            assert server.wait(timeout=20) == 0, stopping_signal
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
