"""Checks a case file must pass before analysis: references, order of events, ``as_of``.

Each problem names the field, the event and the offending value (law.md section 5 makes
invalid withdrawals errors, never silent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from cdpdesk.contract.case import (
    ALTERNATIVE_TYPES,
    EVENT_MODELS,
    STATUTE_EVENT_TYPES,
    CaseFile,
    CombatZone,
    Determination,
    Event,
    HearingRequest,
    HearingWithdrawal,
    LevyNotice,
    LienNotice,
    TaxCourtDecision,
    TaxCourtPetition,
    WithdrawalAcknowledged,
)
from cdpdesk.contract.errors import CaseError, ErrorItem

if TYPE_CHECKING:
    pass


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the checks need to know of one event type, read once from its contract model."""

    dates: tuple[str, ...]  # the date fields, in declaration order
    has_periods: bool
    ends: tuple[str, str] | None  # (start, end) for events with an end


# Every event type's shape, so the per-event loop does one dict lookup, not a scan of fields.
_SHAPES: dict[type, _Shape] = {
    kind: _Shape(kind.DATE_FIELDS, "periods" in kind.model_fields, (kind.DAY, kind.END) if kind.END else None)
    for kind in EVENT_MODELS
}
# Types with nothing to check beyond dates, periods and end-after-start.
_UNCHECKED = frozenset(("lien_notice", *ALTERNATIVE_TYPES, *STATUTE_EVENT_TYPES))


Buckets = dict[str, list[tuple[int, Any]]]


def check_case(case: CaseFile, as_of: date) -> Buckets:
    """Raise :class:`CaseError` listing every problem. For a sound file, return its events
    grouped by type, each with its index in the file, so later steps need not scan again."""
    errors: list[ErrorItem] = []

    def err(field: str, message: str, event: str | None = None) -> None:
        errors.append(ErrorItem(field, message, event))

    period_ids: set[str] = set()
    for i, p in enumerate(case.periods):
        if p.id in period_ids:
            err(f"periods[{i}].id", f"duplicate period id {p.id!r}")
        period_ids.add(p.id)
        seen_a: set[str] = set()
        for j, a in enumerate(p.assessments):
            if a.id in seen_a:
                err(
                    f"periods[{i}].assessments[{j}].id",
                    f"duplicate assessment id {a.id!r} in period {p.id!r}",
                )
            seen_a.add(a.id)
            if a.date > as_of:
                err(
                    f"periods[{i}].assessments[{j}].date",
                    f"{a.date.isoformat()} is after as_of {as_of.isoformat()}",
                )
            if a.irs_csed is not None and a.irs_csed <= a.date:
                err(
                    f"periods[{i}].assessments[{j}].irs_csed",
                    f"{a.irs_csed.isoformat()} is not after the assessment date {a.date.isoformat()} "
                    "(a CSED is 10 years or more after it); check the date copied from the IRS's records",
                )

    by_id: dict[str, tuple[int, Event]] = {}
    buckets: Buckets = {}
    for i, ev in enumerate(case.events):
        buckets.setdefault(ev.type, []).append((i, ev))
        if ev.id in by_id:
            err(f"events[{i}].id", f"duplicate event id {ev.id!r}", ev.id)
        else:
            by_id[ev.id] = (i, ev)

    def ref_request(i: int, ev: Event, rid: str) -> HearingRequest | None:
        found = by_id.get(rid)
        if found is None:
            err(f"events[{i}].request", f"names unknown request {rid!r}", ev.id)
            return None
        if not isinstance(found[1], HearingRequest):
            err(
                f"events[{i}].request",
                f"{rid!r} is a {found[1].type}, not a hearing_request",
                ev.id,
            )
            return None
        return found[1]

    determinations: dict[str, list[Determination]] = {}
    petitions: dict[str, list[TaxCourtPetition]] = {}
    for _, ev in buckets.get("determination", ()):
        determinations.setdefault(ev.request, []).append(ev)
    for _, ev in buckets.get("tax_court_petition", ()):
        petitions.setdefault(ev.request, []).append(ev)

    acknowledged: dict[str, str] = {}  # withdrawal id -> the acknowledgement naming it first
    for i, ev in enumerate(case.events):
        shape = _SHAPES[type(ev)]
        for name in shape.dates:
            value = getattr(ev, name)
            if value is not None and value > as_of:
                err(
                    f"events[{i}].{name}",
                    f"{value.isoformat()} is after as_of {as_of.isoformat()} (events cannot be in the future)",
                    ev.id,
                )
        # Asked only of types that have the field: a missing one costs pydantic an exception.
        periods = getattr(ev, "periods", None) if shape.has_periods else None
        if periods:
            if not period_ids.issuperset(periods):
                for k, pid in enumerate(periods):
                    if pid not in period_ids:
                        err(f"events[{i}].periods[{k}]", f"names unknown period {pid!r}", ev.id)
            if len(periods) > 1 and len(set(periods)) != len(periods):
                err(f"events[{i}].periods", "lists a period twice", ev.id)
        ends = shape.ends
        if ends is not None:
            start, end = getattr(ev, ends[0]), getattr(ev, ends[1])
            if end is not None and end < start:
                err(
                    f"events[{i}].{ends[1]}",
                    f"{end.isoformat()} is before {ends[0]} {start.isoformat()}",
                    ev.id,
                )

        t = ev.type
        if isinstance(ev, CombatZone) and ev.hospitalized_until is not None:
            if ev.departed is None:
                err(
                    f"events[{i}].hospitalized_until",
                    "needs departed (the last day in the combat zone); leave both out while the "
                    "service or the hospitalization goes on",
                    ev.id,
                )
            elif ev.hospitalized_until < ev.departed:
                err(
                    f"events[{i}].hospitalized_until",
                    f"{ev.hospitalized_until.isoformat()} is before departed {ev.departed.isoformat()}",
                    ev.id,
                )
        if t in _UNCHECKED:
            continue
        # A levy notice ``mailed`` before its printed date is valid (law.md 3.1): nothing to check.
        if isinstance(ev, HearingRequest):
            if ev.postmark is not None and ev.postmark > ev.received:
                err(
                    f"events[{i}].postmark",
                    f"{ev.postmark.isoformat()} is after the date received {ev.received.isoformat()}",
                    ev.id,
                )
            for k, nid in enumerate(ev.notices or ()):
                found = by_id.get(nid)
                if found is None:
                    err(f"events[{i}].notices[{k}]", f"names unknown notice {nid!r}", ev.id)
                elif not isinstance(found[1], LevyNotice | LienNotice):
                    err(
                        f"events[{i}].notices[{k}]",
                        f"{nid!r} is a {found[1].type}, not a levy_notice or lien_notice",
                        ev.id,
                    )
                elif not set(found[1].periods) & set(ev.periods):
                    err(
                        f"events[{i}].notices[{k}]",
                        f"notice {nid!r} covers none of the request's periods",
                        ev.id,
                    )
            if isinstance(ev.frivolous, list):
                for k, pid in enumerate(ev.frivolous):
                    if pid not in ev.periods:
                        err(
                            f"events[{i}].frivolous[{k}]",
                            f"period {pid!r} is not one of the request's periods",
                            ev.id,
                        )
        elif isinstance(ev, HearingWithdrawal):
            if ev.signed is not None and ev.signed > ev.received:
                err(
                    f"events[{i}].signed",
                    f"signed {ev.signed.isoformat()} is after the withdrawal was received {ev.received.isoformat()}",
                    ev.id,
                )
            req = ref_request(i, ev, ev.request)
            if req is None:
                continue
            if ev.received < req.received:
                err(
                    f"events[{i}].received",
                    f"withdrawal received {ev.received.isoformat()} is before its request {req.id!r} "
                    f"was received ({req.received.isoformat()})",
                    ev.id,
                )
            for k, pid in enumerate(ev.periods or ()):
                if pid not in req.periods:
                    err(
                        f"events[{i}].periods[{k}]",
                        f"period {pid!r} is not covered by request {req.id!r}",
                        ev.id,
                    )
            wanted = set(ev.periods or req.periods)
            for d in determinations.get(req.id, ()):
                if ev.received >= d.date and wanted & set(d.periods or req.periods):
                    err(
                        f"events[{i}].received",
                        f"withdrawal received {ev.received.isoformat()} comes after determination "
                        f"{d.id!r} issued {d.date.isoformat()}; a determined hearing cannot be withdrawn",
                        ev.id,
                    )
        elif isinstance(ev, WithdrawalAcknowledged):
            _check_acknowledgement(i, ev, by_id, acknowledged, err)
        elif isinstance(ev, Determination):
            req = ref_request(i, ev, ev.request)
            if req is None:
                continue
            if ev.date < req.received:
                err(
                    f"events[{i}].date",
                    f"determination {ev.date.isoformat()} is before its request {req.id!r} was received "
                    f"({req.received.isoformat()})",
                    ev.id,
                )
            for k, pid in enumerate(ev.periods or ()):
                if pid not in req.periods:
                    err(
                        f"events[{i}].periods[{k}]",
                        f"period {pid!r} is not covered by request {req.id!r}",
                        ev.id,
                    )
        elif isinstance(ev, TaxCourtPetition):
            req = ref_request(i, ev, ev.request)
            if req is None:
                continue
            if ev.postmark is not None and ev.postmark > ev.filed:
                err(
                    f"events[{i}].postmark",
                    f"{ev.postmark.isoformat()} is after the filing date {ev.filed.isoformat()}",
                    ev.id,
                )
            dets = [d for d in determinations.get(req.id, ()) if d.date <= ev.filed]
            if not dets:
                err(
                    f"events[{i}].filed",
                    f"petition filed {ev.filed.isoformat()} has no determination on request {req.id!r} "
                    "issued on or before it",
                    ev.id,
                )
        elif isinstance(ev, TaxCourtDecision):
            req = ref_request(i, ev, ev.request)
            if req is None:
                continue
            pets = [p for p in petitions.get(req.id, ()) if p.filed <= ev.entered]
            if not pets:
                err(
                    f"events[{i}].entered",
                    f"decision entered {ev.entered.isoformat()} has no Tax Court petition on request "
                    f"{req.id!r} filed on or before it",
                    ev.id,
                )
    if errors:
        raise CaseError(errors)
    return buckets


def _check_acknowledgement(
    i: int,
    ev: WithdrawalAcknowledged,
    by_id: dict[str, tuple[int, Event]],
    acknowledged: dict[str, str],
    err: Any,
) -> None:
    """Letter 4383 acknowledges one written withdrawal, once, on or after its receipt
    (law.md 5: acknowledged once; an oral withdrawal changes nothing, so it gets no letter)."""
    found = by_id.get(ev.withdrawal)
    if found is None:
        err(f"events[{i}].withdrawal", f"names unknown withdrawal {ev.withdrawal!r}", ev.id)
        return
    w = found[1]
    if not isinstance(w, HearingWithdrawal):
        err(f"events[{i}].withdrawal", f"{ev.withdrawal!r} is a {w.type}, not a hearing_withdrawal", ev.id)
        return
    if not w.written:
        err(
            f"events[{i}].withdrawal",
            f"withdrawal {w.id!r} was oral; Letter 4383 acknowledges only a written withdrawal",
            ev.id,
        )
    if ev.date < w.received:
        err(
            f"events[{i}].date",
            f"Letter 4383 dated {ev.date.isoformat()} is before withdrawal {w.id!r} was received "
            f"({w.received.isoformat()})",
            ev.id,
        )
    first = acknowledged.setdefault(w.id, ev.id)
    if first != ev.id:
        err(
            f"events[{i}].withdrawal",
            f"withdrawal {w.id!r} is already acknowledged by {first!r}; Letter 4383 is issued once",
            ev.id,
        )
