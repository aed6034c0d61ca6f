"""The desk's common part: one database, its sessions and transactions, who records.

The desk's work is split by job: :mod:`cdpdesk.desk.cases` (import, show, events),
:mod:`cdpdesk.desk.queue` (the withdrawals waiting for Appeals) and
:mod:`cdpdesk.desk.lettering` (Letter 4383, exactly once each); :class:`cdpdesk.desk.workflow.Desk`
is all three over one database.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Self

from sqlalchemy.orm import Session

from cdpdesk.contract import CaseError
from cdpdesk.contract.case import date_problem
from cdpdesk.desk import db
from cdpdesk.desk.models import Letter
from cdpdesk.desk.record import (
    DeskError,
    case_error,
    check_text,
)
from cdpdesk.desk.settings import Settings

log = logging.getLogger("cdpdesk.desk")

_RETRIES = 5


def _case_error(exc: CaseError, where: str = "") -> DeskError:
    return case_error(exc, where)  # one line, the engine's items kept


class DeskBase:
    """The database and its sessions; the jobs below build on it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = db.make_engine(settings.database_url)
        try:
            db.ensure_schema(self.engine)
        except db.DatabaseError as exc:
            self.engine.dispose()
            raise DeskError(str(exc)) from None
        self._sessions = db.session_factory(self.engine)
        #: sessions that only read (pages, lists): see db.read_session_factory
        self._reads = db.read_session_factory(self.engine)
        #: test hook: called inside the letter's transaction, after its rows are added
        self.before_letter_commit: Callable[[Session, Letter], None] | None = None
        #: test hook: told each step of issuing a letter (the crash tests stop there)
        self.on_letter_step: Callable[[str], None] | None = None
        #: the duplicate fingerprints' key, and whether every stored case has its fingerprints
        self._fingerprint_key: bytes | None = None
        self._fingerprints_complete = False
        #: whether every stored case has derived facts of its current version (desk/facts.py)
        self._facts_complete = False

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def _by(self, by: str | None) -> str:
        return check_text(by or self.settings.user, "who records this (--by)", 200)


def _day(value: dt.date | None, what: str) -> dt.date | None:
    problem = None if value is None else date_problem(value)
    if problem:
        raise DeskError(f"{what}: {problem}")
    return value


def _source(source: str) -> str:
    """Where an entry came from (a file name, "api"), fit for its column."""
    return "".join(ch if ch.isprintable() else "?" for ch in source)[:500]


def _event_id(event: Any) -> str:
    """The id of an event given as JSON, refusing anything that is not an object with one."""
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise DeskError('the event must be a JSON object with a string "id"')
    key: str = event["id"]
    return key
