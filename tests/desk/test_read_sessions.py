"""The sessions that only read (db.read_session_factory, issue 11 session 9), on SQLite and
PostgreSQL: on PostgreSQL a read holds no transaction (no BEGIN and ROLLBACK round trips)
and prepares no statement (each planned for its own values); on SQLite it takes no write
lock. A session that writes keeps its transaction, its write lock and psycopg's default.

And one read session per web request (Desk.reading, issue 11 session 11): what each staff
page costs (read sessions, checkouts, statements), and the block's rules."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cdpdesk.bulk.synth import synth_cases
from cdpdesk.desk import accounts as accounts_module
from cdpdesk.desk import db, paging
from cdpdesk.desk.accounts import User
from cdpdesk.desk.deadlines import iter_deadlines
from cdpdesk.desk.models import Case
from cdpdesk.desk.workflow import Desk
from cdpdesk.web.app import create_app


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


# --- One read session per page (issue 11, session 11) ---------------------------------------

N = 60
NOW = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
PASSWORD = "clerk-password-1"


@dataclass
class Counts:
    """What a piece of work cost the database: read sessions begun, connections checked
    out of the pool, statements run, and sessions begun outside autocommit on PostgreSQL
    (each a BEGIN and a ROLLBACK or COMMIT more)."""

    reads: int = 0
    checkouts: int = 0
    statements: int = 0
    transactions: int = 0


@contextmanager
def _counting(desk: Desk) -> Iterator[Counts]:
    got = Counts()
    postgres = desk.engine.dialect.name == "postgresql"

    def checkout(*_: Any) -> None:
        got.checkouts += 1

    def statement(*_: Any) -> None:
        got.statements += 1

    def begun(_session: Any, _tx: Any, conn: Any) -> None:
        got.reads += bool(conn.get_execution_options().get(db.READS, False))
        got.transactions += postgres and not conn.connection.dbapi_connection.autocommit

    event.listen(desk.engine.pool, "checkout", checkout)
    event.listen(desk.engine, "before_cursor_execute", statement)
    event.listen(Session, "after_begin", begun)
    try:
        yield got
    finally:
        event.remove(desk.engine.pool, "checkout", checkout)
        event.remove(desk.engine, "before_cursor_execute", statement)
        event.remove(Session, "after_begin", begun)


@pytest.fixture
def staff(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Desk, TestClient]]:
    """A desk of ``N`` synthetic cases served by the app, and a client signed in (by the
    form: a session cookie) as an Appeals clerk."""
    # argon2 at its smallest cost, as tests/web/conftest.py has it
    monkeypatch.setattr(accounts_module, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    with Desk.open(db_url) as desk:
        for case in synth_cases(N):
            desk.import_case(orjson.dumps(case), allow_duplicate=True)
        app = create_app(desk=desk)
        app.state.accounts.create_user("clerk.a", "Clerk A", "appeals", PASSWORD)
        client = TestClient(app, base_url="http://testserver")
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        form = {"username": "clerk.a", "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
        assert client.post("/login", data=form, follow_redirects=False).status_code == 303
        yield desk, client


def _page(desk: Desk, client: TestClient, path: str, **params: Any) -> tuple[Counts, str]:
    client.get(path, params=params)  # warm: the facts filled once
    with _counting(desk) as got:
        r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    assert desk.engine.pool.checkedout() == 0  # the request's session ended with it
    return got, r.text


#: Each page's statements, beside the sign-in's session lookup (one, on either database)
#: and, on SQLite, the read session's BEGIN (PostgreSQL reads in autocommit). The desk has
#: written withdrawals (more than one page's worth of none) and no oral ones.
PAGE_STATEMENTS = {
    # the page's ids, their rows, a capped count, their periods, their next deadlines
    "case list": ("/cases", {}, 5),
    # the two lists' capped counts (one statement), the written ones' ids and rows (the
    # oral ones counted none: not walked), the whole queue's capped count, the clerks
    "queue, filtered": ("/queue", {"hearing": "cdp"}, 5),
    # the same but the whole queue's count: the page's own total is it
    "queue": ("/queue", {}, 4),
    "GET /api/cases": ("/api/cases", {}, 5),
    # the queue page's, but the clerks
    "GET /api/withdrawals": ("/api/withdrawals", {}, 3),
}


@pytest.mark.parametrize("page", sorted(PAGE_STATEMENTS))
def test_a_page_reads_in_one_session(staff: tuple[Desk, TestClient], page: str) -> None:
    desk, client = staff
    path, params, statements = PAGE_STATEMENTS[page]
    got, _ = _page(desk, client, path, **params)
    sqlite = desk.engine.dialect.name == "sqlite"
    # one read session, one checkout (on PostgreSQL one pre-ping), nothing in a transaction
    assert got == Counts(reads=1, checkouts=1, statements=1 + statements + sqlite, transactions=0)


def test_the_filtered_queue_page_says_what_the_whole_queue_holds(staff: tuple[Desk, TestClient]) -> None:
    """The one count (pending_total) says what the whole queue's page says, and the page
    still shows only the filtered withdrawals."""
    desk, client = staff
    whole = desk.withdrawal_page(per_page=1)
    cdp = desk.withdrawal_page(hearing="cdp")
    assert 0 < cdp["total"] < whole["total"]  # the filter leaves some out
    total = desk.pending_total()
    assert (total.n, total.exact) == (whole["total"], whole["total_exact"])
    _, html = _page(desk, client, "/queue", hearing="cdp")
    assert f"Issue all {whole['total']} pending letters" in html
    assert f"{cdp['total']} written withdrawals to acknowledge" in html
    assert desk.pending_total(count_cap=2) == paging.Total(2, False)  # capped as a page's total


def test_in_a_reading_block_the_reads_share_one_session_and_a_write_lets_it_go(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        with desk._reads() as a, desk._reads() as b:
            assert a is not b  # outside a block, each read its own session
        with _counting(desk) as got, desk.reading():
            with desk._reads() as s:
                assert s.scalars(select(Case.id)).all() == []
            with desk._reads() as again:
                assert again is s
                assert again.scalars(select(Case.id)).all() == []
            assert desk.engine.pool.checkedout() == 1  # held between reads
        assert got == Counts(reads=1, checkouts=1, statements=2 + (desk.engine.dialect.name == "sqlite"))
        assert desk.engine.pool.checkedout() == 0


def test_a_read_after_a_write_in_the_same_block_sees_it(db_url: str) -> None:
    """On SQLite the read session's snapshot, on either database its identity map, would
    show the row as it was read before the write."""
    with Desk.open(db_url) as desk:
        user = select(User).where(User.username == "clerk.b")
        with desk._tx() as s:
            s.add(
                User(
                    username="clerk.b",
                    display_name="Before",
                    role="appeals",
                    password_hash="-",
                    created_at=NOW,
                )
            )
        with desk.reading():
            with desk._reads() as s:
                assert s.scalars(user).one().display_name == "Before"
            with desk._tx() as w:
                w.execute(update(User).where(User.username == "clerk.b").values(display_name="After"))
                assert desk.engine.pool.checkedout() == 1  # the read's connection went back first
            with desk._reads() as later:
                assert later is not s
                assert later.scalars(user).one().display_name == "After"


def test_a_failed_read_leaves_the_next_a_fresh_session(db_url: str) -> None:
    with Desk.open(db_url) as desk, desk.reading():
        with pytest.raises(DBAPIError), desk._reads() as s:
            s.execute(text("SELECT * FROM no_such_table"))
        with desk._reads() as after:
            assert after is not s
            assert after.scalars(select(Case.id)).all() == []


def test_the_deadlines_stream_holds_no_connection_between_batches(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        for case in synth_cases(20):
            desk.import_case(orjson.dumps(case), allow_duplicate=True)
        every = list(iter_deadlines(desk, None, as_of=dt.date(2024, 1, 1)))
        assert len(every) > 5
        with desk.reading():
            rows = iter_deadlines(desk, None, as_of=dt.date(2024, 1, 1), batch=5)
            first = [next(rows) for _ in range(5)]
            assert desk.engine.pool.checkedout() == 0  # a reader may be slow to take the next
            assert first + list(rows) == every


def test_two_requests_at_once_read_in_a_session_each(
    staff: tuple[Desk, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each request's reading block is its own (a context variable, not the desk's): two
    requests held at the same point, each after its first read, do not share a session."""
    desk, client = staff
    _page(desk, client, "/cases")  # warm: the facts filled once
    accounts = client.app.state.accounts  # type: ignore[attr-defined]
    looked_up = accounts.session_account
    both = threading.Barrier(2, timeout=30)
    sessions: list[int] = []

    def held(token: str) -> Any:
        found = looked_up(token)
        with desk._reads() as s:
            sessions.append(id(s))
        both.wait()  # the other request has read too, and still holds its session
        return found

    monkeypatch.setattr(accounts, "session_account", held)

    async def at_once() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=client.app)
        cookies = dict(client.cookies.items())
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", cookies=cookies
        ) as ac:
            return list(await asyncio.gather(ac.get("/cases"), ac.get("/queue", params={"hearing": "cdp"})))

    with _counting(desk) as got:
        pages = asyncio.run(at_once())
    assert [r.status_code for r in pages] == [200, 200]
    assert len(set(sessions)) == 2
    assert (got.reads, got.checkouts) == (2, 2)
    assert desk.engine.pool.checkedout() == 0


def test_counts_each_to_its_own_limit_in_one_statement(db_url: str) -> None:
    """paging.capped_counts with a limit each (the queue's two lists, each at its page)."""
    with Desk.open(db_url) as desk:
        for case in synth_cases(6):
            desk.import_case(orjson.dumps(case), allow_duplicate=True)
        cases = select(Case.id)
        with desk._reads() as s, _counting(desk) as got:
            totals = paging.capped_counts(s, [cases, cases, cases.where(Case.id < 0)], [2, None, 2])
        assert totals == [paging.Total(2, False), paging.Total(6, True), paging.Total(0, True)]
        assert got.statements == 1 + (desk.engine.dialect.name == "sqlite")  # (and SQLite's BEGIN)


def test_the_case_page_reads_in_one_session(staff: tuple[Desk, TestClient]) -> None:
    """The case page reads the case once (``ops.explained``: what it shows and what it
    explains are one version), its analysis from the cache, its letters, returns, reviews
    and pending withdrawals, all in the request's one read session: no write session (on
    SQLite no write lock). Before: 8 checkouts, 2 of them write transactions."""
    desk, client = staff
    with desk._reads() as s:
        case_id = s.scalars(select(Case.id).order_by(Case.id)).first()
    got, text = _page(desk, client, f"/cases/{case_id}")
    assert f"Case {case_id}" in text
    sqlite = desk.engine.dialect.name == "sqlite"
    # the sign-in's lookup; the case's row, its events, its document's case and periods;
    # the cached analysis; letters and returns; the written and the oral withdrawals
    # waiting; the letters again (the page's own list); the reviews
    assert got == Counts(reads=1, checkouts=1, statements=12 + sqlite, transactions=0)
