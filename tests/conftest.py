"""Shared test helpers: the worked examples and hand-checked cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED_EXAMPLES = ROOT.parent / "shared" / "examples"


def worked_files() -> list[Path]:
    """Every worked example: the repo's copies, ../shared/examples (when present), and the
    hand-checked cases of tests/engine/cases."""
    files = sorted((ROOT / "tests" / "examples").glob("*.json"))
    if SHARED_EXAMPLES.is_dir():
        files += sorted(SHARED_EXAMPLES.glob("*.json"))
    files += sorted((ROOT / "tests" / "engine" / "cases").glob("*.json"))
    return files


def load_worked(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data
