"""Many rows' updates as few statements: each row a dict of the columns to set and its
``row_id``, every row of a call naming the same columns.

On PostgreSQL the rows go as one JSON parameter per 1,000 rows, turned into a table by
``json_to_recordset`` and joined in one ``UPDATE ... FROM``: the server parses, plans and
runs one statement where an executemany ran one per row (psycopg pipelines them, but the
server still does each one's work: at 20,000 cases that was most of a nightly refresh's
server time, docs/decisions.md, issue 11, session 11). Elsewhere (SQLite, in process, where
a statement costs no round trip) it stays an executemany.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import Table, TextClause, bindparam, text, update
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

#: the key of each row's id in the rows given to :func:`update_rows`
ROW_ID = "row_id"
#: rows per statement on PostgreSQL (one JSON text of about 200 kB for a deadline row's columns)
PART = 1000


def update_rows(s: Session, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """Set, for each row, the columns it names where ``table.c[key]`` is its ``row_id``
    (inside the caller's transaction)."""
    if not rows:
        return
    columns = tuple(c for c in rows[0] if c != ROW_ID)
    if s.get_bind().dialect.name != "postgresql":
        s.execute(update(table).where(table.c[key] == bindparam(ROW_ID)), list(rows))
        return
    stmt, binds = _from_json(table, key, columns)
    for i in range(0, len(rows), PART):
        part = [
            {ROW_ID: r[ROW_ID]} | {c: bind(r[c]) for c, bind in zip(columns, binds, strict=True)}
            for r in rows[i : i + PART]
        ]
        s.execute(stmt, {"rows": orjson.dumps(part).decode()})


@functools.lru_cache(maxsize=64)
def _from_json(
    table: Table, key: str, columns: tuple[str, ...]
) -> tuple[TextClause, tuple[Callable[[Any], Any], ...]]:
    """The statement for a set of columns, and each column's bind conversion (a type
    decorator's ``process_bind_param``, as an ORM or Core bind would apply)."""
    dialect = PGDialect()  # type: ignore[no-untyped-call]
    q = dialect.identifier_preparer.quote
    types: list[str] = []
    binds: list[Callable[[Any], Any]] = []
    for c in columns:
        t = table.c[c].type
        if isinstance(t, TypeDecorator):
            binds.append(functools.partial(_decorated, t, dialect))
            t = t.impl_instance
        else:
            binds.append(_plain)
        types.append(f"{q(c)} {t.compile(dialect=dialect)}")
    key_type = table.c[key].type.compile(dialect=dialect)
    name = q(table.name)
    sets = ", ".join(f"{q(c)} = v.{q(c)}" for c in columns)
    sql = (
        f"UPDATE {name} SET {sets} "
        f"FROM json_to_recordset(CAST(:rows AS JSON)) AS v({ROW_ID} {key_type}, {', '.join(types)}) "
        f"WHERE {name}.{q(key)} = v.{ROW_ID}"
    )
    return text(sql), tuple(binds)


def _plain(value: Any) -> Any:
    return value


def _decorated(t: TypeDecorator[Any], dialect: Any, value: Any) -> Any:
    # orjson writes dates and aware times as ISO 8601 (with the offset), which PostgreSQL reads
    return t.process_bind_param(value, dialect)
