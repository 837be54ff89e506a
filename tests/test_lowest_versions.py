"""The lowest versions CI tests (`.ci/lowest.txt`) are the floors pyproject.toml declares, so what pyproject
promises is what a CI job installs and runs."""

from __future__ import annotations

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import REPO_ROOT

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11's tomllib")


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / ".ci" / "lowest.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_every_pinned_lowest_version_is_the_floor_pyproject_declares():
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    floors = {}
    for line in pyproject["project"]["dependencies"]:
        requirement = Requirement(line)
        floors[canonicalize_name(requirement.name)] = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    pins = _pins()
    assert set(pins) == {"torch", "transformers", "huggingface-hub", "datasets"}, sorted(pins)
    for name, version in pins.items():
        assert floors[name] == [Version(version)], f"pyproject's floor of {name}: {floors[name]}; .ci/lowest.txt: {version}"
