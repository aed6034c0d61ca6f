"""Deadlines across cases: every coming deadline of the cases a user may see, soonest
first, for the practitioner's "all my clients" page, its CSV, ``/api/deadlines`` and the
calendar feed.

Answered from the derived facts (``case_deadlines``, desk/facts.py): one indexed, ordered,
limited query and a count, so that a page takes the same time at 100,000 cases as at 100.
Each row is one entry of a case's last analysis, stored with the kind the engine names
(``cdpdesk.engine.coming``, one vocabulary for the facts, the pages and the calendars). The
stable key of a row (the calendar UID) is the engine's too: for the cases of the rows
returned, their stored deadlines and assessments are handed back to
:func:`cdpdesk.engine.coming.coming_deadlines`, which names every key; the desk works no
rule or key out itself.

The page's ``total`` is counted up to ``COUNT_CAP`` rows (desk/paging.py: past it, "more
than"); the CSV and the calendar feed read their rows in keyset batches
(:func:`iter_deadlines`), so neither holds every row in memory, and the feed of all cases
keeps to its ``FEED_MAX`` soonest dates.

Dates are from the last analysis of each case (``as_of`` of its facts: the day it was
written or the last ``cdpdesk desk refresh``); days left count from the day asked for
(default today), and a date before that day is not "coming" any more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.orm import Session

from cdpdesk.desk import facts as F
from cdpdesk.desk.models import AssessmentFact, Case, CaseFacts, DeadlineFact, Taxpayer
from cdpdesk.desk.paging import COUNT_CAP, Paged, capped_count, count_limit
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine.coming import ComingDeadline, coming_deadlines
from cdpdesk.privacy import mask_tin

#: Rows per page of the deadlines page and of ``/api/deadlines`` unless asked otherwise.
PER_PAGE = 100
MAX_PER_PAGE = 500
#: Rows per query when the CSV or the feed reads every row it carries.
BATCH = 500
#: The calendar feed of all of a user's cases carries at most this many dates, the soonest
#: (a calendar re-reads a feed every few minutes and keeps every event).
FEED_MAX = 2000


@dataclass(frozen=True, slots=True)
class CaseDeadline:
    """One coming deadline of one stored case."""

    case: int
    taxpayer: str | None
    tin: str | None  # masked: the last four digits
    as_of: dt.date  # the day the case's facts (its last analysis) are as of
    deadline: ComingDeadline
    #: its place in the case's stored deadlines (where the next batch starts); not compared
    position: int = field(default=0, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "taxpayer": self.taxpayer,
            "tin": self.tin,
            "as_of": self.as_of.isoformat(),
            **self.deadline.to_json(),
        }


@dataclass(frozen=True, slots=True)
class DeadlinePage(Paged):
    """One page of deadlines across cases, and how many match in all."""

    items: list[CaseDeadline]
    total: int
    page: int
    per_page: int
    day: dt.date  # days left count from this day
    #: ``total`` is every match; else a lower bound (more than ``total`` match)
    total_exact: bool = True

    @property
    def as_of(self) -> dt.date | None:
        """The oldest day the rows' facts are as of (what the page says)."""
        return min((r.as_of for r in self.items), default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "items": [r.to_json() for r in self.items],
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "total_exact": self.total_exact,
            "has_next": self.has_next,
            "day": self.day.isoformat(),
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
        }


def deadlines_of_case(desk: Desk, case_id: int, as_of: dt.date | None = None) -> list[ComingDeadline]:
    """One stored case's coming deadlines (its analysis as the case page shows it)."""
    return coming_deadlines(desk.analysis(case_id, as_of))


def _where(
    visible: set[int] | None, kinds: Collection[str] | None, within_days: int | None, day: dt.date
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [DeadlineFact.date >= day]
    if within_days is not None:
        where.append(DeadlineFact.date <= day + dt.timedelta(days=within_days))
    if visible is not None:
        where.append(DeadlineFact.case_id.in_(sorted(visible)))
    if kinds is not None:  # an empty choice matches nothing, as an unknown kind does
        where.append(DeadlineFact.kind.in_(sorted(kinds)))
    return where


def _keyed(s: Session, case_ids: Sequence[int], day: dt.date) -> dict[tuple[int, int], ComingDeadline]:
    """The engine's rows (kind, stable key, days left from ``day``) of every stored deadline
    of these cases, by (case, position): each case's deadlines and assessments, in the order
    of its analysis, given back to ``coming_deadlines`` as the analysis had them."""
    docs: dict[int, dict[str, Any]] = {
        cid: {"as_of": day.isoformat(), "deadlines": [], "assessments": []} for cid in case_ids
    }
    for d in s.scalars(
        select(DeadlineFact)
        .where(DeadlineFact.case_id.in_(case_ids))
        .order_by(DeadlineFact.case_id, DeadlineFact.position)
    ):
        docs[d.case_id]["deadlines"].append(
            {
                "date": d.date.isoformat(),
                "rule": d.rule,
                "what": d.what,
                "says": d.says,
                "event": d.event,
                "periods": orjson.loads(d.periods),
                "authority": orjson.loads(d.authority),
                "position": d.position,
            }
        )
    for a in s.scalars(
        select(AssessmentFact)
        .where(AssessmentFact.case_id.in_(case_ids))
        .order_by(AssessmentFact.case_id, AssessmentFact.id)  # written in the analysis's order
    ):
        docs[a.case_id]["assessments"].append(
            {"period": a.period, "assessment": a.assessment, "csed": a.csed.isoformat()}
        )
    out: dict[tuple[int, int], ComingDeadline] = {}
    for cid, doc in docs.items():
        for entry, row in zip(doc["deadlines"], coming_deadlines(doc), strict=True):
            out[(cid, entry["position"])] = row
    return out


def _rows(
    s: Session, where: list[ColumnElement[bool]], day: dt.date, offset: int, limit: int | None
) -> list[CaseDeadline]:
    # the page's rows chosen from the deadlines' index alone first (every condition and the
    # order are in ix_case_deadlines_coming), then joined: joined before the OFFSET, page 50
    # read 5,000 cases to skip them
    order = (DeadlineFact.date, DeadlineFact.case_id, DeadlineFact.position)
    keys = select(*order).where(*where).order_by(*order).offset(offset)
    if limit is not None:
        keys = keys.limit(limit)
    page = keys.subquery()
    q = (
        select(page.c.case_id, page.c.position, CaseFacts.taxpayer, CaseFacts.as_of, Taxpayer.tin)
        .join(CaseFacts, CaseFacts.case_id == page.c.case_id)
        .join(Case, Case.id == page.c.case_id)
        .outerjoin(Taxpayer, Taxpayer.id == Case.taxpayer_id)
        .order_by(page.c.date, page.c.case_id, page.c.position)
    )
    found = s.execute(q).all()
    keyed = _keyed(s, sorted({r.case_id for r in found}), day)
    return [
        CaseDeadline(
            r.case_id, r.taxpayer, mask_tin(r.tin), r.as_of, keyed[(r.case_id, r.position)], r.position
        )
        for r in found
    ]


def deadlines_page(
    desk: Desk,
    visible: set[int] | None,
    *,
    kinds: Collection[str] | None = None,
    within_days: int | None = None,
    as_of: dt.date | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    count_cap: int | None = COUNT_CAP,
) -> DeadlinePage:
    """One page of the coming deadlines of the cases in ``visible`` (``None``: every case),
    soonest first (then by case), with how many there are (counted up to ``count_cap``;
    ``None``: exact); see :func:`iter_deadlines` for the filters."""
    day = as_of or dt.date.today()
    where = _where(visible, kinds, within_days, day)
    F.fill_missing(desk)
    offset = (page - 1) * per_page
    with desk._reads() as s:
        total = capped_count(
            s, select(DeadlineFact.id).where(*where), count_limit(count_cap, offset, per_page)
        )
        items = _rows(s, where, day, offset, per_page)
    return DeadlinePage(items, total.n, page, per_page, day, total.exact)


def iter_deadlines(
    desk: Desk,
    visible: set[int] | None,
    *,
    kinds: Collection[str] | None = None,
    within_days: int | None = None,
    as_of: dt.date | None = None,
    limit: int | None = None,
    batch: int = BATCH,
) -> Iterator[CaseDeadline]:
    """Every coming deadline of the cases in ``visible`` (``None``: every case), soonest
    first (then by case), optionally only of these ``kinds`` (``cdpdesk.engine.coming``),
    only those at most ``within_days`` days after ``as_of`` (default today; the days left
    count from it), and at most ``limit`` of them. Read ``batch`` rows at a time, each batch
    one indexed query that starts after the last row of the one before (date, case,
    position): memory and the time to the first row do not grow with the desk. A case
    changed between two batches is read as each batch finds it; each batch is read in a
    read session of its own (in a web request's ``Desk.reading``, the first in the
    request's)."""
    day = as_of or dt.date.today()
    where = _where(visible, kinds, within_days, day)
    F.fill_missing(desk)
    after: tuple[dt.date, int, int] | None = None
    left = limit
    while left is None or left > 0:
        n = batch if left is None else min(batch, left)
        more = (
            []
            if after is None
            else [tuple_(DeadlineFact.date, DeadlineFact.case_id, DeadlineFact.position) > after]
        )
        with desk._reads() as s:
            rows = _rows(s, [*where, *more], day, 0, n)
        # a stream (the CSV) may wait on its reader here: no connection held meanwhile
        desk._let_go_reads()
        yield from rows
        if len(rows) < n:
            return
        last = rows[-1]
        after = (last.deadline.date, last.case, last.position)  # the stored date: see _keyed
        left = None if left is None else left - len(rows)


def coming_deadlines_for(
    desk: Desk,
    visible: set[int] | None,
    *,
    kinds: Collection[str] | None = None,
    within_days: int | None = None,
    as_of: dt.date | None = None,
) -> list[CaseDeadline]:
    """:func:`iter_deadlines` as a list (for a user's few cases and the tests)."""
    return list(iter_deadlines(desk, visible, kinds=kinds, within_days=within_days, as_of=as_of))
