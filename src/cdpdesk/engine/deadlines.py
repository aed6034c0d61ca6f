"""Stage 6, deadlines: the dates on or after ``as_of`` that the taxpayer, Appeals or
Collection must act by, soonest first, each with its rule and its sentence (case-format
``deadlines``; docs/decisions.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from cdpdesk.contract.analysis import LEVY_STATUTE
from cdpdesk.engine import authority as A
from cdpdesk.engine.authority import Dated, iso_day
from cdpdesk.engine.checks import Buckets
from cdpdesk.engine.hearing_requests import Entry
from cdpdesk.engine.notice_windows import NoticeInfo


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


def _by_deadline(
    deadline_for: Callable[[str], Dated], periods: list[str], what: str
) -> list[tuple[Dated, str, list[str]]]:
    """The periods of one notice grouped by their deadline: one group unless a relief
    (law.md 3.4) moved the deadline for some periods only."""
    groups: dict[int, tuple[Dated, list[str]]] = {}
    for p in periods:
        d = deadline_for(p)
        groups.setdefault(id(d), (d, []))[1].append(p)
    bound = " (at the earliest)"
    return [(d, what + ("" if d.complete else bound), ps) for d, ps in groups.values()]


def deadlines_due(
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
        kind = "levy" if n.statute == LEVY_STATUTE else "lien"
        cdp_periods = [p for p in open_periods if p not in n.repeat_of]
        for deadline, what, periods in (
            *_by_deadline(
                n.cdp_for, cdp_periods, f"Last day to request a CDP hearing (Form 12153) on the {kind} notice"
            ),
            *_by_deadline(
                n.eh_for, open_periods, f"Last day to request an equivalent hearing on the {kind} notice"
            ),
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
                    "Last day to petition the U.S. Tax Court (IRC 6330(d)(1))"
                    + ("" if pd.complete else " (at the earliest)"),
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
