"""The nightly refresh skips the cases whose stored facts hold on the new day
(``case_facts.holds_through``, engine/holds.py): their day moves in SQL, unanalysed, and
every case's facts are then the ones a full recompute (``--all``) writes. SQLite and
PostgreSQL; the file path and the pool."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, update
from typer.testing import CliRunner

from cdpdesk.bulk.runner import run_bulk, start_pool
from cdpdesk.bulk.synth import synth_cases
from cdpdesk.cli import app
from cdpdesk.cli.desk import refresh_summary
from cdpdesk.desk import db
from cdpdesk.desk import refresh as refresh_module
from cdpdesk.desk.models import (
    AssessmentFact,
    CaseFacts,
    DeadlineFact,
    HearingFact,
    NameTerm,
    WithdrawalFact,
)
from cdpdesk.desk.refresh import RefreshStats, refresh
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine.holds import FOREVER
from tests.desk import migrating

#: every fact table, and the columns compared (all but row ids and the time of writing)
TABLES = (CaseFacts, HearingFact, AssessmentFact, DeadlineFact, WithdrawalFact, NameTerm)
SKIP = {"id", "refreshed_at"}
#: a day after the as_of of every synthetic case these tests store (the latest is in
#: 2031), so that every case's day is the refresh's: CSEDs are still coming (assessments
#: up to 2025), some cases have suspensions still running, a few a window or a petition
DAY = dt.date(2032, 1, 5)


@pytest.fixture(scope="module")
def pool() -> Iterator[Any]:
    with start_pool(2, preload=["cdpdesk.desk.refresh"]) as p:
        yield p


def _runner(src: Path, out: Path, day: dt.date, errors: Path) -> object:
    return run_bulk(src, out, default_as_of=day, workers=1, errors_path=errors)


def _facts(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored fact row, by table, without row ids and times of writing."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with desk._sessions() as s:
        for model in TABLES:
            cols = [c for c in model.__table__.columns if c.name not in SKIP]
            out[model.__tablename__] = sorted(
                (tuple(str(v) for v in r) for r in s.execute(select(*cols))), key=repr
            )
    return out


def _holds(desk: Desk) -> dict[int, tuple[dt.date, dt.date | None]]:
    with desk._sessions() as s:
        return {
            cid: (d, h)
            for cid, d, h in s.execute(select(CaseFacts.case_id, CaseFacts.as_of, CaseFacts.holds_through))
        }


def _desk_with(desk: Desk, count: int, seed: int) -> list[int]:
    docs = list(synth_cases(count, seed))
    assert max(dt.date.fromisoformat(d["as_of"]) for d in docs) < DAY
    return [desk.import_case(json.dumps(d)) for d in docs]


@pytest.mark.parametrize("pooled", [True, False], ids=["pool", "file"])
def test_a_refresh_that_skips_leaves_the_facts_a_full_recompute_writes(
    db_url: str, pool: Any, pooled: bool
) -> None:
    with Desk.open(db_url) as desk:
        ids = _desk_with(desk, 80, 17)
        runs = {"pool": pool if pooled else None, "workers": 2}
        first = refresh(desk, DAY, _runner, **runs)
        assert first.written == len(ids) and first.errors == 0
        stored = _holds(desk)
        assert all(h is not None and h >= DAY for _d, h in stored.values())
        for later in (DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2), DAY + dt.timedelta(days=45)):
            before = _holds(desk)
            nightly = refresh(desk, later, _runner, **runs)
            # the cases whose facts held on the day were moved without analysis; the others analysed
            sure = {cid for cid, (d, h) in before.items() if h is not None and d <= later <= h}
            assert nightly.held == len(sure) and nightly.todo == len(ids)
            assert nightly.written == len(ids) and (nightly.changed, nightly.errors) == (0, 0)
            assert 0 < nightly.held < len(ids)  # both kinds on every one of these days
            skipped = _facts(desk)
            # a full recompute as of the same day finds every fact row the same
            full = refresh(desk, later, _runner, everything=True, **runs)
            assert (full.todo, full.written, full.held, full.everything) == (len(ids), len(ids), 0, True)
            assert full.unchanged == len(ids), "a case's facts moved without analysis were wrong"
            assert _facts(desk) == skipped
            assert {d for d, _h in _holds(desk).values()} == {later}


def test_on_dask_too(db_url: str) -> None:
    from cdpdesk.bulk.runner import dask_client

    def no_file(*_args: Any) -> object:
        raise AssertionError("the Dask refresh writes no file for the bulk runner")

    with Desk.open(db_url) as desk, dask_client("local", 2) as (client, threads):
        ids = _desk_with(desk, 40, 19)
        runs = {"pool": client.get_executor(pure=False), "workers": threads}
        refresh(desk, DAY, no_file, **runs)
        later = DAY + dt.timedelta(days=1)
        nightly = refresh(desk, later, no_file, **runs)
        assert 0 < nightly.held < len(ids) and nightly.written == len(ids)
        skipped = _facts(desk)
        full = refresh(desk, later, no_file, everything=True, **runs)
        assert (full.held, full.unchanged) == (0, len(ids))
        assert _facts(desk) == skipped


def test_the_facts_moved_without_analysis_are_the_engines_of_that_day(db_url: str, pool: Any) -> None:
    """Against the engine directly: after a skipping refresh, each case's stage, next
    deadline, earliest CSED and lower-bound flag are those of its analysis as of the day."""
    with Desk.open(db_url) as desk:
        ids = _desk_with(desk, 40, 23)
        refresh(desk, DAY, _runner, pool=pool, workers=2)
        later = DAY + dt.timedelta(days=30)
        stats = refresh(desk, later, _runner, pool=pool, workers=2)
        assert stats.held > 0
        with desk._sessions() as s:
            rows = {f.case_id: f for f in s.scalars(select(CaseFacts))}
        for cid in ids:
            a = desk.analysis(cid, later)
            f = rows[cid]
            assert f.as_of == later
            assert f.stage == a["stage"]["id"]
            first = min(a["assessments"], key=lambda x: (x["csed"], not x["open"]))
            assert (f.csed.isoformat() if f.csed else None, f.csed_lower_bound) == (
                first["csed"],
                first["open"],
            )
            act = [d["date"] for d in a["deadlines"] if d["rule"] != "csed-walk"]
            assert (f.next_deadline.isoformat() if f.next_deadline else None) in (act[:1] or [None])


def test_a_case_whose_facts_do_not_hold_is_analysed(
    db_url: str, pool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Desk.open(db_url) as desk:
        ids = _desk_with(desk, 20, 31)
        refresh(desk, DAY, _runner, pool=pool, workers=2)
        later = DAY + dt.timedelta(days=1)
        held = [cid for cid, (_d, h) in _holds(desk).items() if h is not None and h >= later]
        assert len(held) >= 3
        one, unknown = held[0], held[1]
        # one case's facts hold only through DAY (as if a date fell on the next day), and one
        # has no day at all (facts of before migration 0015): both analysed
        with desk._tx() as s:
            s.execute(update(CaseFacts).where(CaseFacts.case_id == one).values(holds_through=DAY))
            s.execute(update(CaseFacts).where(CaseFacts.case_id == unknown).values(holds_through=None))
        sent: list[int] = []
        real = refresh_module.read_and_derive

        def spy(url: str, batch: list[int], day: dt.date) -> Any:
            sent.extend(batch)
            return real(url, batch, day)

        # the pool runs the real function in its processes; a thread pool sees the spy
        from concurrent.futures import ThreadPoolExecutor

        monkeypatch.setattr(refresh_module, "read_and_derive", spy)
        with ThreadPoolExecutor(2) as threads:
            stats = refresh(desk, later, _runner, pool=threads, workers=2)
        assert one in sent and unknown in sent
        assert not set(held[2:]) & set(sent)  # the others that hold: not read, not analysed
        assert stats.held == len(held) - 2 and stats.todo == len(ids)
        after = _holds(desk)
        assert after[one][1] is not None and after[unknown][1] is not None  # known again
        assert {d for d, _h in after.values()} == {later}


def test_a_new_event_writes_its_facts_and_their_day(db_url: str, pool: Any) -> None:
    with Desk.open(db_url) as desk:
        docs = list(synth_cases(10, 41))
        ids = [desk.import_case(json.dumps(d)) for d in docs]
        refresh(desk, DAY, _runner, pool=pool, workers=2)
        # a case whose own day has come (the desk writes an event's facts as of its day)
        cid, doc = next((c, d) for c, d in zip(ids, docs, strict=True) if d["as_of"] < "2026-01-01")
        before = _holds(desk)[cid]
        # an installment agreement requested on the case's last day: the facts are written
        # anew with the new version, and their hold day with them (the IA pending suspension
        # runs to as_of: through their own day only)
        when = dt.date.fromisoformat(doc["as_of"])
        desk.add_event(
            cid,
            {
                "id": "ia-x",
                "type": "ia_requested",
                "date": when.isoformat(),
                "periods": [doc["periods"][0]["id"]],
            },
        )
        with desk._sessions() as s:
            row = s.get(CaseFacts, cid)
            assert row is not None
            assert row.case_version == 2 and row.csed_lower_bound is True
            assert row.holds_through == row.as_of != before[0]
        later = DAY + dt.timedelta(days=1)
        stats = refresh(desk, later, _runner, pool=pool, workers=2)
        assert stats.written == len(ids) and stats.changed == 0
        assert _holds(desk)[cid] == (later, later)  # analysed again: still open


def test_facts_with_nothing_left_to_change_hold_for_ever(db_url: str, pool: Any) -> None:
    with Desk.open(db_url) as desk:
        _desk_with(desk, 10, 43)
        far = dt.date(2060, 1, 1)  # every CSED long past: nothing dated is left
        refresh(desk, far, _runner, pool=pool, workers=2)
        with desk._sessions() as s:
            rows = list(
                s.execute(select(CaseFacts.holds_through, CaseFacts.csed_lower_bound, CaseFacts.stage))
            )
        # every case at csed_passed holds for ever; one whose CSED is a lower bound (a
        # suspension still running, counted to as_of) holds through its day only
        assert {h for h, lower, _stage in rows if not lower} == {FOREVER}
        assert {h for h, lower, _stage in rows if lower} <= {far}
        assert {stage for h, _l, stage in rows if h == FOREVER} == {"csed_passed"}
        forever = sum(h == FOREVER for h, _l, _s in rows)
        assert forever >= 5
        stats = refresh(desk, far + dt.timedelta(days=3000), _runner, pool=pool, workers=2)
        assert (stats.held, stats.todo, stats.written) == (forever, 10, 10)
        # back to a day before the stored one: nothing is taken to hold there, all analysed
        back = refresh(desk, far + dt.timedelta(days=10), _runner, pool=pool, workers=2)
        assert (back.held, back.todo, back.written) == (0, 10, 10)


def test_migration_0015_adds_holds_through_and_goes_back(db_url: str) -> None:
    with Desk.open(db_url) as d:
        assert db.current_revision(d.engine) == db.head_revision()

        def columns() -> set[str]:
            with d.engine.connect() as conn:
                return {str(c["name"]) for c in inspect(conn).get_columns("case_facts")}

        assert "holds_through" in columns()
        with migrating.down_below(d.engine, "0015") as below:
            assert below == "0014"
            assert "holds_through" not in columns() and "facts_digest" in columns()
        assert db.current_revision(d.engine) == db.head_revision()
        assert "holds_through" in columns()


def test_cli_refresh_says_how_many_moved_without_analysis_and_all_recomputes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDPDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    with Desk.open(f"sqlite:///{tmp_path / 'cli.db'}") as desk:
        _desk_with(desk, 25, 47)
    cli = CliRunner()

    def refresh(*args: str) -> str:
        """``desk refresh`` on one worker without the bar; its standard output."""
        res = cli.invoke(app, ["desk", "refresh", "--workers", "1", "--no-progress", *args])
        assert res.exit_code == 0, res.output
        return res.stdout

    def run(*args: str) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(refresh("--json", *args))
        return out

    first = run("--as-of", DAY.isoformat())
    assert first["cases"] == 25 and first["written"] == 25
    nightly = run("--as-of", (DAY + dt.timedelta(days=1)).isoformat())
    assert 0 < nightly["held"] < 25 and nightly["analysed"] == 25 - nightly["held"]
    assert nightly["all"] is False
    full = run("--as-of", (DAY + dt.timedelta(days=1)).isoformat(), "--all")
    assert (full["todo"], full["held"], full["analysed"], full["unchanged"], full["all"]) == (
        25,
        0,
        25,
        25,
        True,
    )
    day2 = (DAY + dt.timedelta(days=2)).isoformat()
    line = LINE.fullmatch(refresh("--as-of", day2).strip())
    assert line is not None
    assert line["day"] == day2
    assert (line["written"], line["cases"], line["workers"]) == ("25", "25 cases", "1 worker")
    assert line["held_why"] == "facts holding on the day" and line["unit"] == "cases/s"
    held, analysed, same = int(line["held"]), int(line["analysed"]), int(line["same"])
    assert 0 < held < 25 and analysed == 25 - held and same <= analysed
    assert (line["already"], line["changed"], line["errors"]) == ("0", "0", "0")
    line = LINE.fullmatch(refresh("--all", "--as-of", day2).strip())
    assert line is not None
    assert line["held_why"] == "--all: every case analysed"
    assert (line["held"], line["analysed"], line["same"], line["already"]) == ("0", "25", "25", "0")
    # one case, one worker: every count in the singular
    monkeypatch.setenv("CDPDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'one.db'}")
    with Desk.open(f"sqlite:///{tmp_path / 'one.db'}") as desk:
        _desk_with(desk, 1, 47)
    line = LINE.fullmatch(refresh("--as-of", day2).strip())
    assert line is not None
    assert (line["written"], line["cases"], line["workers"]) == ("1", "1 case", "1 worker")
    assert int(line["held"]) + int(line["analysed"]) == 1 and int(line["same"]) <= int(line["analysed"])
    assert line["unit"] == ("case/s" if line["rate"] == "1" else "cases/s")
    # again, the same day: the case is already as of it
    line = LINE.fullmatch(refresh("--as-of", day2).strip())
    assert line is not None
    assert (line["written"], line["cases"], line["held"], line["analysed"], line["already"]) == (
        "0",
        "1 case",
        "0",
        "0",
        "1",
    )


#: ``desk refresh``'s summary line, every count a group
LINE = re.compile(
    r"facts as of (?P<day>\S+): (?P<written>[\d,]+) of (?P<cases>[\d,]+ cases?) refreshed "
    r"in [\d.]+ s \((?P<rate>[\d,]+) (?P<unit>cases?/s), (?P<workers>\d+ workers?)\): "
    r"(?P<held>[\d,]+) moved without analysis \((?P<held_why>[^)]+)\), "
    r"(?P<analysed>[\d,]+) analysed \((?P<same>[\d,]+) with the same facts\), "
    r"(?P<already>[\d,]+) already as of the day, (?P<changed>[\d,]+) changed meanwhile, "
    r"(?P<errors>[\d,]+) refused by the engine"
)


def _stats(**counts: Any) -> RefreshStats:
    base: dict[str, Any] = {"as_of": DAY, "analysis_seconds": 0.5, "held": 0, "unchanged": 0}
    return RefreshStats(**(base | counts))


def test_the_refresh_summary_line_reads_right_for_one_and_for_many() -> None:
    one = _stats(cases=1, todo=1, written=1, changed=0, errors=0, seconds=1.0, workers=1, unchanged=1)
    assert refresh_summary(one) == (
        f"facts as of {DAY}: 1 of 1 case refreshed in 1.0 s (1 case/s, 1 worker): "
        "0 moved without analysis (facts holding on the day), 1 analysed (1 with the same facts), "
        "0 already as of the day, 0 changed meanwhile, 0 refused by the engine"
    )
    ones = _stats(
        cases=5, todo=4, written=1, changed=1, errors=1, seconds=4.0, workers=1, held=1, unchanged=1
    )
    assert refresh_summary(ones) == (
        f"facts as of {DAY}: 1 of 5 cases refreshed in 4.0 s (1 case/s, 1 worker): "
        "1 moved without analysis (facts holding on the day), 3 analysed (1 with the same facts), "
        "1 already as of the day, 1 changed meanwhile, 1 refused by the engine"
    )
    many = _stats(
        cases=2500,
        todo=2400,
        written=2390,
        changed=2,
        errors=8,
        seconds=2.0,
        workers=2,
        held=2000,
        unchanged=300,
    )
    assert refresh_summary(many) == (
        f"facts as of {DAY}: 2,390 of 2,500 cases refreshed in 2.0 s (1,200 cases/s, 2 workers): "
        "2,000 moved without analysis (facts holding on the day), 400 analysed (300 with the same facts), "
        "100 already as of the day, 2 changed meanwhile, 8 refused by the engine"
    )
    full = _stats(
        cases=3, todo=3, written=3, changed=0, errors=0, seconds=0.0, workers=2, unchanged=2, everything=True
    )
    assert refresh_summary(full) == (
        f"facts as of {DAY}: 3 of 3 cases refreshed in 0.0 s (0 cases/s, 2 workers): "
        "0 moved without analysis (--all: every case analysed), 3 analysed (2 with the same facts), "
        "0 already as of the day, 0 changed meanwhile, 0 refused by the engine"
    )
