"""Read a package's imports with `ast` and check them against layer rules (data).

Used by tests/test_layers.py on `leadgate` and on a planted fake package.
"""

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Rule:
    """Modules selected by `importer` must not import those selected by `imported`.

    A selector is a layer name (a value of the layer table) or a module path
    relative to the package ("outbound", "whatsapp.emulator"); `allowed` lists
    importers the rule does not apply to.
    """

    importer: str
    imported: str
    why: str
    allowed: tuple[str, ...] = ()


def modules_of(root: Path) -> dict[str, Path]:
    """Module path relative to the package ("" is its __init__) → file."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str], package: str) -> set[str]:
    """The package's own modules this file imports, at any depth (functions too)."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if name else []
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if is_package else here[:-1]
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                start = ".".join([package, *base])
            else:
                start = node.module or ""
            if node.level and node.module:
                start = f"{start}.{node.module}"
            targets = [
                f"{start}.{alias.name}"
                if f"{start}.{alias.name}".removeprefix(package).lstrip(".") in known
                else start
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target == package or target.startswith(package + "."):
                found.add(target.removeprefix(package).lstrip("."))
    return found


def layer_of(module: str, layers: dict[str, str]) -> str | None:
    """The layer of the longest module prefix the table names."""
    for candidate in sorted(layers, key=len, reverse=True):
        if (
            module == candidate
            or module.startswith(candidate + ".")
            or (candidate == "" and module == "")
        ):
            return layers[candidate]
    return None


def selects(selector: str, module: str, layers: dict[str, str]) -> bool:
    if selector in layers.values():
        return layer_of(module, layers) == selector
    return module == selector or module.startswith(selector + ".")


def violations(
    root: Path, package: str, layers: dict[str, str], rules: list[Rule]
) -> list[str]:
    """Every import that crosses a rule, as readable lines; unclassified modules too."""
    modules = modules_of(root)
    found = []
    for name, path in modules.items():
        if layer_of(name, layers) is None:
            found.append(f"{name or package}: in no layer of the table")
            continue
        for imported in sorted(imports_of(name, path, set(modules), package)):
            for rule in rules:
                if (
                    selects(rule.importer, name, layers)
                    and selects(rule.imported, imported, layers)
                    and not any(selects(a, name, layers) for a in rule.allowed)
                ):
                    found.append(
                        f"{name or package} imports {imported or package}: {rule.why}"
                    )
    return found
