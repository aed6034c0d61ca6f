"""Stage 5, the CSED walk: for each assessment its base date (law.md 4.1) and its CSED
after the merged suspensions of its period and their floors (law.md 4.2, 4.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdpdesk.contract.case import Assessment, CaseFile
from cdpdesk.engine.authority import Dated
from cdpdesk.engine.csed import CsedResult, base_csed, merge_suspensions, walk_csed
from cdpdesk.engine.irs_csed import IrsCsedCheck, check_irs_csed
from cdpdesk.engine.suspensions import Suspension


@dataclass(slots=True)
class AssessmentCsed:
    period: str
    assessment: Assessment
    base: Dated
    result: CsedResult
    suspensions: list[dict[str, Any]]  # the period's, as JSON, each cause as recorded (not merged)
    irs_check: IrsCsedCheck | None = None  # the IRS's posted CSED beside it (law.md 4.6)


def csed_by_assessment(case: CaseFile, per_period: dict[str, list[Suspension]]) -> list[AssessmentCsed]:
    """Periods and assessments in file order."""
    leap = case.policies.leap_day
    out: list[AssessmentCsed] = []
    for p in case.periods:
        susp = per_period.get(p.id, [])
        runs = merge_suspensions(susp)
        susp_json = [s.to_json() for s in susp]  # built once a period; each assessment copies it
        for a in p.assessments:
            base = base_csed(a.date, leap)
            result = walk_csed(base, a.date, runs)
            check = None if a.irs_csed is None else check_irs_csed(a.irs_csed, result, a.date, susp, leap)
            out.append(AssessmentCsed(p.id, a, base, result, susp_json, check))
    return out
