"""A batch of ids as one parameter (desk/id_batch.py): the same rows as an IN list on both
databases, and on PostgreSQL one statement text for every batch size (so that psycopg
prepares it and the server plans it once)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import create_engine, event, insert, select
from sqlalchemy.pool import NullPool

from cdpdesk.desk import db
from cdpdesk.desk.id_batch import IDS, in_batch
from cdpdesk.desk.models import Taxpayer
from tests.desk.conftest import fresh_postgres_schema

_NOW = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)


def _engine(url: str) -> Any:
    engine = db.make_engine(url)
    db.ensure_schema(engine)
    return engine


def test_a_batch_reads_the_rows_of_its_ids_and_no_others(db_url: str) -> None:
    engine = _engine(db_url)
    stmt = select(Taxpayer.id).where(in_batch(Taxpayer.id)).order_by(Taxpayer.id)
    with engine.begin() as conn:
        ids = [
            conn.execute(
                insert(Taxpayer).values(name=f"T{i}", tin=None, created_at=_NOW).returning(Taxpayer.id)
            ).scalar_one()
            for i in range(12)
        ]
        for batch in ([], ids[:1], ids[3:9], ids, [*ids[:2], max(ids) + 1000]):
            assert conn.execute(stmt, {IDS: batch}).scalars().all() == sorted(set(batch) & set(ids))
    engine.dispose()


def test_on_postgresql_every_batch_size_sends_one_statement_text(postgres_server: str) -> None:
    engine = create_engine(fresh_postgres_schema(postgres_server), poolclass=NullPool)
    db.ensure_schema(engine)
    sent: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        sent.append((statement, params))

    stmt = select(Taxpayer.id).where(in_batch(Taxpayer.id))
    with engine.connect() as conn:
        for batch in ([1], list(range(1, 301)), []):
            conn.execute(stmt, {IDS: batch})
    assert len({text for text, _ in sent}) == 1
    assert "ANY" in sent[0][0]
    # the ids go as array text, cast to INTEGER[] by the statement (desk/id_batch.py)
    assert [params[IDS] for _, params in sent] == ["{1}", "{" + ",".join(map(str, range(1, 301))) + "}", "{}"]
    assert "AS INTEGER[]" in sent[0][0]
    engine.dispose()
