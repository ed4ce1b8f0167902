"""The house: imports run downward through the floors of ``src/pcnhub``, with no circles.

The floors, top to bottom, are in :data:`FLOORS`; a module may import its own floor's packages and
those below, never those above (the one exception, :data:`ALLOWED_UP`, is the user profile's link to
the register's organisations).  ``domain/`` holds the rules in plain Python: no Django, no argument
parsing, no files, no reference loading.  Every import counts, those inside functions too.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "pcnhub"
README = SRC.parent / "README.md"

#: Top to bottom. Packages on one floor may import each other only where no circle results.
FLOORS: tuple[frozenset[str], ...] = tuple(frozenset(floor) for floor in (
    {"cli", "__main__"},
    {"webapp"},
    {"scenarios"},
    {"designer", "measures", "phm"},
    {"finance", "maturity"},
    {"register"},
    {"accounts"},
    {"pages", "fhir"},
    {"analytics"},
    {"ingest"},
    {"geo", "progress"},
    {"reference"},
    {"domain"},
))
#: The one import that runs back up: a user's profile names an organisation of the register.
ALLOWED_UP = {("accounts", "register")}
#: What the rules may not use: Django, argument parsing, files and formats, the reference loaders.
DOMAIN_FORBIDDEN = {
    "django", "ninja", "argparse", "pathlib", "io", "os", "csv", "json", "tomllib", "importlib", "openpyxl",
    "pyarrow", "duckdb", "ibis", "rich", "shutil", "tempfile", "subprocess", "sys",
}
MAX_LINES = 1_000


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


@cache
def imports() -> dict[str, set[str]]:
    """Every module's imports, resolved to modules of pcnhub or to the top-level name of another package."""
    known = modules()
    found: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
            else:
                continue
            for target in targets:
                while target not in known and "." in target and target.startswith("pcnhub."):
                    target = target.rpartition(".")[0]
                if target != name:
                    found[name].add(target if target.startswith("pcnhub") else target.split(".")[0])
    return found


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def floor(package: str) -> int:
    return next(i for i, packages in enumerate(FLOORS) if package in packages)


def test_every_package_has_a_floor():
    packages = {top(m) for m in modules()} - {""}
    assert packages == set().union(*FLOORS)


def test_imports_run_downward():
    upward = sorted(
        f"{source} -> {target}"
        for source, targets in imports().items()
        for target in targets
        if target.startswith("pcnhub.") and top(source) != top(target)
        and floor(top(source)) > floor(top(target)) and (top(source), top(target)) not in ALLOWED_UP
    )
    assert upward == []


def test_no_import_circles():
    graph = {m: {t for t in targets if t in modules()} for m, targets in imports().items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(modules()):
        if node not in index:
            visit(node)
    assert circles == []


def test_the_rules_use_nothing_but_plain_python():
    found = sorted(
        f"{source} imports {target}"
        for source, targets in imports().items() if top(source) == "domain"
        for target in targets
        if (target.startswith("pcnhub.") and top(target) != "domain") or target in DOMAIN_FORBIDDEN
    )
    assert found == []


def test_the_rules_open_no_files():
    opened = [
        f"{name}:{node.lineno}"
        for name, path in modules().items() if top(name) == "domain"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Name) and node.func.id == "open")
            or (isinstance(node.func, ast.Attribute) and node.func.attr in {"open", "read_text", "read_bytes"})
        )
    ]
    assert opened == []


def test_commands_live_in_cli():
    assert sorted(str(p.relative_to(SRC)) for p in PACKAGE.rglob("*_cli.py")) == []


def test_no_file_over_a_thousand_lines():
    long = {str(p.relative_to(SRC)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_the_readme_has_a_line_for_every_folder():
    table = README.read_text(encoding="utf-8").split("## What is here", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `src/pcnhub/([\w/]+)/` \|", table, re.MULTILINE))
    folders = {
        str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*")
        if path.is_dir() and (path / "__init__.py").exists() and path.name != "migrations"
    }
    assert listed == folders, (sorted(folders - listed), sorted(listed - folders))


@pytest.mark.parametrize("package", ["domain", "reference", "ingest", "analytics", "geo"])
def test_below_the_apps_nothing_uses_django(package):
    users = sorted(name for name, targets in imports().items() if top(name) == package and "django" in targets)
    assert users == []
