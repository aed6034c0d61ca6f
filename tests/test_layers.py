"""The layers stay visible: imports point one way (README, "Layout").

Every module under src/cdpdesk belongs to a part (its first name under ``cdpdesk``), and
each part may import only the parts listed for it. Every import form counts:
``import cdpdesk.x``, ``from cdpdesk import x``, ``from cdpdesk.x import y``, relative
imports, imports under ``TYPE_CHECKING`` and ``importlib.import_module("cdpdesk.x")``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "cdpdesk"
ROOT = "__init__"  # the package itself: only __version__

# What each part may import from the project, besides itself and the package root.
# cli is the outermost interface and may import anything; nothing imports cli, and only
# cli imports web. extras (the missing-extra message) is a leaf.
ALLOWED: dict[str, set[str]] = {
    "contract": {"privacy", "locale"},  # errors are masked where they are made
    "engine": {"contract"},
    "privacy": set(),
    "extras": set(),
    "locale": set(),  # the catalogs' folder and its list of languages
    "i18n": {"engine", "locale"},  # the catalogs loaded, Babel's formats: the engine's Words
    "letters": {"contract", "engine", "privacy", "i18n", "locale"},
    "desk": {"contract", "engine", "letters", "privacy", "extras", "i18n", "locale"},
    "bulk": {"contract", "engine", "extras"},
    # pure reading of IRS transcripts (issue 17); its messages go through the engine's Words port
    "transcripts": {"contract", "engine", "privacy"},
    # web reads uploaded transcripts (issue 17)
    "web": {"contract", "engine", "letters", "privacy", "extras", "desk", "i18n", "locale", "transcripts"},
    "cli": {
        "contract",
        "engine",
        "letters",
        "privacy",
        "extras",
        "desk",
        "bulk",
        "web",
        "transcripts",
        "i18n",
        "locale",
    },
    "__main__": {"cli"},
}
# The engine is pure: no I/O, no clock, no database, no web.
ENGINE_FORBIDDEN = {"os", "io", "pathlib", "sqlite3", "sqlalchemy", "fastapi", "socket", "subprocess", "time"}


def part_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 or rel.name != "__init__.py" else ROOT


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imports(source: str, module: str, package: bool = False) -> set[str]:
    """Every module the source imports, as absolute dotted names. ``from A import b`` gives
    ``A.b`` as well as ``A`` (b may be a submodule); relative imports are resolved against
    ``module`` (a package's own name when ``package``)."""
    here = module.split(".") if package else module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id in {"import_module", "__import__"})
            )
        ):
            names.add(node.args[0].value)
    return names


def targets(names: set[str]) -> set[str]:
    """The parts of the project these names reach (``cdpdesk.x...`` -> x, where x exists)."""
    found: set[str] = set()
    for name in names:
        parts = name.split(".")
        if parts[0] != "cdpdesk":
            continue
        if len(parts) == 1:
            found.add(ROOT)
        elif (SRC / parts[1]).is_dir() or (SRC / f"{parts[1]}.py").is_file():
            found.add(parts[1])
        else:
            found.add(ROOT)  # an attribute of the package root, such as __version__
    return found


def sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_every_module_belongs_to_a_known_part() -> None:
    parts = {part_of(p) for p in sources()} - {ROOT}
    assert parts == set(ALLOWED), f"parts with no rule: {parts - set(ALLOWED)}"


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_imports_point_one_way(part: str) -> None:
    allowed = ALLOWED[part] | {part, ROOT}
    checked = 0
    for path in sources():
        if part_of(path) != part:
            continue
        checked += 1
        reached = targets(imports(path.read_text(), module_name(path), is_package(path)))
        assert reached <= allowed, f"{path.relative_to(SRC)} imports {sorted(reached - allowed)}"
    assert checked, part


def test_nothing_imports_the_interfaces() -> None:
    for part, allowed in ALLOWED.items():
        if part not in {"cli", "__main__"}:
            assert "cli" not in allowed, part
        if part not in {"cli", "web"}:
            assert "web" not in allowed, part


@pytest.mark.parametrize(
    ("source", "module", "package", "reached"),
    [
        ("import cdpdesk.web.app", "cdpdesk.engine.csed", False, {"web"}),
        ("import cdpdesk", "cdpdesk.engine.csed", False, {ROOT}),
        ("from cdpdesk import web", "cdpdesk.engine.csed", False, {ROOT, "web"}),
        ("from cdpdesk import __version__", "cdpdesk.engine.csed", False, {ROOT}),
        ("from cdpdesk.desk.workflow import Desk", "cdpdesk.engine.csed", False, {"desk"}),
        ("from . import calendar", "cdpdesk.engine.csed", False, {"engine"}),
        ("from .. import cli", "cdpdesk.engine.csed", False, {ROOT, "cli"}),
        ("from ..desk import db", "cdpdesk.engine.csed", False, {"desk"}),
        ("from .analyze import analyze", "cdpdesk.engine", True, {"engine"}),
        ("from ..cli.common import fail", "cdpdesk.engine", True, {"cli"}),
        ("if TYPE_CHECKING:\n    from cdpdesk.desk import Desk", "cdpdesk.web.api", False, {"desk"}),
        ("def f():\n    import cdpdesk.bulk.runner", "cdpdesk.web.api", False, {"bulk"}),
        ("importlib.import_module('cdpdesk.cli')", "cdpdesk.web.api", False, {"cli"}),
        ("import_module('cdpdesk.web.app')", "cdpdesk.desk.db", False, {"web"}),
        ("import os, sqlalchemy", "cdpdesk.desk.db", False, set()),
    ],
)
def test_every_import_form_is_seen(source: str, module: str, package: bool, reached: set[str]) -> None:
    assert targets(imports(source, module, package)) == reached


def test_engine_has_no_io_and_no_clock() -> None:
    for path in sorted((SRC / "engine").rglob("*.py")):
        names = imports(path.read_text(), module_name(path), is_package(path))
        found = {n.split(".")[0] for n in names} & ENGINE_FORBIDDEN
        assert not found, f"{path.relative_to(SRC)} imports {found}"
        text = path.read_text()
        assert "date.today(" not in text and "datetime.now(" not in text, path
