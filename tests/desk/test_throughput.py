"""Issue 11's write path at speed, and the same results: a batched import on the bulk
runner's pool stores the same cases, facts and errors as one case at a time; the pooled
refresh writes what a case-by-case analysis writes; letters on two workers are issued once
each. SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from cdpdesk.bulk.runner import run_bulk, start_pool
from cdpdesk.bulk.synth import synth_cases
from cdpdesk.cli.case_import import import_jsonl
from cdpdesk.desk import documents
from cdpdesk.desk import refresh as refresh_module
from cdpdesk.desk.listing import list_cases
from cdpdesk.desk.models import (
    AssessmentFact,
    Case,
    CaseDocument,
    CaseEvent,
    CaseFacts,
    DeadlineFact,
    HearingFact,
    NameTerm,
    Taxpayer,
    WithdrawalFact,
)
from cdpdesk.desk.refresh import read_batch, refresh
from cdpdesk.desk.workflow import Desk
from tests.conftest import ROOT
from tests.desk.conftest import CASES, fresh_postgres_schema

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
FACT_TABLES = (CaseFacts, HearingFact, AssessmentFact, DeadlineFact, WithdrawalFact, NameTerm)


@pytest.fixture(scope="module")
def pool() -> Iterator[Any]:
    with start_pool(2, preload=["cdpdesk.desk.intake", "cdpdesk.desk.refresh"]) as p:
        yield p


@pytest.fixture
def other_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second, empty desk on the same kind of database."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'other.db'}"
    server: str = request.getfixturevalue("postgres_server")
    return fresh_postgres_schema(server)


def _rows(desk: Desk, model: Any, skip: tuple[str, ...] = ("refreshed_at",)) -> list[tuple[Any, ...]]:
    cols = [c for c in model.__table__.columns if c.name not in skip]
    with desk._sessions() as s:
        return sorted(tuple(r) for r in s.execute(select(*cols)).all())


def _dump(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    out = {m.__tablename__: _rows(desk, m) for m in FACT_TABLES}
    out["cases"] = _rows(desk, Case, ("created_at", "fingerprint", "near_key"))  # keyed per desk
    out["events"] = _rows(desk, CaseEvent, ("recorded_at",))
    out["taxpayers"] = _rows(desk, Taxpayer, ("created_at",))
    return out


def _lines(tmp_path: Path) -> Path:
    """30 synthetic cases with, among them: a case the engine refuses (line 12), an empty
    line (13), a line that is not JSON (14), an exact repeat of line 3 (20), a near duplicate
    of line 4 (same TIN and periods, fewer events: 25) and a repeat within one batch (27 of 26)."""
    docs = [json.dumps(d) for d in synth_cases(30, 7)]
    bad = json.loads(EXAMPLE.read_text())
    bad["events"][2]["received"] = "2024-03-01"  # the withdrawal before its request
    near = copy.deepcopy(json.loads(docs[3]))
    near["events"] = near["events"][:1]
    lines = docs[:11] + [json.dumps(bad), "", "{not json"] + docs[11:16]
    lines += [docs[2]] + docs[16:20] + [json.dumps(near), docs[20], docs[20]] + docs[21:]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_batched_import_on_the_pool_stores_what_one_by_one_stores(
    db_url: str, other_url: str, tmp_path: Path, pool: Any
) -> None:
    src = _lines(tmp_path)
    warned: list[str] = []
    with Desk.open(db_url) as fast, Desk.open(other_url) as slow:
        got = import_jsonl(
            fast,
            src,
            errors_path=tmp_path / "fast.errors.jsonl",
            by="clerk.a",
            allow_duplicate=False,
            batch_size=8,
            pool=pool,
            workers=2,
            warn=warned.append,
        )
        one = import_jsonl(
            slow,
            src,
            errors_path=tmp_path / "slow.errors.jsonl",
            by="clerk.a",
            allow_duplicate=False,
            batch_size=1,
        )
        counts = (got.lines, got.imported, got.duplicates, got.near_duplicates, got.bad)
        assert counts == (one.lines, one.imported, one.duplicates, one.near_duplicates, one.bad)
        assert counts == (36, 31, 2, 1, 3)
        fast_rows, slow_rows = _dump(fast), _dump(slow)
        assert fast_rows == slow_rows
        assert len(fast_rows["cases"]) == 31 and len(fast_rows["case_facts"]) == 31
        # the stored ones are the good lines, in their order: the bad ones in the middle of
        # their batch took nothing else with them
        assert [int(x.rsplit(":", 1)[1]) for x in _sources(fast)] == [
            n for n in range(1, 37) if n not in (12, 13, 14, 20, 27)
        ]
    fast_err = (tmp_path / "fast.errors.jsonl").read_text()
    assert fast_err == (tmp_path / "slow.errors.jsonl").read_text()
    errors = [json.loads(x) for x in fast_err.splitlines()]
    assert [(e["source_line"], e["line"]) for e in errors] == [
        (12, 12),
        (13, 13),
        (14, 14),
        (20, 20),
        (27, 27),
    ]
    assert errors[0]["errors"][0]["field"].startswith("events[")
    assert errors[1]["errors"][0]["message"].startswith("empty line")
    assert errors[3]["errors"][0]["message"].startswith("already stored as case 3 ")
    assert "--allow-duplicate" in errors[3]["errors"][0]["message"]
    assert errors[4]["errors"][0]["message"].startswith("already stored as case 22 ")
    assert len(warned) == 1 and "line 25: case 21 has the same taxpayer" in warned[0]
    assert "near duplicate" in warned[0] and "as case 4," in warned[0]


def _sources(desk: Desk) -> list[str]:
    with desk._sessions() as s:
        return list(s.scalars(select(Case.source).order_by(Case.id)))


def test_allow_duplicate_stores_the_repeats_on_the_pool(db_url: str, tmp_path: Path, pool: Any) -> None:
    src = _lines(tmp_path)
    with Desk.open(db_url) as desk:
        got = import_jsonl(
            desk,
            src,
            errors_path=None,
            by="clerk.a",
            allow_duplicate=True,
            batch_size=8,
            pool=pool,
            workers=2,
        )
        assert (got.imported, got.duplicates, got.bad) == (33, 0, 3)
        # a second run of the same file: every good line is refused as already stored
        again = import_jsonl(
            desk,
            src,
            errors_path=None,
            by="clerk.a",
            allow_duplicate=False,
            batch_size=8,
            pool=pool,
            workers=2,
        )
        assert (again.imported, again.duplicates, again.bad) == (0, 33, 3)


def _busy_desk(desk: Desk) -> tuple[list[int], dict[str, Any]]:
    """Example cases, synthetic ones, a correction, a retraction and an issued letter."""
    ids = [desk.import_case(p.read_bytes()) for p in (EXAMPLE, *sorted(CASES.glob("*.json")))]
    ids += [desk.import_case(json.dumps(d)) for d in synth_cases(40, 3)]
    first = desk.export_case(ids[0])
    event = copy.deepcopy(first["events"][0])
    event["date"] = "2024-03-02"
    desk.correct_event(ids[0], event, note="typo")
    extra = {"id": "x1", "type": "hearing_withdrawal", "received": "2024-06-20", "request": "r1"}
    desk.add_event(ids[3], extra)
    desk.retract_event(ids[3], "x1", note="entered on the wrong case")
    pending = [w for w in desk.pending_withdrawals()["pending"] if w["received"] <= "2026-01-01"]
    assert pending
    when = dt.date.fromisoformat(pending[0]["received"]) + dt.timedelta(days=3)
    desk.acknowledge(pending[0]["case"], pending[0]["event"], letter_date=when)
    return ids, pending[0]


# on one worker the refreshing process reads the batches and the worker only analyses them;
# on more, each worker reads its own (desk/refresh.py, refresh_pooled)
@pytest.mark.parametrize("workers", [1, 2], ids=["read-here", "read-in-workers"])
def test_the_pooled_refresh_writes_what_per_case_analysis_writes(
    db_url: str, pool: Any, workers: int
) -> None:
    day = dt.date(2031, 3, 3)
    with Desk.open(db_url) as desk:
        ids, acked = _busy_desk(desk)
        # the Core read gives each case's document as the ORM read (and the case's export) does
        # (every write path stored its document: read as stored, and built when there is none)
        with desk._sessions() as s:
            batch = read_batch(s, ids, day)
        with desk._tx() as s:
            s.execute(delete(CaseDocument))
        with desk._sessions() as s:
            unstored = read_batch(s, ids, day)
        assert [b[6] for b in batch] == [False] * len(ids) and [b[6] for b in unstored] == [True] * len(ids)
        assert [b[:6] for b in unstored] == [b[:6] for b in batch]
        # (tests/desk/test_documents.py: a single case's read gives the document its facts give)
        for cid, version, line, entries, _acked, _stored, _unstored in batch:
            one = desk.stored(cid)
            want = dict(one.data)
            want["as_of"] = max(day, dt.date.fromisoformat(want.get("as_of", "0001-01-01"))).isoformat()
            current = {k: e.entry.id for k, e in one.active.items()}
            assert (version, json.loads(line), entries) == (one.version, want, current)
        stats = refresh(desk, day, _no_file_runner, workers=workers, pool=pool)
        assert (stats.cases, stats.todo, stats.written, stats.changed, stats.errors) == (
            len(ids),
            len(ids),
            len(ids),
            0,
            0,
        )
        pooled = {m.__tablename__: _rows(desk, m, ("refreshed_at", "id")) for m in FACT_TABLES}
        with desk._sessions() as s:
            assert set(s.scalars(select(CaseFacts.as_of))) == {day}  # the synthetic as_of are earlier
            # the refresh stored the documents it had to build, as a build gives them
            stored_docs = {
                r[0]: r[1:]
                for r in s.execute(
                    select(
                        CaseDocument.case_id,
                        CaseDocument.case_version,
                        CaseDocument.document,
                        CaseDocument.entries,
                    )
                )
            }
            built = documents.build(s, ids)
        # (the ones it analysed: a case whose facts held is not read)
        assert {cid: (v, d.encode(), json.loads(e)) for cid, (v, d, e) in stored_docs.items()} == {
            cid: built[cid] for cid in stored_docs
        }
        assert sorted(built) == sorted(ids) and len(stored_docs) == stats.todo - stats.held > 0
        for cid in ids:
            assert desk.refresh_facts(cid, day)
        one_by_one = {m.__tablename__: _rows(desk, m, ("refreshed_at", "id")) for m in FACT_TABLES}
        assert pooled == one_by_one
        # the acknowledged withdrawal waits no more, in both
        with desk._sessions() as s:
            keys = set(s.execute(select(WithdrawalFact.case_id, WithdrawalFact.event_key)))
        assert (acked["case"], acked["event"]) not in keys and len(keys) == len(
            pooled["case_withdrawal_facts"]
        )
        assert (refresh(desk, day, _no_file_runner, workers=2, pool=pool).todo) == 0


def _no_file_runner(*_args: Any) -> object:
    raise AssertionError("the pooled refresh writes no file for the bulk runner")


def test_an_interrupted_pooled_refresh_resumes_from_the_database(
    db_url: str, pool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refresh_module, "BATCH", 10)
    monkeypatch.setattr(refresh_module, "POOL_BATCH", 5)
    day = dt.date(2032, 5, 5)
    with Desk.open(db_url) as desk:
        ids = [desk.import_case(json.dumps(d)) for d in synth_cases(30, 9)]
        with desk._tx() as s:  # no facts known to hold: every case is analysed
            s.execute(update(CaseFacts).values(holds_through=None))
        real = refresh_module.facts.write
        calls: list[int] = []

        def failing(s: Any, items: Any, *args: Any) -> Any:
            calls.append(len(items))
            if len(calls) == 2:
                raise KeyboardInterrupt
            return real(s, items, *args)

        monkeypatch.setattr(refresh_module.facts, "write", failing)
        with pytest.raises(KeyboardInterrupt):
            refresh(desk, day, _no_file_runner, workers=2, pool=pool)
        monkeypatch.setattr(refresh_module.facts, "write", real)
        with desk._sessions() as s:
            done = list(s.scalars(select(CaseFacts.case_id).where(CaseFacts.as_of == day)))
        assert sorted(done) == ids[:10]  # the first batch, committed; the second rolled back
        seen: list[tuple[int, int]] = []
        stats = refresh(
            desk, day, _no_file_runner, workers=2, pool=pool, written=lambda d, t: seen.append((d, t))
        )
        assert (stats.todo, stats.written) == (20, 20)
        assert seen == [(10, 20), (20, 20)]
        with desk._sessions() as s:
            assert s.scalar(select(CaseFacts.case_id).where(CaseFacts.as_of != day)) is None


def _ids(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    """Each child fact row's own id with its case: a row written again gets a new id (the
    name terms have no id of their own: the spy on ``facts.write`` sees those)."""
    with desk._sessions() as s:
        return {
            m.__tablename__: sorted(tuple(r) for r in s.execute(select(m.id, m.case_id)))
            for m in (HearingFact, AssessmentFact, DeadlineFact, WithdrawalFact)
        }


def _as_of(desk: Desk) -> dict[int, tuple[dt.date, Any]]:
    with desk._sessions() as s:
        return {
            cid: (d, at)
            for cid, d, at in s.execute(select(CaseFacts.case_id, CaseFacts.as_of, CaseFacts.refreshed_at))
        }


@pytest.mark.parametrize("pooled", [True, False], ids=["pool", "file"])
def test_a_refresh_where_nothing_changed_writes_no_fact_rows_but_marks_the_day(
    db_url: str, pool: Any, pooled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = dt.date(2031, 3, 3)
    with Desk.open(db_url) as desk:
        ids, _acked = _busy_desk(desk)
        first = refresh(desk, day, _runner, workers=2, pool=pool if pooled else None)
        assert first.written == len(ids)
        before = {m.__tablename__: _rows(desk, m, ("refreshed_at", "as_of")) for m in FACT_TABLES}
        row_ids, stamps = _ids(desk), _as_of(desk)
        # the stored facts were as of the day before, and are the same as that day's
        with desk._tx() as s:
            s.execute(update(CaseFacts).values(as_of=day - dt.timedelta(days=1)))
        written: list[int] = []
        real = refresh_module.facts.write
        monkeypatch.setattr(
            refresh_module.facts,
            "write",
            lambda s, items, *a: (written.extend(w.case_id for w in items), real(s, items, *a)),
        )
        # every case analysed (``--all``), not only those whose facts are not known to hold
        stats = refresh(desk, day, _runner, workers=2, pool=pool if pooled else None, everything=True)
        assert (stats.todo, stats.written, stats.unchanged, stats.changed, stats.errors) == (
            len(ids),
            len(ids),
            len(ids),
            0,
            0,
        )
        assert written == []  # no fact row written again ...
        assert _ids(desk) == row_ids
        assert {m.__tablename__: _rows(desk, m, ("refreshed_at", "as_of")) for m in FACT_TABLES} == before
        now = _as_of(desk)  # ... but every case is as of the day, refreshed now
        assert {d for d, _at in now.values()} == {day}
        assert all(now[cid][1] > stamps[cid][1] for cid in ids)
        assert list_cases(desk, None).as_of == day.isoformat()
        assert refresh(desk, day, _runner, workers=2, pool=pool if pooled else None).todo == 0


@pytest.mark.parametrize("pooled", [True, False], ids=["pool", "file"])
def test_a_refresh_where_one_case_changed_writes_exactly_that_case(
    db_url: str, pool: Any, pooled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = dt.date(2031, 3, 3)
    with Desk.open(db_url) as desk:
        ids, _acked = _busy_desk(desk)
        refresh(desk, day, _runner, workers=2, pool=pool if pooled else None)
        want = {m.__tablename__: _rows(desk, m, ("refreshed_at", "id")) for m in FACT_TABLES}
        row_ids = _ids(desk)
        one = row_ids["case_deadlines"][0][1]  # a case with deadlines
        # yesterday's facts: the same for every case but one, whose stage and deadlines moved
        # (read off another analysis)
        with desk._tx() as s:
            s.execute(update(CaseFacts).values(as_of=day - dt.timedelta(days=1)))
            s.execute(
                update(CaseFacts)
                .where(CaseFacts.case_id == one)
                .values(stage="in_appeals", facts_digest="0" * 32, analysis_digest="0" * 32)
            )
            s.execute(delete(DeadlineFact).where(DeadlineFact.case_id == one))
        written: list[int] = []
        real = refresh_module.facts.write
        monkeypatch.setattr(
            refresh_module.facts,
            "write",
            lambda s, items, *a: (written.extend(w.case_id for w in items), real(s, items, *a)),
        )
        stats = refresh(desk, day, _runner, workers=2, pool=pool if pooled else None, everything=True)
        assert (stats.written, stats.unchanged) == (len(ids), len(ids) - 1)
        assert written == [one]
        assert {m.__tablename__: _rows(desk, m, ("refreshed_at", "id")) for m in FACT_TABLES} == want
        got = _ids(desk)  # the others' rows are the very rows written before
        for table, rows in got.items():
            assert [r for r in rows if r[1] != one] == [r for r in row_ids[table] if r[1] != one]
        assert any(r[1] == one for r in got["case_deadlines"])


def _runner(src: Path, out: Path, day: dt.date, errors: Path) -> object:
    return run_bulk(src, out, default_as_of=day, workers=1, errors_path=errors)


@pytest.mark.parametrize("pooled", [True, False], ids=["pool", "file"])
def test_a_refresh_where_only_the_daily_rows_changed_keeps_the_lasting_rows(
    db_url: str, pool: Any, pooled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case whose deadlines moved, and nothing else: its case_facts, CSED and deadline rows
    are written again, its hearing, withdrawal and name-term rows stay the very rows they
    were (the second half of the digest is the stored one)."""
    day = dt.date(2031, 3, 3)
    with Desk.open(db_url) as desk:
        ids, _acked = _busy_desk(desk)
        refresh(desk, day, _runner, workers=2, pool=pool if pooled else None)
        want = {m.__tablename__: _rows(desk, m, ("refreshed_at", "id")) for m in FACT_TABLES}
        row_ids = _ids(desk)
        with desk._sessions() as s:
            withdrawn = set(s.scalars(select(WithdrawalFact.case_id)))
            one = next(cid for cid, _id in row_ids["case_deadlines"] if cid in withdrawn)
            stored = s.scalar(select(CaseFacts.facts_digest).where(CaseFacts.case_id == one))
        assert stored is not None and len(stored) == 64
        with desk._tx() as s:
            s.execute(update(CaseFacts).values(as_of=day - dt.timedelta(days=1)))
            s.execute(
                update(CaseFacts)
                .where(CaseFacts.case_id == one)
                .values(stage="in_appeals", facts_digest="0" * 32 + stored[32:], analysis_digest="0" * 32)
            )
            s.execute(delete(DeadlineFact).where(DeadlineFact.case_id == one))
        written: list[Any] = []
        real = refresh_module.facts.write
        monkeypatch.setattr(
            refresh_module.facts, "write", lambda s, items, *a: (written.extend(items), real(s, items, *a))
        )
        stats = refresh(desk, day, _runner, workers=2, pool=pool if pooled else None, everything=True)
        assert (stats.written, stats.unchanged) == (len(ids), len(ids) - 1)
        assert [(w.case_id, w.lasting_stored) for w in written] == [(one, True)]
        assert {m.__tablename__: _rows(desk, m, ("refreshed_at", "id")) for m in FACT_TABLES} == want
        got = _ids(desk)
        # the lasting rows of that case are the rows written before; its deadlines are new rows
        for table in ("case_hearing_facts", "case_withdrawal_facts"):
            assert got[table] == row_ids[table]
        assert [r for r in got["case_deadlines"] if r[1] == one] != [
            r for r in row_ids["case_deadlines"] if r[1] == one
        ]
        with desk._sessions() as s:
            assert s.scalar(select(CaseFacts.facts_digest).where(CaseFacts.case_id == one)) == stored


def test_the_workers_send_back_facts_only_for_cases_whose_digest_changed(db_url: str, pool: Any) -> None:
    """What a pool worker answers: for a case whose facts are the stored ones only its id,
    version, day and digest; the facts themselves for the others; nothing for a case the
    engine refuses."""
    day = dt.date(2031, 3, 3)
    with Desk.open(db_url) as desk:
        ids, _acked = _busy_desk(desk)
        refresh(desk, day, _no_file_runner, workers=2, pool=pool)
        with desk._tx() as s:
            s.execute(
                update(CaseFacts)
                .where(CaseFacts.case_id == ids[1])
                .values(facts_digest="0" * 64, analysis_digest="0" * 32)
            )
            stored = {cid: d for cid, d in s.execute(select(CaseFacts.case_id, CaseFacts.facts_digest))}
        with desk._sessions() as s:
            batch = read_batch(s, ids, day)
        assert [b[0] for b in batch] == ids
        assert [b[5] and b[5][0] for b in batch] == [stored[cid] for cid in ids]
        refused = batch[2][:2] + (b'{"format": "cdpdesk.case/1"}',) + batch[2][3:]
        answers = refresh_module.derive_batch([*batch, refused])
        assert [a[0] for a in answers] == [*ids, ids[2]]
        for (cid, version, as_of, _holds, digest, _read_off, facts_out, unstored), (
            _,
            read_version,
            _,
            entries,
            _,
            _,
            _,
        ) in zip(answers[:-1], batch, strict=True):
            assert unstored is False  # every case's document was stored with its version
            assert version == read_version and as_of == day and digest is not None
            if cid == ids[1]:
                assert facts_out is not None and facts_out[1] == entries
                assert facts_out[0].as_of == day and facts_out[0].stage
                assert digest != "0" * 64
            else:
                assert facts_out is None and digest == stored[cid]
        assert answers[-1] == (ids[2], batch[2][1], None, None, None, None, None, False)


def test_the_digest_halves_follow_the_rows_they_cover() -> None:
    """Equal digests, equal rows: every fact but the day changes the digest; the daily
    facts change its first half only, the hearings, withdrawals and name terms its second."""
    import dataclasses

    from cdpdesk.contract import load_case
    from cdpdesk.desk import facts
    from cdpdesk.engine import analyze

    case = load_case((CASES / "oral.json").read_bytes())  # an oral withdrawal, a pending hearing
    derived = facts.derive(case, analyze(case, dt.date(2024, 7, 1)))
    assert derived.hearings and derived.withdrawals and derived.deadlines and derived.terms
    entries = {w["event_key"]: 7 for w in derived.withdrawals}
    base = facts.digest(facts.Write(1, 2, derived, entries))
    assert len(base) == 64

    def with_(**change: Any) -> str:
        return facts.digest(facts.Write(1, 2, dataclasses.replace(derived, **change), entries))

    assert with_(as_of=dt.date(2024, 7, 2)) == base  # the day is not in it
    changed = {
        "stage": "other",
        "stage_title": "Other",
        "stage_since": dt.date(2001, 1, 1),
        "next_deadline": dt.date(2001, 1, 1),
        "csed": dt.date(2001, 1, 1),
        "csed_lower_bound": not derived.csed_lower_bound,
        "taxpayer": "Someone Else",
        "tin_last4": "0000",
        "taxpayer_sort": "someone else",
        "assessments": derived.assessments[1:],
        "deadlines": [derived.deadlines[0] | {"date": dt.date(2001, 1, 1)}, *derived.deadlines[1:]],
        "hearings": [derived.hearings[0] | {"status": "withdrawn"}, *derived.hearings[1:]],
        "withdrawals": derived.withdrawals[1:],
        "terms": [*derived.terms, "more"],
    }
    assert with_(holds_through=dt.date(2024, 7, 9)) == base  # nor the day the facts hold through
    assert with_(analysis_digest="0" * 32) == base  # nor what they were read off
    assert set(changed) == {f.name for f in dataclasses.fields(facts.Derived)} - {
        "as_of",
        "holds_through",
        "analysis_digest",
    }
    for name, value in changed.items():
        new = with_(**{name: value})
        lasting = name in ("hearings", "withdrawals", "terms")
        assert (new[:32] == base[:32], new[32:] == base[32:]) == (lasting, not lasting), name
        assert facts.same_lasting_rows(base, new) is (not lasting)
    # the withdrawal's log entry is a lasting row's
    other = facts.digest(facts.Write(1, 2, derived, dict.fromkeys(entries, 8)))
    assert other[:32] == base[:32] and other[32:] != base[32:]
    # another version or case: neither half is the same
    for w in (facts.Write(1, 3, derived, entries), facts.Write(2, 2, derived, entries)):
        assert facts.digest(w)[:32] != base[:32] and facts.digest(w)[32:] != base[32:]
    assert not facts.same_lasting_rows(base[:32], base) and not facts.same_lasting_rows(None, base)


def test_the_refresh_on_dask_reads_in_the_workers_and_writes_what_the_pool_writes(db_url: str) -> None:
    """``desk refresh --dask``: the Dask workers read their own batches (no file for the bulk
    runner), and the facts are the ones a case-by-case analysis writes."""
    from cdpdesk.bulk.runner import dask_client

    day = dt.date(2031, 3, 3)
    with Desk.open(db_url) as desk, dask_client("local", 2) as (client, threads):
        ids, _acked = _busy_desk(desk)
        assert threads == 2
        stats = refresh(desk, day, _no_file_runner, workers=threads, pool=client.get_executor(pure=False))
        assert (stats.todo, stats.written, stats.changed, stats.errors) == (len(ids), len(ids), 0, 0)
        on_dask = {m.__tablename__: _rows(desk, m, ("refreshed_at", "id")) for m in FACT_TABLES}
        for cid in ids:
            assert desk.refresh_facts(cid, day)
        assert {m.__tablename__: _rows(desk, m, ("refreshed_at", "id")) for m in FACT_TABLES} == on_dask


def test_the_workers_open_the_url_they_are_given(db_url: str) -> None:
    """The pooled refresh hands the workers ``worker_url`` when given (the Dask refresh gives
    the desk's URL without its password, ``db.without_password``), else the desk's own."""
    from concurrent.futures import ThreadPoolExecutor

    from cdpdesk.desk.db import without_password

    seen: list[Any] = []
    tasks: list[str] = []

    class Recording(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            seen.append(args[0])
            tasks.append(fn.__name__)
            return super().submit(fn, *args, **kwargs)

    with Desk.open(db_url) as desk, Recording(1) as pool:
        ids, _acked = _busy_desk(desk)
        stats = refresh(
            desk, dt.date(2031, 3, 3), _no_file_runner, pool=pool, worker_url=without_password(db_url)
        )
        assert stats.written == len(ids) and seen and set(seen) == {without_password(db_url)}
        seen.clear()
        refresh(desk, dt.date(2031, 3, 4), _no_file_runner, pool=pool, workers=2)
        assert seen and set(seen) == {desk.settings.database_url}
        assert set(tasks) == {"read_and_derive"}
        # one local worker: this process reads, the worker is given the cases, not a URL
        seen.clear()
        tasks.clear()
        with desk._tx() as s:
            s.execute(update(CaseFacts).values(holds_through=None))
        again = refresh(desk, dt.date(2031, 3, 5), _no_file_runner, pool=pool, workers=1)
        assert again.todo == len(ids) and set(tasks) == {"derive_batch"}
        assert sorted(case[0] for batch in seen for case in batch) == sorted(ids)


def test_a_url_without_its_password() -> None:
    from cdpdesk.desk.db import without_password

    assert (
        without_password("postgresql+psycopg://clerk:s3cret@db.example:5432/desk")
        == "postgresql+psycopg://clerk@db.example:5432/desk"
    )
    assert without_password("sqlite:////var/desk/cdpdesk.db") == "sqlite:////var/desk/cdpdesk.db"
