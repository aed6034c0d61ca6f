"""Pages whose cost does not grow with the desk: a capped count, and the choice of which
condition drives a filtered query (docs/decisions.md, "Issue 11, pages at office scale").

- A page that comes back short (fewer rows than asked for) has its total without a count:
  the rows before it and its own.
- When every narrowing (below) is broad, a full page is not counted at all: a count could
  check every case when the matches are few among many; the page says "more than" the rows
  up to its end, and that a next page exists.
- Else a page's ``total`` is counted through a LIMITed subquery: at most ``max(cap, offset +
  per_page) + 1`` matching rows are read, so a broad filter costs what ``cap`` rows cost, not
  what every match costs. Past the cap the page says "more than N" (``total_exact`` false)
  and still knows whether there is a next page (``has_next``).
- A filter that selects cases through another table (a hearing status, a deadline in a
  window, a word of the search) can be written two ways: ``case_id IN (subquery)``, which
  makes the subquery's rows the driver, or a correlated ``EXISTS``, checked row by row while
  the sort index is walked. The narrowest such filter (its rows counted up to a bound, from
  its own index) drives when it has at most ``DRIVE_MAX`` rows; every other one is an EXISTS. When
  every filter is broad, all are EXISTS and the ordered walk stops at the page's last row.
  The driver is put on the case id of the table the query walks (``case_facts``, or the
  queue's ``case_withdrawal_facts``), so that the database reads it first (:class:`Drives`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Select, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

#: A case id column: a mapped attribute (``CaseFacts.case_id``) or a column expression.
Column = ColumnElement[Any] | QueryableAttribute[Any]
#: How many matching rows a page's total counts at most (past it: "more than 1,000").
COUNT_CAP = 1000
#: The most rows a narrowing may have to drive a query (its ids are read and sorted: a few
#: milliseconds); a broader one is checked row by row along the sort index instead.
DRIVE_MAX = 5000


@dataclass(frozen=True, slots=True)
class Total:
    """How many rows match, counted up to a limit: ``n`` is exact when ``exact``, else a
    lower bound (more than ``n`` match)."""

    n: int
    exact: bool

    @classmethod
    def read(cls, n: int, limit: int) -> Total:
        """The total of ``n`` rows read when at most ``limit + 1`` were: exact up to
        ``limit``, else "more than ``limit``"."""
        return cls(min(n, limit), n <= limit)

    def has_next(self, offset: int, per_page: int) -> bool:
        return self.n > offset + per_page or (not self.exact and self.n >= offset + per_page)

    def pages(self, per_page: int) -> int:
        """The pages counted (all of them when exact; else at least that many)."""
        return max(1, -(-self.n // per_page))


class Paged:
    """``pages`` and ``has_next`` of a page dataclass with ``total``, ``total_exact``, ``page``
    and ``per_page`` (the case list's and the deadlines' pages), from its :class:`Total`."""

    __slots__ = ()
    total: int
    total_exact: bool
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages (when the total is a lower bound: at least this many)."""
        return Total(self.total, self.total_exact).pages(self.per_page)

    @property
    def has_next(self) -> bool:
        return Total(self.total, self.total_exact).has_next((self.page - 1) * self.per_page, self.per_page)


def count_limit(cap: int | None, offset: int, per_page: int) -> int | None:
    """The most rows a page's count reads: the cap, or past the cap the rows up to the end of
    this page (an OFFSET reads those anyway); ``None``: count them all."""
    return None if cap is None else max(cap, offset + per_page)


def capped_count(s: Session, rows: Select[Any], limit: int | None) -> Total:
    """Count the rows of ``rows`` (a SELECT of anything, one row per match), reading at
    most ``limit + 1`` of them."""
    if limit is None:
        return Total(int(s.scalar(select(func.count()).select_from(rows.subquery())) or 0), True)
    return Total.read(
        int(s.scalar(select(func.count()).select_from(rows.limit(limit + 1).subquery())) or 0), limit
    )


def capped_counts(
    s: Session, queries: Sequence[Select[Any]], limit: int | None | Sequence[int | None]
) -> list[Total]:
    """:func:`capped_count` of each query, all in one statement (one round trip to the
    server, not one each: a search of three words is planned with one). ``limit``: one for
    every query, or one each (the queue's lists, each at its own page)."""
    limits = list(limit) if isinstance(limit, Sequence) else [limit] * len(queries)
    if len(queries) <= 1:
        return [capped_count(s, q, n) for q, n in zip(queries, limits, strict=True)]
    counts = [
        select(func.count()).select_from((q if n is None else q.limit(n + 1)).subquery()).scalar_subquery()
        for q, n in zip(queries, limits, strict=True)
    ]
    found = s.execute(select(*counts)).one()
    return [
        Total(int(c or 0), True) if n is None else Total.read(int(c or 0), n)
        for c, n in zip(found, limits, strict=True)
    ]


class Drives(ColumnElement[bool]):
    """``column IN (rows)`` that makes ``rows`` drive the query: on PostgreSQL written
    ``column = ANY(ARRAY(rows))``, so that the rows are read first (an InitPlan) and the
    column's index is probed for each. Left to choose, PostgreSQL joins the ``IN`` by a hash
    and walks the other condition's index instead when it guesses that cheaper: a hearing
    status of 2,400 cases and a CSED before a day (49,000 cases) read 49,000 index entries
    (a few hundred milliseconds on a busy machine, 8 ms driven). SQLite reads an ``IN``
    subquery first anyway."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it stands (SQLite: no "= 1" after it)
    # the statement cache's key (and its bound values) come from both parts
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("rows", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], rows: Select[Any]) -> None:
        self.column = column
        self.rows = rows


@compiles(Drives)
def _drives(element: Drives, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.rows), **kw)


@compiles(Drives, "postgresql")
def _drives_postgresql(element: Drives, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY(ARRAY({compiler.process(element.rows, asfrom=False, **kw)}))"


def drives(column: Column, rows: Select[Any]) -> ColumnElement[bool]:
    """``column IN (rows)``, the rows (few: at most ``DRIVE_MAX``) read first: see :class:`Drives`."""
    return Drives(column if isinstance(column, ColumnElement) else column.expression, rows)


@dataclass(frozen=True, slots=True)
class Narrowing:
    """A condition on the cases that another table answers: ``rows``, a query of the cases
    it selects (one row per match there, from its own index: how narrow it is, and what
    drives a query), and ``checking``, a correlated EXISTS checked per row of an ordered
    walk."""

    checking: ColumnElement[bool]
    rows: Select[Any]

    def driving(self, column: Column) -> ColumnElement[bool]:
        """``column`` (a case id) among its rows, read first: they drive the query."""
        return drives(column, self.rows)


@dataclass(frozen=True, slots=True)
class Plan:
    """The WHERE conditions chosen, and whether a narrowing drives (then at most
    ``DRIVE_MAX`` rows are read, whatever the page asks)."""

    where: list[ColumnElement[bool]]
    driven: bool


def narrowest(s: Session, narrowings: Sequence[Narrowing], column: Column, most: int | None = None) -> Plan:
    """The narrowest narrowing (rarest first) as the driver of ``column`` (the case id of
    the table the query walks) when it has at most ``most`` rows (default ``DRIVE_MAX``),
    every other one as a check; all checks when each is broader."""
    if not narrowings:
        return Plan([], False)
    most = DRIVE_MAX if most is None else most
    sizes = capped_counts(s, [n.rows for n in narrowings], most)
    best = min(range(len(narrowings)), key=lambda i: (not sizes[i].exact, sizes[i].n))
    if not sizes[best].exact:
        return Plan([n.checking for n in narrowings], False)
    return Plan([n.driving(column) if i == best else n.checking for i, n in enumerate(narrowings)], True)
