"""Many rows' updates as few statements (desk/row_batch.py): the values each row names land
in its row and nowhere else, on both databases; on PostgreSQL as one statement per 1,000
rows, on SQLite as one executemany."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Column, Date, Integer, MetaData, String, Table, Text, event, insert, select
from sqlalchemy.orm import Session

from cdpdesk.desk import db
from cdpdesk.desk.models import UTCDateTime
from cdpdesk.desk.row_batch import PART, ROW_ID, update_rows

_META = MetaData()
_ROWS = Table(
    "row_batch_rows",
    _META,
    Column("id", Integer, primary_key=True),
    Column("word", String(40)),
    Column("day", Date, nullable=True),
    Column("flag", Boolean),
    Column("note", Text, nullable=True),
    Column("at", UTCDateTime(), nullable=True),
)
_T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def _engine(url: str) -> Any:
    engine = db.make_engine(url)
    _META.create_all(engine)
    return engine


def _seed(s: Session, n: int) -> None:
    s.execute(
        insert(_ROWS),
        [
            {"id": i, "word": f"w{i}", "day": dt.date(2026, 1, 1), "flag": False, "note": "n", "at": _T0}
            for i in range(1, n + 1)
        ],
    )


def _table(s: Session) -> dict[int, tuple[Any, ...]]:
    rows = s.execute(select(_ROWS).order_by(_ROWS.c.id))
    return {r[0]: tuple(r[1:]) for r in rows}


def test_each_row_gets_its_own_values_and_the_others_keep_theirs(db_url: str) -> None:
    engine = _engine(db_url)
    eastern = dt.timezone(dt.timedelta(hours=-5))
    with Session(engine) as s, s.begin():
        _seed(s, 4)
        update_rows(
            s,
            _ROWS,
            "id",
            [
                {ROW_ID: 1, "word": 'it\'s "quoted"', "day": None, "flag": True, "note": None, "at": None},
                {
                    ROW_ID: 3,
                    "word": "año ñ",
                    "day": dt.date(2031, 2, 28),
                    "flag": True,
                    "note": "line\nbreak \\ back",
                    "at": dt.datetime(2026, 12, 2, 7, 30, tzinfo=eastern),
                },
            ],
        )
    with Session(engine) as s:
        got = _table(s)
    assert got[1] == ('it\'s "quoted"', None, True, None, None)
    # an aware time in another zone is stored as its UTC instant (models.UTCDateTime)
    assert got[3] == (
        "año ñ",
        dt.date(2031, 2, 28),
        True,
        "line\nbreak \\ back",
        dt.datetime(2026, 12, 2, 12, 30, tzinfo=dt.UTC),
    )
    untouched = ("w2", dt.date(2026, 1, 1), False, "n", _T0)
    assert got[2] == untouched
    assert got[4] == ("w4", dt.date(2026, 1, 1), False, "n", _T0)
    engine.dispose()


def test_only_the_named_columns_are_set(db_url: str) -> None:
    engine = _engine(db_url)
    with Session(engine) as s, s.begin():
        _seed(s, 3)
        update_rows(s, _ROWS, "id", [{ROW_ID: 2, "flag": True}, {ROW_ID: 3, "flag": True}])
        update_rows(s, _ROWS, "id", [])
    with Session(engine) as s:
        got = _table(s)
    assert [row[2] for row in got.values()] == [False, True, True]
    # every column the rows did not name keeps its value
    assert [(row[0], row[1], row[3], row[4]) for row in got.values()] == [
        (f"w{i}", dt.date(2026, 1, 1), "n", _T0) for i in (1, 2, 3)
    ]
    engine.dispose()


def test_statements_sent_per_database(db_url: str) -> None:
    engine = _engine(db_url)
    n = 2 * PART + PART // 2
    sent: list[tuple[str, bool]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            sent.append((statement, many))

    with Session(engine) as s, s.begin():
        _seed(s, n)
        update_rows(s, _ROWS, "id", [{ROW_ID: i, "word": f"v{i}"} for i in range(1, n + 1)])
    with Session(engine) as s:
        assert [row[0] for row in _table(s).values()] == [f"v{i}" for i in range(1, n + 1)]
    if engine.dialect.name == "postgresql":
        assert len(sent) == 3
        assert all("json_to_recordset" in text and not many for text, many in sent)
    else:
        assert len(sent) == 1
        assert sent[0][1] is True
    engine.dispose()
