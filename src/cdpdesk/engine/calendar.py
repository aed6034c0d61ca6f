"""Days, legal holidays and the timely-filing rules (law.md section 2).

Legal holidays are those of the District of Columbia, observed days included, taken from
the ``holidays`` package (IRC 7503; Reg. 301.7503-1(b)); when a notice names the state of
the IRS office that must receive the request, that state's statewide holidays count too
(IRC 7503, second sentence).
"""

from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta
from functools import lru_cache

import holidays

from cdpdesk.engine import authority as A
from cdpdesk.engine.authority import LEGAL_HOLIDAY_ROLL, iso_day, long_date

ONE_DAY = timedelta(days=1)
SATURDAY = 5


def _holiday_names(years: range, state: str | None) -> dict[date, str]:
    # Observed days can cross a year boundary (New Year's Day on a Saturday is
    # observed on Friday December 31), so ask for the neighbouring years too.
    wide = range(years.start - 1, years.stop + 1)
    found: dict[date, str] = dict(holidays.country_holidays("US", subdiv="DC", years=wide, observed=True))
    if state and state != "DC":
        for day, name in holidays.country_holidays("US", subdiv=state, years=wide, observed=True).items():
            found.setdefault(day, f"{name} ({state})")
    return {d: n for d, n in found.items() if d.year in years}


class Calendar:
    """The legal-holiday calendar for one optional state, built a year at a time."""

    __slots__ = ("state", "_years", "_names", "_rolled")

    def __init__(self, state: str | None = None) -> None:
        self.state = state
        self._years: set[int] = set()
        self._names: dict[date, str] = {}
        self._rolled: dict[date, tuple[date, str]] = {}

    def _load(self, year: int) -> None:
        # Build 16 years at a time: one call to the holidays package instead of one a year.
        first = year - year % 16
        block = range(first, first + 16)
        self._names.update(_holiday_names(block, self.state))
        self._years.update(block)

    def holiday_name(self, day: date) -> str | None:
        if day.year not in self._years:
            self._load(day.year)
        return self._names.get(day)

    def is_legal_holiday(self, day: date) -> bool:
        return self.holiday_name(day) is not None

    @A.implements(A.BUSINESS_DAYS)
    def is_business_day(self, day: date) -> bool:
        """IRC 6320(a)(2) business day: not a Saturday, Sunday or legal holiday."""
        return day.weekday() < SATURDAY and not self.is_legal_holiday(day)

    @A.implements(A.LEGAL_HOLIDAY_ROLL)
    def roll(self, last_day: date) -> date:
        """IRC 7503: a last day on a weekend or legal holiday moves to the next business day."""
        day = last_day
        while not self.is_business_day(day):
            day += ONE_DAY
        return day

    @A.implements(A.LEGAL_HOLIDAY_ROLL)
    def roll_explained(self, last_day: date) -> tuple[date, str]:
        """The rolled day and a phrase saying why, for the ``says`` sentence."""
        known = self._rolled.get(last_day)
        if known is None:
            known = self._rolled[last_day] = self._roll_explained(last_day)
        return known

    def _roll_explained(self, last_day: date) -> tuple[date, str]:
        rolled = self.roll(last_day)
        if rolled == last_day:
            return rolled, f"its last day is {long_date(last_day)}"
        holidays_met = []
        day = last_day
        while day < rolled:
            name = self.holiday_name(day)
            if name:
                holidays_met.append(f"{iso_day(day)} is {name}")
            day += ONE_DAY
        because = f" ({'; '.join(holidays_met)})" if holidays_met else ""
        return rolled, (
            f"its last day, {long_date(last_day)}, is not a business day{because}, "
            f"so it rolls to {long_date(rolled)}"
        )

    @A.implements(A.BUSINESS_DAYS)
    def business_days_after(self, day: date, n: int) -> list[date]:
        out: list[date] = []
        current = day
        while len(out) < n:
            current += ONE_DAY
            if self.is_business_day(current):
                out.append(current)
        return out


@lru_cache(maxsize=128)
def calendar_for(state: str | None = None) -> Calendar:
    """One shared calendar per state (DC alone when state is None)."""
    return Calendar(None if state in (None, "DC") else state)


@A.implements(A.ADDING_YEARS)
def add_years(day: date, years: int, leap_day: str = "feb28") -> date:
    """The same calendar date N years later; February 29 -> Feb 28 (policy ``leap_day``)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # February 29 in a year that has none
        if leap_day == "mar1":
            return date(day.year + years, 3, 1)
        return date(day.year + years, 2, 28)


@A.implements(A.ONE_YEAR_PERIOD)
def one_year_period_last_day(first: date) -> date:
    """Law.md 2, one-year periods: the day before the first anniversary of day 1. The
    anniversary of February 29 is March 1, so no day is lost: a period beginning 2024-02-29
    ends 2025-02-28 and one beginning 2023-03-01 ends 2024-02-29 (Reg. 301.6330-1(i)(2)
    Q&A-I7). The ``leap_day`` policy is for adding years to a date, not for this."""
    return add_years(first, 1, "mar1") - ONE_DAY


def add_months(day: date, months: int) -> date:
    """The same day number N months later, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


__all__ = [
    "Calendar",
    "LEGAL_HOLIDAY_ROLL",
    "add_months",
    "add_years",
    "calendar_for",
    "one_year_period_last_day",
]
