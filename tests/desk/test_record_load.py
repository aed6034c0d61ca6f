"""Issue 11, session 11: a single case's read (``record.load_stored``: every event write, the
case page, ``case export``, letters), on SQLite and PostgreSQL.

It reads the case's events once (its log, whose current entries are the document's events)
and builds its document without writing JSON and reading it back; the document is the one
``documents.build`` gives (the export's, itself checked against the cases' facts in
tests/desk/test_export.py), with the case's own ``as_of`` second.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest
from sqlalchemy import event

from cdpdesk.desk import documents, record
from cdpdesk.desk.record import load_stored
from cdpdesk.desk.workflow import Desk
from tests.desk.test_export import _Made

_EVENTS = re.compile(r"\bcase_events\b", re.IGNORECASE)


@contextmanager
def _statements(desk: Desk) -> Iterator[list[str]]:
    """The SQL statements the desk's engine runs meanwhile."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(desk.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(desk.engine, "before_cursor_execute", note)


def test_one_case_load_reads_the_events_once(db_url: str) -> None:
    """Every case written every way (an event, its correction, a retraction, a Letter 4383, a
    language): one statement touches ``case_events``; four queries in all (the case, its log,
    the case with its taxpayer, its periods with their assessments), where there were five."""
    with Desk.open(db_url) as desk:
        made = _Made(desk)
        for cid in made.ids:
            with desk._tx() as s, _statements(desk) as seen:
                stored = load_stored(s, cid)
            assert stored.row.id == cid
            assert len([q for q in seen if _EVENTS.search(q)]) == 1, (cid, seen)
            reads = [q for q in seen if q.lstrip().upper().startswith("SELECT")]
            assert len(reads) == 4, (cid, seen)  # SQLite's BEGIN IMMEDIATE aside


def test_a_loaded_document_is_the_one_the_builder_gives(db_url: str) -> None:
    """Value for value and key for key: the document :func:`documents.build` gives (what the
    export writes and every write stores), with the case's own ``as_of`` second, byte for byte
    once written; its events are the current entries of the log read with it, and the case's
    facts give it (tests/desk/test_export.py's ``_Made``)."""
    with Desk.open(db_url) as desk:
        made = _Made(desk)
        with desk._sessions() as s:
            built = documents.build(s, made.ids)
        for cid, (_cid, version, entries) in zip(made.ids, made.index(), strict=True):
            stored = desk.stored(cid)
            own = made.own_as_of(cid)
            text = built[cid][1]
            assert orjson.dumps(stored.data) == (
                text if own is None else documents.as_exported(text, own, True)
            )
            want = made.document(cid)
            assert list(stored.data) == (list(want) if own is None else ["format", "as_of", *list(want)[1:]])
            assert stored.data == (want if own is None else want | {"as_of": own})
            assert stored.data["events"] == [e.payload for e in stored.active.values()]
            assert {k: e.entry.id for k, e in stored.active.items()} == entries == built[cid][2]
            assert [e.id for e in stored.log] == sorted(e for c, _k, e in made.log if c == cid)
            assert stored.version == version == built[cid][0]
        # a language, a correction, a retraction and a letter are in what was compared
        assert desk.stored(made.ids[4]).data["taxpayer"]["language"] == "es"
        assert desk.stored(made.ids[1]).data["events"][0]["date"] == "2024-03-02"
        assert "x1" not in desk.stored(made.ids[5]).active
        assert desk.stored(made.ids[0]).data["events"][-1]["id"] == "e3-letter-4383"
        assert "policies" in desk.stored(made.ids[2]).data


def test_an_event_committed_while_a_case_loads_is_in_neither_or_both(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event committed by another clerk just after the log was read: the document's
    events and ``active`` agree (both without it; the next read has it in both). On
    PostgreSQL each read statement sees what is committed when it starts, so a document
    whose events were read again would have it; SQLite's read keeps one snapshot."""
    with Desk.open(db_url) as desk:
        made = _Made(desk)
        cid = made.ids[5]
        extra = {"id": "x2", "type": "hearing_withdrawal", "received": "2024-06-21", "request": "r1"}
        real = record.active_events
        pending = [extra]

        def then_another_clerk(log: list[Any]) -> dict[str, record.LogEntry]:
            active = real(log)
            if pending:
                desk.add_event(cid, pending.pop())  # its own transaction, committed
            return active

        monkeypatch.setattr(record, "active_events", then_another_clerk)
        with desk._reads() as s:
            stored = load_stored(s, cid)
        assert not pending  # the other clerk's event was committed during the load
        assert "x2" not in stored.active
        assert [e["id"] for e in stored.data["events"]] == list(stored.active)
        again = desk.stored(cid)
        assert list(again.active)[-1] == "x2"
        assert [e["id"] for e in again.data["events"]] == list(again.active)
        assert again.version == stored.version + 1
