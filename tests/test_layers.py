"""The layers stay visible: imports point one way (architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "cdpdesk"

# What each layer may import from the project; anything else is an arrow pointing back.
ALLOWED = {
    "contract": {"contract", "privacy"},
    "engine": {"contract", "engine"},
    "letters": {"contract", "engine", "privacy", "letters"},
    "desk": {"contract", "engine", "letters", "privacy", "desk"},
    "bulk": {"contract", "engine", "bulk"},
}
# The engine is pure: no I/O, no clock, no database, no web.
ENGINE_FORBIDDEN = {"os", "io", "pathlib", "sqlite3", "sqlalchemy", "fastapi", "socket", "subprocess", "time"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_imports_point_one_way(layer: str) -> None:
    for path in sorted((SRC / layer).rglob("*.py")):
        for name in imports(path):
            if name.startswith("cdpdesk."):
                target = name.split(".")[1]
                assert target in ALLOWED[layer], f"{path.relative_to(SRC)} imports {name}"


def test_engine_has_no_io_and_no_clock() -> None:
    for path in sorted((SRC / "engine").rglob("*.py")):
        found = {n.split(".")[0] for n in imports(path)} & ENGINE_FORBIDDEN
        assert not found, f"{path.relative_to(SRC)} imports {found}"
        text = path.read_text()
        assert "date.today(" not in text and "datetime.now(" not in text, path
