"""Stage 3, how each hearing ended: written withdrawals (law.md 5), determinations, Tax
Court petitions and decisions and when they are final (law.md 4.5), each hearing's status
and the first day levy is allowed as far as it goes (IRC 6330(a)(2), (e)(1), (f))."""

from __future__ import annotations

from datetime import date, timedelta

from cdpdesk.contract.analysis import CDP, EQUIVALENT, HELD_TYPES, LEVY_STATUTE
from cdpdesk.contract.case import (
    CaseFile,
    Determination,
    HearingWithdrawal,
    LevyNotice,
    TaxCourtDecision,
    TaxCourtPetition,
    WithdrawalAcknowledged,
)
from cdpdesk.contract.errors import CaseError, ErrorItem
from cdpdesk.engine import hearings as H
from cdpdesk.engine import postponements as P
from cdpdesk.engine.authority import Dated, iso_day
from cdpdesk.engine.calendar import ONE_DAY, Calendar, calendar_for
from cdpdesk.engine.checks import Buckets
from cdpdesk.engine.hearing_requests import Entry


def end_hearings(
    case: CaseFile,
    buckets: Buckets,
    as_of: date,
    by_request: dict[str, list[Entry]],
    log: H.WarningLog,
) -> None:
    """Withdrawals, determinations, petitions and decisions, per hearing (law.md 4.5, 5).
    Petition and appeal periods roll on DC legal holidays (IRC 7503)."""
    dc = calendar_for(None)
    withdrawals: dict[str, list[tuple[int, HearingWithdrawal]]] = {}
    determinations: dict[str, list[Determination]] = {}
    petitions: dict[str, list[TaxCourtPetition]] = {}
    decisions: dict[str, list[TaxCourtDecision]] = {}
    for i, ev in buckets.get("hearing_withdrawal", ()):
        withdrawals.setdefault(ev.request, []).append((i, ev))
    for _, ev in buckets.get("determination", ()):
        determinations.setdefault(ev.request, []).append(ev)
    for _, ev in buckets.get("tax_court_petition", ()):
        petitions.setdefault(ev.request, []).append(ev)
    for _, ev in buckets.get("tax_court_decision", ()):
        decisions.setdefault(ev.request, []).append(ev)
    # Letter 4383 per withdrawal (the checks allow one each).
    acks: dict[str, WithdrawalAcknowledged] = {
        ev.withdrawal: ev for _, ev in buckets.get("withdrawal_acknowledged", ())
    }

    # Disaster relief, combat-zone service and bankruptcy stays move petition deadlines (law.md 3.4).
    reliefs = P.reliefs_in(buckets, as_of, petition=True) if determinations else []
    errors: list[ErrorItem] = []
    for rid, mine in by_request.items():
        # Most requests have no withdrawal, and many no determination: skip those steps.
        if rid in withdrawals:
            _apply_withdrawals(case, rid, mine, withdrawals[rid], errors, log)
        if rid in determinations:
            _apply_determinations(
                case,
                mine,
                determinations[rid],
                petitions.get(rid, []),
                decisions.get(rid, []),
                dc,
                as_of,
                errors,
                log,
                reliefs,
            )
        for e in mine:
            _status(e, as_of)
            _levy_allowed(e)
            ack = acks.get(e.withdrawn_by) if e.withdrawn_by is not None else None
            if ack is not None and e.withdrawn is not None:
                e.acknowledged, e.acknowledged_by = ack.date, ack.id
                e.why.append(H.withdrawal_acknowledged(e.withdrawn, ack.date))
    if errors:
        raise CaseError(errors)


def _apply_withdrawals(
    case: CaseFile,
    rid: str,
    mine: list[Entry],
    withdrawals: list[tuple[int, HearingWithdrawal]],
    errors: list[ErrorItem],
    log: H.WarningLog,
) -> None:
    """Written withdrawals of one request's hearings (law.md 4.5, 5)."""
    request_notices = {e.notice.ev.id for e in mine if e.notice is not None}
    # Written withdrawals, earliest first; the first one covering a hearing governs.
    for i, w in sorted(withdrawals, key=lambda t: (t[1].received, t[0])):
        for k, nid in enumerate(w.notices or ()):
            if nid not in request_notices:
                errors.append(
                    ErrorItem(
                        f"events[{i}].notices[{k}]",
                        f"notice {nid!r} is not one that request {rid!r} answered",
                        w.id,
                    )
                )
        covered = [e for e in mine if H.withdrawal_covers(w.periods, w.notices, e.period, e.notice_id)]
        for e in covered:
            e.withdrawals.append(w.id)
        if not w.written:
            log.add(
                H.Warning(
                    "oral_withdrawal",
                    w.id,
                    f"Withdrawal {w.id} ({iso_day(w.received)}) was oral: it is recorded but changes "
                    "nothing until it is confirmed in writing.",
                )
            )
            continue
        held = [e for e in covered if e.cls.type in HELD_TYPES]
        fresh = [e for e in held if e.withdrawn is None]
        if held and not fresh:
            log.add(
                H.Warning(
                    "repeated_withdrawal",
                    w.id,
                    f"Withdrawal {w.id} repeats one already in effect; the first one governs.",
                )
            )
        if not held:
            log.add(
                H.Warning(
                    "withdrawal_without_hearing",
                    w.id,
                    f"Withdrawal {w.id} names no hearing that was held (the request earned none).",
                )
            )
        for e in fresh:
            e.withdrawn = w.received
            e.withdrawn_by = w.id
            e.status = "withdrawn"
            kind = "CDP" if e.cls.type == CDP else "equivalent"
            e.why.append(H.withdrawal_ends_hearing(w.received, kind))
            if e.cls.type == CDP:
                e.ended = w.received
                e.ended_how = "written withdrawal received"


def _apply_determinations(
    case: CaseFile,
    mine: list[Entry],
    determinations: list[Determination],
    petitions: list[TaxCourtPetition],
    decisions: list[TaxCourtDecision],
    dc: Calendar,
    as_of: date,
    errors: list[ErrorItem],
    log: H.WarningLog,
    reliefs: list[P.Relief],
) -> None:
    """Determinations of one request's hearings, and their petitions and decisions (law.md 4.5)."""
    pets = sorted(petitions, key=lambda p: p.filed)
    decs = sorted(decisions, key=lambda d: d.entered)
    for d in sorted(determinations, key=lambda d: d.date):
        covered = [
            e
            for e in mine
            if e.cls.type in HELD_TYPES
            and e.determination is None
            and (d.periods is None or e.period in d.periods)
        ]
        if covered and all(e.withdrawn is not None for e in covered):
            idx = case.events.index(d)
            errors.append(
                ErrorItem(
                    f"events[{idx}].date",
                    f"determination {iso_day(d.date)} names hearings already "
                    "withdrawn; a withdrawn hearing gets no determination",
                    d.id,
                )
            )
            continue
        for e in covered:
            if e.withdrawn is not None:
                continue
            e.determination = d.date
            e.why.append(H.determination_issued(d.date, d.id, e.cls.type == CDP))
            if e.cls.type == EQUIVALENT:
                e.final = H.eh_decision_final(d.date)
                e.why.append(e.final.why)
                continue
            if d.form_12257:
                # Form 12257: the waivers leave no petition window; final on its date.
                e.final = H.form_12257_final(d.date)
                e.ended, e.ended_how = d.date, "Form 12257 summary determination, waivers signed"
                e.why.append(e.final.why)
                continue
            e.petition_deadline = P.relieved_deadline(
                dc,
                d.date + ONE_DAY,
                d.date + timedelta(days=H.PETITION_DAYS),
                H.petition_deadline(dc, d.date),
                e.period,
                reliefs,
                "petition",
            )
            e.why.append(e.petition_deadline.why)
            for pet in pets:
                if pet.filed >= d.date:
                    during = P.petition_during_stay(pet.id, pet.filed, e.period, reliefs)
                    if during is not None:
                        log.add(during)
            _cdp_finality(e, d, pets, decs, dc, as_of, log)
    # A petition answers the latest determination on or before it. Against a decision letter
    # that ended equivalent hearings only, there is no Tax Court review: warn, change nothing.
    dets = sorted(determinations, key=lambda d: d.date)
    for pet in pets:
        answered = next((x for x in reversed(dets) if x.date <= pet.filed), None)
        if answered is None:
            continue  # the checks refuse a petition with no determination before it
        decided = [e for e in mine if e.determination == answered.date]
        if decided and all(e.cls.type == EQUIVALENT for e in decided):
            warning = H.petition_from_eh_decision(pet.id, pet.filed, answered.id, answered.date)
            log.add(warning)
        elif answered.form_12257 and any(e.cls.type == CDP for e in decided):
            log.add(H.petition_after_form_12257(pet.id, pet.filed, answered.id, answered.date))


def _cdp_finality(
    e: Entry,
    d: Determination,
    pets: list[TaxCourtPetition],
    decs: list[TaxCourtDecision],
    dc: Calendar,
    as_of: date,
    log: H.WarningLog,
) -> None:
    assert e.petition_deadline is not None
    deadline = e.petition_deadline.value
    pet = next((p for p in pets if p.filed >= d.date), None)
    dec = next((x for x in decs if pet is not None and x.entered >= pet.filed), None)
    if pet is not None:
        timely, _, _ = H.timely_by(deadline, pet.filed, pet.postmark)
        if not timely and pet.equitable_tolling:
            # Boechler: a court's finding of equitable tolling makes the late petition timely.
            timely = True
            e.why.append(H.petition_tolled(pet.filed, deadline))
            log.add(H.petition_tolling_warning(pet.id, pet.filed, deadline))
        if timely:
            e.petitioned_timely = True
            if dec is None:
                e.ended_how = "Tax Court case pending"
                return
            if dec.final:
                _settle(e, H.final_as_recorded(dec.final), "Tax Court decision final", dec.id)
            else:
                fin = H.final_after_decision(dc, dec.entered, H.final_reached(dc, dec.entered, as_of))
                _settle(e, fin, "Tax Court decision final", dec.id, as_of)
            return
        log.add(H.untimely_petition(pet.id, pet.filed, deadline))
        if dec is not None and dec.final is not None:
            # The caller recorded the dismissal's final date (law.md 4.5, POSTF-156487-01).
            _settle(e, H.final_as_recorded(dec.final), "dismissal of the untimely petition final", dec.id)
            return
    fin = H.final_without_petition(e.petition_deadline, deadline < as_of)
    _settle(e, fin, "determination final", d.id, as_of)


def _settle(e: Entry, fin: Dated, how: str, event: str, as_of: date | None = None) -> None:
    """Case-format ``final``: the date the determination or decision became final, only once
    it has on ``as_of``. Before that the hearing stays ``determined``, its suspension runs to
    ``as_of`` (its end is not yet known, law.md 4.2 step 4) and the date it will become final
    if nothing is filed goes to the deadlines."""
    if as_of is not None and fin.value > as_of:
        e.final_pending, e.final_event = fin, event
        e.ended_how = (
            "the determination is not yet final"
            if how == "determination final"
            else ("the Tax Court decision is not yet final")
        )
        return
    e.final = fin
    e.ended, e.ended_how = fin.value, how
    e.why.append(fin.why)


def _status(e: Entry, as_of: date) -> None:
    if e.cls.type not in HELD_TYPES:
        e.status = "not_held"
        return
    if e.withdrawn is not None:
        e.status = "withdrawn"
        return
    if e.determination is None:
        e.status = "pending"
        return
    if e.final is not None and as_of >= e.final.value:
        e.status = "final"
        e.tax_court_review = False
        return
    e.status = "determined"
    if e.cls.type == CDP and e.petition_deadline is not None:
        # Review is open while the petition window runs, or while a timely petition is in court.
        e.tax_court_review = e.petitioned_timely or as_of <= e.petition_deadline.value


def _levy_allowed(e: Entry) -> None:
    """IRC 6330(a)(2), (e)(1), (f): the first day levy is allowed as far as this hearing goes."""
    if e.notice is None or e.notice.statute != LEVY_STATUTE:
        return
    ev = e.notice.ev
    assert isinstance(ev, LevyNotice)
    if ev.post_levy:
        e.levy_allowed_from = H.levy_allowed_post_levy(ev.post_levy, ev.date)
        return
    pre = e.notice.pre_levy
    assert pre is not None
    if e.cls.type != CDP:
        e.levy_allowed_from = H.levy_allowed_equivalent(pre) if e.cls.type == EQUIVALENT else pre
        return
    if e.ended is None or e.status not in ("withdrawn", "final"):
        return  # levy is barred while the CDP hearing is open or can still reach the Tax Court
    e.levy_allowed_from = H.levy_allowed_after_cdp(pre.value, e.ended, e.ended_how)
