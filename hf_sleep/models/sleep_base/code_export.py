"""Writes a model's source next to its weights so the folder loads with `trust_remote_code=True`.

The transformers loader copies only files reached by same-folder relative imports (`from .x import y`).
Inside hf_sleep the modeling files import shared code with absolute imports (`from hf_sleep.models...`),
so saving flattens the import graph: every module the model needs is written into the folder under its
own file name and each `from hf_sleep.<path>.<name> import` becomes `from .<name> import`.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
from pathlib import Path

PACKAGE_NAME = "hf_sleep"


def _imported_modules(module_name: str, source: str) -> list[tuple[int, str, str]]:
    """Returns `(line number, text to replace, target module)` for each package-internal `from` import."""
    package = module_name.rsplit(".", 1)[0]
    found = []
    tree = ast.parse(source)
    # Imports inside `try` are optional (as transformers' check of remote code treats them): not exported.
    optional = {id(node) for block in ast.walk(tree) if isinstance(block, ast.Try) for node in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE_NAME or alias.name.startswith(PACKAGE_NAME + "."):
                    raise ValueError(
                        f"{module_name} uses `import {alias.name}`; modeling code must use `from ... import ...` "
                        "so it can be flattened for trust_remote_code"
                    )
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 0 and node.module and node.module.startswith(PACKAGE_NAME + "."):
            found.append((node.lineno, f"from {node.module} import", node.module))
        elif node.level == 1 and node.module:
            found.append((node.lineno, f"from .{node.module} import", f"{package}.{node.module}"))
        elif node.level > 1:
            raise ValueError(
                f"{module_name} uses a parent-relative import (level {node.level}); use absolute imports"
            )
    return found


def collect_model_sources(module_names: list[str]) -> dict[str, str]:
    """Returns `{file name: flattened source}` for the given modules and everything they import from the package."""
    sources: dict[str, str] = {}
    owners: dict[str, str] = {}
    pending = list(module_names)
    while pending:
        module_name = pending.pop()
        file_name = module_name.rsplit(".", 1)[-1] + ".py"
        if file_name in sources:
            if owners[file_name] != module_name:
                raise ValueError(
                    f"two modules flatten to the same file {file_name}: {owners[file_name]}, {module_name}"
                )
            continue
        spec = importlib.util.find_spec(module_name)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(f"cannot find the source of {module_name} to export it")
        source = Path(spec.origin).read_text(encoding="utf-8")
        lines = source.splitlines(keepends=True)
        for line_number, old, target in _imported_modules(module_name, source):
            local_name = target.rsplit(".", 1)[-1]
            lines[line_number - 1] = lines[line_number - 1].replace(old, f"from .{local_name} import", 1)
            pending.append(target)
        sources[file_name] = "".join(lines)
        owners[file_name] = module_name
    return sources


def export_model_code(
    config_class: type, modeling_module: str, save_directory: str | os.PathLike
) -> list[Path]:
    """Writes the configuration and modeling code of `config_class` (and their imports) into `save_directory`.

    Args:
        config_class (`type`): the architecture's configuration class.
        modeling_module (`str`): file stem of the modeling module beside the configuration, e.g. `modeling_tinysleepnet`.
        save_directory (`str` or `os.PathLike`): folder that already holds (or will hold) `config.json`.

    Returns:
        The paths written.
    """
    package = config_class.__module__.rsplit(".", 1)[0]
    return export_modules([config_class.__module__, f"{package}.{modeling_module}"], save_directory)


def export_modules(module_names: list[str], save_directory: str | os.PathLike) -> list[Path]:
    """Writes the given modules (and what they import from the package) flattened into `save_directory`.

    Args:
        module_names (`list[str]`): dotted module names, e.g. the feature extractor's.
        save_directory (`str` or `os.PathLike`): an existing folder.

    Returns:
        The paths written.
    """
    sources = collect_model_sources(list(module_names))
    written = []
    for file_name, text in sorted(sources.items()):
        path = Path(save_directory) / file_name
        tmp = path.with_suffix(".py.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written
