"""The withdrawal queue: the hearing withdrawals waiting for Appeals, read from the derived
facts (desk/facts.py, through desk/listing.py), never by analysing or scanning every case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cdpdesk.desk import facts
from cdpdesk.desk.cases import CaseWork


class QueueWork(CaseWork):
    """The withdrawals waiting for Appeals."""

    def pending_withdrawals(
        self, case_id: int | None = None, *, today: dt.date | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """Written withdrawals not yet acknowledged (oldest first), and oral ones that wait
        for a written, signed withdrawal; of one case, or of all. Each says how many days it
        has waited (``days_waiting``, from its receipt to ``today``)."""
        from cdpdesk.desk.listing import withdrawals

        pending, _ = withdrawals(self, facts.PENDING, case_id=case_id, today=today)
        waiting, _ = withdrawals(self, facts.WAITING, case_id=case_id, today=today)
        return {"pending": pending, "waiting_for_writing": waiting}

    def withdrawal_page(
        self, *, page: int = 1, per_page: int = 50, waiting_page: int = 1, today: dt.date | None = None
    ) -> dict[str, Any]:
        """One page of the queue (``pending``, with its ``total``) and one of the oral
        withdrawals waiting for writing (``waiting_total``), oldest first, as of ``today``."""
        from cdpdesk.desk.listing import withdrawals

        day = today or dt.date.today()
        pending, total = withdrawals(self, facts.PENDING, page=page, per_page=per_page, today=day)
        waiting, waiting_total = withdrawals(
            self, facts.WAITING, page=waiting_page, per_page=per_page, today=day
        )
        return {
            "pending": pending,
            "total": total,
            "page": page,
            "per_page": per_page,
            "pages": max(1, -(-total // per_page)),
            "waiting_for_writing": waiting,
            "waiting_total": waiting_total,
            "waiting_page": waiting_page,
            "as_of": day.isoformat(),
        }
