"""The withdrawal queue: the hearing withdrawals waiting for Appeals, read from the derived
facts (desk/facts.py, through desk/listing.py), never by analysing or scanning every case;
and who works each one (``queue_assignments``, migration 0008).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from cdpdesk.desk import facts
from cdpdesk.desk.cases import CaseWork
from cdpdesk.desk.models import QueueAssignment, WithdrawalFact
from cdpdesk.desk.paging import COUNT_CAP, Total
from cdpdesk.desk.record import DeskError, NotFoundError, check_id, utcnow


class QueueWork(CaseWork):
    """The withdrawals waiting for Appeals."""

    def pending_withdrawals(
        self, case_id: int | None = None, *, today: dt.date | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """Written withdrawals not yet acknowledged (oldest first), and oral ones that wait
        for a written, signed withdrawal; of one case, or of all. Each says how many days it
        has waited (``days_waiting``, from its receipt to ``today``)."""
        from cdpdesk.desk.listing import withdrawal_lists

        (pending, _), (waiting, _) = withdrawal_lists(
            self, [(facts.PENDING, 1), (facts.WAITING, 1)], case_id=case_id, today=today, count_cap=None
        )
        return {"pending": pending, "waiting_for_writing": waiting}

    def withdrawal_page(
        self,
        *,
        page: int = 1,
        per_page: int = 50,
        waiting_page: int = 1,
        today: dt.date | None = None,
        older_than: int | None = None,
        hearing: str | None = None,
        assigned_to: str | None = None,
        q: str | None = None,
        count_cap: int | None = COUNT_CAP,
    ) -> dict[str, Any]:
        """One page of the queue (``pending``, with its ``total``) and one of the oral
        withdrawals waiting for writing (``waiting_total``), oldest first, as of ``today``;
        both filtered alike (desk/listing.py ``counted_withdrawals``). Totals are counted up
        to ``count_cap`` (``total_exact``, ``waiting_total_exact``: false past it; ``None``:
        exact), see desk/paging.py."""
        from cdpdesk.desk.listing import withdrawal_lists

        day = today or dt.date.today()
        (pending, total), (waiting, waiting_total) = withdrawal_lists(
            self,
            [(facts.PENDING, page), (facts.WAITING, waiting_page)],
            per_page=per_page,
            today=day,
            older_than=older_than,
            hearing=hearing,
            assigned_to=assigned_to,
            q=q,
            count_cap=count_cap,
        )
        return {
            "pending": pending,
            "total": total.n,
            "total_exact": total.exact,
            "has_next": total.has_next((page - 1) * per_page, per_page),
            "page": page,
            "per_page": per_page,
            "pages": total.pages(per_page),
            "waiting_for_writing": waiting,
            "waiting_total": waiting_total.n,
            "waiting_total_exact": waiting_total.exact,
            "waiting_has_next": waiting_total.has_next((waiting_page - 1) * per_page, per_page),
            "waiting_page": waiting_page,
            "as_of": day.isoformat(),
        }

    def pending_total(self, *, count_cap: int | None = COUNT_CAP) -> Total:
        """How many written withdrawals wait, unfiltered (``total`` and ``total_exact`` of
        :meth:`withdrawal_page` with no filter), in one count (desk/listing.py)."""
        from cdpdesk.desk.listing import pending_total

        return pending_total(self, count_cap=count_cap)

    def assign(self, case_id: int, event_id: str, username: str, *, by: str | None = None) -> None:
        """Assign a queued withdrawal to a clerk (replacing any earlier clerk). Refused for
        a withdrawal that is not in the queue (unknown, or acknowledged already)."""
        check_id(case_id, "case")
        clerk = username.strip().lower()
        if not clerk or len(clerk) > 100:
            raise DeskError("username: give the clerk's username (at most 100 characters)")
        who = self._by(by)[:100]
        facts.fill_missing(self)
        try:
            self._assign(case_id, event_id, clerk, who)
        except IntegrityError:  # another clerk assigned it in the same instant
            raise DeskError(
                f"case {case_id}: withdrawal {event_id[:200]!r} was just assigned; look again"
            ) from None

    def _assign(self, case_id: int, event_id: str, clerk: str, who: str) -> None:
        with self._tx() as s:
            queued = s.scalar(
                select(WithdrawalFact.id).where(
                    WithdrawalFact.case_id == case_id, WithdrawalFact.event_key == event_id
                )
            )
            if queued is None:
                raise NotFoundError(f"case {case_id} has no withdrawal {event_id[:200]!r} in the queue")
            s.execute(
                delete(QueueAssignment).where(
                    QueueAssignment.case_id == case_id, QueueAssignment.event_key == event_id
                )
            )
            s.add(
                QueueAssignment(
                    case_id=case_id, event_key=event_id, username=clerk, assigned_by=who, assigned_at=utcnow()
                )
            )

    def unassign(self, case_id: int, event_id: str) -> bool:
        """Take a withdrawal off its clerk's list; False when it was assigned to nobody."""
        check_id(case_id, "case")
        with self._tx() as s:
            gone = s.execute(
                delete(QueueAssignment).where(
                    QueueAssignment.case_id == case_id, QueueAssignment.event_key == event_id
                )
            )
        return bool(getattr(gone, "rowcount", 0))
