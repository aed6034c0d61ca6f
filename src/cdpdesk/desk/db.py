"""The database: an engine for ``CDPDESK_DATABASE_URL`` (default ``var/cdpdesk.db``), brought
to the newest Alembic revision on first use.

SQLite is opened in WAL mode with a busy timeout, and every transaction starts with
``BEGIN IMMEDIATE`` so that two writers queue instead of failing half-way. Statement
parameters are never logged or put in errors (``hide_parameters``): a taxpayer's
identification number must not leak through a log line.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from cdpdesk.desk.files import private_file
from cdpdesk.extras import needs

log = logging.getLogger("cdpdesk.desk")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)


@cache
def head_revision() -> str:
    """The newest migration (the one no other revises), read from the version files
    without importing Alembic, so that an up-to-date database costs nothing to check."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = _REVISION.search(text)
        if rev:
            revisions.add(rev.group(1))
        down = _DOWN.search(text)
        if down:
            revised.add(down.group(1))
    heads = sorted(revisions - revised)
    if len(heads) != 1:
        raise DatabaseError(
            f"the desk's migrations have {len(heads)} heads ({', '.join(heads)}); expected one"
        )
    return heads[0]


class DatabaseError(RuntimeError):
    """The database cannot be reached or prepared (a clear, one-line reason)."""


def describe(url: str) -> str:
    """The URL without its password, fit for a message."""
    return make_url(url).render_as_string(hide_password=True)


def without_password(url: str) -> str:
    """The URL with no password in it at all, for workers on other machines (Dask): libpq
    there takes the password from its own PGPASSWORD or ~/.pgpass, so a task argument the
    scheduler stores and shows never carries it."""
    u = make_url(url)  # (URL.set ignores None: a new URL from the same parts, no password)
    bare = URL.create(u.drivername, u.username, None, u.host, u.port, u.database, u.query)
    return bare.render_as_string(hide_password=False)


def make_engine(url: str, *, reads_only: bool = False) -> Engine:
    """``reads_only``: an engine that only reads (a refresh worker's): on SQLite its
    transactions start with a plain ``BEGIN``, a snapshot under WAL that waits for no
    writer and makes none wait, instead of queueing for the write lock."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_file(Path(parsed.database))  # 0600 in a 0700 directory: it holds full TINs
        engine = create_engine(
            url,
            hide_parameters=True,
            connect_args={"timeout": 60, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            reads = reads_only or conn.get_execution_options().get(READS, False)
            conn.exec_driver_sql("BEGIN" if reads else "BEGIN IMMEDIATE")

        return engine
    # SQLAlchemy imports the driver here: psycopg comes with the 'postgres' extra.
    with needs("postgres", f"PostgreSQL ({describe(url)})"):
        engine = create_engine(url, hide_parameters=True, pool_pre_ping=True)

    @event.listens_for(engine, "begin")
    def _postgresql_begin(conn: Any) -> None:
        # A read session (in autocommit: no ROLLBACK ever clears psycopg's statement cache)
        # prepares nothing, so that each statement is planned for its own values, as every
        # page's was: a prepared one may switch to a generic plan after five runs, blind
        # to how many rows a stage, a name word or a window holds. A session that writes
        # keeps psycopg's default (prepared after five runs).
        dbapi = conn.connection.dbapi_connection
        dbapi.prepare_threshold = (
            None if conn.get_execution_options().get(READS, False) else _PREPARE_THRESHOLD
        )

    return engine


#: The execution option of the sessions that only read (:func:`read_session_factory`).
READS = "cdpdesk_reads"
#: psycopg's own default: a statement is prepared on the server after five runs.
_PREPARE_THRESHOLD = 5


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One process at a time migrates: a file lock beside a SQLite file; on PostgreSQL the
    migration's transaction takes an advisory lock."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        lock_path = Path(url.database + ".migrate.lock")
        with os.fdopen(os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    else:
        yield


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` (default: the newest)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(4383)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    log.info("database schema at revision %s", revision)


def ensure_schema(engine: Engine) -> None:
    """Bring the database to the newest revision when it is behind (cheap when it is not)."""
    try:
        rev = current_revision(engine)
    except Exception as exc:  # noqa: BLE001 - any driver error becomes one clear line
        raise DatabaseError(f"cannot open the database {describe(str(engine.url))}: {_reason(exc)}") from None
    if rev == head_revision():
        return
    try:
        upgrade(engine)
    except Exception as exc:  # noqa: BLE001
        raise DatabaseError(
            f"cannot prepare the database {describe(str(engine.url))}: {_reason(exc)}"
        ) from None


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()
    return first[0] if first else type(orig).__name__


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that only read (a page, a queue, the sign-in's session lookup; they never
    write, and never commit). On PostgreSQL they run in autocommit: each statement then sees
    the data committed when it starts, exactly as it does inside a READ COMMITTED
    transaction (the server's default, and the desk's), but without a BEGIN and a ROLLBACK,
    two round trips to the server, around every read (issue 11, session 9: a list page was
    13 round trips, now 8). On SQLite they start with a plain ``BEGIN``: a snapshot under
    WAL that waits for no writer, where ``BEGIN IMMEDIATE`` queued a page behind the
    nightly refresh's write lock. A web request's reads share one of them
    (``DeskBase.reading``, issue 11, session 11)."""
    if engine.dialect.name == "postgresql":
        reads = engine.execution_options(isolation_level="AUTOCOMMIT", **{READS: True})
    else:
        reads = engine.execution_options(**{READS: True})
    return sessionmaker(reads, expire_on_commit=False)


# Write conflicts, told apart by the database's own codes (never by message text, which
# changes with the server's version and language).
#: PostgreSQL SQLSTATEs: serialization_failure, deadlock_detected, lock_not_available
_PG_CONFLICT = frozenset({"40001", "40P01", "55P03"})
#: PostgreSQL SQLSTATE unique_violation
_PG_UNIQUE = "23505"
#: SQLite primary result codes SQLITE_BUSY and SQLITE_LOCKED (the low byte of an extended code)
_SQLITE_CONFLICT = frozenset({5, 6})
#: SQLite extended codes SQLITE_CONSTRAINT_PRIMARYKEY and SQLITE_CONSTRAINT_UNIQUE
_SQLITE_UNIQUE = frozenset({1555, 2067})


def _codes(exc: BaseException) -> tuple[str | None, int | None]:
    """(SQLSTATE, SQLite extended result code) of a driver error, where the driver has them."""
    orig = getattr(exc, "orig", None) or exc
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    code = getattr(orig, "sqlite_errorcode", None)
    return (sqlstate if isinstance(sqlstate, str) else None, code if isinstance(code, int) else None)


def is_conflict(exc: BaseException) -> bool:
    """A transaction that lost a race with another writer (locked, busy, a serialization
    failure or a deadlock): worth retrying."""
    sqlstate, code = _codes(exc)
    return sqlstate in _PG_CONFLICT or (code is not None and code & 0xFF in _SQLITE_CONFLICT)


def is_unique_violation(exc: BaseException) -> bool:
    """An insert that met a unique key another writer committed first."""
    sqlstate, code = _codes(exc)
    return sqlstate == _PG_UNIQUE or code in _SQLITE_UNIQUE
