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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

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
    n = int(s.scalar(select(func.count()).select_from(rows.limit(limit + 1).subquery())) or 0)
    return Total(min(n, limit), n <= limit)


@dataclass(frozen=True, slots=True)
class Narrowing:
    """A condition on the cases that another table answers, in its two forms, and a query
    of its rows (one per match there, from its own index) to estimate how narrow it is."""

    driving: ColumnElement[bool]  # case_id IN (...): its rows drive the query
    checking: ColumnElement[bool]  # correlated EXISTS: checked per row of the ordered walk
    rows: Select[Any]


@dataclass(frozen=True, slots=True)
class Plan:
    """The WHERE conditions chosen, and whether a narrowing drives (then at most
    ``DRIVE_MAX`` rows are read, whatever the page asks)."""

    where: list[ColumnElement[bool]]
    driven: bool


def narrowest(s: Session, narrowings: Sequence[Narrowing], most: int | None = None) -> Plan:
    """The narrowest narrowing (rarest first) as the driver when it has at most ``most``
    rows (default ``DRIVE_MAX``), every other one as a check; all checks when each is
    broader."""
    if not narrowings:
        return Plan([], False)
    most = DRIVE_MAX if most is None else most
    sizes = [capped_count(s, n.rows, most) for n in narrowings]
    best = min(range(len(narrowings)), key=lambda i: (not sizes[i].exact, sizes[i].n))
    if not sizes[best].exact:
        return Plan([n.checking for n in narrowings], False)
    return Plan([n.driving if i == best else n.checking for i, n in enumerate(narrowings)], True)
