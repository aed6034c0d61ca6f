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
from contextvars import ContextVar
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


class _Reading:
    """The read session of one :meth:`DeskBase.reading` block: opened at its first read,
    shared by every read after, let go when something writes (then the next read opens
    another)."""

    __slots__ = ("desk", "session", "users", "stale")

    def __init__(self, desk: DeskBase) -> None:
        self.desk = desk
        self.session: Session | None = None
        #: how many ``_reads()`` blocks are using the session now
        self.users = 0
        #: let the session go when the last of them ends
        self.stale = False

    def let_go(self) -> None:
        """Close the session now if no read is using it, else when the last one ends."""
        if self.users:
            self.stale = True
        elif self.session is not None:
            session, self.session, self.stale = self.session, None, False
            session.close()


#: The read session of the :meth:`DeskBase.reading` block the code runs in (a web request:
#: a context variable, so each request has its own, and the threads its sync handlers run
#: in, which start from a copy of the request's context, share it).
_READING: ContextVar[_Reading | None] = ContextVar("cdpdesk_reading", default=None)


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
        self._new_session = db.session_factory(self.engine)
        #: sessions that only read (pages, lists): see db.read_session_factory and _reads
        self._new_read_session = db.read_session_factory(self.engine)
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

    def _sessions(self) -> Session:
        """A session that may write (and the reads that are not :meth:`_reads`). In a
        :meth:`reading` block the shared read session is let go first: what it read may be
        stale once this writes (on SQLite it holds a snapshot from its first read, and any
        session keeps the rows it loaded), and a request then never holds two connections
        of the pool at once, where two requests each waiting for a second one could wait
        on each other."""
        self._let_go_reads()
        return self._new_session()

    @contextmanager
    def _reads(self) -> Iterator[Session]:
        """A session that only reads (db.read_session_factory): its own, or, in a
        :meth:`reading` block, the block's one session."""
        scope = _READING.get()
        if scope is None or scope.desk is not self:
            with self._new_read_session() as own:
                yield own
            return
        if scope.session is None:
            scope.session = self._new_read_session()
        scope.users += 1
        try:
            yield scope.session
        except BaseException:
            scope.stale = True  # a read that failed: the next one starts afresh
            raise
        finally:
            scope.users -= 1
            if scope.stale:
                scope.let_go()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Every read in the block (:meth:`_reads`) in one read session, opened at the
        first: one checkout of the pool (with its pre-ping) for a page's reads, not one per
        read (issue 11, session 11: the queue page with a filter opened four). A write in
        the block lets the session go (:meth:`_sessions`), so a read after a write sees it.
        The web app wraps each request in one (web/app.py ``OneReadSession``)."""
        scope = _Reading(self)
        token = _READING.set(scope)
        try:
            yield
        finally:
            _READING.reset(token)
            scope.let_go()

    def _let_go_reads(self) -> None:
        """Let this block's read session go (before a pause of unknown length: a stream
        waiting on its reader need not hold a connection of the pool)."""
        scope = _READING.get()
        if scope is not None and scope.desk is self:
            scope.let_go()

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
