"""Keeps each architecture's model files self-contained: generated from `modular_<arch>.py`, checked for drift.

The way transformers' `utils/modular_model_converter.py` works, in small: a developer writes
`hf_sleep/models/<arch>/modular_<arch>.py`, which imports the shared pieces (the signal-shape config, the
pretrained-model base, the DeepSleepBench heads, ...) from `hf_sleep.models.*`. This script writes
`configuration_<arch>.py` and `modeling_<arch>.py` beside it with every piece they use copied in, each under a
`# Copied from <where it lives>` line, so that

- a reader sees the whole model in one file, and
- a saved model folder holds those two files as they are and loads with `trust_remote_code=True` on a
  machine without hf_sleep (they import only the standard library, numpy, torch and transformers).

The configuration file gets the modular file's `...Config` classes and what they need; the modeling file gets
the rest and imports what it needs of the configuration file with `from .configuration_<arch> import ...`
(the one import the transformers loader follows in a saved folder).

    python scripts/check_modular.py          # exit status 1, naming each generated file that drifted
    python scripts/check_modular.py --fix    # write them again
"""

from __future__ import annotations

import argparse
import ast
import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "hf_sleep"
MODELS = REPO_ROOT / PACKAGE / "models"
GENERATED_HEADER = (
    "# Generated from {modular} by `python scripts/check_modular.py --fix`:\n"
    "# edit the modular file, not this one (tests/test_modular.py fails while the two disagree). Each block\n"
    "# marked `Copied from` lives at the place named; the copies make this file self-contained, so a saved\n"
    "# model folder loads with `trust_remote_code=True` without hf_sleep.\n"
)
THIRD_PARTY_ROOTS = ("numpy", "scipy", "torch", "tqdm", "transformers", "huggingface_hub")


class ModularError(ValueError):
    """A modular file that cannot be turned into self-contained files; the message names the file."""


@dataclass(eq=False)
class Definition:
    """One top-level statement that binds names (a class, a function, an assignment, a `try` of imports)."""

    module: str
    names: tuple[str, ...]
    node: ast.stmt
    text: str
    line: int
    hard: set[str] = field(default_factory=set)  # needed when the statement runs (bases, defaults, values)
    soft: set[str] = field(default_factory=set)  # needed when a function body runs

    @property
    def key(self) -> tuple[str, str]:
        return (self.module, self.names[0])

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.names[0]}"


@dataclass
class Module:
    """The top level of one source module: its definitions, its package imports and its other imports."""

    name: str
    path: Path
    definitions: dict[str, Definition]
    package_imports: dict[str, tuple[str, str]]  # bound name -> (module, name there)
    other_imports: dict[str, tuple[str, str | None, str | None]]  # bound name -> (module, name, alias)
    all_names: list[str]
    docstring: str | None


def module_file(name: str) -> Path:
    path = REPO_ROOT / Path(*name.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _names_in(nodes: list[ast.AST]) -> set[str]:
    found = set()
    for node in nodes:
        for child in ast.walk(node):
            if isinstance(child, ast.Name):
                found.add(child.id)
            elif isinstance(child, ast.Attribute):
                root = child
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name):
                    found.add(root.id)
    return found


def _dependencies(node: ast.stmt) -> tuple[set[str], set[str]]:
    """Names a statement needs when it runs (hard) and when its functions run (soft)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        hard = _names_in([*node.decorator_list, *node.args.defaults, *(d for d in node.args.kw_defaults if d)])
        return hard, _names_in(node.body) | _names_in([node.args]) | _names_in([node.returns] if node.returns else [])
    if isinstance(node, ast.ClassDef):
        hard = _names_in([*node.bases, *node.keywords, *node.decorator_list])
        soft: set[str] = set()
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                method_hard, method_soft = _dependencies(statement)
                hard |= method_hard
                soft |= method_soft
            else:
                hard |= _names_in([statement])
        return hard, soft
    return _names_in([node]), set()


def _bound_names(node: ast.stmt) -> tuple[str, ...]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (node.name,)
    if isinstance(node, ast.Assign):
        return tuple(n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name))
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return (node.target.id,)
    if isinstance(node, ast.Try):
        names = []
        for child in ast.walk(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                names += [(alias.asname or alias.name).split(".")[0] for alias in child.names]
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                names.append(child.id)
        return tuple(dict.fromkeys(names))
    return ()


def _statement_text(lines: list[str], node: ast.stmt) -> str:
    """The statement's source with its decorators and the comment lines right above it."""
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    return "".join(lines[start : node.end_lineno])


def read_module(name: str, path: Path | None = None) -> Module:
    path = path or module_file(name)
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    package = name.rpartition(".")[0]
    definitions: dict[str, Definition] = {}
    package_imports: dict[str, tuple[str, str]] = {}
    other_imports: dict[str, tuple[str, str | None, str | None]] = {}
    all_names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [module])
            if module == "__future__":
                continue
            for alias in node.names:
                bound = alias.asname or alias.name
                if module == PACKAGE or module.startswith(PACKAGE + "."):
                    if alias.asname and alias.asname != alias.name:
                        raise ModularError(f"{path}: `{alias.name} as {alias.asname}`; import it under its own name")
                    package_imports[bound] = (module, alias.name)
                else:
                    other_imports[bound] = (module, alias.name, alias.asname)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    raise ModularError(f"{path}: `import {alias.name}`; use `from {alias.name} import ...`")
                other_imports[alias.asname or alias.name.split(".")[0]] = (alias.name, None, alias.asname)
        elif isinstance(node, ast.If):
            raise ModularError(f"{path}:{node.lineno}: a top-level `if` cannot be copied; move it into a function")
        else:
            names = _bound_names(node)
            if names == ("__all__",):
                all_names = list(ast.literal_eval(node.value))
                continue
            if not names:
                continue  # the module docstring
            hard, soft = _dependencies(node)
            definition = Definition(name, names, node, _statement_text(lines, node), node.lineno, hard, soft)
            for bound in names:
                definitions[bound] = definition
    return Module(name, path, definitions, package_imports, other_imports, all_names, ast.get_docstring(tree))


class Resolver:
    """Finds where each name a modular file uses is defined, reading package modules once."""

    def __init__(self) -> None:
        self.modules: dict[str, Module] = {}

    def module(self, name: str) -> Module:
        if name not in self.modules:
            self.modules[name] = read_module(name)
        return self.modules[name]

    def lookup(self, module: Module, name: str) -> Definition | tuple[str, str | None, str | None] | None:
        """The definition behind `name` in `module` (following package re-exports), an import, or None."""
        seen = set()
        while True:
            if name in module.definitions:
                return module.definitions[name]
            if name in module.other_imports:
                return module.other_imports[name]
            if name not in module.package_imports or (module.name, name) in seen:
                return None
            seen.add((module.name, name))
            target, name = module.package_imports[name]
            module = self.module(target)


def _closure(
    resolver: Resolver, module: Module, roots: list[Definition], stop: set[tuple[str, str]]
) -> tuple[list[Definition], dict[str, tuple[str, str | None, str | None]], set[str]]:
    """Definitions `roots` need (with themselves), the other imports they use, and the names of `stop` they use."""
    owners: dict[tuple[str, str], Module] = {}
    found: dict[tuple[str, str], Definition] = {}
    imports: dict[str, tuple[str, str | None, str | None]] = {}
    stopped: set[str] = set()
    pending = [(definition, module) for definition in roots]
    while pending:
        definition, owner = pending.pop()
        if definition.key in found:
            continue
        found[definition.key] = definition
        owners[definition.key] = owner
        for name in sorted(definition.hard | definition.soft):
            target = resolver.lookup(owner, name)
            if isinstance(target, Definition):
                if target.key in stop:
                    stopped.add(name)
                    continue
                target_owner = owner if target.module == owner.name else resolver.module(target.module)
                pending.append((target, target_owner))
            elif target is not None:
                if imports.get(name, target) != target:
                    raise ModularError(f"{owner.path}: `{name}` is imported differently elsewhere ({imports[name]})")
                imports[name] = target
    return list(found.values()), imports, stopped


def _ordered(definitions: list[Definition], modular_name: str, module_rank: dict[str, int]) -> list[Definition]:
    """Copied pieces first (by module, then line), the modular file's own after; each after what it needs to run."""
    by_name: dict[str, Definition] = {}
    for definition in definitions:
        for name in definition.names:
            if by_name.get(name, definition) is not definition:
                raise ModularError(
                    f"`{name}` is defined in both {by_name[name].module} and {definition.module}; rename one"
                )
            by_name[name] = definition
    preferred = sorted(
        definitions,
        key=lambda d: (d.module == modular_name, module_rank.get(d.module, 0), d.module, d.line),
    )
    ordered: list[Definition] = []
    placed: set[tuple[str, str]] = set()

    def place(definition: Definition, path: tuple[tuple[str, str], ...]) -> None:
        if definition.key in placed or definition.key in path:
            return
        for name in sorted(definition.hard):
            needed = by_name.get(name)
            if needed is not None and needed is not definition:
                place(needed, (*path, definition.key))
        placed.add(definition.key)
        ordered.append(definition)

    for definition in preferred:
        place(definition, ())
    return ordered


def _import_lines(imports: dict[str, tuple[str, str | None, str | None]], local: dict[str, list[str]]) -> str:
    """The import block, sorted the way ruff's isort does: stdlib, third party, then the sibling file."""
    plain: dict[str, set[str]] = {"stdlib": set(), "third": set()}
    members: dict[str, dict[str, set[str]]] = {"stdlib": {}, "third": {}}
    for module, name, alias in imports.values():
        section = "third" if module.split(".")[0] in THIRD_PARTY_ROOTS else "stdlib"
        if module.split(".")[0] not in sys.stdlib_module_names and section == "stdlib":
            raise ModularError(f"do not know whether `{module}` is third party; add it to THIRD_PARTY_ROOTS")
        if name is None:
            plain[section].add(f"import {module}" + (f" as {alias}" if alias else ""))
        else:
            members[section].setdefault(module, set()).add(name + (f" as {alias}" if alias else ""))
    blocks = ["from __future__ import annotations"]
    for section in ("stdlib", "third"):
        lines = sorted(plain[section], key=lambda line: line.split()[1])
        lines += [_from_line(module, names) for module, names in sorted(members[section].items())]
        if lines:
            blocks.append("\n".join(lines))
    for module, names in local.items():
        blocks.append(_from_line(module, set(names)))
    return "\n\n".join(blocks) + "\n"


def _member_key(name: str) -> tuple[int, str]:
    """isort's order by type: CONSTANTS, then Classes, then the rest, each case-sensitively."""
    bare = name.split(" as ")[0]
    kind = 0 if bare.isupper() and len(bare) > 1 else 1 if bare[:1].isupper() else 2
    return (kind, bare)


def _from_line(module: str, names: set[str]) -> str:
    ordered = sorted(names, key=_member_key)
    line = f"from {module} import {', '.join(ordered)}"
    if len(line) <= 110:
        return line
    return f"from {module} import (\n" + "".join(f"    {name},\n" for name in ordered) + ")"


def _render(
    modular: Module,
    docstring: str,
    definitions: list[Definition],
    imports: dict[str, tuple[str, str | None, str | None]],
    local: dict[str, list[str]],
    exported: list[str],
) -> str:
    closing = "\n" if "\n" in docstring else ""
    header = GENERATED_HEADER.format(modular=modular.name.replace(".", "/") + ".py")
    parts = [header, f'"""{docstring}{closing}"""\n\n', _import_lines(imports, local)]
    for index, definition in enumerate(definitions):
        text = definition.text.rstrip("\n") + "\n"
        if definition.module != modular.name:
            text = f"# Copied from {definition.qualname}\n{text}"
        # isort's spacing: one blank line after the imports unless a class or function follows.
        plain_first = index == 0 and not isinstance(definition.node, (ast.ClassDef, ast.FunctionDef))
        parts.append(("\n" if plain_first else "\n\n") + text)
    if exported:
        parts.append("\n\n__all__ = [\n" + "".join(f'    "{name}",\n' for name in sorted(exported)) + "]\n")
    return "".join(parts)


def generate(arch_folder: Path, resolver: Resolver | None = None) -> dict[Path, str]:
    """`{generated file: text}` for one architecture folder holding `modular_<arch>.py`."""
    resolver = resolver or Resolver()
    arch = arch_folder.name
    modular_path = arch_folder / f"modular_{arch}.py"
    package = f"{PACKAGE}.models.{arch}"
    modular = read_module(f"{package}.modular_{arch}", modular_path)
    own = list(dict.fromkeys(modular.definitions.values()))
    configs = [d for d in own if isinstance(d.node, ast.ClassDef) and d.names[0].endswith("Config")]
    if not configs:
        raise ModularError(f"{modular_path}: defines no `...Config` class")
    if not modular.docstring:
        raise ModularError(f"{modular_path}: needs a module docstring (it heads the modeling file)")
    config_definitions, config_imports, _ = _closure(resolver, modular, configs, set())
    config_keys = {d.key for d in config_definitions}
    config_names = {name for d in config_definitions for name in d.names}
    rest = [d for d in own if d.key not in config_keys]
    model_definitions, model_imports, from_config = _closure(resolver, modular, rest, config_keys)
    rank = {name: index for index, name in enumerate(resolver.modules)}

    def exported(names: set[str]) -> list[str]:
        return [name for name in modular.all_names if name in names]

    config_text = _render(
        modular,
        f"{configs[0].names[0]}: the configuration of the `{arch}` architecture.",
        _ordered(config_definitions, modular.name, rank),
        config_imports,
        {},
        exported(config_names),
    )
    model_names = {name for d in model_definitions for name in d.names}
    for name in sorted(from_config & model_names):
        raise ModularError(f"`{name}` is defined in both the configuration and the modeling file of {arch}; rename one")
    model_text = _render(
        modular,
        modular.docstring,
        _ordered(model_definitions, modular.name, rank),
        model_imports,
        {f".configuration_{arch}": sorted(from_config & config_names)} if from_config else {},
        exported(model_names),
    )
    return {arch_folder / f"configuration_{arch}.py": config_text, arch_folder / f"modeling_{arch}.py": model_text}


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def generate_single(modular_path: Path, resolver: Resolver | None = None) -> dict[Path, str]:
    """`{generated file: text}` for a modular module outside the architecture folders (the staging pipeline
    saved beside every model): `modular_<name>.py` becomes one self-contained `<name>.py`."""
    resolver = resolver or Resolver()
    relative = modular_path.parent.relative_to(REPO_ROOT) if modular_path.is_relative_to(REPO_ROOT) else None
    package = ".".join(relative.parts) if relative else f"{PACKAGE}.{modular_path.parent.name}"
    modular = read_module(f"{package}.{modular_path.stem}", modular_path)
    if not modular.docstring:
        raise ModularError(f"{modular_path}: needs a module docstring")
    own = list(dict.fromkeys(modular.definitions.values()))
    definitions, imports, _ = _closure(resolver, modular, own, set())
    rank = {name: index for index, name in enumerate(resolver.modules)}
    names = {name for d in definitions for name in d.names}
    text = _render(
        modular, modular.docstring, _ordered(definitions, modular.name, rank), imports, {},
        [name for name in modular.all_names if name in names],
    )  # fmt: skip
    return {modular_path.with_name(modular_path.name.removeprefix("modular_")): text}


def single_modulars() -> list[Path]:
    return sorted(path for path in (REPO_ROOT / PACKAGE).rglob("modular_*.py") if path.parent.parent != MODELS)


def modular_folders() -> list[Path]:
    return sorted(path.parent for path in MODELS.glob("*/modular_*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fix", action="store_true", help="write the generated files instead of checking them")
    args = parser.parse_args(argv)
    resolver = Resolver()
    drifted = []
    try:
        generated = {path: text for folder in modular_folders() for path, text in generate(folder, resolver).items()}
        for path in single_modulars():
            generated.update(generate_single(path, resolver))
    except (ModularError, SyntaxError, OSError) as error:
        print(f"check_modular: {error}", file=sys.stderr)
        return 2
    for path, text in generated.items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == text:
            continue
        if args.fix:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {_shown(path)}")
        else:
            drifted.append(path)
            diff = difflib.unified_diff(
                current.splitlines(keepends=True), text.splitlines(keepends=True), str(path), "generated", n=1
            )
            sys.stderr.writelines(list(diff)[:40])
    if drifted:
        names = ", ".join(_shown(path) for path in drifted)
        print(f"check_modular: {names} differ from their modular files; run scripts/check_modular.py --fix", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
