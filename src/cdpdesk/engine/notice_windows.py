"""Stage 1, notices and their windows: each levy (IRC 6330) and lien (IRC 6320) CDP notice
with its CDP and equivalent-hearing windows worked out once, the defects a notice can carry
(late lien notice, pre-1999 notice) and the repeated notices that carry no new CDP right."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from cdpdesk.contract.analysis import LEVY_STATUTE, LIEN_STATUTE, Statute
from cdpdesk.contract.case import HearingRequest, LevyNotice, LienNotice
from cdpdesk.engine import authority as A
from cdpdesk.engine import hearings as H
from cdpdesk.engine import notices as N
from cdpdesk.engine import postponements as P
from cdpdesk.engine.authority import Dated, iso_day
from cdpdesk.engine.calendar import calendar_for
from cdpdesk.engine.checks import Buckets


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
    repeat_of: dict[str, str] = field(default_factory=dict)  # period -> the notice it repeats
    # Deadlines a relief moved for some periods (law.md 3.4), by period; the rest keep the
    # notice's own (cdp.deadline, eh.deadline).
    cdp_moved: dict[str, Dated] = field(default_factory=dict)
    eh_moved: dict[str, Dated] = field(default_factory=dict)

    def cdp_for(self, period: str) -> Dated:
        """The CDP deadline for one of the notice's periods, after any relief."""
        return self.cdp_moved.get(period, self.cdp.deadline)

    def eh_for(self, period: str) -> Dated:
        """The equivalent-hearing deadline for one of the notice's periods, after any relief."""
        return self.eh_moved.get(period, self.eh.deadline)


def notice_windows(buckets: Buckets, log: H.WarningLog, as_of: date) -> dict[str, NoticeInfo]:
    """Every CDP notice in file order, with its windows (law.md 3.1, 3.2) and the deadlines
    relief moved (law.md 3.4)."""
    notices: dict[str, NoticeInfo] = {}
    for i, ev in sorted(buckets.get("levy_notice", []) + buckets.get("lien_notice", [])):
        cal = calendar_for(ev.office_state)
        if ev.type == "levy_notice":
            notices[ev.id] = NoticeInfo(
                ev,
                i,
                LEVY_STATUTE,
                ev.date,
                N.levy_cdp_window(cal, ev.date, ev.mailed),
                N.levy_eh_window(cal, ev.date, ev.mailed),
                None,
                None if ev.post_levy else N.earliest_pre_levy_day(ev.date, ev.mailed),
            )
            if N.predates_cdp(ev.date):
                log.add(
                    H.Warning(
                        "pre_rra_notice",
                        ev.id,
                        f"Levy notice dated {iso_day(ev.date)}, before 1999-01-19: CDP rights apply only "
                        "to levies made on or after that day (RRA 1998 section 3401).",
                    )
                )
        else:
            fifth = N.lien_fifth_business_day(cal, ev.nftl_filed)
            notices[ev.id] = NoticeInfo(
                ev,
                i,
                LIEN_STATUTE,
                ev.nftl_filed,
                N.lien_cdp_window(cal, fifth.value),
                N.lien_eh_window(cal, fifth.value),
                fifth,
                None,
            )
            if N.lien_notice_is_late(ev.date, fifth.value):
                log.add(
                    H.Warning(
                        "late_lien_notice",
                        ev.id,
                        f"Lien notice dated {iso_day(ev.date)}, after the 5th business day "
                        f"({iso_day(fifth.value)}) following the NFTL filing on "
                        f"{iso_day(ev.nftl_filed)} (IRC 6320(a)(2)).",
                    )
                )
            if N.predates_cdp(ev.nftl_filed):
                log.add(
                    H.Warning(
                        "pre_rra_notice",
                        ev.id,
                        f"NFTL filed {iso_day(ev.nftl_filed)}, before 1999-01-19: CDP rights apply only "
                        "to liens filed on or after that day (RRA 1998 section 3401).",
                    )
                )
    mark_repeated_notices(list(notices.values()))
    reliefs = P.reliefs_in(buckets, as_of, petition=False)
    if reliefs:
        for info in notices.values():
            apply_reliefs(info, reliefs)
    return notices


def apply_reliefs(info: NoticeInfo, reliefs: list[P.Relief]) -> None:
    """Law.md 3.4: each period's CDP and equivalent-hearing deadlines after the disaster
    postponements and combat-zone service that cover it (``postponements.relieved_deadline``)."""
    cal = calendar_for(info.ev.office_state)
    for pid in info.ev.periods:
        for window, moved, what in (
            (info.cdp, info.cdp_moved, "CDP request"),
            (info.eh, info.eh_moved, "equivalent-hearing request"),
        ):
            got = P.relieved_deadline(cal, window.opens, window.last_day, window.deadline, pid, reliefs, what)
            if got is not window.deadline:
                moved[pid] = got


@A.implements(A.ONE_HEARING_PER_PERIOD)
def mark_repeated_notices(notices: list[NoticeInfo]) -> None:
    """IRC 6320(b)(2), 6330(b)(2): one CDP hearing per period and kind of notice. A later
    notice of the same kind for a period that already had one repeats it (``repeat_of``) and
    carries no CDP window for that period. Exception ``new_liability``: a notice the caller
    marks as covering a new liability carries its own right."""
    for statute in (LEVY_STATUTE, LIEN_STATUTE):
        same = [n for n in notices if n.statute == statute]
        if len(same) < 2:
            continue  # a lone notice repeats none
        first: dict[str, str] = {}
        for info in sorted(same, key=lambda n: (n.ev.date, n.index)):
            for pid in info.ev.periods:
                if pid in first and not info.ev.new_liability:
                    info.repeat_of[pid] = first[pid]
                first.setdefault(pid, info.ev.id)


def request_notices(req: HearingRequest, notices: dict[str, NoticeInfo]) -> list[NoticeInfo]:
    """The notices a request answers: those it names, or by default every levy notice for its
    periods dated on or before receipt and every lien notice whose NFTL was filed by then
    (case-format ``notices``)."""
    if req.notices is not None:
        return sorted((notices[n] for n in req.notices), key=lambda n: n.index)
    wanted = set(req.periods)
    return [n for n in notices.values() if not wanted.isdisjoint(n.ev.periods) and n.trigger <= req.received]
