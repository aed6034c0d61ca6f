"""Deadlines the law moves or stretches (law.md 3.4): a disaster relief period (IRC 7508A),
combat-zone service (IRC 7508) and, for the Tax Court petition window, a bankruptcy stay
(IRC 6330(d)(2)).

Two kinds of relief, written out beside each other:

- a *postponement* (IRC 7508A): a deadline that falls inside the relief period moves to the
  period's last day; a deadline before or after it stays where it is;
- *days not counted* (IRC 7508, IRC 6330(d)(2)): the window stops running for the days of
  the gap and runs on after it, so the days it had left when the gap began come after the
  gap's last day.

Each relief covers the periods its event names (all of them when it names none). Pure: no
I/O and no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cdpdesk.contract.case import Bankruptcy, CombatZone, DisasterRelief
from cdpdesk.engine import authority as A
from cdpdesk.engine import hearings as H
from cdpdesk.engine.authority import Dated, Why, iso_day
from cdpdesk.engine.calendar import ONE_DAY, Calendar

COMBAT_ZONE_EXTRA_DAYS = 180  # IRC 7508(a): the next 180 days after service (or hospitalization)
BANKRUPTCY_PETITION_EXTRA_DAYS = 30  # IRC 6330(d)(2): and for 30 days thereafter

DISASTER, COMBAT, BANKRUPTCY = "disaster", "combat_zone", "bankruptcy"


@dataclass(frozen=True, slots=True)
class Relief:
    """One relief: a postponement period (disaster) or a run of days not counted (combat zone,
    bankruptcy stay), both as inclusive first and last days."""

    kind: str
    event: str
    first: date
    last: date
    periods: frozenset[str] | None  # None: every period of the case
    complete: bool  # False while its end is not yet known on as_of (counted as if it ended then)
    label: str  # how the sentence names it

    def covers(self, period: str) -> bool:
        return self.periods is None or period in self.periods


@A.implements(A.DISASTER_POSTPONEMENT)
def disaster_relief(ev: DisasterRelief) -> Relief:
    """IRC 7508A(a); Reg. 301.7508A-1: the relief period as the IRS announced it, first to last
    day. Its last day may lie after ``as_of`` (announced ahead); it is a fact, not a guess."""
    periods = None if ev.periods is None else frozenset(ev.periods)
    label = f"disaster relief {ev.relief} ({iso_day(ev.first_day)} to {iso_day(ev.last_day)})"
    return Relief(DISASTER, ev.id, ev.first_day, ev.last_day, periods, True, label)


@A.implements(A.COMBAT_ZONE_DEADLINE)
def combat_zone_gap(ev: CombatZone, as_of: date) -> Relief:
    """IRC 7508(a): the time in the combat zone, any continuous qualified hospitalization after
    it, and the next 180 days are disregarded. The gap runs from ``entered`` through the 180th
    day after the later of ``departed`` and ``hospitalized_until``.

    Exception ``still-serving``: with no ``departed`` the service is taken to end on ``as_of``
    (not complete): every date it yields is the earliest it can be."""
    end = ev.departed if ev.departed is not None else as_of
    if ev.hospitalized_until is not None and ev.hospitalized_until > end:
        end = ev.hospitalized_until
    last = end + timedelta(days=COMBAT_ZONE_EXTRA_DAYS)
    periods = None if ev.periods is None else frozenset(ev.periods)
    what = (
        "hospitalization" if ev.hospitalized_until is not None and ev.hospitalized_until == end else "service"
    )
    label = (
        f"combat-zone service from {iso_day(ev.entered)} (its {what} ending {iso_day(end)}"
        f"{'' if ev.departed is not None else ', as of today'}, and 180 days more to {iso_day(last)})"
    )
    return Relief(COMBAT, ev.id, ev.entered, last, periods, ev.departed is not None, label)


@A.implements(A.PETITION_WINDOW_BANKRUPTCY)
def bankruptcy_petition_gap(ev: Bankruptcy, as_of: date) -> Relief:
    """IRC 6330(d)(2): while a title 11 case bars a Tax Court petition (the automatic stay,
    11 U.S.C. 362(a)(8)), and for 30 days after, the petition window does not run. The stay
    runs from ``filed`` up to ``stay_ended`` (the day it ended, as the CSED counts it, law.md
    4.3), and the 30 days from that day on.

    Exception ``stay-in-force``: with no ``stay_ended`` the stay is taken to end on ``as_of``
    (not complete): the petition deadline is then the earliest it can be."""
    ended = ev.stay_ended if ev.stay_ended is not None else as_of
    last = ended + timedelta(days=BANKRUPTCY_PETITION_EXTRA_DAYS - 1)
    state = f"ended {iso_day(ended)}" if ev.stay_ended is not None else f"still in force on {iso_day(as_of)}"
    label = (
        f"the bankruptcy stay from {iso_day(ev.filed)} ({state}) and the 30 days after it, to {iso_day(last)}"
    )
    return Relief(BANKRUPTCY, ev.id, ev.filed, last, frozenset(ev.periods), ev.stay_ended is not None, label)


@A.implements(A.COMBAT_ZONE_DEADLINE, A.PETITION_WINDOW_BANKRUPTCY)
def window_end_skipping(opens: date, days: int, gaps: list[tuple[date, date]]) -> date:
    """The last day of a window of ``days`` days from ``opens`` that does not count the days
    of ``gaps`` (inclusive first and last days, in any order, overlapping or not): the days it
    had run before a gap count, the gap's do not, and the rest follow the gap."""
    cur, left = opens, days
    for first, last in sorted(gaps):
        if last < cur:
            continue  # the gap ended before the window (or before the part still to run)
        if first > cur + timedelta(days=left - 1):
            break  # the window ends before the gap begins
        if first > cur:
            left -= (first - cur).days
        cur = last + ONE_DAY
    return cur + timedelta(days=left - 1)


@A.implements(A.DISASTER_POSTPONEMENT)
def disaster_postponed(day: date, relief: Relief) -> date | None:
    """IRC 7508A(a), Rev. Proc. 2018-58 (which lists both the CDP or EH request and the Tax
    Court petition among the acts postponed): a deadline on or after the relief period's first
    day and on or before its last moves to that last day. Exception: a deadline outside the
    period is not moved (None)."""
    if relief.first <= day <= relief.last:
        return relief.last
    return None


@A.implements(A.DISASTER_POSTPONEMENT, A.COMBAT_ZONE_DEADLINE, A.PETITION_WINDOW_BANKRUPTCY)
def relieved_deadline(
    cal: Calendar,
    opens: date,
    last_day: date,
    deadline: Dated,
    period: str,
    reliefs: list[Relief],
    what: str,
) -> Dated:
    """A window's deadline (day 1 ``opens``, unrolled last day ``last_day``, rolled ``deadline``)
    after every relief that covers ``period``: first the days not counted (combat zone,
    bankruptcy stay), then the disaster postponements, repeated while a moved deadline lands in
    another relief period; each new last day is rolled under IRC 7503. The deadline comes back
    unchanged (the same object) when no relief touches it."""
    mine = [r for r in reliefs if r.covers(period)]
    if not mine:
        return deadline
    candidates = [r for r in mine if r.kind != DISASTER and r.last >= opens]
    sentences: list[str] = []
    labels: list[str] = []
    rule = deadline.why.rule
    complete = deadline.complete
    day = deadline.value
    days = (last_day - opens).days + 1
    end = (
        window_end_skipping(opens, days, [(g.first, g.last) for g in candidates]) if candidates else last_day
    )
    # The gaps that began before the (stretched) window ran out: a later one touched nothing.
    gaps = [g for g in candidates if g.first <= end]
    if gaps:
        day = cal.roll(end)
        rule = A.PETITION_WINDOW_BANKRUPTCY if gaps[-1].kind == BANKRUPTCY else A.COMBAT_ZONE_DEADLINE
        complete = complete and all(g.complete for g in gaps)
        names = "; ".join(g.label for g in gaps)
        law = " and ".join(sorted({"IRC 7508" if g.kind == COMBAT else "IRC 6330(d)(2)" for g in gaps}))
        sentences.append(
            f"The {what} window does not run during {names} ({law}): its {days} days end "
            f"{iso_day(end)}{'' if day == end else f', rolled to {iso_day(day)}'}."
        )
        labels += sorted({"combat-zone" if g.kind == COMBAT else "bankruptcy-stay" for g in gaps})
    disasters = sorted((r for r in mine if r.kind == DISASTER), key=lambda r: (r.first, r.last))
    moved = True
    while moved:
        moved = False
        for r in disasters:
            to = disaster_postponed(day, r)
            if to is not None and cal.roll(to) > day:
                rolled = cal.roll(to)
                sentences.append(
                    f"The deadline {iso_day(day)} falls inside {r.label}; IRC 7508A postpones it to "
                    f"the period's last day{'' if rolled == to else f', {iso_day(to)}, rolled to'} "
                    f"{iso_day(rolled)}."
                )
                day, rule, moved = rolled, A.DISASTER_POSTPONEMENT, True
                if "disaster-postponement" not in labels:
                    labels.append("disaster-postponement")
    if day == deadline.value and not sentences:
        return deadline
    if not complete:
        sentences.append("A relief is still running, so this is the earliest the deadline can be.")
    says = f"{deadline.why.says} {' '.join(sentences)}"
    exceptions = (*deadline.why.exceptions, *labels)
    return Dated(day, Why(rule, says, deadline.why.field, day, exceptions), complete)


@A.implements(A.PETITION_WINDOW_BANKRUPTCY)
def petition_during_stay(petition: str, filed: date, period: str, reliefs: list[Relief]) -> H.Warning | None:
    """Prevo v. Commissioner, 123 T.C. 326 (2004): a Tax Court petition filed while the
    automatic stay bars it (11 U.S.C. 362(a)(8)) is void, and the court dismisses it. The
    engine reports it; the petition window is suspended meanwhile (IRC 6330(d)(2)), so a
    new petition after the stay can still be in time. It changes no date itself."""
    for r in reliefs:
        stay_last = r.last - timedelta(days=BANKRUPTCY_PETITION_EXTRA_DAYS - 1) - ONE_DAY
        if r.kind == BANKRUPTCY and r.covers(period) and r.first <= filed <= stay_last:
            return H.Warning(
                "petition_during_bankruptcy_stay",
                petition,
                f"The Tax Court petition filed {iso_day(filed)} came while the bankruptcy stay of "
                f"event {r.event} barred it (11 U.S.C. 362(a)(8)); the court will dismiss it (Prevo "
                "v. Commissioner, 123 T.C. 326 (2004)). The petition window is suspended until 30 "
                "days after the stay ends (IRC 6330(d)(2)).",
            )
    return None


def reliefs_in(buckets: dict[str, list[tuple[int, Any]]], as_of: date, petition: bool) -> list[Relief]:
    """The reliefs a case records: disaster relief and combat-zone service for every window,
    and, for the petition window (``petition``), bankruptcy stays too."""
    out = [disaster_relief(ev) for _, ev in buckets.get("disaster_relief", ())]
    out += [combat_zone_gap(ev, as_of) for _, ev in buckets.get("combat_zone", ())]
    if petition:
        out += [bankruptcy_petition_gap(ev, as_of) for _, ev in buckets.get("bankruptcy", ())]
    return out
