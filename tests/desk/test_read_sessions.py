"""The sessions that only read (db.read_session_factory, issue 11 session 9), on SQLite and
PostgreSQL: on PostgreSQL a read holds no transaction (no BEGIN and ROLLBACK round trips)
and prepares no statement (each planned for its own values); on SQLite it takes no write
lock. A session that writes keeps its transaction, its write lock and psycopg's default."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cdpdesk.desk.models import Case
from cdpdesk.desk.workflow import Desk


def _state(desk: Desk, s: Session) -> str:
    """The server's own word for the session's backend, asked from another connection."""
    pid = s.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with desk.engine.connect() as other:
        state: str = other.execute(
            text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).scalar_one()
    return state


def _dbapi(s: Session) -> Any:
    return s.connection().connection.dbapi_connection


def test_a_read_holds_no_transaction_or_lock_and_a_write_does(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        _sqlite(db_url)
    else:
        _postgresql(db_url)


def _postgresql(db_url: str) -> None:
    """A read holds no transaction and prepares nothing; a write keeps both."""
    with Desk.open(db_url) as desk:
        with desk._reads() as s:
            assert s.scalars(select(Case.id)).all() == []
            assert _state(desk, s) == "idle"  # not "idle in transaction": no BEGIN was sent
            assert _dbapi(s).autocommit is True
            assert _dbapi(s).prepare_threshold is None
        with desk._tx() as s:
            assert s.scalars(select(Case.id)).all() == []
            assert _state(desk, s) == "idle in transaction"
            assert _dbapi(s).autocommit is False
            assert _dbapi(s).prepare_threshold == 5  # psycopg's default, for the writes
        with desk._reads() as s:  # the pooled connection, back from a write: a read again
            s.execute(select(Case.id)).all()
            assert _state(desk, s) == "idle"
            assert _dbapi(s).prepare_threshold is None


def _sqlite(db_url: str) -> None:
    """A read takes no write lock (a plain BEGIN); a write holds it (BEGIN IMMEDIATE)."""
    path = db_url.removeprefix("sqlite:///")
    with Desk.open(db_url) as desk:
        writer = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with desk._reads() as s:
                assert s.scalars(select(Case.id)).all() == []
                writer.execute("BEGIN IMMEDIATE")  # a writer is not kept waiting by a page
                writer.execute("ROLLBACK")
            with desk._tx() as s:
                s.execute(select(Case.id)).all()
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    writer.execute("BEGIN IMMEDIATE")  # a write session holds the lock
        finally:
            writer.close()
