"""The collection statute expiration date (law.md 4.1, 4.2, 4.4): base, merge, clip, walk."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from cdpdesk.engine import authority as A
from cdpdesk.engine.authority import Dated, Why, iso_day
from cdpdesk.engine.calendar import add_years
from cdpdesk.engine.suspensions import Floor, Suspension

CSED_YEARS = 10


@lru_cache(maxsize=1 << 16)
@A.implements(A.BASE_CSED)
def base_csed(assessed: date, leap_day: str) -> Dated:
    """IRC 6502(a)(1): 10 years after the assessment (Feb 29 per policy ``leap_day``)."""
    day = add_years(assessed, CSED_YEARS, leap_day)
    exc = ("leap-day",) if (assessed.month, assessed.day) == (2, 29) else ()
    says = f"Assessed {iso_day(assessed)}; 10 years later is {iso_day(day)}."
    if exc:
        says += f" The assessment fell on February 29; policy leap_day={leap_day} gives {iso_day(day)}."
    return Dated(day, Why(A.BASE_CSED, says, "base_csed", day, exc))


@dataclass(slots=True)
class Run:
    """A merged run of suspended days and the suspensions inside it."""

    start: date
    until: date
    members: list[Suspension] = field(default_factory=list)


@A.implements(A.CSED_WALK)
def merge_suspensions(suspensions: list[Suspension]) -> list[Run]:
    """Merge overlapping or touching runs: a day suspended twice counts once
    (IRM 5.1.19.3.7.4(4)(b))."""
    runs: list[Run] = []
    for s in sorted(suspensions, key=lambda s: (s.start, s.until)):
        if s.until <= s.start and not s.open:
            continue  # no day suspended
        # An open suspension that began on ``as_of`` has no day yet but runs on: it is kept
        # (as a run of no days) so that the walk knows the CSED is a lower bound.
        if runs and s.start <= runs[-1].until:
            last = runs[-1]
            if s.until > last.until:
                last.until = s.until
            last.members.append(s)
        else:
            runs.append(Run(s.start, s.until, [s]))
    return runs


@dataclass(slots=True)
class CsedResult:
    csed: Dated
    floors: list[tuple[Floor, bool]]  # (floor, whether it raised the CSED)
    trail: list[Why]


@A.implements(A.CSED_WALK)
def walk_csed(base: Dated, assessed: date, runs: list[Run]) -> CsedResult:
    """Law.md 4.2 step 3: walk the merged runs in date order from the base CSED.

    The result is a lower bound (``complete`` False) only when a suspension the walk reached
    can still move it (law.md 4.2 step 4): a run that starts after the CSED has passed stops
    the walk, so an open suspension inside it makes nothing a lower bound. An open run ending
    on the assessment day itself still runs on, so it does count."""
    csed = base.value
    open_ = False
    trail: list[Why] = [base.why]
    floors: list[tuple[Floor, bool]] = []
    for run in runs:
        start = max(run.start, assessed)
        if run.until <= run.start:
            # An open suspension that began on ``as_of``: no days to add yet, but it runs on.
            if start <= csed:
                open_ = True
            continue
        if start > csed:
            trail.append(
                Why(
                    A.CSED_WALK,
                    f"The suspension from {iso_day(start)} began after the CSED "
                    f"{iso_day(csed)} had passed; an expired period is not revived.",
                    "",
                    None,
                    ("after-expiry",),
                )
            )
            break
        members = run.members
        if not open_:
            for m in members:
                if m.open:
                    open_ = True
                    break
        if start >= run.until:
            trail.append(
                Why(
                    A.CSED_WALK,
                    f"The suspension {iso_day(run.start)} to {iso_day(run.until)} ended "
                    f"before the assessment {iso_day(assessed)}; it does not count.",
                    "",
                    None,
                    ("before-assessment",),
                )
            )
            continue
        days = (run.until - start).days
        before = csed
        csed = date.fromordinal(csed.toordinal() + days)
        clipped = " (counted from the assessment date)" if start > run.start else ""
        # Most runs hold one suspension: its cause needs no set or sort.
        causes = members[0].cause if len(members) == 1 else ", ".join(sorted({m.cause for m in members}))
        trail.append(
            Why(
                A.CSED_WALK,
                f"Suspended {iso_day(start)} to {iso_day(run.until)}{clipped} ({causes}): "
                f"{days} days move the CSED from {iso_day(before)} to {iso_day(csed)}.",
                "",
                csed,
            )
        )
        for m in members:
            if m.floor is None:
                continue
            raised = m.floor.date > csed
            if raised:
                trail.append(
                    Why(
                        m.floor.rule,
                        f"{m.floor.says} That is later than {iso_day(csed)}, so the CSED "
                        f"becomes {iso_day(m.floor.date)}.",
                        "",
                        m.floor.date,
                    )
                )
                csed = m.floor.date
            floors.append((m.floor, raised))
    # Most assessments have no suspension: their last step depends on the base alone, and is
    # shared. A moved CSED is nearly always new, so it is not worth remembering.
    final = _csed_unmoved(csed, open_) if csed == base.value else csed_reached(csed, base.value, open_)
    trail.append(final)
    return CsedResult(Dated(csed, final, complete=not open_), floors, trail)


@A.implements(A.CSED_WALK)
def csed_reached(csed: date, base: date, open_: bool) -> Why:
    """The walk's last step: the CSED, how far it moved from the base, and whether a running
    suspension makes it a lower bound."""
    says = f"The CSED is {iso_day(csed)}"
    if csed == base:
        says += ", the base date: no suspension extended it."
    else:
        says += f", {(csed - base).days} days after the base date {iso_day(base)}."
    if open_:
        says += " A suspension is still running, so this is a lower bound that will move later."
    return Why(A.CSED_WALK, says, "csed", csed)


@lru_cache(maxsize=1 << 16)
def _csed_unmoved(base: date, open_: bool) -> Why:
    return csed_reached(base, base, open_)
