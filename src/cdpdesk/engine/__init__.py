"""The CDP rules engine: pure functions from a case file to a cited analysis.

No I/O and no clock: ``as_of`` is always an input. Imports only :mod:`cdpdesk.contract`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cdpdesk.contract.case import CaseFile, load_case
from cdpdesk.engine.analyze import ANALYSIS_FORMAT, ENGINE_VERSION, analyze
from cdpdesk.engine.explain import explain, explain_text


def analyze_json(text: str | bytes, default_as_of: date) -> dict[str, Any]:
    """Validate a case file's JSON text and analyse it; ``default_as_of`` applies when the
    file has no ``as_of``. Raises :class:`cdpdesk.contract.CaseError`."""
    case = load_case(text)
    return analyze(case, case.as_of or default_as_of)


__all__ = [
    "ANALYSIS_FORMAT",
    "ENGINE_VERSION",
    "CaseFile",
    "analyze",
    "analyze_json",
    "explain",
    "explain_text",
]
