"""Issue 11, session 8: the full recompute's two shortcuts, on SQLite and PostgreSQL.

- Each case version's ``cdpdesk.case/1`` document is stored by every write path
  (desk/documents.py, table ``case_documents``) and is the document the case's tables give;
  a stored document of another version is never read.
- A worker whose analysis has the digest of the one the stored facts were read off
  (``facts.analysis_digest``, ``case_facts.analysis_digest``) does not read the facts off it
  again: its answer is the one reading them off gives, on the facts' day and on later ones.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import orjson
import pytest
from sqlalchemy import inspect, select, update

from cdpdesk.contract import load_case, load_case_dict
from cdpdesk.desk import db, documents, facts
from cdpdesk.desk import refresh as refresh_module
from cdpdesk.desk.case_language import set_case_language
from cdpdesk.desk.models import CaseDocument, CaseFacts
from cdpdesk.desk.refresh import read_batch, refresh
from cdpdesk.desk.workflow import Desk
from tests.desk import migrating
from tests.desk.test_export import _Made, with_as_of
from tests.desk.test_throughput import _busy_desk

DAY = dt.date(2028, 6, 1)


def _desk_with_every_write(desk: Desk) -> list[int]:
    """Cases written every way a case version is: import, an event, its correction, a
    retraction, a Letter 4383 (``_busy_desk``), and a change of the preferred language."""
    ids, _acked = _busy_desk(desk)
    assert set_case_language(desk, ids[1], "es") == "es"
    return ids


def _stored(desk: Desk) -> dict[int, tuple[int, bytes, dict[str, int]]]:
    with desk._sessions() as s:
        rows = s.execute(
            select(
                CaseDocument.case_id, CaseDocument.case_version, CaseDocument.document, CaseDocument.entries
            )
        )
        return {cid: (v, d.encode(), json.loads(e)) for cid, v, d, e in rows}


def test_every_write_path_stores_its_versions_document(db_url: str) -> None:
    """The stored document is, byte for byte, the one the case's facts give (the case file it
    was imported from and what was done to it since: tests/desk/test_export.py's ``_Made``);
    the engine's case loader reads it as that case; a single case's read has it too."""
    with Desk.open(db_url) as desk:
        made = _Made(desk)
        stored = _stored(desk)
        assert {cid: v for cid, (v, _d, _e) in stored.items()} == made.versions
        with desk._sessions() as s:
            assert stored == documents.build(s, made.ids)  # a row is what building it now gives
        for cid, (_cid, _version, entries) in zip(made.ids, made.index(), strict=True):
            want = made.document(cid)
            assert stored[cid][1] == orjson.dumps(want)
            assert stored[cid][2] == entries
            own = made.own_as_of(cid)
            as_of = own or DAY.isoformat()
            assert load_case(documents.with_day(stored[cid][1], as_of)) == load_case_dict(
                want | {"as_of": as_of}
            )
            shown = desk.stored(cid).data
            assert list(shown) == list(with_as_of(want, own, True) if own else want)
            assert shown == (want if own is None else want | {"as_of": own})
        assert json.loads(stored[made.ids[4]][1])["taxpayer"]["language"] == "es"


def test_a_stored_document_of_another_version_is_not_read(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        ids = _desk_with_every_write(desk)[:6]
        with desk._sessions() as s:
            good = read_batch(s, ids, DAY)
        assert [b[6] for b in good] == [False] * len(ids)
        with desk._tx() as s:  # an older version's document, and one that is not even JSON
            s.execute(
                update(CaseDocument)
                .where(CaseDocument.case_id == ids[2])
                .values(case_version=CaseDocument.case_version - 1, document="not a document")
            )
        with desk._sessions() as s:
            again = read_batch(s, ids, DAY)
        assert [b[6] for b in again] == [cid == ids[2] for cid in ids]
        assert [b[:6] for b in again] == [b[:6] for b in good]
        # the refresh stores the document it built
        refresh(desk, DAY, lambda *a: None, workers=1, pool=_Inline(), everything=True)
        assert _stored(desk)[ids[2]][1].startswith(b'{"format"')


class _Inline:
    """A pool that runs its tasks here (so that a test can watch ``facts.derive``)."""

    def submit(self, fn: Any, *args: Any) -> Any:
        from concurrent.futures import Future

        fut: Future[Any] = Future()
        fut.set_result(fn(*args))
        return fut


def _answers(desk: Desk, ids: list[int], day: dt.date, *, forget: bool) -> list[Any]:
    """The workers' answers as of ``day``; ``forget``: as if no analysis digest were stored."""
    with desk._sessions() as s:
        batch = read_batch(s, ids, day)
    if forget:
        batch = [b[:5] + (None if b[5] is None else b[5][:4] + (None,),) + b[6:] for b in batch]
    return refresh_module.derive_batch(batch)


def test_an_unchanged_analysis_gives_the_facts_reading_them_off_gives(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the facts' day and on later ones (a day, a month, past most hold days), the answer
    without reading the facts off again is the one reading them off gives: the same day, hold
    day and digest; and on the facts' own day, no case's facts are read off again."""
    with Desk.open(db_url) as desk:
        ids = _desk_with_every_write(desk)
        refresh(desk, DAY, lambda *a: None, workers=1, pool=_Inline(), everything=True)
        real = facts.derive
        derived: list[int] = []

        def counting(*args: Any, **kw: Any) -> facts.Derived:
            derived.append(1)
            return real(*args, **kw)

        monkeypatch.setattr(refresh_module.facts, "derive", counting)
        for later in (0, 1, 30, 400):
            day = DAY + dt.timedelta(days=later)
            derived.clear()
            short = _answers(desk, ids, day, forget=False)
            took = len(derived)
            derived.clear()
            full = _answers(desk, ids, day, forget=True)
            assert len(derived) == len(ids)  # without the digest every case is read off
            # (id, version, day, hold day, facts digest, analysis digest) the same; the facts
            # themselves only go back when they differ from the stored ones, both ways
            assert [a[:6] for a in short] == [a[:6] for a in full], later
            assert [a[6] is None for a in short] == [a[6] is None for a in full], later
            if later == 0:
                assert took == 0  # nothing read off again on the facts' own day
            elif later == 1:
                assert took < len(ids)
        # a refresh back on the facts' day: every case moves only its day, none derived
        derived.clear()
        stats = refresh(desk, DAY, lambda *a: None, workers=1, pool=_Inline(), everything=True)
        assert (stats.todo, stats.unchanged, len(derived)) == (len(ids), len(ids), 0)


def test_facts_without_an_analysis_digest_get_one_and_the_same_facts(db_url: str) -> None:
    """Facts stored before migration 0017 (no digest): a full recompute reads them off, finds
    them the same (only their day moves) and stores the digest of their analysis."""
    with Desk.open(db_url) as desk:
        ids = _desk_with_every_write(desk)
        refresh(desk, DAY, lambda *a: None, workers=1, pool=_Inline(), everything=True)
        with desk._sessions() as s:
            before = {
                r[0]: r[1:]
                for r in s.execute(
                    select(CaseFacts.case_id, CaseFacts.facts_digest, CaseFacts.analysis_digest)
                )
            }
        assert all(d is not None and len(d) == 32 for _f, d in before.values())
        with desk._tx() as s:
            s.execute(update(CaseFacts).values(analysis_digest=None))
        stats = refresh(desk, DAY, lambda *a: None, workers=1, pool=_Inline(), everything=True)
        assert (stats.todo, stats.unchanged, stats.changed, stats.errors) == (len(ids), len(ids), 0, 0)
        with desk._sessions() as s:
            after = {
                r[0]: r[1:]
                for r in s.execute(
                    select(CaseFacts.case_id, CaseFacts.facts_digest, CaseFacts.analysis_digest)
                )
            }
        assert after == before


def test_migrations_0017_and_0018_go_back_and_up(db_url: str) -> None:
    with Desk.open(db_url) as d:

        def schema() -> tuple[set[str], set[str]]:
            with d.engine.connect() as conn:
                insp = inspect(conn)
                return {str(c["name"]) for c in insp.get_columns("case_facts")}, set(insp.get_table_names())

        facts_columns, tables = schema()
        assert "analysis_digest" in facts_columns and "case_documents" in tables
        with migrating.down_below(d.engine, "0018") as below:
            assert below == "0017"
            facts_columns, tables = schema()
            assert "analysis_digest" in facts_columns and "case_documents" not in tables
        with migrating.down_below(d.engine, "0017") as below:
            assert below == "0016"
            facts_columns, tables = schema()
            assert "analysis_digest" not in facts_columns and "holds_through" in facts_columns
        assert db.current_revision(d.engine) == db.head_revision()
        facts_columns, tables = schema()
        assert "analysis_digest" in facts_columns and "case_documents" in tables
