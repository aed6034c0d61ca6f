"""Lists from the database: the case list (filters, search, sorts, pages), the withdrawal
queue and the deadlines across cases, all read from the derived facts (desk/facts.py).

A page is a count and one indexed, ordered, limited query, plus a lookup of its own rows'
periods, TINs and next deadline: no analysis, no JSON scanned, so its time does not grow
with the number of cases. The API and the web pages call the same functions.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import ColumnElement, Select, exists, false, or_, select, tuple_, union_all
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
from cdpdesk.desk.paging import (
    COUNT_CAP,
    Narrowing,
    Paged,
    Total,
    capped_count,
    capped_counts,
    count_limit,
    narrowest,
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
class CasePage(Paged):
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    filters: dict[str, Any] = field(default_factory=dict)
    #: ``total`` is every match; else a lower bound (more than ``total`` match)
    total_exact: bool = True
    #: the keyset cursor of the next page (``after``), when there is one
    next_after: str | None = None
    #: read from the rows themselves on a page asked for by ``after`` (its rows before are
    #: not counted, so the page number says nothing)
    more: bool | None = None

    @property
    def has_next(self) -> bool:
        return self.more if self.more is not None else Paged.has_next.fget(self)  # type: ignore[attr-defined]

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
            "total_exact": self.total_exact,
            "has_next": self.has_next,
            "as_of": self.as_of,
            "next_after": self.next_after,
        }


@dataclass(frozen=True, slots=True)
class After:
    """A keyset cursor: the page starts after the case ``case_id`` whose sort value was
    ``value`` (None: among the cases without one, which come last, by case)."""

    sort: str
    value: dt.date | str | None
    case_id: int

    def token(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, dt.date) else self.value
        return base64.urlsafe_b64encode(orjson.dumps([self.sort, value, self.case_id])).decode().rstrip("=")

    @classmethod
    def parse(cls, token: str, sort: str) -> After:
        """The cursor ``token`` (from ``next_after``) of a list in this ``sort``; refused,
        naming ``query.after``, when it is not one."""
        try:
            got = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            key, value, case_id = got
            if key != sort or type(case_id) is not int or not 0 <= case_id <= ID_MAX:
                raise ValueError
            if not (value is None or isinstance(value, str)):
                raise ValueError
            if value is not None and sort.lstrip("-") in ("deadline", "csed"):
                value = dt.date.fromisoformat(value)
        except (ValueError, TypeError, orjson.JSONDecodeError):
            raise QueryError(
                "query.after", "is not a cursor of this list in this order (start again from the first page)"
            ) from None
        return cls(sort, value, case_id)

    def follows(self, value: Any, case_id: int) -> bool:
        """Whether the case (``value`` its sort value) comes after the cursor."""
        desc = self.sort.startswith("-")
        if self.sort.lstrip("-") == "id":
            return case_id < self.case_id if desc else case_id > self.case_id
        if self.value is None:
            return value is None and case_id > self.case_id
        if value is None:
            return True
        return (
            (value, case_id) < (self.value, self.case_id)
            if desc
            else (value, case_id) > (self.value, self.case_id)
        )


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


def _term_range(term: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Name words starting with ``term``: one range of the (bytewise) term index."""
    hi = term[:-1] + chr(ord(term[-1]) + 1)
    return NameTerm.term >= term, NameTerm.term < hi


def _word(word: str) -> Narrowing:
    """One word of ``q``: a word of the taxpayer's name (by its start), or, for digits, the
    case id or (four digits) the TIN's last four.

    Driving, the word is one ``case_id IN (a UNION ALL of index-driven branches)``: an OR of
    the branches (``IN (names) OR case_id = n OR tin_last4 = w``) makes PostgreSQL give up
    every index and check each case (a sequential scan of ``case_facts``: 66 ms at 100,000
    cases). Checked row by row, the OR is what is wanted (each part one index probe)."""
    lo, hi = _term_range(word[:100])
    branches: list[Select[Any]] = [select(NameTerm.case_id).where(lo, hi)]
    checking: ColumnElement[bool] = exists().where(NameTerm.case_id == CaseFacts.case_id, lo, hi)
    if word.isdigit() and word.isascii():
        also: list[ColumnElement[bool]] = []
        if int(word) <= ID_MAX:
            also.append(CaseFacts.case_id == int(word))
        if len(word) == 4:
            also.append(CaseFacts.tin_last4 == word)
        branches += [select(CaseFacts.case_id).where(one) for one in also]
        checking = or_(checking, *also)
    rows: Any = branches[0] if len(branches) == 1 else union_all(*branches)
    return Narrowing(checking, rows)


def _search(q: str) -> list[Narrowing]:
    """Each word of ``q`` must match (rarest first: see desk/paging.py)."""
    return [_word(word) for word in F.fold(q)]


def _filters(
    visible: set[int] | None,
    stage: str | None,
    hearing_status: str | None,
    csed_before: dt.date | None,
    deadline_within: int | None,
    q: str | None,
    today: dt.date,
) -> tuple[list[ColumnElement[bool]], list[Narrowing]]:
    """The conditions on ``case_facts``'s own columns, and those another table answers."""
    where: list[ColumnElement[bool]] = []
    narrow: list[Narrowing] = []
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
        is_status = HearingFact.status == hearing_status
        narrow.append(
            Narrowing(
                exists().where(HearingFact.case_id == CaseFacts.case_id, is_status),
                select(HearingFact.case_id).where(is_status),
            )
        )
    if csed_before is not None:
        where.append(CaseFacts.csed < csed_before)  # the earliest CSED: any one before the day
    if deadline_within is not None:
        if not 0 <= deadline_within <= 36_600:
            raise QueryError("query.deadline_within", "must be a number of days from 0 to 36600")
        last = today + dt.timedelta(days=deadline_within)
        within = (DeadlineFact.date >= today, DeadlineFact.date <= last)
        narrow.append(
            Narrowing(
                exists().where(DeadlineFact.case_id == CaseFacts.case_id, *within),
                select(DeadlineFact.case_id).where(*within),
            )
        )
    q = check_q(q)
    if q is not None:
        narrow += _search(q)
    return where, narrow


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
    count_cap: int | None = COUNT_CAP,
    after: str | None = None,
) -> CasePage:
    """One page of the cases ``visible`` (None: all) that pass every filter given.

    ``hearing_status``: a hearing of the case has it; ``csed_before``: a CSED of the case
    falls before that day; ``deadline_within``: a deadline of the case falls from today to
    that many days on; ``q``: taxpayer name words, a case id, or a TIN's last four digits.
    The total is counted up to ``count_cap`` matches (past it, a lower bound; ``None``:
    exact), see desk/paging.py. ``after``: the page after that keyset cursor (a page's
    ``next_after``), read from the cursor on instead of skipping the rows before it; then
    ``page`` must be 1, and ``has_next`` is known from the rows.
    """
    if sort not in SORTS:
        raise QueryError("query.sort", f"{sort[:40]!r} is not a sort; expected one of {', '.join(SORTS)}")
    cursor = None if after is None else After.parse(after, sort)
    if cursor is not None and page != 1:
        raise QueryError("query.after", "give a page number or a cursor, not both")
    day = today or dt.date.today()
    own, narrow = _filters(visible, stage, hearing_status, csed_before, deadline_within, q, day)
    F.fill_missing(desk)
    offset = (page - 1) * per_page
    limit = count_limit(count_cap, offset, per_page)
    with desk._reads() as s:
        plan = narrowest(s, narrow, CaseFacts.case_id)
        where = own + plan.where
        ranged = None
        if not plan.driven and stage is not None and deadline_within is not None:
            ranged = _stage_window(s, stage, day + dt.timedelta(days=deadline_within))
            if ranged is not None:
                where.append(ranged)
        more = None
        if plan.driven or ranged is not None:
            total, rows, more = _driven_page(s, where, sort, offset, per_page, limit, cursor)
        else:
            total, rows = None, None
        if rows is None:
            rows = _ordered(s, where, sort, offset, per_page + 1, cursor)  # one more: is there a next page?
            if cursor is not None:
                more = len(rows) > per_page
            elif total is None and len(rows) <= per_page and (rows or offset == 0):
                total = Total(offset + len(rows), True)  # a short page: nothing after it
            rows = rows[:per_page]
        if cursor is not None and total is None and narrow and not plan.driven and count_cap is not None:
            total = Total(len(rows), False)  # broad narrowings: not counted, as below
        if total is None and narrow and not plan.driven and count_cap is not None:
            # every narrowing is broad: counting could check every case; the rows seen say
            # enough (more than those up to this page's end) and the next page is known
            total = Total(offset + per_page, False)
        if total is None:
            total = capped_count(s, select(CaseFacts.case_id).where(*where), limit)
        items = _items(s, rows, day)
    has_next = more if more is not None else total.has_next(offset, per_page)
    next_after = _after(sort, rows[-1][0]).token() if rows and has_next else None
    return CasePage(items, total.n, page, per_page, total_exact=total.exact, next_after=next_after, more=more)


#: The most cases of one stage whose earliest deadline row is on or before a window's last
#: day for that range to drive the page (each is then checked exactly, and the matches are
#: sorted here). Past it most of them have a deadline in the window, and the walk in the
#: page's order stops at the page's last row sooner (at 100,000 cases: 1,036 in appeals
#: driven, 2.1 ms; walked, 0.2 ms).
RANGE_MAX = 300


def _stage_window(s: Session, stage: str, last: dt.date) -> ColumnElement[bool] | None:
    """``earliest_date <= last``, a condition every case of ``stage`` with a deadline on or
    before ``last`` meets (the earliest of its deadline rows is on or before that one,
    whatever day the facts are as of), when few of the stage's cases meet it: then the
    stage and it are one short range of ``ix_case_facts_stage_earliest`` (migration 0016)
    that drives the page, where two broad filters that share few cases (``csed_passed``,
    38,000 cases at 100,000, and a deadline within a year, 11,000, share none) walked every
    case of the stage checking the other (17 ms). None: many do; the caller walks.

    The condition is the range's case ids, read here (at most ``RANGE_MAX``, in the index's
    order), not the range itself: PostgreSQL, guessing from its statistics that a window's
    end a century on takes in every case with a deadline, walked all 100,000 cases by id for
    the page (33 ms) when the range held none (issue 11, session 8)."""
    near = CaseFacts.earliest_date <= last
    # in the index's order, so that the index is the plan: with a LIMIT alone PostgreSQL
    # scanned the table, guessing the range wide, when it held nothing (35 ms)
    in_range = (
        select(CaseFacts.case_id).where(CaseFacts.stage == stage, near).order_by(CaseFacts.earliest_date)
    )
    ids = list(s.scalars(in_range.limit(RANGE_MAX + 1)))
    if len(ids) > RANGE_MAX:
        return None
    # none: a constant false (an empty IN is a condition SQLite checked on every row)
    return CaseFacts.case_id.in_(ids) if ids else false()


def _after(sort: str, row: CaseFacts) -> After:
    key = sort.lstrip("-")
    return After(sort, None if key == "id" else getattr(row, _SORT_COLUMN[key].key), row.case_id)


_SORT_COLUMN: dict[str, Any] = {
    "deadline": CaseFacts.next_deadline,
    "csed": CaseFacts.csed,
    "taxpayer": CaseFacts.taxpayer_sort,
}


def _driven_page(
    s: Session,
    where: list[ColumnElement[bool]],
    sort: str,
    offset: int,
    per_page: int,
    limit: int | None,
    cursor: After | None = None,
) -> tuple[Total | None, list[Listed] | None, bool | None]:
    """A driven query (at most ``DRIVE_MAX`` rows) read once: the matches' ids and sort
    keys, up to the count's limit, ordered here as ``_ordered`` orders them in SQL; then the
    page's rows. When more match than the limit, only the total is known ("more than"):
    the caller orders in SQL, as it does for a sort by name (the database's collation)."""
    key = sort.lstrip("-")
    if key == "taxpayer" and cursor is None and limit is not None:
        # ordered by the database's collation: the matches' ids in the page's order, up to
        # the count's limit, are the count and the page in one walk (not a read of every
        # match to count it, then the walk again: 2.4 ms each at 20,000 cases on PostgreSQL)
        ids = _ordered_ids(s, where, sort, 0, limit + 1)
        return Total.read(len(ids), limit), _by_ids(s, ids[offset : offset + per_page]), None
    col = CaseFacts.case_id if key == "id" else _SORT_COLUMN[key]
    q = select(CaseFacts.case_id, col).where(*where)
    found = s.execute(q if limit is None else q.limit(limit + 1)).all()
    if limit is not None and len(found) > limit:
        return Total(limit, False), None, None
    if key == "taxpayer":  # ordered by the database's collation; none found: an empty page
        return Total(len(found), True), (None if found else []), None
    desc = sort.startswith("-")
    valued = sorted(((v, cid) for cid, v in found if v is not None), reverse=desc)
    empty = sorted(cid for cid, v in found if v is None)
    order = [(v, cid) for v, cid in valued] + [(None, cid) for cid in empty]
    if cursor is None:
        return (
            Total(len(found), True),
            _by_ids(s, [cid for _, cid in order[offset : offset + per_page]]),
            None,
        )
    rest = [cid for v, cid in order if cursor.follows(v, cid)]
    return Total(len(found), True), _by_ids(s, rest[:per_page]), len(rest) > per_page


def _ordered(
    s: Session,
    where: list[ColumnElement[bool]],
    sort: str,
    offset: int,
    limit: int,
    cursor: After | None = None,
) -> list[Listed]:
    """The page's rows in order. Sorting on a column that can be empty, the rows with a
    value come first (in its order, then by case), then the empty ones by case: two index
    walks, never a sort of every row. The walks read case ids only (an index can answer
    them alone: PostgreSQL walked the table's rows to check a stage, 49 ms at 100,000
    cases, where the stage index and a deadline index merge in a few); then the page's rows."""
    return _by_ids(s, _ordered_ids(s, where, sort, offset, limit, cursor))


def _ordered_ids(
    s: Session,
    where: list[ColumnElement[bool]],
    sort: str,
    offset: int,
    limit: int,
    cursor: After | None = None,
) -> list[int]:
    """The ids of :func:`_ordered`'s rows, in order."""
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    base = select(CaseFacts.case_id).where(*where)
    if key == "id":
        order = CaseFacts.case_id.desc() if desc else CaseFacts.case_id
        if cursor is not None:
            base = base.where(
                CaseFacts.case_id < cursor.case_id if desc else CaseFacts.case_id > cursor.case_id
            )
        return list(s.scalars(base.order_by(order).offset(offset).limit(limit)))
    col = _SORT_COLUMN[key]
    by = (col.desc(), CaseFacts.case_id.desc()) if desc else (col, CaseFacts.case_id)
    out: list[int] = []
    # from a cursor: the dated rows after it in their order (a row value, one index range),
    # none when it stands among the undated; then the undated after it, by case
    dated: list[ColumnElement[bool]] = [col.is_not(None)]
    undated: list[ColumnElement[bool]] = [col.is_(None)]
    if cursor is not None and cursor.value is not None:
        pair, at = tuple_(col, CaseFacts.case_id), tuple_(cursor.value, cursor.case_id)
        dated.append(pair < at if desc else pair > at)
    elif cursor is not None:
        undated.append(CaseFacts.case_id > cursor.case_id)
    if cursor is None or cursor.value is not None:
        out = list(s.scalars(base.where(*dated).order_by(*by).offset(offset).limit(limit)))
    rest = limit - len(out)
    if rest > 0:
        # fewer than offset + limit rows have a value: counting up to there is exact
        valued = (
            0
            if offset == 0
            else capped_count(s, select(CaseFacts.case_id).where(*where, *dated), offset + limit).n
        )
        empty = base.where(*undated).order_by(CaseFacts.case_id)
        out += list(s.scalars(empty.offset(max(0, offset - valued)).limit(rest)))
    return out


#: A listed case: its facts, and its case row's version, creation time and TIN.
Listed = tuple[CaseFacts, int, dt.datetime, str | None]


def _by_ids(s: Session, ids: list[int]) -> list[Listed]:
    """The rows of these cases, in this order, each with what its case row adds (read
    together: one statement, one round trip, not two)."""
    if not ids:
        return []
    found = s.execute(
        select(CaseFacts, Case.version, Case.created_at, Taxpayer.tin)
        .join(Case, Case.id == CaseFacts.case_id)
        .outerjoin(Taxpayer, Taxpayer.id == Case.taxpayer_id)
        .where(CaseFacts.case_id.in_(ids))
    )
    by_id: dict[int, Listed] = {r.case_id: (r, version, created, tin) for r, version, created, tin in found}
    return [by_id[cid] for cid in ids]


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


def _items(s: Session, rows: list[Listed], day: dt.date) -> list[dict[str, Any]]:
    ids = [r.case_id for r, *_ in rows]
    if not ids:
        return []
    periods: dict[int, list[str]] = {}
    for cid, key in s.execute(
        select(CasePeriod.case_id, CasePeriod.period_key)
        .where(CasePeriod.case_id.in_(ids))
        .order_by(CasePeriod.case_id, CasePeriod.position)
    ):
        periods.setdefault(cid, []).append(key)
    nexts = _next_to_act(s, ids, day)
    items = []
    for r, version, created, tin in rows:
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
    """:func:`counted_withdrawals` with an exact count (what "issue all" reports)."""
    items, total = counted_withdrawals(
        desk,
        status,
        case_id=case_id,
        page=page,
        per_page=per_page,
        today=today,
        older_than=older_than,
        hearing=hearing,
        assigned_to=assigned_to,
        q=q,
        count_cap=None,
    )
    return items, total.n


def counted_withdrawals(
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
    count_cap: int | None = COUNT_CAP,
) -> tuple[list[dict[str, Any]], Total]:
    """The withdrawals waiting (``pending``: written, to acknowledge with Letter 4383;
    ``waiting_for_writing``: oral), oldest received first, each with the days it has
    waited and the clerk it is assigned to; one page of them (all with no ``per_page``),
    and how many there are (counted up to ``count_cap``, see desk/paging.py).

    Filters, all in SQL: ``older_than``: waiting more than that many days; ``hearing``:
    ``cdp`` or ``equivalent``, it ends a hearing of that type; ``assigned_to``: assigned to
    that username (``""``: to nobody); ``q``: name words, a case id or a TIN's last four."""
    (found,) = withdrawal_lists(
        desk,
        [(status, page)],
        case_id=case_id,
        per_page=per_page,
        today=today,
        older_than=older_than,
        hearing=hearing,
        assigned_to=assigned_to,
        q=q,
        count_cap=count_cap,
    )
    return found


def withdrawal_lists(
    desk: Desk,
    lists: list[tuple[str, int]],
    *,
    case_id: int | None = None,
    per_page: int | None = None,
    today: dt.date | None = None,
    older_than: int | None = None,
    hearing: str | None = None,
    assigned_to: str | None = None,
    q: str | None = None,
    count_cap: int | None = COUNT_CAP,
) -> list[tuple[list[dict[str, Any]], Total]]:
    """:func:`counted_withdrawals` for each (status, page) of ``lists``, filtered alike, read
    in one session with the search planned once (the queue page shows the written and the
    oral withdrawals: each list planning the search again read each word's index range
    twice, and each a session of its own cost PostgreSQL three more round trips)."""
    F.fill_missing(desk)
    day = today or dt.date.today()
    where: list[ColumnElement[bool]] = []
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
    words = _search(q) if q is not None else []
    assignment = (QueueAssignment.case_id == WithdrawalFact.case_id) & (
        QueueAssignment.event_key == WithdrawalFact.event_key
    )
    order = (WithdrawalFact.received, WithdrawalFact.case_id, WithdrawalFact.entry_id)
    # the page's withdrawals chosen first, joined only to what the filters need, then read
    # with their case, event and clerk: joined before the OFFSET, page 50 read 2,500 rows
    keys = select(WithdrawalFact.id)
    if words:
        keys = keys.join(CaseFacts, CaseFacts.case_id == WithdrawalFact.case_id)
    if assigned_to is not None:
        keys = keys.outerjoin(QueueAssignment, assignment)
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
        .outerjoin(QueueAssignment, assignment)
        .order_by(*order)
    )
    out = []
    with desk._reads() as s:
        plan = narrowest(s, words, WithdrawalFact.case_id)
        # a search word that drives: the status is checked, not walked (``status || ''``
        # is no index term), or SQLite walks every pending withdrawal in date order,
        # probing the word's ids for each (12 ms at 32,000 pending, and growing)
        status_column = WithdrawalFact.status.concat("") if plan.driven else WithdrawalFact.status
        chosen = [keys.where(status_column == status, *where, *plan.where) for status, _ in lists]
        offsets = [(page - 1) * (per_page or 0) for _, page in lists]
        limits = [None if per_page is None else count_limit(count_cap, off, per_page) for off in offsets]
        # the lists' counts in one statement (one round trip, not one each), unless a
        # driving search word counts as it reads (below)
        counts_first = per_page is not None and not (plan.driven and count_cap is not None)
        totals = capped_counts(s, chosen, limits) if counts_first else []
        for i, (status, _) in enumerate(lists):
            offset, limit = offsets[i], limits[i]
            if per_page is None:
                rows = s.execute(query.where(WithdrawalFact.id.in_(chosen[i]))).all()
                total = Total(len(rows), True)
            else:
                if counts_first:
                    total = totals[i]
                    # counted exactly to the page's start or short of it: an empty page
                    # (the oral list often is), not walked
                    empty = total.exact and total.n <= offset
                    ids = (
                        []
                        if empty
                        else list(s.scalars(chosen[i].order_by(*order).offset(offset).limit(per_page)))
                    )
                else:
                    # few matches (a search word drives): their ids in order, up to the
                    # count's limit, are the count and the page in one statement
                    assert limit is not None
                    found = list(s.scalars(chosen[i].order_by(*order).limit(limit + 1)))
                    total = Total.read(len(found), limit)
                    ids = found[offset : offset + per_page]
                rows = s.execute(query.where(WithdrawalFact.id.in_(ids))).all() if ids else []
            out.append(([_withdrawal_json(status, day, *row) for row in rows], total))
    return out


def pending_total(desk: Desk, *, count_cap: int | None = COUNT_CAP) -> Total:
    """How many written withdrawals wait for Letter 4383, whatever a page's filters (what
    the filtered queue page says it is out of), counted up to ``count_cap`` as a page's
    total is: one count, where a page of the whole queue read both lists and their rows."""
    F.fill_missing(desk)
    with desk._reads() as s:
        return capped_count(
            s,
            select(WithdrawalFact.id).where(WithdrawalFact.status == F.PENDING),
            count_limit(count_cap, 0, 1),
        )


def _withdrawal_json(
    status: str,
    day: dt.date,
    w: WithdrawalFact,
    name: str | None,
    by: str,
    at: dt.datetime,
    clerk: str | None,
    since: dt.datetime | None,
) -> dict[str, Any]:
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
    return item
