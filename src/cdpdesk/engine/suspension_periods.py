"""Stage 4, suspensions: every suspension of law.md 4.3 that applies to each period, from
the CDP hearings, the collection alternatives, bankruptcy, absence abroad, TAS applications
and innocent spouse claims."""

from __future__ import annotations

from datetime import date

from cdpdesk.contract.analysis import CDP
from cdpdesk.contract.case import ALTERNATIVE_TYPES
from cdpdesk.engine import suspensions as S
from cdpdesk.engine.alternatives import Alternative, alternative_suspensions
from cdpdesk.engine.checks import Buckets
from cdpdesk.engine.hearing_requests import Entry


def suspensions_by_period(
    buckets: Buckets,
    as_of: date,
    entries: list[Entry],
    floor_after_withdrawal: bool,
    all_periods: list[str] | None = None,
) -> dict[str, list[S.Suspension]]:
    """Every suspension of law.md 4.3, per period. ``all_periods``: the case's periods, for
    an event that names none (combat-zone service covers them all then)."""
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
    alt: dict[str, list[Alternative]] = {}
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
    for _, ev in buckets.get("combat_zone", ()):
        add(
            ev.periods if ev.periods is not None else (all_periods or ()),
            S.combat_zone_suspension(ev.id, ev.entered, ev.departed, ev.hospitalized_until, as_of),
        )
    for pid, evs in alt.items():
        for s in alternative_suspensions(evs, as_of):
            add((pid,), s)
    for lst in out.values():
        if len(lst) > 1:
            lst.sort(key=lambda s: (s.start, s.until))
    return out
