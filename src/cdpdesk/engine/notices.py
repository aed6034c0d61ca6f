"""CDP notices and their windows: levy (IRC 6330), lien (IRC 6320), equivalent hearings.

Each function decides one date and returns it with its reason. Exceptions to a rule are
written beside it and named in the reason's ``exceptions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from cdpdesk.engine import authority as A
from cdpdesk.engine.authority import Dated, Why, iso_day
from cdpdesk.engine.calendar import ONE_DAY, Calendar, one_year_period_last_day

CDP_DAYS = 30
LIEN_BUSINESS_DAYS = 5
PRE_LEVY_DAYS = 30
# RRA 1998 section 3401(d): CDP rights for liens filed and levies made from this day on.
CDP_EFFECTIVE = date(1999, 1, 19)


@dataclass(frozen=True, slots=True)
class Window:
    """A request window: day 1, the unrolled last day, and the rolled deadline."""

    opens: date
    last_day: date
    deadline: Dated


def _thirty_day_window(
    cal: Calendar,
    after: date,
    rule: A.Rule,
    field: str,
    lead: str,
    exceptions: tuple[str, ...] = (),
) -> Window:
    opens = after + ONE_DAY
    last = after + timedelta(days=CDP_DAYS)
    rolled, phrase = cal.roll_explained(last)
    says = f"{lead}The 30-day window began {iso_day(opens)}; {phrase}."
    return Window(opens, last, Dated(rolled, Why(rule, says, field, rolled, exceptions)))


def _one_year_window(
    cal: Calendar,
    after: date,
    rule: A.Rule,
    lead: str,
    exceptions: tuple[str, ...] = (),
) -> Window:
    # Law.md 2, one-year periods: the day before day 1's first anniversary (that of February
    # 29 being March 1), whatever the ``leap_day`` policy says: a year of days loses none.
    opens = after + ONE_DAY
    last = one_year_period_last_day(opens)
    rolled, phrase = cal.roll_explained(last)
    says = f"{lead}The one-year window began {iso_day(opens)}; {phrase}."
    return Window(opens, last, Dated(rolled, Why(rule, says, "eh_deadline", rolled, exceptions)))


@A.implements(A.LEVY_CDP_WINDOW, A.LEVY_EH_WINDOW)
def levy_window_start(notice_date: date, mailed: date | None) -> tuple[date, str, tuple[str, ...]]:
    """The day a levy notice's windows run from: its printed date, or a later mailing date.

    Exception ``mailed-after-notice-date``: when the notice was mailed after the date
    printed on it, the mailing date governs (Weiss v. Commissioner, 147 T.C. 179 (2016)).
    Exception ``mailed-before-notice-date``: a mailing date earlier than the printed date
    changes nothing; the windows run from the printed date (Reg. 301.6330-1(c)(2) Q&A-C3;
    PMTA 2011-014). It is valid input, not an error (law.md 3.1).
    """
    if mailed is not None and mailed > notice_date:
        lead = (
            f"The notice is dated {iso_day(notice_date)} but was mailed {iso_day(mailed)}; "
            "the mailing date governs (Weiss v. Commissioner, 147 T.C. 179 (2016)). "
        )
        return mailed, lead, ("mailed-after-notice-date",)
    if mailed is not None and mailed < notice_date:
        lead = (
            f"The levy notice is dated {iso_day(notice_date)} and was mailed earlier, "
            f"{iso_day(mailed)}; the windows run from the printed date (PMTA 2011-014). "
        )
        return notice_date, lead, ("mailed-before-notice-date",)
    return notice_date, f"The levy notice is dated {iso_day(notice_date)}. ", ()


@lru_cache(maxsize=1 << 16)
@A.implements(A.LEVY_CDP_WINDOW)
def levy_cdp_window(cal: Calendar, notice_date: date, mailed: date | None) -> Window:
    """IRC 6330(a)(3)(B): 30 days beginning the day after the notice, rolled under 7503."""
    start, lead, exc = levy_window_start(notice_date, mailed)
    return _thirty_day_window(cal, start, A.LEVY_CDP_WINDOW, "cdp_deadline", lead, exc)


@lru_cache(maxsize=1 << 16)
@A.implements(A.LEVY_EH_WINDOW)
def levy_eh_window(cal: Calendar, notice_date: date, mailed: date | None) -> Window:
    """Reg. 301.6330-1(i)(2) Q&A-I7: one year beginning the day after the notice, rolled."""
    start, lead, exc = levy_window_start(notice_date, mailed)
    return _one_year_window(cal, start, A.LEVY_EH_WINDOW, lead, exc)


@lru_cache(maxsize=1 << 16)
@A.implements(A.LIEN_FIVE_BUSINESS_DAYS)
def lien_fifth_business_day(cal: Calendar, nftl_filed: date) -> Dated:
    """IRC 6320(a)(2): the notice is due within 5 business days after the NFTL filing."""
    days = cal.business_days_after(nftl_filed, LIEN_BUSINESS_DAYS)
    fifth = days[-1]
    skipped = []
    d = nftl_filed + ONE_DAY
    while d < fifth:
        name = cal.holiday_name(d)
        if name:
            skipped.append(f"{iso_day(d)} is {name}")
        d += ONE_DAY
    holidays_note = f" ({'; '.join(skipped)})" if skipped else ""
    says = (
        f"The NFTL was filed {A.long_date(nftl_filed)}; the 5 business days after it are "
        f"{', '.join(iso_day(x) for x in days)}{holidays_note}, so the 5th is {iso_day(fifth)}."
    )
    return Dated(fifth, Why(A.LIEN_FIVE_BUSINESS_DAYS, says, "fifth_business_day", fifth))


@lru_cache(maxsize=1 << 16)
@A.implements(A.LIEN_CDP_WINDOW)
def lien_cdp_window(cal: Calendar, fifth: date) -> Window:
    """IRC 6320(a)(3)(B): 30 days beginning the day after the 5th business day, rolled."""
    lead = f"The 5-business-day period after the NFTL filing ended {iso_day(fifth)}. "
    return _thirty_day_window(cal, fifth, A.LIEN_CDP_WINDOW, "cdp_deadline", lead)


@lru_cache(maxsize=1 << 16)
@A.implements(A.LIEN_EH_WINDOW)
def lien_eh_window(cal: Calendar, fifth: date) -> Window:
    """Reg. 301.6320-1(i)(2): one year beginning the day after the 5-business-day period."""
    lead = f"The 5-business-day period after the NFTL filing ended {iso_day(fifth)}. "
    return _one_year_window(cal, fifth, A.LIEN_EH_WINDOW, lead)


@A.implements(A.LIEN_FIVE_BUSINESS_DAYS)
def lien_notice_is_late(notice_date: date, fifth: date) -> bool:
    """IRC 6320(a)(2): a notice sent after the 5th business day is a defect to report."""
    return notice_date > fifth


@A.implements(A.RRA_EFFECTIVE)
def predates_cdp(day: date) -> bool:
    """RRA 1998 section 3401(d): no CDP rights for liens filed or levies before 1999-01-19."""
    return day < CDP_EFFECTIVE


@lru_cache(maxsize=1 << 16)
@A.implements(A.LEVY_PROHIBITION)
def earliest_pre_levy_day(notice_date: date, mailed: date | None) -> Dated:
    """IRC 6330(a)(2): the notice must come at least 30 days before the first levy."""
    start, lead, exc = levy_window_start(notice_date, mailed)
    day = start + timedelta(days=PRE_LEVY_DAYS)
    says = f"{lead}No levy may be made until 30 days after it: {iso_day(day)}."
    return Dated(day, Why(A.LEVY_PROHIBITION, says, "levy_allowed_from", day, exc))
