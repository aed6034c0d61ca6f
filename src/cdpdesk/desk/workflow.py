"""The Appeals desk: import and show cases, append events, and acknowledge withdrawals with
Letter 4383, exactly once each.

:class:`Desk` is the desk's one entry point, made of its jobs: cases and their events
(desk/cases.py), the withdrawal queue (desk/queue.py) and Letter 4383 (desk/lettering.py),
over one database (desk/base.py). The names other modules import from here stay here.
"""

from __future__ import annotations

from cdpdesk.desk.cases import ANALYSIS_KEY, request_of
from cdpdesk.desk.intake import DuplicateCaseError
from cdpdesk.desk.lettering import LETTER_KEY, ORPHAN_GRACE_SECONDS, Acknowledgement, LetterInfo, LetterWork
from cdpdesk.desk.record import DeskError, NotFoundError, StaleCaseError
from cdpdesk.desk.settings import load_settings

__all__ = [
    "ANALYSIS_KEY",
    "LETTER_KEY",
    "ORPHAN_GRACE_SECONDS",
    "Acknowledgement",
    "Desk",
    "DeskError",
    "DuplicateCaseError",
    "LetterInfo",
    "NotFoundError",
    "StaleCaseError",
    "request_of",
]


class Desk(LetterWork):
    """One desk over one database. Safe to use from several processes at once."""

    @classmethod
    def open(cls, database_url: str | None = None) -> Desk:
        return cls(load_settings(database_url))
