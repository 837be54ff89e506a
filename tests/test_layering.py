"""The import graph of `hf_sleep/`, built from the source: no cycle, and configuration modules stay light.

An edge A -> B means module A imports B: an `import`/`from` statement anywhere in A (inside functions too,
but not under `if TYPE_CHECKING:`) or a literal `importlib.import_module("...")`. A package's `__init__`
importing its own submodules is not a cycle, so the implicit import of parent packages is left out.
"""

from __future__ import annotations

import ast
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


def test_publishing_lives_in_the_hub_layer():
    """Modeling and configuration code reach the hub layer only through `push_to_hub`'s call-time look-up (an edge
    counted in the cycle test)."""
    hub_layer = {"hf_sleep.hub", "hf_sleep.hub.publish", "hf_sleep.hub.cli", "hf_sleep.hub.model_card"}
    for name, path in _module_names().items():
        if name.rpartition(".")[2].startswith(("modeling_", "configuration_")):
            imported = _imports(name, path, call_time=False) & hub_layer
            assert not imported, f"{name} imports the hub layer: {sorted(imported)}"
    trainer = _imports("hf_sleep.training.trainer", PACKAGE / "training" / "trainer.py")
    assert "hf_sleep.hub.publish" in trainer  # CardTrainerMixin sits next to the trainer and publishes through the hub


# The top level of the package: the command, shared plumbing, and the wings (data, models, training, staging, hub).
TOP_LEVEL_MODULES = {"__init__.py", "cli.py", "console.py", "lazy_exports.py", "registry.py"}
WINGS = {"data", "hub", "metrics", "models", "pretrained", "staging", "testing", "training"}


def test_the_top_level_holds_only_the_command_the_plumbing_and_the_wings():
    modules = {path.name for path in PACKAGE.glob("*.py")}
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert modules == TOP_LEVEL_MODULES, f"modules outside a wing: {sorted(modules - TOP_LEVEL_MODULES)}"
    assert packages == WINGS, f"unexpected packages: {sorted(packages ^ WINGS)}"


def test_every_lazy_name_of_a_wing_resolves():
    """Each name under a package's `if TYPE_CHECKING:` block is defined by the module it names (checked from the
    source, so nothing heavy is imported)."""
    from hf_sleep.lazy_exports import _type_checking_imports

    modules = _module_names()
    for package in ("hf_sleep", "hf_sleep.hub", "hf_sleep.staging", "hf_sleep.models.sleep_base"):
        names = _type_checking_imports(package, str(modules[package]))
        assert names, package
        for name, module in names.items():
            tree = ast.parse(modules[module].read_text(encoding="utf-8"))
            defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
            defined |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
            defined |= {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
            defined |= {a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names}
            if modules[module].name == "__init__.py":  # a package re-exporting lazily
                defined |= set(_type_checking_imports(module, str(modules[module])))
            assert name in defined, f"{package}.{name}: not defined in {module}"


def test_every_activation_a_config_accepts_is_built_by_the_models():
    from hf_sleep.models.sleep_base.configuration_sleep_base import ACTIVATION_NAMES
    from hf_sleep.models.sleep_base.modeling_sleep_base import ACTIVATIONS

    assert set(ACTIVATION_NAMES) == set(ACTIVATIONS)
