"""The IRS's posted CSED, checked (law.md 4.6): the date the IRS's records show beside the
computed one, the difference in days, and which reading of the recorded facts accounts for
it.

The computed CSED is the engine's answer and this module never changes it. It re-walks the
same suspensions under other readings (one suspension left out, a statutory tail left out,
each run counted a day longer, a floor not applied, a known IRS practice such as an
installment-agreement rejection reversed at 45 days instead of 30) and reports those that
land exactly on the IRS's date. A difference no reading explains is said plainly, with what
to look for. Pure: no I/O and no clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import combinations
from typing import Any

from cdpdesk.engine import authority as A
from cdpdesk.engine.authority import iso_day
from cdpdesk.engine.csed import CsedResult, base_csed, merge_suspensions, walk_csed
from cdpdesk.engine.suspensions import (
    TAIL_BANKRUPTCY,
    TAIL_IA_REJECTION,
    TAIL_IA_TERMINATION,
    TAIL_INNOCENT_SPOUSE,
    TAIL_OIC_REJECTION,
    Suspension,
)

# CCA 2017-04-04: the IRM told revenue officers to reverse the pending-IA code (TC 971 AC 043)
# 45 days after a rejection, to leave room for a mailed appeal; the statute's 30 days end the
# suspension earlier, so the posted CSED comes out 15 days late.
IA_REVERSAL_DAYS = 45
IA_STATUTE_DAYS = 30

TAIL_WORDS = {
    TAIL_BANKRUPTCY: "the 6 months after the stay",
    TAIL_INNOCENT_SPOUSE: "the 60 days after the collection bar",
    TAIL_IA_REJECTION: "the 30 days after the rejection",
    TAIL_IA_TERMINATION: "the 30 days after the termination",
    TAIL_OIC_REJECTION: "the 30 days after the rejection",
}
CAUSE_WORDS = {
    "cdp_hearing": "CDP hearing",
    "ia_pending": "pending installment agreement",
    "ia_terminated": "terminated installment agreement",
    "oic_pending": "pending offer in compromise",
    "bankruptcy": "bankruptcy",
    "outside_us": "absence from the United States",
    "tas_application": "Taxpayer Assistance Order application",
    "innocent_spouse": "innocent spouse claim",
    "combat_zone": "combat-zone service",
}
MAX_SINGLE_READINGS = 12  # pairs are tried among these only (at most 66 walks more)

Transform = Callable[[list[Suspension]], list[Suspension]]


@dataclass(slots=True)
class Explanation:
    """One reading of the facts that lands on the IRS's date."""

    code: str
    days: int  # how far this reading moves the computed CSED
    known_practice: bool
    rule: A.Rule
    says: str

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "days": self.days,
            "known_practice": self.known_practice,
            "rule": self.rule.id,
            "authority": self.rule.cited,
            "says": self.says,
        }


@dataclass(slots=True)
class IrsCsedCheck:
    irs: date
    computed: date
    lower_bound: bool
    explanations: list[Explanation] = field(default_factory=list)
    look_for: list[str] = field(default_factory=list)
    says: str = ""

    @property
    def difference(self) -> int:
        return (self.irs - self.computed).days

    @property
    def result(self) -> str:
        d = self.difference
        return "matches" if d == 0 else ("later" if d > 0 else "earlier")

    @property
    def explained(self) -> bool:
        return self.difference == 0 or bool(self.explanations)

    def to_json(self) -> dict[str, Any]:
        return {
            "date": iso_day(self.irs),
            "difference_days": self.difference,
            "result": self.result,
            "explained": self.explained,
            "explanations": [e.to_json() for e in self.explanations],
            "look_for": list(self.look_for),
            "rule": A.IRS_CSED_CHECK.id,
            "authority": A.IRS_CSED_CHECK.cited,
            "says": self.says,
        }


@dataclass(slots=True)
class _Reading:
    code: str
    known_practice: bool
    rule: A.Rule
    words: str  # what the reading does, as a clause
    transform: Transform
    floors: bool = True
    leap_day: str | None = None
    hint: str = ""  # which date is right, and what to do about it


def _walked(assessed: date, leap_day: str, suspensions: list[Suspension], floors: bool) -> date:
    runs_of = suspensions if floors else [dataclasses.replace(s, floor=None) for s in suspensions]
    base = base_csed(assessed, leap_day)
    return walk_csed(base, assessed, merge_suspensions(runs_of)).csed.value


def _until(s: Suspension, until: date) -> Suspension:
    return dataclasses.replace(s, until=until)


def _ending_at(i: int, day: date) -> Transform:
    def transform(ss: list[Suspension]) -> list[Suspension]:
        return [_until(x, day) if k == i else x for k, x in enumerate(ss)]

    return transform


def _leaving_out(i: int) -> Transform:
    def transform(ss: list[Suspension]) -> list[Suspension]:
        return [x for k, x in enumerate(ss) if k != i]

    return transform


def _name(s: Suspension) -> str:
    return f"the {CAUSE_WORDS.get(s.cause, s.cause)} suspension of event {s.event}"


@A.implements(A.IRS_IA_REJECTION_45_DAYS)
def ia_rejection_reversed_at_45_days(suspensions: list[Suspension]) -> list[Suspension]:
    """CCA 2017-04-04: the IRS's systems count an IA-pending suspension ended by a rejection
    to 45 days after the rejection, not the 30 of IRC 6331(k)(2), (k)(3). Exception: a run
    that ends on the close of a timely appeal has no such tail and is left as it is."""
    extra = timedelta(days=IA_REVERSAL_DAYS - IA_STATUTE_DAYS)
    return [_until(s, s.until + extra) if s.tail == TAIL_IA_REJECTION else s for s in suspensions]


def _readings(suspensions: list[Suspension], assessed: date, leap_day: str) -> list[_Reading]:
    """The readings worth a walk for this assessment, known IRS practices first."""
    out: list[_Reading] = []
    if any(s.tail == TAIL_IA_REJECTION for s in suspensions):
        out.append(
            _Reading(
                "ia_rejection_45_days",
                True,
                A.IRS_IA_REJECTION_45_DAYS,
                "the pending-installment-agreement suspension is reversed 45 days after the "
                "rejection instead of the 30 the statute gives (a known IRS practice, CCA 2017-04-04)",
                ia_rejection_reversed_at_45_days,
                hint="Under IRC 6331(k)(3) the suspension ends 30 days after the rejection, so the "
                "computed CSED is the right one; the IRS can be asked to correct its date.",
            )
        )
    for i, s in enumerate(suspensions):
        if s.tail and s.tail_from is not None:
            tail_from = s.tail_from
            out.append(
                _Reading(
                    f"tail_not_counted:{s.event}",
                    False,
                    A.IRS_CSED_CHECK,
                    f"{_name(s)} is counted only to {iso_day(tail_from)}, without "
                    f"{TAIL_WORDS.get(s.tail, 'the time the statute adds')}",
                    _ending_at(i, tail_from),
                    hint="The statute adds that time, so the computed CSED stands; the IRS's records "
                    "may show the suspension ending too soon.",
                )
            )
    for i, s in enumerate(suspensions):
        still = " (it is still running, and may not be posted until it ends)" if s.open else ""
        out.append(
            _Reading(
                f"suspension_not_counted:{s.event}",
                False,
                A.IRS_CSED_CHECK,
                f"{_name(s)} ({iso_day(s.start)} to {iso_day(s.until)}, {s.days} days) is left out{still}",
                _leaving_out(i),
                hint="The IRS's records may not show this suspension; if the facts are right, the "
                "computed CSED stands.",
            )
        )
    if any(s.floor is not None for s in suspensions):
        out.append(
            _Reading(
                "floor_not_applied",
                False,
                A.IRS_CSED_CHECK,
                "the floor (90 days after a CDP hearing, or 6 months after a return from abroad) "
                "is not applied",
                lambda ss: ss,
                floors=False,
                hint="The floor is part of the statute, so the computed CSED stands.",
            )
        )
    if suspensions:
        out.append(
            _Reading(
                "both_end_days_counted",
                False,
                A.IRS_CSED_CHECK,
                "each suspension is counted one day longer (its last day counted as suspended too)",
                lambda ss: [_until(x, x.until + timedelta(days=1)) for x in ss],
                hint="A suspension's days run from its first day up to the day it ends (law.md 4.2); "
                "counting the end day as well adds a day per suspension.",
            )
        )
    if (assessed.month, assessed.day) == (2, 29):
        other = "mar1" if leap_day == "feb28" else "feb28"
        out.append(
            _Reading(
                "leap_day",
                False,
                A.ADDING_YEARS,
                f"the 10 years from February 29 end on {'March 1' if other == 'mar1' else 'February 28'} "
                f"(policy leap_day={other})",
                lambda ss: ss,
                leap_day=other,
                hint="Which day ends the 10 years is a policy of the case file (leap_day).",
            )
        )
    return out


@A.implements(A.IRS_CSED_CHECK, A.IRS_IA_REJECTION_45_DAYS)
def check_irs_csed(
    irs: date, computed: CsedResult, assessed: date, suspensions: list[Suspension], leap_day: str
) -> IrsCsedCheck:
    """Law.md 4.6: compare the IRS's posted CSED with the computed one.

    Equal: it matches. Otherwise each reading of :func:`_readings` is walked alone, then two at
    a time, and every one (or pair) that lands exactly on the IRS's date is an explanation,
    known IRS practices first. Exception ``lower-bound``: while a suspension is still running
    the computed CSED is a lower bound, so a later IRS date does not contradict it. A
    difference nothing explains says so, with what to look for (a suspension the facts do
    not record, an end posted differently, a wrong assessment date)."""
    value = computed.csed.value
    check = IrsCsedCheck(irs, value, not computed.csed.complete)
    diff = check.difference
    bound = (
        " The computed CSED is a lower bound (a suspension is still running), so it can still move later."
        if check.lower_bound
        else ""
    )
    if diff == 0:
        check.says = f"The IRS's CSED {iso_day(irs)} is the computed CSED.{bound}"
        return check
    readings = _readings(suspensions, assessed, leap_day)
    landed: dict[str, date] = {}
    for r in readings:
        got = _walked(assessed, r.leap_day or leap_day, r.transform(suspensions), r.floors)
        landed[r.code] = got
        if got == irs:
            check.explanations.append(_explained(r.code, [r], got, value))
    if not check.explanations:
        singles = readings[:MAX_SINGLE_READINGS]
        for a, b in combinations(singles, 2):
            if a.leap_day and b.leap_day:
                continue
            got = _walked(
                assessed,
                a.leap_day or b.leap_day or leap_day,
                b.transform(a.transform(suspensions)),
                a.floors and b.floors,
            )
            if got == irs:
                check.explanations.append(_explained(f"{a.code}+{b.code}", [a, b], got, value))
    way = "later" if diff > 0 else "earlier"
    head = (
        f"The IRS's CSED {iso_day(irs)} is {_days(abs(diff))} {way} than the computed CSED {iso_day(value)}."
    )
    if check.explanations:
        first = check.explanations[0]
        more = (
            f" {len(check.explanations) - 1} other reading(s) also land on it (listed)."
            if len(check.explanations) > 1
            else ""
        )
        check.says = f"{head} {first.says}{more}{bound}"
        return check
    check.says = f"{head} The recorded facts do not explain the difference.{bound}"
    check.look_for = _look_for(diff, readings, landed, value, assessed, suspensions, check.lower_bound)
    return check


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _explained(code: str, used: list[_Reading], got: date, computed: date) -> Explanation:
    known = any(r.known_practice for r in used)
    rule = next((r.rule for r in used if r.known_practice), used[0].rule)
    clause = "; and ".join(r.words for r in used)
    hints = " ".join(r.hint for r in used if r.hint)
    says = f"If {clause}, the CSED is {iso_day(got)}: the IRS's date." + (f" {hints}" if hints else "")
    return Explanation(code, (got - computed).days, known, rule, says)


def _look_for(
    diff: int,
    readings: list[_Reading],
    landed: dict[str, date],
    computed: date,
    assessed: date,
    suspensions: list[Suspension],
    lower_bound: bool,
) -> list[str]:
    """What to look for when no reading explains the difference (law.md 4.6)."""
    out: list[str] = []
    n = abs(diff)
    for r in readings:
        shift = (landed[r.code] - computed).days
        if r.known_practice and shift and (shift > 0) == (diff > 0) and abs(shift) < n:
            out.append(
                f"A known IRS practice accounts for {abs(shift)} of the {n} days: {r.words}; "
                f"the other {_days(n - abs(shift))} are unexplained."
            )
    moved = assessed + timedelta(days=diff)
    if diff > 0:
        if lower_bound:
            out.append(
                "A suspension is still running: the computed CSED counts it only to the as_of day, "
                "so a later IRS date may simply count further; check again once it ends."
            )
        out.append(
            f"A suspension the case does not record, of about {_days(n)}, or a recorded one the IRS "
            "posted as ending later: look on the account transcript for a bankruptcy or other "
            "litigation (TC 520), a pending offer in compromise (TC 480), a pending installment "
            "agreement (TC 971 AC 043), combat-zone service (TC 500), a CSED waiver (TC 550), time "
            "abroad, a Taxpayer Assistance Order application or an innocent spouse claim."
        )
    else:
        listed = ", ".join(f"{_name(s)} ({s.days} days)" for s in suspensions)
        out.append(
            "A suspension the IRS's records do not show, or show as ending sooner: check that the "
            "transcript posts each suspension the case records"
            + (f" ({listed})" if listed else "")
            + ". The computed CSED rests on those facts."
        )
    out.append(
        f"The assessment date: an assessment made {iso_day(moved)} instead of {iso_day(assessed)} "
        "would give about the IRS's date. Compare the date of this assessment (TC 150, 290 or 300) "
        "on the transcript."
    )
    out.append("A date of the case typed wrongly (a notice, request or end date).")
    return out
