"""Case in, analysis out: the engine's one entry point (``cdpdesk.analysis/1``).

Pure: no I/O and no clock. ``as_of`` is an input (the case's own, or the caller's). The
analysis is a list of stages, each in its own module, in the order a practitioner works a
case; the rules they apply live in ``notices``, ``hearings``, ``suspensions`` and ``csed``
(the index: docs/rules.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cdpdesk.contract.analysis import ANALYSIS_FORMAT
from cdpdesk.contract.case import CaseFile
from cdpdesk.contract.errors import CaseError, ErrorItem
from cdpdesk.engine.checks import check_case
from cdpdesk.engine.csed_by_assessment import csed_by_assessment
from cdpdesk.engine.deadlines import deadlines_due
from cdpdesk.engine.document import ENGINE_VERSION, analysis_document
from cdpdesk.engine.hearing_endings import end_hearings
from cdpdesk.engine.hearing_requests import hearings_requested
from cdpdesk.engine.hearings import WarningLog
from cdpdesk.engine.notice_windows import notice_windows
from cdpdesk.engine.roadmap import stage_of
from cdpdesk.engine.suspension_periods import suspensions_by_period

__all__ = ["ANALYSIS_FORMAT", "ENGINE_VERSION", "analyze"]


def analyze(case: CaseFile, as_of: date | None = None) -> dict[str, Any]:
    """Analyse a validated case file. Raises :class:`CaseError` on inconsistent facts."""
    as_of = as_of or case.as_of
    if as_of is None:
        raise CaseError([ErrorItem("as_of", "is required (the engine has no clock)")])
    buckets = check_case(case, as_of)  # references, order of events, nothing after as_of
    log = WarningLog()
    notices = notice_windows(buckets, log, as_of)  # 1. notices, their windows, relief
    hearings = hearings_requested(case, buckets, notices, log)  # 2. the hearing each request earned
    end_hearings(case, buckets, as_of, hearings.by_request, log)  # 3. withdrawals, determinations
    per_period = suspensions_by_period(  # 4. suspensions, alternatives under IRC 6331(k) among them
        buckets, as_of, hearings.entries, case.policies.floor_after_withdrawal, [p.id for p in case.periods]
    )
    cseds = csed_by_assessment(case, per_period)  # 5. the CSED walk
    deadlines = deadlines_due(  # 6. deadlines
        buckets, as_of, notices, hearings.entries, [(c.period, c.assessment.id, c.result.csed) for c in cseds]
    )
    stage = stage_of(case, as_of, hearings.by_request, [c.result.csed.value for c in cseds])
    return analysis_document(as_of, hearings.entries, cseds, deadlines, stage, log)  # 7. the document
