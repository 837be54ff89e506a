"""Every registered architecture has its tester, its README row and a documented config argument."""

from __future__ import annotations

import inspect
import re

import pytest

from hf_sleep import ARCHITECTURES

from .conftest import REPO_ROOT
from .testers import TESTERS


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_architecture_has_tester(name):
    assert name in TESTERS, f"add a ModelTester for {name!r} to tests/testers.py"


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_architecture_has_readme_row(name):
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    arch = ARCHITECTURES[name]
    rows = [line for line in readme.splitlines() if line.startswith("|") and f"`{name}`" in line]
    assert rows, f"README.md's architecture table has no row for `{name}`"
    assert arch.display_name in rows[0]


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_every_config_argument_is_documented(name):
    config_class = ARCHITECTURES[name].config_class
    doc = inspect.getdoc(config_class) or ""
    parameters = [
        p
        for p in inspect.signature(config_class.__init__).parameters.values()
        if p.name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD
    ]
    for parameter in parameters:
        assert re.search(rf"^\s*{parameter.name} \(`[^`]+`", doc, re.MULTILINE), (
            f"{config_class.__name__} does not document `{parameter.name}` in its Args block"
        )
        default = parameter.default
        if default is not inspect.Parameter.empty and default is not None:
            entry = re.search(rf"^\s*{parameter.name} \(.*defaults to (.+?)\):", doc, re.MULTILINE)
            assert entry, f"{config_class.__name__}.{parameter.name}: the docstring gives no default"
            assert entry.group(1).strip("`\"'") == str(default), (
                f"{config_class.__name__}.{parameter.name}: docstring default {entry.group(1)} != {default!r}"
            )
