"""The local Hub for the publishing tests, and a runner for client processes that talk to it.

`huggingface_hub`, `transformers` and `datasets` read `HF_ENDPOINT` and the offline switches when they
are imported, and `tests/conftest.py` makes this process offline. So the server runs here, in a
thread, and every client flow runs in a fresh interpreter whose environment points at it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hf_sleep.testing.hub_server import LocalHub, hub_client_env

from ..conftest import REPO_ROOT

CLIENTS = Path(__file__).parent / "clients"
TOKEN = "hf_test_writer"

# Prepended to a client script that must run without hf_sleep: any import of it fails.
BLOCK_HF_SLEEP = """
import importlib.abc, sys
class _BlockHfSleep(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "hf_sleep" or name.startswith("hf_sleep."):
            raise ImportError("hf_sleep is deliberately unavailable in this process")
sys.meta_path.insert(0, _BlockHfSleep())
"""


@pytest.fixture(scope="session")
def local_hub(tmp_path_factory):
    with LocalHub(
        root=tmp_path_factory.mktemp("hub-storage"), tokens={TOKEN: "tester"}, orgs={"hf-sleep": ["tester"]}
    ) as hub:
        yield hub


@pytest.fixture(scope="session")
def hf_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hf-home")


def run_client(
    hub: LocalHub, hf_home: Path, args: list[str], *, with_hf_sleep: bool = True, timeout: int = 600
):
    """Runs `python ARGS...` (or `python -c CODE` when args[0] is code) against the local Hub."""
    env = hub_client_env(hub.endpoint, hf_home=hf_home, token=TOKEN)
    env["HF_MODULES_CACHE"] = str(hf_home / ("modules" if with_hf_sleep else "modules-remote"))
    if with_hf_sleep:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    else:
        env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, *args], env=env, cwd=hf_home, capture_output=True, text=True, timeout=timeout
    )
    return result


@pytest.fixture(scope="session")
def publish_report(local_hub, hf_home, tmp_path_factory) -> dict:
    """Runs every publishing flow once in a client process; the tests read what it observed."""
    workdir = tmp_path_factory.mktemp("publish-client")
    result = run_client(local_hub, hf_home, [str(CLIENTS / "publish_flows.py"), str(workdir)])
    assert result.returncode == 0 and (workdir / "report.json").is_file(), result.stderr[-4000:]
    report = json.loads((workdir / "report.json").read_text())
    report["_workdir"] = str(workdir)
    return report


def scenario(report: dict, name: str) -> dict:
    """One scenario's observations; fails with the client's traceback where it raised."""
    assert name in report, f"the client did not run scenario {name!r}"
    outcome = report[name]
    assert "error" not in outcome, f"{name}: {outcome.get('error')}\n{outcome.get('traceback')}"
    return outcome
