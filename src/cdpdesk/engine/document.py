"""Stage 7, the analysis document: the ``cdpdesk.analysis/1`` JSON, built as fresh dicts and
lists (no two outputs share a mutable object)."""

from __future__ import annotations

from datetime import date
from typing import Any

from cdpdesk import __version__
from cdpdesk.contract.analysis import ANALYSIS_FORMAT
from cdpdesk.engine import authority as A
from cdpdesk.engine import hearings as H
from cdpdesk.engine.authority import Why, iso, iso_day
from cdpdesk.engine.csed_by_assessment import AssessmentCsed
from cdpdesk.engine.hearing_requests import Entry

ENGINE_VERSION = __version__


def analysis_document(
    as_of: date,
    entries: list[Entry],
    cseds: list[AssessmentCsed],
    deadlines: list[dict[str, Any]],
    stage: dict[str, Any],
    log: H.WarningLog,
) -> dict[str, Any]:
    return {
        "format": ANALYSIS_FORMAT,
        "as_of": iso_day(as_of),
        "engine": ENGINE_VERSION,
        "hearings": [hearing_json(e) for e in entries],
        "assessments": [assessment_json(c) for c in cseds],
        "deadlines": deadlines,
        "stage": stage,
        "warnings": log.to_json(),
    }


def _fresh(suspension: dict[str, Any]) -> dict[str, Any]:
    out = suspension.copy()
    out["authority"] = [*out["authority"]]
    return out


def assessment_json(c: AssessmentCsed) -> dict[str, Any]:
    res = c.result
    return {
        "period": c.period,
        "assessment": c.assessment.id,
        "assessed": iso_day(c.assessment.date),
        "base_csed": iso_day(c.base.value),
        "csed": iso_day(res.csed.value),
        "open": not res.csed.complete,
        "suspensions": [_fresh(s) for s in c.suspensions],  # no output shares a dict or list
        "floors": [dict(f.to_json(), binding=raised) for f, raised in res.floors],
        "why": [w.to_json() for w in res.trail],
        "irs_csed": None if c.irs_check is None else c.irs_check.to_json(),
    }


def hearing_json(e: Entry) -> dict[str, Any]:
    n = e.notice
    why = list(e.cls.why)
    cdp_deadline = eh_deadline = None
    if n is not None:
        if n.fifth is not None:
            why.insert(0, n.fifth.why)
        if e.period not in n.repeat_of:
            cdp_deadline = n.cdp_for(e.period)
            why.append(cdp_deadline.why)
        else:
            why.append(
                Why(
                    A.ONE_HEARING_PER_PERIOD,
                    f"Period {e.period} already had a {n.statute} CDP notice "
                    f"({n.repeat_of[e.period]}); this one carries no CDP window.",
                    "cdp_deadline",
                    None,
                    ("repeat-notice",),
                )
            )
        eh_deadline = n.eh_for(e.period)
        why.append(eh_deadline.why)
    why.extend(e.why)
    if e.levy_allowed_from is not None:
        why.append(e.levy_allowed_from.why)
    return {
        "request": e.request.id,
        "notice": None if n is None else n.ev.id,
        "period": e.period,
        "statute": None if n is None else n.statute,
        "type": e.cls.type,
        "filed": iso(e.cls.filed),
        "cdp_deadline": None if cdp_deadline is None else iso_day(cdp_deadline.value),
        "eh_deadline": None if eh_deadline is None else iso_day(eh_deadline.value),
        "status": e.status,
        "withdrawn": iso(e.withdrawn),
        "withdrawn_by": e.withdrawn_by,
        "withdrawals": list(e.withdrawals),
        "acknowledged": iso(e.acknowledged),
        "acknowledged_by": e.acknowledged_by,
        "determination": iso(e.determination),
        "petition_deadline": None if e.petition_deadline is None else iso_day(e.petition_deadline.value),
        "final": None if e.final is None else iso_day(e.final.value),
        "tax_court_review": e.tax_court_review,
        "levy_allowed_from": None if e.levy_allowed_from is None else iso_day(e.levy_allowed_from.value),
        "why": [w.to_json() for w in why],
    }
