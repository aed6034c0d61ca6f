"""What suspends the collection statute, and for how long: one function per cause of
law.md 4.3. A suspension is a half-open run of days [start, until)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from cdpdesk.engine import authority as A
from cdpdesk.engine.authority import iso_day
from cdpdesk.engine.calendar import add_months

ALTERNATIVE_GRACE_DAYS = 30  # IRC 6331(k)(1), (k)(2): 30 days after rejection or termination
ABROAD_MONTHS = 6  # IRC 6503(c)
BANKRUPTCY_MONTHS = 6  # IRC 6503(h)
INNOCENT_SPOUSE_DAYS = 60  # IRC 6015(e)(2)
CDP_FLOOR_DAYS = 90  # IRC 6330(e)(1)
COMBAT_ZONE_DAYS = 180  # IRC 7508(a): the next 180 days after service or hospitalization

# The statutory tails a suspension can carry (``Suspension.tail``).
TAIL_BANKRUPTCY = "bankruptcy_6_months"
TAIL_INNOCENT_SPOUSE = "innocent_spouse_60_days"
TAIL_IA_REJECTION = "ia_rejection_30_days"
TAIL_IA_TERMINATION = "ia_termination_30_days"
TAIL_OIC_REJECTION = "oic_rejection_30_days"


@dataclass(slots=True)
class Floor:
    cause: str
    date: date
    rule: A.Rule
    says: str

    def to_json(self) -> dict[str, object]:
        return {
            "cause": self.cause,
            "date": iso_day(self.date),
            "authority": self.rule.cited,
            "rule": self.rule.id,
            "says": self.says,
        }


@dataclass(slots=True)
class Suspension:
    cause: str
    event: str
    start: date
    until: date
    open: bool
    rule: A.Rule
    says: str
    floor: Floor | None = None
    # A statutory tail after the event that ends it (the 6 months after a bankruptcy stay,
    # the 30 days after a rejection, the 60 days after an innocent spouse bar): its code and
    # the day it began. The IRS CSED check (engine/irs_csed.py) asks what the CSED would be
    # without it, or with the IRS's own reckoning of it; the CSED itself never reads these.
    tail: str = ""
    tail_from: date | None = None

    @property
    def days(self) -> int:
        return (self.until - self.start).days

    def to_json(self) -> dict[str, object]:
        return {
            "cause": self.cause,
            "event": self.event,
            "from": iso_day(self.start),
            "until": iso_day(self.until),
            "days": self.days,
            "open": self.open,
            "authority": self.rule.cited,
            "rule": self.rule.id,
            "says": self.says,
        }


def _open_note(open_: bool, as_of: date) -> str:
    return f" It is still running on {iso_day(as_of)}, so it is counted to that day." if open_ else ""


@A.implements(A.CDP_SUSPENSION)
def cdp_hearing_suspension(
    request: str,
    received: date,
    ended: date | None,
    how: str,
    as_of: date,
    by_withdrawal: bool = False,
    floor_after_withdrawal: bool = True,
) -> Suspension:
    """IRC 6330(e)(1), 6320(c): from receipt of a timely request until the hearing ends
    (written withdrawal received, or determination final on ``as_of``). ``ended`` is None
    while that end is not yet known (hearing pending, determination or decision still open
    to petition or appeal): the run is then counted to ``as_of`` and is open (law.md 4.2
    step 4). Its floor is :func:`cdp_90_day_floor`."""
    open_ = ended is None
    until = as_of if ended is None else ended
    if not open_:
        said = f"the hearing ended {iso_day(until)} ({how})."
    elif how:
        said = f"the hearing has not ended ({how})."
    else:
        said = "the hearing is still open."
    says = f"The timely CDP request was received {iso_day(received)}; " + said + _open_note(open_, as_of)
    floor = None if ended is None else cdp_90_day_floor(ended, by_withdrawal, floor_after_withdrawal)
    return Suspension("cdp_hearing", request, received, until, open_, A.CDP_SUSPENSION, says, floor)


@A.implements(A.CDP_FLOOR)
def cdp_90_day_floor(ended: date, by_withdrawal: bool, floor_after_withdrawal: bool = True) -> Floor | None:
    """IRC 6330(e)(1), last sentence: the CSED is no earlier than 90 days after the day the CDP
    hearing ends (the suspension's ``until``). No floor while the hearing is open: the caller
    gives no ``ended`` then.

    Policy ``floor_after_withdrawal`` (law.md 4.4 and 6, default on): the statute speaks of a
    "final determination"; the floor is applied after a written withdrawal too, because the
    suspension ends there just the same. Switched off, a withdrawn hearing has no floor.
    """
    if by_withdrawal and not floor_after_withdrawal:
        return None
    day = ended + timedelta(days=CDP_FLOOR_DAYS)
    return Floor(
        "cdp_90_day",
        day,
        A.CDP_FLOOR,
        f"The CDP hearing ended {iso_day(ended)}; the CSED is no earlier than 90 days after: {iso_day(day)}.",
    )


@A.implements(A.IA_PENDING, A.IA_TERMINATED, A.OIC_PENDING)
def alternative_until(
    ended: date, appeal_filed: date | None, appeal_closed: date | None, as_of: date
) -> tuple[date, str, bool]:
    """IRC 6331(k)(1)-(3): 30 days after a rejection or termination, or the later close of
    an appeal filed within those 30 days.

    Returns (until, how, settled). The end is fixed by the facts either way and runs past
    ``as_of`` if it falls there (law.md 4.2 step 4), but while the 30 days still run on
    ``as_of`` with no appeal recorded, an appeal could still extend it: not settled, so the
    CSED is a lower bound. An appeal may be filed on the 30th day itself, so that day counts.

    Exception ``appeal-still-open``: an appeal filed within the 30 days and not yet closed on
    ``as_of`` keeps the suspension running: it is counted to ``as_of`` (never short of the
    30 days, which the facts already fix) and is not settled, so the CSED is a lower bound
    (law.md 4.2 step 4: an IA or offer still pending).
    """
    grace = ended + timedelta(days=ALTERNATIVE_GRACE_DAYS)
    if appeal_filed is not None and appeal_closed is None and appeal_filed <= grace:
        until = max(grace, as_of)
        return (
            until,
            (
                f"an appeal filed {iso_day(appeal_filed)} (within 30 days) is still open on "
                f"{iso_day(as_of)}, so the suspension is counted to {iso_day(until)}"
            ),
            False,
        )
    if appeal_filed is not None and appeal_closed is not None and appeal_filed <= grace:
        if appeal_closed > grace:
            return (
                appeal_closed,
                (f"an appeal filed {iso_day(appeal_filed)} (within 30 days) closed {iso_day(appeal_closed)}"),
                True,
            )
        return (
            grace,
            (
                f"30 days after {iso_day(ended)} is {iso_day(grace)}, later than the close of "
                f"the appeal {iso_day(appeal_closed)}"
            ),
            True,
        )
    how = f"30 days after {iso_day(ended)} is {iso_day(grace)}"
    if as_of <= grace:
        return grace, how + "; an appeal filed by then would extend it", False
    return grace, how, True


@A.implements(A.IA_PENDING)
def ia_pending_suspension(
    event: str, requested: date, until: date | None, how: str, as_of: date, settled: bool = True
) -> Suspension:
    """IRC 6331(k)(2), (k)(3), 6331(i)(5): while an installment agreement request is pending.
    ``until`` None: still pending, counted to ``as_of``. A known ``until`` counts in full even
    after ``as_of``; ``settled`` False when a timely appeal could still extend it."""
    open_ = until is None or not settled
    end = as_of if until is None else until
    says = (
        f"An installment agreement was requested {iso_day(requested)}; "
        + (f"the suspension ends {iso_day(end)} ({how})." if until is not None else "it is still pending.")
        + _open_note(until is None, as_of)
    )
    return Suspension("ia_pending", event, requested, end, open_, A.IA_PENDING, says)


@A.implements(A.IA_TERMINATED)
def ia_terminated_suspension(
    event: str, terminated: date, until: date, how: str, settled: bool = True
) -> Suspension:
    """IRC 6331(k)(2)(D), (k)(3): 30 days after termination, longer during a timely appeal.
    ``settled`` as in :func:`alternative_until`."""
    says = (
        f"The installment agreement was terminated {iso_day(terminated)}; the suspension ends "
        f"{iso_day(until)} ({how})."
    )
    return Suspension("ia_terminated", event, terminated, until, not settled, A.IA_TERMINATED, says)


@A.implements(A.OIC_PENDING)
def oic_pending_suspension(
    event: str, pending: date, until: date | None, how: str, as_of: date, settled: bool = True
) -> Suspension:
    """IRC 6331(k)(1), (k)(3): while an offer in compromise is pending (and 30 days after a
    rejection, longer during a timely appeal). ``until`` and ``settled`` as in
    :func:`ia_pending_suspension`."""
    open_ = until is None or not settled
    end = as_of if until is None else until
    says = (
        f"The offer in compromise became pending {iso_day(pending)}; "
        + (f"the suspension ends {iso_day(end)} ({how})." if until is not None else "it is still pending.")
        + _open_note(until is None, as_of)
    )
    return Suspension("oic_pending", event, pending, end, open_, A.OIC_PENDING, says)


@A.implements(A.BANKRUPTCY)
def bankruptcy_suspension(event: str, filed: date, stay_ended: date | None, as_of: date) -> Suspension:
    """IRC 6503(h): from the petition until the stay ends, plus 6 months. An ended stay fixes
    the end, which counts in full even when it falls after ``as_of`` (law.md 4.2 step 4)."""
    if stay_ended is None:
        says = (
            f"The bankruptcy petition was filed {iso_day(filed)} and the automatic stay has not "
            f"ended." + _open_note(True, as_of)
        )
        return Suspension("bankruptcy", event, filed, as_of, True, A.BANKRUPTCY, says)
    until = add_months(stay_ended, BANKRUPTCY_MONTHS)
    says = (
        f"The bankruptcy petition was filed {iso_day(filed)}; the stay ended "
        f"{iso_day(stay_ended)}, and 6 months more run to {iso_day(until)}."
    )
    return Suspension(
        "bankruptcy", event, filed, until, False, A.BANKRUPTCY, says, None, TAIL_BANKRUPTCY, stay_ended
    )


@A.implements(A.OUTSIDE_US, A.RETURN_FLOOR)
def outside_us_suspension(event: str, left: date, returned: date | None, as_of: date) -> Suspension | None:
    """IRC 6503(c): only a continuous absence of 6 months or more suspends; floor: return + 6 months.

    Exception ``absence-under-six-months``: a shorter absence suspends nothing.
    """
    six = add_months(left, ABROAD_MONTHS)
    if returned is None:
        if as_of < six:
            return None
        says = (
            f"The taxpayer left the United States {iso_day(left)} and has been away 6 months or "
            "more." + _open_note(True, as_of)
        )
        return Suspension("outside_us", event, left, as_of, True, A.OUTSIDE_US, says)
    if returned < six:
        return None
    floor_day = add_months(returned, ABROAD_MONTHS)
    floor = Floor(
        "return_from_abroad",
        floor_day,
        A.RETURN_FLOOR,
        f"The taxpayer returned {iso_day(returned)}; the CSED is no earlier than 6 months "
        f"after: {iso_day(floor_day)}.",
    )
    says = (
        f"The taxpayer was outside the United States from {iso_day(left)} to "
        f"{iso_day(returned)}, at least 6 months in a row."
    )
    return Suspension("outside_us", event, left, returned, False, A.OUTSIDE_US, says, floor)


@A.implements(A.TAS_APPLICATION)
def tas_suspension(event: str, filed: date, decided: date | None, as_of: date) -> Suspension:
    """IRC 7811(b), (d): from the application until the National Taxpayer Advocate decides."""
    open_ = decided is None
    until = as_of if decided is None else decided
    says = (
        f"A Taxpayer Assistance Order was applied for {iso_day(filed)}; "
        + (f"the Advocate decided {iso_day(until)}." if not open_ else "it is not yet decided.")
        + _open_note(open_, as_of)
    )
    return Suspension("tas_application", event, filed, until, open_, A.TAS_APPLICATION, says)


@A.implements(A.INNOCENT_SPOUSE)
def innocent_spouse_suspension(event: str, filed: date, bar_ended: date | None, as_of: date) -> Suspension:
    """IRC 6015(e)(2): from the claim until the collection bar ends, plus 60 days (counted in
    full even past ``as_of``: the end is fixed once the bar has ended)."""
    if bar_ended is None:
        says = (
            f"An innocent spouse claim was filed {iso_day(filed)}; the collection bar has not "
            "ended." + _open_note(True, as_of)
        )
        return Suspension("innocent_spouse", event, filed, as_of, True, A.INNOCENT_SPOUSE, says)
    until = bar_ended + timedelta(days=INNOCENT_SPOUSE_DAYS)
    says = (
        f"An innocent spouse claim was filed {iso_day(filed)}; the collection bar ended "
        f"{iso_day(bar_ended)}, and 60 days more run to {iso_day(until)}."
    )
    return Suspension(
        "innocent_spouse",
        event,
        filed,
        until,
        False,
        A.INNOCENT_SPOUSE,
        says,
        None,
        TAIL_INNOCENT_SPOUSE,
        bar_ended,
    )


@A.implements(A.COMBAT_ZONE_SUSPENSION)
def combat_zone_suspension(
    event: str, entered: date, departed: date | None, hospitalized_until: date | None, as_of: date
) -> Suspension:
    """IRC 7508(a)(1)(I), IRM 5.1.19.3.8: the time in a combat zone, any continuous qualified
    hospitalization after it, and the next 180 days are disregarded for collection. As a
    half-open run: from ``entered`` until the day after the 180th day after the later of
    ``departed`` and ``hospitalized_until``; a fixed end counts in full even past ``as_of``.

    Exception ``still-serving``: with no ``departed`` the end is not yet known; the run is
    counted to ``as_of`` and is open (law.md 4.2 step 4), so the CSED is a lower bound."""
    if departed is None:
        says = (
            f"Combat-zone service began {iso_day(entered)} and has not ended; the time is "
            "disregarded for collection while it lasts and for 180 days after." + _open_note(True, as_of)
        )
        return Suspension("combat_zone", event, entered, as_of, True, A.COMBAT_ZONE_SUSPENSION, says)
    end = departed
    what = f"the service ended {iso_day(departed)}"
    if hospitalized_until is not None and hospitalized_until > departed:
        end = hospitalized_until
        what += f", and a continuous qualified hospitalization after it ended {iso_day(hospitalized_until)}"
    until = end + timedelta(days=COMBAT_ZONE_DAYS + 1)
    says = (
        f"Combat-zone service began {iso_day(entered)}; {what}. The time, and the 180 days after "
        f"{iso_day(end)}, are disregarded for collection: the statute runs again {iso_day(until)}."
    )
    return Suspension("combat_zone", event, entered, until, False, A.COMBAT_ZONE_SUSPENSION, says)
