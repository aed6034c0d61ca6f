"""Lists from the database: the case list (filters, search, sorts, pages), the withdrawal
queue and the deadlines across cases, all read from the derived facts (desk/facts.py).

A page is a count and one indexed, ordered, limited query, plus a lookup of its own rows'
periods, TINs and next deadline: no analysis, no JSON scanned, so its time does not grow
with the number of cases. The API and the web pages call the same functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from cdpdesk.contract.analysis import HEARING_STATUSES
from cdpdesk.desk import facts as F
from cdpdesk.desk.models import (
    Case,
    CaseEvent,
    CaseFacts,
    CasePeriod,
    DeadlineFact,
    HearingFact,
    NameTerm,
    QueueAssignment,
    Taxpayer,
    WithdrawalFact,
)
from cdpdesk.desk.record import ID_MAX, DeskError
from cdpdesk.engine.coming import ACT_BY
from cdpdesk.engine.roadmap import STAGE_BY_ID
from cdpdesk.privacy import has_tin, mask_tin

if TYPE_CHECKING:
    from cdpdesk.desk.cases import CaseWork as Desk

#: The case list's orders: the key, and the column it sorts on (``-`` for newest/latest first).
SORTS = ("id", "-id", "deadline", "-deadline", "csed", "-csed", "taxpayer", "-taxpayer")
MAX_Q = 100


class QueryError(DeskError):
    """A list parameter the desk cannot use; ``field`` names it (the API answers 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class CasePage:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def as_of(self) -> str | None:
        """The oldest day the rows' facts are as of (what the page says)."""
        days = [row["as_of"] for row in self.items]
        return min(days) if days else None

    def to_json(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "as_of": self.as_of,
        }


def check_q(q: str | None) -> str | None:
    """The search text, refused when it holds a full TIN (it would sit in a URL and in a
    log): the message never repeats it."""
    if q is None:
        return None
    q = q.strip()
    if not q:
        return None
    if len(q) > MAX_Q:
        raise QueryError("query.q", f"too long (at most {MAX_Q} characters)")
    if has_tin(q) or sum(ch.isdigit() for ch in q) >= 9:
        raise QueryError(
            "query.q",
            "looks like a full taxpayer identification number; search by its last four digits "
            "(a full TIN must never be put in a web address)",
        )
    return q


def _prefix(term: str) -> ColumnElement[bool]:
    """Name words starting with ``term``: one range of the (bytewise) term index."""
    hi = term[:-1] + chr(ord(term[-1]) + 1)
    return CaseFacts.case_id.in_(select(NameTerm.case_id).where(NameTerm.term >= term, NameTerm.term < hi))


def _search(q: str) -> list[ColumnElement[bool]]:
    """Each word of ``q`` must match: a word of the taxpayer's name (by its start), or, for
    digits, the case id or (four digits) the TIN's last four."""
    out: list[ColumnElement[bool]] = []
    for word in F.fold(q):
        cond = _prefix(word[:100])
        if word.isdigit() and word.isascii():
            if int(word) <= ID_MAX:
                cond = cond | (CaseFacts.case_id == int(word))
            if len(word) == 4:
                cond = cond | (CaseFacts.tin_last4 == word)
        out.append(cond)
    return out


def _filters(
    visible: set[int] | None,
    stage: str | None,
    hearing_status: str | None,
    csed_before: dt.date | None,
    deadline_within: int | None,
    q: str | None,
    today: dt.date,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if visible is not None:
        where.append(CaseFacts.case_id.in_(sorted(visible) or [-1]))
    if stage is not None:
        if stage not in STAGE_BY_ID:
            raise QueryError(
                "query.stage", f"{stage[:40]!r} is not a stage; expected one of {', '.join(STAGE_BY_ID)}"
            )
        where.append(CaseFacts.stage == stage)
    if hearing_status is not None:
        if hearing_status not in HEARING_STATUSES:
            raise QueryError(
                "query.hearing_status",
                f"{hearing_status[:40]!r} is not a hearing status; expected one of {', '.join(HEARING_STATUSES)}",
            )
        where.append(
            CaseFacts.case_id.in_(select(HearingFact.case_id).where(HearingFact.status == hearing_status))
        )
    if csed_before is not None:
        where.append(CaseFacts.csed < csed_before)  # the earliest CSED: any one before the day
    if deadline_within is not None:
        if not 0 <= deadline_within <= 36_600:
            raise QueryError("query.deadline_within", "must be a number of days from 0 to 36600")
        last = today + dt.timedelta(days=deadline_within)
        where.append(
            CaseFacts.case_id.in_(
                select(DeadlineFact.case_id).where(DeadlineFact.date >= today, DeadlineFact.date <= last)
            )
        )
    q = check_q(q)
    if q is not None:
        where += _search(q)
    return where


def list_cases(
    desk: Desk,
    visible: set[int] | None,
    *,
    stage: str | None = None,
    hearing_status: str | None = None,
    csed_before: dt.date | None = None,
    deadline_within: int | None = None,
    q: str | None = None,
    sort: str = "id",
    page: int = 1,
    per_page: int = 20,
    today: dt.date | None = None,
) -> CasePage:
    """One page of the cases ``visible`` (None: all) that pass every filter given.

    ``hearing_status``: a hearing of the case has it; ``csed_before``: a CSED of the case
    falls before that day; ``deadline_within``: a deadline of the case falls from today to
    that many days on; ``q``: taxpayer name words, a case id, or a TIN's last four digits.
    """
    if sort not in SORTS:
        raise QueryError("query.sort", f"{sort[:40]!r} is not a sort; expected one of {', '.join(SORTS)}")
    day = today or dt.date.today()
    where = _filters(visible, stage, hearing_status, csed_before, deadline_within, q, day)
    F.fill_missing(desk)
    offset = (page - 1) * per_page
    with desk._sessions() as s:
        total = int(s.scalar(select(func.count()).select_from(CaseFacts).where(*where)) or 0)
        rows = _ordered(s, where, sort, offset, per_page, total)
        items = _items(s, rows, day)
    return CasePage(items, total, page, per_page)


_SORT_COLUMN: dict[str, Any] = {
    "deadline": CaseFacts.next_deadline,
    "csed": CaseFacts.csed,
    "taxpayer": CaseFacts.taxpayer_sort,
}


def _ordered(
    s: Session, where: list[ColumnElement[bool]], sort: str, offset: int, limit: int, total: int
) -> list[CaseFacts]:
    """The page's rows in order. Sorting on a column that can be empty, the rows with a
    value come first (in its order, then by case), then the empty ones by case: two index
    walks, never a sort of every row."""
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    base = select(CaseFacts).where(*where)
    if key == "id":
        order = CaseFacts.case_id.desc() if desc else CaseFacts.case_id
        return list(s.scalars(base.order_by(order).offset(offset).limit(limit)))
    col = _SORT_COLUMN[key]
    by = (col.desc(), CaseFacts.case_id.desc()) if desc else (col, CaseFacts.case_id)
    out = list(s.scalars(base.where(col.is_not(None)).order_by(*by).offset(offset).limit(limit)))
    rest = limit - len(out)
    if rest <= 0:
        return out  # a full page of dated rows: no second count needed
    n_valued = int(s.scalar(select(func.count()).select_from(CaseFacts).where(*where, col.is_not(None))) or 0)
    if n_valued < total:
        empty = base.where(col.is_(None)).order_by(CaseFacts.case_id)
        out += list(s.scalars(empty.offset(max(0, offset - n_valued)).limit(rest)))
    return out


def _next_to_act(s: Session, ids: list[int], day: dt.date) -> dict[int, DeadlineFact]:
    """Each case's next deadline someone must act by (a hearing request or a Tax Court
    petition; never a CSED, a date nobody acts by) on or after ``day``."""
    out: dict[int, DeadlineFact] = {}
    for d in s.scalars(
        select(DeadlineFact)
        .where(DeadlineFact.case_id.in_(ids), DeadlineFact.kind.in_(sorted(ACT_BY)), DeadlineFact.date >= day)
        .order_by(DeadlineFact.case_id, DeadlineFact.date, DeadlineFact.position)
    ):
        out.setdefault(d.case_id, d)
    return out


def _items(s: Session, rows: list[CaseFacts], day: dt.date) -> list[dict[str, Any]]:
    ids = [r.case_id for r in rows]
    if not ids:
        return []
    cases = {
        cid: (version, created, tin)
        for cid, version, created, tin in s.execute(
            select(Case.id, Case.version, Case.created_at, Taxpayer.tin)
            .outerjoin(Taxpayer, Taxpayer.id == Case.taxpayer_id)
            .where(Case.id.in_(ids))
        )
    }
    periods: dict[int, list[str]] = {}
    for cid, key in s.execute(
        select(CasePeriod.case_id, CasePeriod.period_key)
        .where(CasePeriod.case_id.in_(ids))
        .order_by(CasePeriod.case_id, CasePeriod.position)
    ):
        periods.setdefault(cid, []).append(key)
    nexts = _next_to_act(s, ids, day)
    items = []
    for r in rows:
        version, created, tin = cases[r.case_id]
        d = nexts.get(r.case_id)
        items.append(
            {
                "id": r.case_id,
                "taxpayer": r.taxpayer,
                "tin": mask_tin(tin),
                "periods": periods.get(r.case_id, []),
                "version": version,
                "created_at": created.isoformat(),
                "stage": {
                    "id": r.stage,
                    "title": r.stage_title,
                    "since": None if r.stage_since is None else r.stage_since.isoformat(),
                },
                "as_of": r.as_of.isoformat(),
                "next_deadline": None if d is None else deadline_json(d) | {"days_left": (d.date - day).days},
                "csed": None
                if r.csed is None
                else {"date": r.csed.isoformat(), "lower_bound": r.csed_lower_bound},
            }
        )
    return items


def deadline_json(d: DeadlineFact) -> dict[str, Any]:
    return {
        "date": d.date.isoformat(),
        "what": d.what,
        "event": d.event,
        "kind": d.kind,
        "rule": d.rule,
        "authority": orjson.loads(d.authority),
        "periods": orjson.loads(d.periods),
        "says": d.says,
    }


# --- Deadlines across cases --------------------------------------------------------------


def coming_deadlines(
    desk: Desk,
    visible: set[int] | None,
    *,
    start: dt.date,
    end: dt.date,
    kinds: set[str] | None = None,
    offset: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    """Every stored deadline from ``start`` to ``end`` (both included) of the cases
    ``visible`` (None: all), soonest first, paged: ``{"items", "total"}``. Each item is the
    deadline as the analysis gave it, with its case, taxpayer and the day its facts are as
    of (a deadline is listed from the last analysis; ``cdpdesk desk refresh`` moves it on)."""
    F.fill_missing(desk)
    where: list[ColumnElement[bool]] = [DeadlineFact.date >= start, DeadlineFact.date <= end]
    if visible is not None:
        where.append(DeadlineFact.case_id.in_(sorted(visible) or [-1]))
    if kinds:
        where.append(DeadlineFact.kind.in_(sorted(kinds)))
    with desk._sessions() as s:
        total = int(s.scalar(select(func.count()).select_from(DeadlineFact).where(*where)) or 0)
        rows = s.execute(
            select(DeadlineFact, CaseFacts.taxpayer, CaseFacts.as_of)
            .join(CaseFacts, CaseFacts.case_id == DeadlineFact.case_id)
            .where(*where)
            .order_by(DeadlineFact.date, DeadlineFact.case_id, DeadlineFact.position)
            .offset(offset)
            .limit(limit)
        ).all()
    items = [
        {"case": d.case_id, "taxpayer": name, "as_of": as_of.isoformat()} | deadline_json(d)
        for d, name, as_of in rows
    ]
    return {"items": items, "total": total}


# --- The withdrawal queue ----------------------------------------------------------------


#: The queue's hearing-type filter: the words desk/facts.py ``ends`` writes for each type.
HEARING_TYPES = {"cdp": "CDP hearing", "equivalent": "equivalent hearing"}
MAX_DAYS = 36_600


def withdrawals(
    desk: Desk,
    status: str = F.PENDING,
    *,
    case_id: int | None = None,
    page: int = 1,
    per_page: int | None = None,
    today: dt.date | None = None,
    older_than: int | None = None,
    hearing: str | None = None,
    assigned_to: str | None = None,
    q: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """The withdrawals waiting (``pending``: written, to acknowledge with Letter 4383;
    ``waiting_for_writing``: oral), oldest received first, each with the days it has
    waited and the clerk it is assigned to; one page of them (all with no ``per_page``),
    and how many there are.

    Filters, all in SQL: ``older_than``: waiting more than that many days; ``hearing``:
    ``cdp`` or ``equivalent``, it ends a hearing of that type; ``assigned_to``: assigned to
    that username (``""``: to nobody); ``q``: name words, a case id or a TIN's last four."""
    F.fill_missing(desk)
    day = today or dt.date.today()
    where: list[ColumnElement[bool]] = [WithdrawalFact.status == status]
    if case_id is not None:
        where.append(WithdrawalFact.case_id == case_id)
    if older_than is not None:
        if not 0 <= older_than <= MAX_DAYS:
            raise QueryError("query.older_than", f"must be a number of days from 0 to {MAX_DAYS}")
        where.append(WithdrawalFact.received < day - dt.timedelta(days=older_than))
    if hearing is not None:
        if hearing not in HEARING_TYPES:
            raise QueryError(
                "query.hearing", f"{hearing[:40]!r} is not a hearing type; expected one of cdp, equivalent"
            )
        where.append(WithdrawalFact.hearing.contains(HEARING_TYPES[hearing], autoescape=True))
    if assigned_to is not None:
        where.append(
            QueueAssignment.username.is_(None)
            if assigned_to == ""
            else QueueAssignment.username == assigned_to
        )
    q = check_q(q)
    if q is not None:
        where += _search(q)
    joined = (
        select(WithdrawalFact.id)
        .join(CaseFacts, CaseFacts.case_id == WithdrawalFact.case_id)
        .outerjoin(
            QueueAssignment,
            (QueueAssignment.case_id == WithdrawalFact.case_id)
            & (QueueAssignment.event_key == WithdrawalFact.event_key),
        )
        .where(*where)
    )
    query = (
        select(
            WithdrawalFact,
            CaseFacts.taxpayer,
            CaseEvent.recorded_by,
            CaseEvent.recorded_at,
            QueueAssignment.username,
            QueueAssignment.assigned_at,
        )
        .join(CaseFacts, CaseFacts.case_id == WithdrawalFact.case_id)
        .join(CaseEvent, CaseEvent.id == WithdrawalFact.entry_id)
        .outerjoin(
            QueueAssignment,
            (QueueAssignment.case_id == WithdrawalFact.case_id)
            & (QueueAssignment.event_key == WithdrawalFact.event_key),
        )
        .where(*where)
        .order_by(WithdrawalFact.received, WithdrawalFact.case_id, WithdrawalFact.entry_id)
    )
    with desk._sessions() as s:
        if per_page is None:
            rows = s.execute(query).all()
            total = len(rows)
        else:
            total = int(s.scalar(select(func.count()).select_from(joined.subquery())) or 0)
            rows = s.execute(query.offset((page - 1) * per_page).limit(per_page)).all()
    items = []
    for w, name, by, at, clerk, since in rows:
        item: dict[str, Any] = {
            "case": w.case_id,
            "event": w.event_key,
            "received": w.received.isoformat(),
            "request": w.request,
            "taxpayer": name,
            "recorded_by": by,
            "recorded_at": at.isoformat(),
            "periods": orjson.loads(w.periods),
            "hearing": w.hearing,
        }
        if status == F.PENDING:
            item |= {"kinds": orjson.loads(w.kinds), "parts": orjson.loads(w.parts), "partial": w.partial}
        item |= {
            "status": status,
            "days_waiting": (day - w.received).days,
            "assigned_to": clerk,
            "assigned_at": None if since is None else since.isoformat(),
        }
        items.append(item)
    return items, total
