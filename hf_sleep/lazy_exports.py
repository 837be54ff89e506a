"""Packages whose public names are imported on first use (PEP 562), listed once in an `if TYPE_CHECKING:` block.

A package `__init__.py` writes its public imports under `if TYPE_CHECKING:` (so type checkers and IDEs see
them) and ends with `__getattr__, __dir__ = lazy_exports(__name__, __file__)`: the block is read from the
source, and each name is imported from its module the first time it is used. `import hf_sleep` and the
`hf-sleep` command then start without torch, transformers or SciPy.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _type_checking_imports(package: str, init_file: str) -> dict[str, str]:
    """`{name: absolute module}` of the `from ... import ...` statements under `if TYPE_CHECKING:` in `init_file`."""
    tree = ast.parse(Path(init_file).read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for node in tree.body:
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
            continue
        for statement in node.body:
            if isinstance(statement, ast.ImportFrom):
                module = importlib.util.resolve_name("." * statement.level + (statement.module or ""), package)
                names.update({alias.asname or alias.name: module for alias in statement.names})
    return names


def lazy_exports(package: str, init_file: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of a package whose public imports sit under `if TYPE_CHECKING:`.

    Args:
        package (`str`): the package's `__name__`.
        init_file (`str`): its `__file__` (the `__init__.py` holding the block).

    Returns:
        `(__getattr__, __dir__)` to assign at the end of the `__init__.py`.
    """
    names = _type_checking_imports(package, init_file)

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *names})

    return __getattr__, __dir__
