"""The model files are self-contained and generated from `modular_<arch>.py`; `scripts/check_modular.py` keeps
them equal (the way transformers' modular converter and `check_copies.py` do)."""

from __future__ import annotations

import ast
import importlib.util
import sys

import pytest

from hf_sleep import ARCHITECTURES
from tests.conftest import REPO_ROOT

MODELS = REPO_ROOT / "hf_sleep" / "models"


def _check_modular():
    spec = importlib.util.spec_from_file_location("check_modular", REPO_ROOT / "scripts" / "check_modular.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_generated_files_equal_their_modular_files(capsys):
    assert _check_modular().main([]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_model_files_import_nothing_of_the_package(name):
    """What `trust_remote_code` needs: the two files import the standard library, numpy, torch, transformers,
    and (the modeling file) the configuration file beside it; nothing else of hf_sleep but in a `try` block that
    catches the `ImportError` (`push_to_hub`'s edge to the hub layer, named in tests/test_layering.py), which
    transformers' check of a saved folder's imports skips."""
    assert (MODELS / name / f"modular_{name}.py").is_file(), f"{name} has no modular_{name}.py"
    for stem in (f"configuration_{name}", f"modeling_{name}"):
        tree = ast.parse((MODELS / name / f"{stem}.py").read_text(encoding="utf-8"))
        optional = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.Try)
            and any(getattr(handler.type, "id", None) == "ImportError" for handler in block.handlers)
            for statement in block.body
            for node in ast.walk(statement)
        }
        for node in ast.walk(tree):
            if id(node) in optional:
                continue
            if isinstance(node, ast.ImportFrom) and node.level:
                assert (node.level, node.module) == (1, f"configuration_{name}"), f"{stem}: from .{node.module}"
                assert stem.startswith("modeling_"), f"{stem} imports from .{node.module}"
            elif isinstance(node, ast.ImportFrom):
                assert node.module.split(".")[0] != "hf_sleep", f"{stem}: from {node.module} import ..."
            elif isinstance(node, ast.Import):
                assert all(alias.name.split(".")[0] != "hf_sleep" for alias in node.names), stem


def test_saved_pipeline_imports_nothing_of_the_package():
    """The sleep-staging pipeline saved beside every model is generated self-contained too (hf_sleep's night reader
    only in a `try` block that catches the `ImportError`, which transformers' check of a saved folder skips)."""
    tree = ast.parse((REPO_ROOT / "hf_sleep" / "staging" / "sleep_staging_pipeline.py").read_text(encoding="utf-8"))
    optional = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.Try)
        and any(getattr(handler.type, "id", None) == "ImportError" for handler in block.handlers)
        for statement in block.body
        for node in ast.walk(statement)
    }
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.ImportFrom):
            assert not node.level and node.module.split(".")[0] != "hf_sleep", node.module
        elif isinstance(node, ast.Import):
            assert all(alias.name.split(".")[0] != "hf_sleep" for alias in node.names)


def test_drift_is_reported_and_fixed(tmp_path, monkeypatch, capsys):
    """An edited modular file makes the check fail naming the stale file; `--fix` writes it again."""
    check = _check_modular()
    folder = tmp_path / "tinysleepnet"
    folder.mkdir()
    modular = (MODELS / "tinysleepnet" / "modular_tinysleepnet.py").read_text(encoding="utf-8")
    edited = modular.replace("class TinySleepNetModel(", "# a new comment\nclass TinySleepNetModel(", 1)
    assert edited != modular
    (folder / "modular_tinysleepnet.py").write_text(edited, encoding="utf-8")
    for stem in ("__init__", "configuration_tinysleepnet", "modeling_tinysleepnet"):
        (folder / f"{stem}.py").write_bytes((MODELS / "tinysleepnet" / f"{stem}.py").read_bytes())
    monkeypatch.setattr(check, "modular_folders", lambda: [folder])

    assert check.main([]) == 1
    error = capsys.readouterr().err
    summary = error.split("check_modular: ")[-1]
    assert "tinysleepnet/modeling_tinysleepnet.py differ" in summary and "configuration_" not in summary

    assert check.main(["--fix"]) == 0
    assert "# a new comment\nclass TinySleepNetModel(" in (folder / "modeling_tinysleepnet.py").read_text()
    assert check.main([]) == 0


def test_a_name_defined_twice_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    """A modular file that redefines a piece it also copies in cannot make one file; the check says which."""
    check = _check_modular()
    folder = tmp_path / "tinysleepnet"
    folder.mkdir()
    modular = (MODELS / "tinysleepnet" / "modular_tinysleepnet.py").read_text(encoding="utf-8")
    (folder / "modular_tinysleepnet.py").write_text(
        modular + "\n\ndef padding_pair(padding):\n    return SleepConvBranch, padding\n", encoding="utf-8"
    )
    monkeypatch.setattr(check, "modular_folders", lambda: [folder])
    assert check.main([]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "`padding_pair` is defined in both" in error, error
