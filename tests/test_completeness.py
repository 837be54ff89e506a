"""Every registered architecture has its tester, its row on the Architectures page and a documented config argument."""

from __future__ import annotations

import inspect
import re

import pytest

from hf_sleep import ARCHITECTURES, SleepStagingConfig

from .conftest import REPO_ROOT
from .testers import TESTERS


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_architecture_has_tester(name):
    assert name in TESTERS, f"add a ModelTester for {name!r} to tests/testers.py"


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_architecture_has_a_row_on_the_architectures_page(name):
    page = (REPO_ROOT / "docs" / "architectures.md").read_text(encoding="utf-8")
    arch = ARCHITECTURES[name]
    rows = [line for line in page.splitlines() if line.startswith("|") and f"`{name}`" in line]
    assert rows, f"docs/architectures.md's architecture table has no row for `{name}`"
    assert arch.display_name in rows[0]


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_every_config_argument_is_documented(name):
    """Every `__init__` argument of the config class, and of its bases up to `SleepStagingConfig`, is in an
    `Args:` block (the class's own or a base's) with its type and, where it has one, its default."""
    config_class = ARCHITECTURES[name].config_class
    # The configuration file's own copy of the base (each file is self-contained).
    base = next(klass for klass in config_class.__mro__ if klass.__name__ == SleepStagingConfig.__name__)
    for position, klass in enumerate(config_class.__mro__):
        if not issubclass(klass, base):
            break
        # The class's own docstring first (a subclass may change a base default), then the architecture's
        # (an intermediate base may leave its arguments to be documented per architecture), then the bases'.
        order = [klass, config_class, *config_class.__mro__[position + 1 :]]
        docs = "\n".join(inspect.getdoc(other) or "" for other in order if issubclass(other, base))
        parameters = [
            p
            for p in inspect.signature(klass.__init__).parameters.values()
            if p.name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        for parameter in parameters:
            assert re.search(rf"^\s*{parameter.name} \(`[^`]+`", docs, re.MULTILINE), (
                f"{klass.__name__} does not document `{parameter.name}` in an Args block"
            )
            default = parameter.default
            if default is not inspect.Parameter.empty and default is not None:
                entry = re.search(rf"^\s*{parameter.name} \(.*defaults to (.+?)\):", docs, re.MULTILINE)
                assert entry, f"{klass.__name__}.{parameter.name}: the docstring gives no default"
                assert entry.group(1).strip("`\"'") == str(default), (
                    f"{klass.__name__}.{parameter.name}: docstring default {entry.group(1)} != {default!r}"
                )
