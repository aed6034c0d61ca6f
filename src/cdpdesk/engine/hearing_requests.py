"""Stage 2, hearing requests: one hearing for each (request, notice, period), classified as
law.md 3.3 says (CDP, equivalent, premature or none)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from cdpdesk.contract.analysis import PREMATURE, HearingStatus
from cdpdesk.contract.case import CaseFile, HearingRequest
from cdpdesk.engine import authority as A
from cdpdesk.engine import hearings as H
from cdpdesk.engine.authority import Dated, Why, iso_day
from cdpdesk.engine.checks import Buckets
from cdpdesk.engine.notice_windows import NoticeInfo, request_notices


@dataclass(slots=True)
class Entry:
    """One hearing: (request, notice, period), and how it ended."""

    request: HearingRequest
    notice: NoticeInfo | None
    period: str
    cls: H.Classification
    status: HearingStatus = "not_held"
    withdrawn: date | None = None
    withdrawn_by: str | None = None  # the written withdrawal that ended it (law.md 5)
    withdrawals: list[str] = field(default_factory=list)  # every withdrawal naming it
    acknowledged: date | None = None  # Letter 4383's date for withdrawn_by, once issued
    acknowledged_by: str | None = None  # the withdrawal_acknowledged event
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


@dataclass(slots=True)
class Hearings:
    """Every hearing in event order, and each request's hearings."""

    entries: list[Entry]
    by_request: dict[str, list[Entry]]


def hearings_requested(
    case: CaseFile, buckets: Buckets, notices: dict[str, NoticeInfo], log: H.WarningLog
) -> Hearings:
    """Requests in file order; within one, notices in file order and periods in the file's
    period order; a requested period no notice covers comes last (docs/decisions.md)."""
    period_order = {p.id: i for i, p in enumerate(case.periods)}
    entries: list[Entry] = []
    by_request: dict[str, list[Entry]] = {}
    for _, ev in buckets.get("hearing_request", ()):
        chosen = request_notices(ev, notices)
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
                    cdp_deadline=None if repeat else info.cdp_for(pid),
                    eh_deadline=info.eh_for(pid),
                    fifth_business_day=info.fifth.value if info.fifth else None,
                    repeat_of=repeat,
                )
                for w in cls.warnings:
                    log.add(w)
                mine.append(Entry(ev, info, pid, cls))
        for pid in req_periods:
            if pid not in covered:
                mine.append(Entry(ev, None, pid, no_notice_classification(ev, pid, log)))
        by_request[ev.id] = mine
        entries.extend(mine)
    return Hearings(entries, by_request)


@A.implements(A.HEARING_CLASSIFICATION)
def no_notice_classification(ev: HearingRequest, pid: str, log: H.WarningLog) -> H.Classification:
    """A requested period that no CDP notice on or before the request covers: premature
    (Andre v. Commissioner, 127 T.C. 68 (2006)), with a warning."""
    says = (
        f"No CDP notice for period {pid} was issued on or before the request "
        f"({iso_day(ev.received)}); a request before any notice earns no hearing (Andre)."
    )
    log.add(
        H.Warning(
            "no_notice_for_request",
            ev.id,
            f"Request {ev.id} names period {pid}, but no CDP notice for it came on or before "
            f"{iso_day(ev.received)}.",
        )
    )
    return H.Classification(
        PREMATURE,
        ev.received,
        [Why(A.HEARING_CLASSIFICATION, says, "filed", ev.received, ("premature",))],
    )
