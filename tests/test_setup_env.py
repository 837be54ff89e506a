"""scripts/setup_env.sh (which run_demo.sh and run_tests.sh source) installs hf_sleep in editable mode without
setuptools' "Editable installation." banner, and still shows a failing build's error.

The script's own install line runs here against a small setuptools project, offline and into a throwaway prefix
(pip's PIP_* settings: no index, no dependencies, no build isolation), so nothing touches the test's environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO_ROOT

INSTALL_LINE = re.compile(r'^.*-m pip install .*-e "\$SPEC"$', re.M)


def run_install_line(project: Path, prefix: Path) -> subprocess.CompletedProcess:
    line = INSTALL_LINE.findall((REPO_ROOT / "scripts" / "setup_env.sh").read_text())
    assert len(line) == 1, "setup_env.sh has one editable install of $SPEC"
    script = f'PY="{sys.executable}"; SPEC="{project}"; CONSTRAINTS=()\n{line[0]}\n'
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_NO_DEPS="1", PIP_PREFIX=str(prefix), PIP_NO_BUILD_ISOLATION="false",
               PIP_DISABLE_PIP_VERSION_CHECK="1")  # fmt: skip
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=300)


def small_project(root: Path, pyproject: str) -> Path:
    (root / "tinypkg").mkdir(parents=True)
    (root / "tinypkg" / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(pyproject)
    return root


PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "tinypkg"
version = "0.1"
"""


def test_the_editable_install_prints_no_setuptools_banner(tmp_path):
    pytest.importorskip("setuptools", reason="the build backend of the project (pip builds without isolation here)")
    done = run_install_line(small_project(tmp_path / "project", PYPROJECT), tmp_path / "prefix")
    assert done.returncode == 0, done.stderr
    assert "Editable installation" not in done.stderr + done.stdout, done.stderr
    assert "!!" not in done.stderr, done.stderr
    assert list((tmp_path / "prefix").rglob("__editable__*tinypkg*")), "installed in editable mode"


def test_a_failing_build_still_shows_its_error(tmp_path):
    pytest.importorskip("setuptools", reason="the build backend of the project (pip builds without isolation here)")
    broken = PYPROJECT.replace('version = "0.1"', 'version = "0.1"\ndependencies = "not a list"')
    done = run_install_line(small_project(tmp_path / "project", broken), tmp_path / "prefix")
    assert done.returncode != 0
    assert "dependencies" in done.stderr, done.stderr
