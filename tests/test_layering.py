"""The import graph of `hf_sleep/`, built from the source: no cycle, and configuration modules stay light.

An edge A -> B means module A imports B: an `import`/`from` statement anywhere in A (inside functions too,
but not under `if TYPE_CHECKING:`) or a literal `importlib.import_module("...")`. A package's `__init__`
importing its own submodules is not a cycle, so the implicit import of parent packages is left out.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
from pathlib import Path

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "hf_sleep"


def _module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(REPO_ROOT).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _runtime_nodes(tree: ast.AST):
    """Every node of `tree` except the bodies of `if TYPE_CHECKING:` blocks."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                pending.extend(child.orelse)
            else:
                pending.append(child)


def _imports(name: str, path: Path, call_time: bool = True) -> set[str]:
    """Dotted names `name` imports (modules, or attributes of modules: filtered by the caller); with
    `call_time`, also the literal names given to `importlib.import_module`."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif (
            call_time
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def import_graph() -> dict[str, set[str]]:
    """`{module: modules of hf_sleep it imports}` for every module of the package."""
    modules = _module_names()
    return {name: {m for m in _imports(name, path) if m in modules and m != name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as `[a, b, ..., a]`, or `[]` when the graph has none (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if state.get(start):
            continue
        path, iterators = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while path:
            following = next(iterators[-1], None)
            if following is None:
                state[path.pop()] = 2
                iterators.pop()
            elif state.get(following) == 1:
                return path[path.index(following) :] + [following]
            elif not state.get(following):
                state[following] = 1
                path.append(following)
                iterators.append(iter(sorted(graph[following])))
    return []


def test_the_import_graph_of_hf_sleep_has_no_cycle():
    graph = import_graph()
    assert len(graph) > 40 and "hf_sleep.staging.many_nights" in graph["hf_sleep.staging.cli"]  # the graph is the real one
    cycle = find_cycle(graph)
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_find_cycle_reports_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_configuration_modules_import_neither_torch_nor_modeling_code():
    modules = _module_names()
    configurations = {n: p for n, p in modules.items() if n.rpartition(".")[2].startswith("configuration_")}
    assert len(configurations) >= 9
    for name, path in configurations.items():
        imported = _imports(name, path)
        assert not {m for m in imported if m == "torch" or m.startswith("torch.")}, f"{name} imports torch"
        modeling = {m for m in imported if m in modules and m.rpartition(".")[2].startswith("modeling_")}
        assert not modeling, f"{name} imports modeling code: {sorted(modeling)}"


# The edges that run from the models wing up to another wing, and why. Each import sits inside a function, in a
# `try` block: a saved folder's copy of the file loads with `trust_remote_code` where hf_sleep is not installed
# (transformers' check of a folder's imports skips `try` blocks).
UPWARD_EDGES: dict[tuple[str, str], str] = {
    ("hf_sleep.models.sleep_base.signal_contract", "hf_sleep.data.recording"): (
        "`extractor(path)` reads EDF/BDF/FIF files with the package's one recording reader"
    ),
    ("hf_sleep.models.*.modeling_*", "hf_sleep.hub.publish"): (
        "`model.push_to_hub` publishes with the hf_sleep model card, as `hf-sleep push` does (the base's method and "
        "its copies in the generated modeling files)"
    ),
}


def _named(edge: tuple[str, str]) -> bool:
    return any(fnmatch.fnmatchcase(edge[0], source) and edge[1] == target for source, target in UPWARD_EDGES)
# What the models wing may import besides itself: the lazy-import mechanism.
MODELS_MAY_IMPORT = {"hf_sleep.lazy_exports"}


def test_the_models_wing_imports_no_other_wing_but_through_the_named_edges():
    graph = import_graph()
    upward = {
        (name, imported)
        for name, imports in graph.items()
        if name.startswith("hf_sleep.models.")
        for imported in imports
        if not imported.startswith("hf_sleep.models.") and imported not in MODELS_MAY_IMPORT
    }
    unnamed = sorted(edge for edge in upward if not _named(edge))
    assert not unnamed, f"edges up from the models wing not named in UPWARD_EDGES: {unnamed}"
    stale = [named for named in UPWARD_EDGES if not any(fnmatch.fnmatchcase(a, named[0]) and b == named[1] for a, b in upward)]
    assert not stale, f"named edges that no longer exist: {stale}"


def test_publishing_lives_in_the_hub_layer():
    """Modeling and configuration code reach the hub layer only through `push_to_hub`'s named edge."""
    hub_layer = {"hf_sleep.hub", "hf_sleep.hub.publish", "hf_sleep.hub.cli", "hf_sleep.hub.model_card"}
    for name, path in _module_names().items():
        if name.rpartition(".")[2].startswith(("modeling_", "configuration_")):
            imported = {m for m in _imports(name, path) & hub_layer if not _named((name, m))}
            assert not imported, f"{name} imports the hub layer: {sorted(imported)}"
    trainer = _imports("hf_sleep.training.trainer", PACKAGE / "training" / "trainer.py")
    assert "hf_sleep.hub.publish" in trainer  # CardTrainerMixin sits next to the trainer and publishes through the hub


def test_only_the_lazy_import_mechanism_imports_modules_from_a_string():
    """A string import hides an edge from this file's graph; the one mechanism (`lazy_exports.py`) is covered by
    `test_every_lazy_name_resolves`. `hub/publish.py` looks up third-party HTTP clients, whichever is installed."""
    callers = set()
    for name, path in _module_names().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
                "import_module",
                "__import__",
            ):
                callers.add(name)
    assert callers == {"hf_sleep.lazy_exports", "hf_sleep.hub.publish"}, sorted(callers)


# The top level of the package: the command, shared plumbing, and the wings (data, models, training, staging, hub).
TOP_LEVEL_MODULES = {"__init__.py", "cli.py", "console.py", "lazy_exports.py", "registry.py"}
WINGS = {"data", "hub", "metrics", "models", "pretrained", "staging", "testing", "training"}


def test_the_top_level_holds_only_the_command_the_plumbing_and_the_wings():
    modules = {path.name for path in PACKAGE.glob("*.py")}
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert modules == TOP_LEVEL_MODULES, f"modules outside a wing: {sorted(modules - TOP_LEVEL_MODULES)}"
    assert packages == WINGS, f"unexpected packages: {sorted(packages ^ WINGS)}"


def _lazy_table(init_file: Path, package: str) -> dict[str, tuple[str, ...]] | None:
    """The `{submodule: names}` table a package `__init__.py` gives `lazy_exports` (`None` where it calls none).

    The table is read from the imported package, as some entries are built from a subpackage's own table; importing
    a package imports none of the submodules it names (`test_startup.py`)."""
    for node in ast.walk(ast.parse(init_file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "lazy_exports":
            table = node.args[1]
            if isinstance(table, ast.Name):
                return getattr(importlib.import_module(package), table.id)
            return ast.literal_eval(table)
    return None


def test_every_lazy_name_resolves():
    """Each name of a package's lazy table is defined by the submodule it names, and is in the package's `__all__`
    (checked from the source, so nothing heavy is imported)."""
    modules = _module_names()
    packages = {
        name: path for name, path in modules.items() if path.name == "__init__.py" and _lazy_table(path, name)
    }
    assert {"hf_sleep", "hf_sleep.staging", "hf_sleep.training", "hf_sleep.models.tinysleepnet"} <= set(packages)
    for package, init_file in packages.items():
        exported = set(importlib.import_module(package).__all__)
        for submodule, names in _lazy_table(init_file, package).items():
            module = f"{package}.{submodule}"
            tree = ast.parse(modules[module].read_text(encoding="utf-8"))
            defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
            defined |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
            defined |= {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
            defined |= {a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names}
            if modules[module].name == "__init__.py":  # a package re-exporting lazily
                defined |= {name for names in (_lazy_table(modules[module], module) or {}).values() for name in names}
            for name in names:
                assert name in defined, f"{package}.{name}: not defined in {module}"
                assert name in exported, f"{package}.{name}: missing from {package}.__all__"


def test_every_activation_a_config_accepts_is_built_by_the_models():
    from hf_sleep.models.sleep_base.configuration_sleep_base import ACTIVATION_NAMES
    from hf_sleep.models.sleep_base.modeling_sleep_base import ACTIVATIONS

    assert set(ACTIVATION_NAMES) == set(ACTIVATIONS)
