"""Where a case stands on the collection road (docs/law.md section 1, `stage` in docs/contract.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from cdpdesk.contract.analysis import EQUIVALENT, HELD_TYPES
from cdpdesk.contract.case import (
    ALTERNATIVE_TYPES,
    STATUTE_EVENT_TYPES,
    CaseFile,
    Determination,
    HearingRequest,
    HearingWithdrawal,
    InstallmentAgreementEvent,
    LevyNotice,
    LienNotice,
    OfferEvent,
    TaxCourtDecision,
    TaxCourtPetition,
)
from cdpdesk.engine import authority as A
from cdpdesk.engine.authority import iso_day
from cdpdesk.engine.words import N_

if TYPE_CHECKING:
    from cdpdesk.engine.hearing_requests import Entry


@dataclass(frozen=True, slots=True)
class Stage:
    """A stop on the road; ``title`` and ``about`` are message ids (English), translated
    where they are shown (the analysis's ``stage.title`` stays English for staff)."""

    id: str
    title: str
    letters: tuple[str, ...]
    about: str


STAGES: tuple[Stage, ...] = (
    Stage(
        "assessed",
        N_("Tax assessed"),
        (),
        N_("The IRS has recorded the tax you owe. Each assessment can be collected for 10 years."),
    ),
    Stage(
        "balance_due",
        N_("Balance-due notices"),
        ("CP14", "CP501", "CP503", "CP504"),
        N_(
            "The IRS sends bills and reminders. CP504 warns that the IRS may levy; it does not by "
            "itself give a right to a Collection Due Process hearing."
        ),
    ),
    Stage(
        "lien_filed",
        N_("Lien filed"),
        ("3172",),
        N_(
            "The IRS filed a Notice of Federal Tax Lien, a public claim on your property, and told you "
            "of your right to a Collection Due Process hearing."
        ),
    ),
    Stage(
        "levy_notice",
        N_("Final notice of intent to levy"),
        ("LT11", "1058", "CP90"),
        N_(
            "The IRS plans to take (levy) your wages, bank accounts or other property, and told you of "
            "your right to a Collection Due Process hearing before it does."
        ),
    ),
    Stage(
        "hearing_requested",
        N_("Hearing requested"),
        ("12153",),
        N_("You asked the Independent Office of Appeals for a hearing (Form 12153)."),
    ),
    Stage(
        "in_appeals",
        N_("Hearing in Appeals"),
        ("4837",),
        N_("An Appeals officer, independent of Collection, is handling your hearing."),
    ),
    Stage(
        "withdrawn",
        N_("Hearing withdrawn; case back with Collection"),
        ("12256", "4383"),
        N_(
            "You withdrew your hearing request in writing, so the hearing is over. The case is back with Collection."
        ),
    ),
    Stage(
        "determination",
        N_("Determination"),
        ("3193", "3210"),
        N_(
            "Appeals decided your hearing: a Notice of Determination (CDP hearing) or a decision letter "
            "(equivalent hearing)."
        ),
    ),
    Stage(
        "tax_court",
        N_("U.S. Tax Court"),
        (),
        N_("You asked the U.S. Tax Court to review the Notice of Determination."),
    ),
    Stage(
        "collection",
        N_("Back with Collection"),
        (),
        N_("Your hearing is over and the case is back with the IRS Collection function."),
    ),
    Stage(
        "alternative",
        N_("Payment plan or offer"),
        (),
        N_("You have an installment agreement or an accepted offer in compromise."),
    ),
    Stage(
        "csed_passed",
        N_("Collection period over"),
        (),
        N_("The 10-year collection period (with any extensions) has ended for every assessment."),
    ),
)
STAGE_BY_ID = {s.id: s for s in STAGES}
RANK = {s.id: i for i, s in enumerate(STAGES)}
HELD = HELD_TYPES
# Events that never move a case along the road by themselves.
# Letter 4383 confirms a withdrawal; the case reached the stage when the withdrawal arrived.
_NO_STAGE = (
    (ALTERNATIVE_TYPES - {"ia_accepted", "oic_accepted", "ia_terminated"})
    | set(STATUTE_EVENT_TYPES)
    | {"withdrawal_acknowledged"}
)


def event_day(ev: Any) -> date:
    """The date an event happened: its type's ``DAY`` field, declared on the contract model."""
    day: date = getattr(ev, ev.DAY)
    return day


@A.implements(A.CSED_PASSED)
def stage_of(
    case: CaseFile, as_of: date, by_request: dict[str, list[Entry]], csed_values: list[date]
) -> dict[str, Any]:
    """The stage furthest along the road for the most recent event (roadmap.md).
    ``by_request``: each hearing request's id and its hearings, in order."""
    if csed_values:
        latest = max(csed_values)
        if latest < as_of:  # every CSED has passed
            return _out("csed_passed", None, latest)
    best: tuple[date, int] | None = None  # (day, rank) of the stage found so far
    found: tuple[str, str, date] = ("assessed", "", date.min)  # stage, event and day reached
    passed: list[str] = ["assessed"] if any(p.assessments for p in case.periods) else []
    # In the order things happened, so that "since" is the day the case reached its stage:
    # a later event that leaves it there (a partial withdrawal while a hearing goes on)
    # does not move it.
    for ev in sorted(case.events, key=event_day):
        if ev.type in _NO_STAGE:
            continue
        sid = _stage_for_event(ev, by_request)
        if isinstance(ev, HearingRequest):
            # A request went through these stops even once its hearings have ended.
            held = any(e.cls.type in HELD for e in by_request.get(ev.id, ()))
            passed.extend(x for x in ("hearing_requested", "in_appeals")[: 1 + held] if x not in passed)
        if sid is None:
            continue
        day = event_day(ev)
        key = (day, RANK[sid])
        if best is None or key >= best:
            if best is None or sid != found[0]:
                found = (sid, ev.id, day)
            best = key
        if sid not in passed:
            passed.append(sid)
    if best is None:
        return _out("assessed", None, None)
    return _out(found[0], found[1], found[2], [s for s in passed if s != found[0]])


def _stage_for_event(ev: Any, by_request: dict[str, list[Entry]]) -> str | None:
    if isinstance(ev, LevyNotice):
        return "levy_notice"
    if isinstance(ev, LienNotice):
        return "lien_filed"
    if isinstance(ev, HearingRequest):
        mine = by_request.get(ev.id, [])
        held = [e for e in mine if e.cls.type in HELD]
        if not held:
            return "hearing_requested"
        return "in_appeals" if any(e.status == "pending" for e in held) else None
    if isinstance(ev, HearingWithdrawal):
        if not ev.written:
            return None
        held = [e for e in by_request.get(ev.request, []) if e.cls.type in HELD]
        if held and all(e.status == "withdrawn" for e in held):
            return "withdrawn"
        if any(e.status == "pending" for e in held):
            return "in_appeals"
        return None
    if isinstance(ev, Determination):
        mine = [e for e in by_request.get(ev.request, []) if e.determination == ev.date]
        if not mine:
            return None
        if any(e.status == "determined" for e in mine) or all(e.cls.type == EQUIVALENT for e in mine):
            return (
                "tax_court"
                if any(e.petitioned_timely and e.status == "determined" for e in mine)
                else "determination"
            )
        return "collection"
    if isinstance(ev, TaxCourtPetition | TaxCourtDecision):
        mine = [e for e in by_request.get(ev.request, []) if e.petitioned_timely]
        if not mine:
            return None
        return "tax_court" if any(e.status == "determined" for e in mine) else "collection"
    if isinstance(ev, InstallmentAgreementEvent | OfferEvent):
        if ev.type in ("ia_accepted", "oic_accepted"):
            return "alternative"
        if ev.type == "ia_terminated":
            return "collection"
    return None


def _out(sid: str, event: str | None, since: date | None, passed: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": sid,
        "title": STAGE_BY_ID[sid].title,
        "event": event,
        "since": None if since is None else iso_day(since),
        "passed": passed or [],
    }
