"""The one lazy-import mechanism of hf_sleep: a package's public names, imported from their modules on first use.

A package `__init__.py` lists what it exports in one explicit table, `{submodule: (name, ...)}` (the layout of
transformers' `_import_structure`), and ends with `__getattr__, __dir__ = lazy_exports(__name__, TABLE)`: each
name is imported from its submodule the first time it is used (PEP 562). `import hf_sleep` and the `hf-sleep`
command then start without torch, transformers or SciPy. This is the only place where hf_sleep imports its own
modules from a string (also for the registry's classes, named as data: [`import_attribute`]).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(
    package: str, structure: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of a package whose public names are imported on first use.

    Args:
        package (`str`): the package's `__name__`.
        structure (`Mapping[str, Sequence[str]]`): `{submodule: names}`, the submodule relative to `package`
            (`"one_night"`, `"models.tinysleepnet"`).

    Returns:
        `(__getattr__, __dir__)` to assign at the end of the `__init__.py`.
    """
    module_of = {name: module for module, names in structure.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = import_attribute(f"{package}.{module}", name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *module_of})

    return __getattr__, __dir__


def import_attribute(module: str, name: str) -> Any:
    """`name` of the module called `module` (absolute), imported if need be; the registry names its classes this way."""
    return getattr(importlib.import_module(module), name)


def exported_names(structure: Mapping[str, Sequence[str]]) -> list[str]:
    """Every name of a lazy table, in order: a package's `__all__`."""
    return [name for names in structure.values() for name in names]
