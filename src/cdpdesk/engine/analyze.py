"""Case in, analysis out: the engine's one entry point (``cdpdesk.analysis/1``).

Pure: no I/O and no clock. ``as_of`` is an input (the case's own, or the caller's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cdpdesk import __version__
from cdpdesk.contract.analysis import (
    CDP,
    EQUIVALENT,
    HELD_TYPES,
    LEVY_STATUTE,
    LIEN_STATUTE,
    PREMATURE,
    HearingStatus,
    Statute,
)
from cdpdesk.contract.case import (
    ALTERNATIVE_TYPES,
    AlternativeAppeal,
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
from cdpdesk.contract.errors import CaseError, ErrorItem
from cdpdesk.engine import authority as A
from cdpdesk.engine import hearings as H
from cdpdesk.engine import notices as N
from cdpdesk.engine import suspensions as S
from cdpdesk.engine.authority import Dated, Why, iso, iso_day
from cdpdesk.engine.calendar import Calendar, calendar_for
from cdpdesk.engine.checks import Buckets, check_case
from cdpdesk.engine.csed import base_csed, merge_suspensions, walk_csed
from cdpdesk.engine.roadmap import stage_of

ANALYSIS_FORMAT = "cdpdesk.analysis/1"
ENGINE_VERSION = __version__
LEVY: Statute = LEVY_STATUTE
LIEN: Statute = LIEN_STATUTE


@dataclass(slots=True)
class NoticeInfo:
    """A CDP notice with its windows computed once."""

    ev: LevyNotice | LienNotice
    index: int
    statute: Statute
    trigger: date  # premature before this: the notice date (levy) or NFTL filing (lien)
    cdp: N.Window
    eh: N.Window
    fifth: Dated | None
    pre_levy: Dated | None
    repeat_of: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Entry:
    """One hearing: (request, notice, period)."""

    request: HearingRequest
    notice: NoticeInfo | None
    period: str
    cls: H.Classification
    status: HearingStatus = "not_held"
    withdrawn: date | None = None
    withdrawn_by: str | None = None  # the written withdrawal that ended it (law.md 5)
    withdrawals: list[str] = field(default_factory=list)  # every withdrawal naming it
    determination: date | None = None
    petition_deadline: Dated | None = None
    final: Dated | None = None
    tax_court_review: bool = False
    petitioned_timely: bool = False
    levy_allowed_from: Dated | None = None
    ended: date | None = None  # the CDP suspension's until, when known
    ended_how: str = ""
    final_pending: Dated | None = None  # the day it becomes final if nothing is filed (not yet)
    final_event: str = ""  # the determination or decision that becomes final then
    why: list[Why] = field(default_factory=list)

    @property
    def notice_id(self) -> str | None:
        return None if self.notice is None else self.notice.ev.id


def _warn(warnings: list[H.Warning], seen: set[tuple[str, str, str]], w: H.Warning) -> None:
    key = (w.code, w.event, w.message)
    if key not in seen:
        seen.add(key)
        warnings.append(w)


def analyze(case: CaseFile, as_of: date | None = None) -> dict[str, Any]:
    """Analyse a validated case file. Raises :class:`CaseError` on inconsistent facts."""
    as_of = as_of or case.as_of
    if as_of is None:
        raise CaseError([ErrorItem("as_of", "is required (the engine has no clock)")])
    buckets = check_case(case, as_of)
    leap = case.policies.leap_day
    dc = calendar_for(None)
    warnings: list[H.Warning] = []
    seen_w: set[tuple[str, str, str]] = set()
    period_order = {p.id: i for i, p in enumerate(case.periods)}

    # --- Notices and their windows ------------------------------------------------------
    notices: dict[str, NoticeInfo] = {}
    for i, ev in sorted(buckets.get("levy_notice", []) + buckets.get("lien_notice", [])):
        if ev.type == "levy_notice":
            cal = calendar_for(ev.office_state)
            notices[ev.id] = NoticeInfo(
                ev,
                i,
                LEVY,
                ev.date,
                N.levy_cdp_window(cal, ev.date, ev.mailed),
                N.levy_eh_window(cal, ev.date, ev.mailed),
                None,
                None if ev.post_levy else N.earliest_pre_levy_day(ev.date, ev.mailed),
            )
            if N.predates_cdp(ev.date):
                _warn(
                    warnings,
                    seen_w,
                    H.Warning(
                        "pre_rra_notice",
                        ev.id,
                        f"Levy notice dated {iso_day(ev.date)}, before 1999-01-19: CDP rights apply only "
                        "to levies made on or after that day (RRA 1998 section 3401).",
                    ),
                )
        else:
            cal = calendar_for(ev.office_state)
            fifth = N.lien_fifth_business_day(cal, ev.nftl_filed)
            notices[ev.id] = NoticeInfo(
                ev,
                i,
                LIEN,
                ev.nftl_filed,
                N.lien_cdp_window(cal, fifth.value),
                N.lien_eh_window(cal, fifth.value),
                fifth,
                None,
            )
            if N.lien_notice_is_late(ev.date, fifth.value):
                _warn(
                    warnings,
                    seen_w,
                    H.Warning(
                        "late_lien_notice",
                        ev.id,
                        f"Lien notice dated {iso_day(ev.date)}, after the 5th business day "
                        f"({iso_day(fifth.value)}) following the NFTL filing on "
                        f"{iso_day(ev.nftl_filed)} (IRC 6320(a)(2)).",
                    ),
                )
            if N.predates_cdp(ev.nftl_filed):
                _warn(
                    warnings,
                    seen_w,
                    H.Warning(
                        "pre_rra_notice",
                        ev.id,
                        f"NFTL filed {iso_day(ev.nftl_filed)}, before 1999-01-19: CDP rights apply only "
                        "to liens filed on or after that day (RRA 1998 section 3401).",
                    ),
                )
    # One CDP hearing per period and kind of notice (IRC 6320(b)(2), 6330(b)(2)).
    for statute in (LEVY, LIEN):
        same = [n for n in notices.values() if n.statute == statute]
        if len(same) < 2:
            continue  # a lone notice repeats none
        first: dict[str, str] = {}
        for info in sorted(same, key=lambda n: (n.ev.date, n.index)):
            for pid in info.ev.periods:
                if pid in first and not info.ev.new_liability:
                    info.repeat_of[pid] = first[pid]
                first.setdefault(pid, info.ev.id)

    # --- Requests: one entry per (request, notice, period) ----------------------------
    entries: list[Entry] = []
    by_request: dict[str, list[Entry]] = {}
    for _, ev in buckets.get("hearing_request", ()):
        chosen = _request_notices(ev, notices)
        friv: set[str] = set(ev.periods) if ev.frivolous is True else set(ev.frivolous or ())
        mine: list[Entry] = []
        covered: set[str] = set()
        req_periods = (
            ev.periods if len(ev.periods) == 1 else sorted(ev.periods, key=lambda p: period_order.get(p, 0))
        )
        for info in chosen:
            for pid in req_periods:
                if pid not in info.ev.periods:
                    continue
                covered.add(pid)
                repeat = info.repeat_of.get(pid)
                cls = H.classify_hearing(
                    request_id=ev.id,
                    received=ev.received,
                    postmark=ev.postmark,
                    frivolous=pid in friv,
                    equitable_tolling=bool(ev.equitable_tolling),
                    statute=info.statute,
                    trigger=info.trigger,
                    cdp_deadline=None if repeat else info.cdp.deadline,
                    eh_deadline=info.eh.deadline,
                    fifth_business_day=info.fifth.value if info.fifth else None,
                    repeat_of=repeat,
                )
                for w in cls.warnings:
                    _warn(warnings, seen_w, w)
                mine.append(Entry(ev, info, pid, cls))
        for pid in req_periods:
            if pid in covered:
                continue
            says = (
                f"No CDP notice for period {pid} was issued on or before the request "
                f"({iso_day(ev.received)}); a request before any notice earns no hearing (Andre)."
            )
            cls = H.Classification(
                PREMATURE,
                ev.received,
                [Why(A.HEARING_CLASSIFICATION, says, "filed", ev.received, ("premature",))],
            )
            _warn(
                warnings,
                seen_w,
                H.Warning(
                    "no_notice_for_request",
                    ev.id,
                    f"Request {ev.id} names period {pid}, but no CDP notice for it came on or before "
                    f"{iso_day(ev.received)}.",
                ),
            )
            mine.append(Entry(ev, None, pid, cls))
        by_request[ev.id] = mine
        entries.extend(mine)

    _apply_endings(case, buckets, as_of, dc, by_request, warnings, seen_w)

    # --- Hearings out -----------------------------------------------------------------
    hearings_out = [_hearing_json(e) for e in entries]

    # --- Suspensions per period, CSED per assessment ----------------------------------
    per_period = _suspensions(buckets, as_of, entries, case.policies.floor_after_withdrawal)
    assessments_out: list[dict[str, Any]] = []
    csed_values: list[date] = []
    cseds: list[tuple[str, str, Dated]] = []  # (period, assessment, CSED) for the deadlines
    for p in case.periods:
        susp = per_period.get(p.id, [])
        runs = merge_suspensions(susp)
        for a in p.assessments:
            base = base_csed(a.date, leap)
            res = walk_csed(base, a.date, runs)
            csed_values.append(res.csed.value)
            cseds.append((p.id, a.id, res.csed))
            assessments_out.append(
                {
                    "period": p.id,
                    "assessment": a.id,
                    "assessed": iso_day(a.date),
                    "base_csed": iso_day(base.value),
                    "csed": iso_day(res.csed.value),
                    "open": not res.csed.complete,
                    "suspensions": [s.to_json() for s in susp],
                    "floors": [dict(f.to_json(), binding=raised) for f, raised in res.floors],
                    "why": [w.to_json() for w in res.trail],
                }
            )

    deadlines = _deadlines(buckets, as_of, notices, entries, cseds)
    stage = stage_of(case, as_of, by_request, csed_values)
    return {
        "format": ANALYSIS_FORMAT,
        "as_of": iso_day(as_of),
        "engine": ENGINE_VERSION,
        "hearings": hearings_out,
        "assessments": assessments_out,
        "deadlines": deadlines,
        "stage": stage,
        "warnings": [w.to_json() for w in warnings],
    }


def _request_notices(req: HearingRequest, notices: dict[str, NoticeInfo]) -> list[NoticeInfo]:
    """The notices a request answers: those it names, or by default every levy notice for its
    periods dated on or before receipt and every lien notice whose NFTL was filed by then."""
    if req.notices is not None:
        return sorted((notices[n] for n in req.notices), key=lambda n: n.index)
    wanted = set(req.periods)
    return [n for n in notices.values() if not wanted.isdisjoint(n.ev.periods) and n.trigger <= req.received]


def _apply_endings(
    case: CaseFile,
    buckets: Buckets,
    as_of: date,
    dc: Calendar,
    by_request: dict[str, list[Entry]],
    warnings: list[H.Warning],
    seen_w: set[tuple[str, str, str]],
) -> None:
    """Withdrawals, determinations, petitions and decisions, per hearing (law.md 4.5, 5)."""
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

    errors: list[ErrorItem] = []
    for rid, mine in by_request.items():
        # Most requests have no withdrawal, and many no determination: skip those steps.
        if rid in withdrawals:
            _apply_withdrawals(case, rid, mine, withdrawals[rid], errors, warnings, seen_w)
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
                warnings,
                seen_w,
            )
        for e in mine:
            _status(e, as_of)
            _levy_allowed(e)
    if errors:
        raise CaseError(errors)


def _apply_withdrawals(
    case: CaseFile,
    rid: str,
    mine: list[Entry],
    withdrawals: list[tuple[int, HearingWithdrawal]],
    errors: list[ErrorItem],
    warnings: list[H.Warning],
    seen_w: set[tuple[str, str, str]],
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
            _warn(
                warnings,
                seen_w,
                H.Warning(
                    "oral_withdrawal",
                    w.id,
                    f"Withdrawal {w.id} ({iso_day(w.received)}) was oral: it is recorded but changes "
                    "nothing until it is confirmed in writing.",
                ),
            )
            continue
        held = [e for e in covered if e.cls.type in HELD_TYPES]
        fresh = [e for e in held if e.withdrawn is None]
        if held and not fresh:
            _warn(
                warnings,
                seen_w,
                H.Warning(
                    "repeated_withdrawal",
                    w.id,
                    f"Withdrawal {w.id} repeats one already in effect; the first one governs.",
                ),
            )
        if not held:
            _warn(
                warnings,
                seen_w,
                H.Warning(
                    "withdrawal_without_hearing",
                    w.id,
                    f"Withdrawal {w.id} names no hearing that was held (the request earned none).",
                ),
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
    warnings: list[H.Warning],
    seen_w: set[tuple[str, str, str]],
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
            e.petition_deadline = H.petition_deadline(dc, d.date)
            e.why.append(e.petition_deadline.why)
            _cdp_finality(e, d, pets, decs, dc, as_of, warnings, seen_w)
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
            _warn(warnings, seen_w, warning)


def _cdp_finality(
    e: Entry,
    d: Determination,
    pets: list[TaxCourtPetition],
    decs: list[TaxCourtDecision],
    dc: Calendar,
    as_of: date,
    warnings: list[H.Warning],
    seen_w: set[tuple[str, str, str]],
) -> None:
    assert e.petition_deadline is not None
    deadline = e.petition_deadline.value
    pet = next((p for p in pets if p.filed >= d.date), None)
    dec = next((x for x in decs if pet is not None and x.entered >= pet.filed), None)
    if pet is not None:
        timely, _, _ = H.timely_by(deadline, pet.filed, pet.postmark)
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
        _warn(warnings, seen_w, H.untimely_petition(pet.id, pet.filed, deadline))
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
    if e.notice is None or e.notice.statute != LEVY:
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


def _hearing_json(e: Entry) -> dict[str, Any]:
    n = e.notice
    why = list(e.cls.why)
    cdp_deadline = eh_deadline = None
    if n is not None:
        if n.fifth is not None:
            why.insert(0, n.fifth.why)
        if e.period not in n.repeat_of:
            cdp_deadline = n.cdp.deadline
            why.append(cdp_deadline.why)
        else:
            why.append(
                Why(
                    A.ONE_HEARING_PER_PERIOD,
                    f"Period {e.period} already had a {n.statute} CDP notice "
                    f"({n.repeat_of[e.period]}); this one carries no CDP window.",
                    "cdp_deadline",
                    None,
                    ("repeat-notice",),
                )
            )
        eh_deadline = n.eh.deadline
        why.append(eh_deadline.why)
    why.extend(e.why)
    if e.levy_allowed_from is not None:
        why.append(e.levy_allowed_from.why)
    return {
        "request": e.request.id,
        "notice": None if n is None else n.ev.id,
        "period": e.period,
        "statute": None if n is None else n.statute,
        "type": e.cls.type,
        "filed": iso(e.cls.filed),
        "cdp_deadline": None if cdp_deadline is None else iso_day(cdp_deadline.value),
        "eh_deadline": None if eh_deadline is None else iso_day(eh_deadline.value),
        "status": e.status,
        "withdrawn": iso(e.withdrawn),
        "withdrawn_by": e.withdrawn_by,
        "withdrawals": list(e.withdrawals),
        "determination": iso(e.determination),
        "petition_deadline": None if e.petition_deadline is None else iso_day(e.petition_deadline.value),
        "final": None if e.final is None else iso_day(e.final.value),
        "tax_court_review": e.tax_court_review,
        "levy_allowed_from": None if e.levy_allowed_from is None else iso_day(e.levy_allowed_from.value),
        "why": [w.to_json() for w in why],
    }


def _suspensions(
    buckets: Buckets, as_of: date, entries: list[Entry], floor_after_withdrawal: bool
) -> dict[str, list[S.Suspension]]:
    """Every suspension of law.md 4.3, per period."""
    out: dict[str, list[S.Suspension]] = {}
    seen: set[tuple[str, str, date, date]] = set()

    def add(periods: list[str] | tuple[str, ...], s: S.Suspension | None) -> None:
        if s is None:
            return
        for pid in periods:
            key = (pid, s.event, s.start, s.until)
            if key in seen:
                continue  # the lien and levy parts of one request, ending together
            seen.add(key)
            out.setdefault(pid, []).append(s)

    for e in entries:
        if e.cls.type == CDP:
            add(
                (e.period,),
                S.cdp_hearing_suspension(
                    e.request.id,
                    e.request.received,
                    e.ended,
                    e.ended_how,
                    as_of,
                    e.withdrawn is not None,
                    floor_after_withdrawal,
                ),
            )

    # Installment agreements and offers, paired per period in date order.
    alt: dict[str, list[InstallmentAgreementEvent | OfferEvent | AlternativeAppeal]] = {}
    alt_events = [pair for t, pairs in buckets.items() if t in ALTERNATIVE_TYPES for pair in pairs]
    for _, ev in sorted(alt_events, key=lambda pair: pair[0]):
        for pid in ev.periods:
            alt.setdefault(pid, []).append(ev)
    for _, ev in buckets.get("bankruptcy", ()):
        add(ev.periods, S.bankruptcy_suspension(ev.id, ev.filed, ev.stay_ended, as_of))
    for _, ev in buckets.get("outside_us", ()):
        add(ev.periods, S.outside_us_suspension(ev.id, ev.left, ev.returned, as_of))
    for _, ev in buckets.get("tas_application", ()):
        add(ev.periods, S.tas_suspension(ev.id, ev.filed, ev.decided, as_of))
    for _, ev in buckets.get("innocent_spouse_claim", ()):
        add(ev.periods, S.innocent_spouse_suspension(ev.id, ev.filed, ev.bar_ended, as_of))
    for pid, evs in alt.items():
        for s in _alternative_suspensions(evs, as_of):
            add((pid,), s)
    for lst in out.values():
        if len(lst) > 1:
            lst.sort(key=lambda s: (s.start, s.until))
    return out


def _event_day(ev: InstallmentAgreementEvent | OfferEvent | AlternativeAppeal) -> date:
    return ev.filed if isinstance(ev, AlternativeAppeal) else ev.date


def _alternative_suspensions(
    evs: list[InstallmentAgreementEvent | OfferEvent | AlternativeAppeal], as_of: date
) -> list[S.Suspension]:
    """IA and OIC runs for one period (IRC 6331(k), 6331(i)(5))."""
    out: list[S.Suspension] = []
    ordered = sorted(evs, key=_event_day)
    appeals = {
        "ia": [e for e in ordered if e.type == "ia_appeal"],
        "oic": [e for e in ordered if e.type == "oic_appeal"],
    }

    def appeal_for(kind: str, ended: date) -> AlternativeAppeal | None:
        for ap in appeals[kind]:
            assert isinstance(ap, AlternativeAppeal)
            if ended <= ap.filed <= date.fromordinal(ended.toordinal() + S.ALTERNATIVE_GRACE_DAYS):
                return ap
        return None

    open_ia: InstallmentAgreementEvent | None = None
    open_oic: OfferEvent | None = None
    for ev in ordered:
        if isinstance(ev, AlternativeAppeal):
            continue
        t = ev.type
        if t == "ia_requested":
            if open_ia is None:
                open_ia = ev  # type: ignore[assignment]
        elif t in ("ia_accepted", "ia_rejected"):
            start = open_ia.date if open_ia is not None else ev.date
            event_id = open_ia.id if open_ia is not None else ev.id
            if t == "ia_accepted":
                if open_ia is not None:
                    out.append(
                        S.ia_pending_suspension(
                            event_id, start, ev.date, f"accepted {iso_day(ev.date)}", as_of
                        )
                    )
            else:
                ap = appeal_for("ia", ev.date)
                until, how, settled = S.alternative_until(
                    ev.date, ap.filed if ap else None, ap.closed if ap else None, as_of
                )
                out.append(
                    S.ia_pending_suspension(
                        event_id, start, until, f"rejected {iso_day(ev.date)}; {how}", as_of, settled
                    )
                )
            open_ia = None
        elif t == "ia_terminated":
            ap = appeal_for("ia", ev.date)
            until, how, settled = S.alternative_until(
                ev.date, ap.filed if ap else None, ap.closed if ap else None, as_of
            )
            out.append(S.ia_terminated_suspension(ev.id, ev.date, until, how, settled))
        elif t == "oic_pending":
            if open_oic is None:
                open_oic = ev  # type: ignore[assignment]
        elif t in ("oic_rejected", "oic_returned", "oic_withdrawn", "oic_accepted"):
            start = open_oic.date if open_oic is not None else ev.date
            event_id = open_oic.id if open_oic is not None else ev.id
            if t == "oic_rejected":
                ap = appeal_for("oic", ev.date)
                until, how, settled = S.alternative_until(
                    ev.date, ap.filed if ap else None, ap.closed if ap else None, as_of
                )
                out.append(
                    S.oic_pending_suspension(
                        event_id, start, until, f"rejected {iso_day(ev.date)}; {how}", as_of, settled
                    )
                )
            elif open_oic is not None:
                word = t.removeprefix("oic_")
                out.append(
                    S.oic_pending_suspension(event_id, start, ev.date, f"{word} {iso_day(ev.date)}", as_of)
                )
            open_oic = None
    if open_ia is not None:
        out.append(S.ia_pending_suspension(open_ia.id, open_ia.date, None, "", as_of))
    if open_oic is not None:
        out.append(S.oic_pending_suspension(open_oic.id, open_oic.date, None, "", as_of))
    return out


def _deadline(
    day: date,
    what: str,
    event: str | None,
    rule: A.Rule,
    says: str,
    periods: list[str] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "date": iso_day(day),
        "what": what,
        "event": event,
        "authority": rule.cited,
        "rule": rule.id,
        "says": says,
    }
    if periods is not None:
        out["periods"] = periods
    return out


def _deadlines(
    buckets: Buckets,
    as_of: date,
    notices: dict[str, NoticeInfo],
    entries: list[Entry],
    cseds: list[tuple[str, str, Dated]],
) -> list[dict[str, Any]]:
    """Dates on or after ``as_of`` that someone must act by, soonest first."""
    out: list[dict[str, Any]] = []
    asked = {(e.notice.ev.id, e.period) for e in entries if e.notice is not None}
    for nid, n in notices.items():
        open_periods = [p for p in n.ev.periods if (nid, p) not in asked]
        if not open_periods:
            continue
        kind = "levy" if n.statute == LEVY else "lien"
        cdp_periods = [p for p in open_periods if p not in n.repeat_of]
        for deadline, what, periods in (
            (
                n.cdp.deadline,
                f"Last day to request a CDP hearing (Form 12153) on the {kind} notice",
                cdp_periods,
            ),
            (n.eh.deadline, f"Last day to request an equivalent hearing on the {kind} notice", open_periods),
        ):
            if periods and deadline.value >= as_of:
                out.append(
                    _deadline(deadline.value, what, nid, deadline.why.rule, deadline.why.says, periods)
                )
    petitioned = {ev.request for _, ev in buckets.get("tax_court_petition", ())}
    done: set[tuple[str, date]] = set()
    for e in entries:
        pd = e.petition_deadline
        if (
            pd is not None
            and pd.value >= as_of
            and e.request.id not in petitioned
            and (e.request.id, pd.value) not in done
        ):
            done.add((e.request.id, pd.value))
            out.append(
                _deadline(
                    pd.value,
                    "Last day to petition the U.S. Tax Court (IRC 6330(d)(1))",
                    e.request.id,
                    pd.why.rule,
                    pd.why.says,
                    sorted(
                        {
                            x.period
                            for x in entries
                            if x.request.id == e.request.id and x.petition_deadline is not None
                        }
                    ),
                )
            )
    # The day a determination or decision not yet final becomes final if nothing is filed
    # (case-format ``final``): its hearing's ``final`` stays null until then.
    pending: dict[tuple[str, date], tuple[Entry, list[str]]] = {}
    for e in entries:
        fp = e.final_pending
        if fp is not None and fp.value >= as_of:
            pending.setdefault((e.final_event, fp.value), (e, []))[1].append(e.period)
    for (event, day), (e, periods) in pending.items():
        fp = e.final_pending
        assert fp is not None
        what = (
            "The Notice of Determination becomes final if no Tax Court petition is filed"
            if fp.why.rule is A.DETERMINATION_FINAL_NO_PETITION
            else "The Tax Court decision becomes final if no notice of appeal is filed"
        )
        out.append(_deadline(day, what, event, fp.why.rule, fp.why.says, sorted(set(periods))))
    for period, assessment, csed in cseds:
        if csed.value >= as_of:
            out.append(
                _deadline(
                    csed.value,
                    f"Collection statute ends (CSED) for {period} assessment {assessment}"
                    + ("" if csed.complete else " (lower bound)"),
                    None,
                    A.CSED_WALK,
                    csed.why.says,
                    [period],
                )
            )
    if len(out) > 1:
        out.sort(key=lambda d: d["date"])
    return out
