"""The pipeline reads as its stages, and the engine's modules import one another without a
cycle (counting imports made only for type checking)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "cdpdesk" / "engine"


def _engine_imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "cdpdesk.engine":
                out.update(a.name for a in node.names if (SRC / f"{a.name}.py").exists())
            elif node.module.startswith("cdpdesk.engine."):
                out.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[2] for a in node.names if a.name.startswith("cdpdesk.engine."))
    return out - {path.stem}


def test_no_import_cycle_in_the_engine() -> None:
    graph = {p.stem: _engine_imports(p) for p in SRC.glob("*.py") if p.stem != "__init__"}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join([*trail, node, nxt])
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert "analyze" in graph["rules"] and "analyze" not in graph["roadmap"]


def test_analyze_is_the_list_of_stages() -> None:
    tree = ast.parse((SRC / "analyze.py").read_text())
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "analyze")
    called = [n.func.id for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    stages = [
        "check_case",
        "notice_windows",
        "hearings_requested",
        "end_hearings",
        "suspensions_by_period",
        "csed_by_assessment",
        "deadlines_due",
        "stage_of",
        "analysis_document",
    ]
    assert [c for c in called if c in stages] == stages
    assert len(fn.body) <= 16, "analyze() should read as its stages, not do their work"
