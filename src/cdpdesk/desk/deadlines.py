"""Deadlines across cases: every coming deadline of the cases a user may see, soonest
first, for the practitioner's "all my clients" page, its CSV and the calendar feeds.

Each row is one entry of a case's analysis (``cdpdesk.engine.coming``): the date, its kind,
its why and the days left, all computed by the engine. The desk only gathers them.

Now this reads each visible case's cached analysis (``Desk.analysis``: one cache hit per
case version). :func:`coming_deadlines_for` is the one entry point, with the signature the
pages use, so that it can be answered from an indexed table of derived deadlines later
without touching its callers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from cdpdesk.desk.models import Case
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine.coming import ComingDeadline, coming_deadlines
from cdpdesk.privacy import mask_tin


@dataclass(frozen=True, slots=True)
class CaseDeadline:
    """One coming deadline of one stored case."""

    case: int
    taxpayer: str | None
    tin: str | None  # masked: the last four digits
    as_of: dt.date  # the day the analysis (and days_left) speaks from
    deadline: ComingDeadline

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "taxpayer": self.taxpayer,
            "tin": self.tin,
            "as_of": self.as_of.isoformat(),
            **self.deadline.to_json(),
        }


def _cases(desk: Desk, visible: set[int] | None) -> list[tuple[int, str | None, str | None]]:
    with desk._sessions() as s:
        q = select(Case).order_by(Case.id)
        if visible is not None:
            q = q.where(Case.id.in_(sorted(visible) or [-1]))
        return [
            (c.id, c.taxpayer.name if c.taxpayer else None, mask_tin(c.taxpayer.tin) if c.taxpayer else None)
            for c in s.scalars(q)
        ]


def deadlines_of_case(desk: Desk, case_id: int, as_of: dt.date | None = None) -> list[ComingDeadline]:
    """One stored case's coming deadlines (its analysis as the case page shows it)."""
    return coming_deadlines(desk.analysis(case_id, as_of))


def coming_deadlines_for(
    desk: Desk,
    visible: set[int] | None,
    *,
    kinds: Collection[str] | None = None,
    within_days: int | None = None,
    as_of: dt.date | None = None,
) -> list[CaseDeadline]:
    """Every coming deadline of the cases in ``visible`` (``None``: every case), soonest
    first (then by case), optionally only of these ``kinds`` (``cdpdesk.engine.coming``) and
    only those at most ``within_days`` days away. ``as_of``: analyse as of that day (default:
    each case's default, today or its own later as_of)."""
    out: list[CaseDeadline] = []
    for case_id, name, tin in _cases(desk, visible):
        analysis = desk.analysis(case_id, as_of)
        day = dt.date.fromisoformat(analysis["as_of"])
        for d in coming_deadlines(analysis):
            if kinds is not None and d.kind not in kinds:
                continue
            if within_days is not None and d.days_left > within_days:
                continue
            out.append(CaseDeadline(case_id, name, tin, day, d))
    out.sort(key=lambda r: (r.deadline.date, r.case))
    return out
