"""The nightly refresh: every case's facts recomputed as of a new day on the bulk runner,
the same as the engine's analysis that day, resumable, leaving changed cases alone.
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select

from cdpdesk.bulk.runner import run_bulk
from cdpdesk.desk import db
from cdpdesk.desk import refresh as refresh_module
from cdpdesk.desk.listing import list_cases
from cdpdesk.desk.models import CaseFacts
from cdpdesk.desk.refresh import refresh
from cdpdesk.desk.workflow import Desk
from tests.conftest import ROOT
from tests.desk import migrating
from tests.desk.conftest import CASES

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"


def pool(src: Path, out: Path, day: dt.date, errors: Path) -> object:
    return run_bulk(src, out, default_as_of=day, workers=1, errors_path=errors)


def _facts(desk: Desk) -> dict[int, tuple[str, str, str | None, bool]]:
    with desk._sessions() as s:
        return {
            f.case_id: (
                f.as_of.isoformat(),
                f.stage,
                f.csed.isoformat() if f.csed else None,
                f.csed_lower_bound,
            )
            for f in s.scalars(select(CaseFacts))
        }


def test_refresh_moves_every_case_to_the_new_day(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        ids = [desk.import_case(p.read_bytes()) for p in (EXAMPLE, *sorted(CASES.glob("*.json")))]
        day = dt.date(2035, 7, 1)
        stats = refresh(desk, day, pool)
        assert (stats.cases, stats.todo, stats.written, stats.changed, stats.errors) == (4, 4, 4, 0, 0)
        got = _facts(desk)
        for cid in ids:
            analysis = desk.analysis(cid, day)
            first = min(analysis["assessments"], key=lambda a: a["csed"])
            assert got[cid] == ("2035-07-01", analysis["stage"]["id"], first["csed"], first["open"])
        assert list_cases(desk, None).as_of == "2035-07-01"
        # every CSED but the open one has passed by then: those cases are at csed_passed
        assert {got[cid][1] for cid in ids} >= {"csed_passed"}
        again = refresh(desk, day, pool)
        assert (again.todo, again.written) == (0, 0)  # nothing left to do for that day


def test_an_interrupted_refresh_resumes_and_skips_changed_cases(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refresh_module, "BATCH", 2)
    with Desk.open(db_url) as desk:
        ids = [desk.import_case(p.read_bytes()) for p in (EXAMPLE, *sorted(CASES.glob("*.json")))]
        day = dt.date(2030, 1, 2)
        real = refresh_module.facts.write
        calls: list[int] = []

        def failing(s: Any, items: Any, *args: Any) -> Any:
            calls.append(len(items))
            if len(calls) == 2:
                raise KeyboardInterrupt
            return real(s, items, *args)

        monkeypatch.setattr(refresh_module.facts, "write", failing)
        with pytest.raises(KeyboardInterrupt):
            refresh(desk, day, pool, everything=True)  # analyse all: some facts hold to 2030
        monkeypatch.setattr(refresh_module.facts, "write", real)
        assert sum(1 for v in _facts(desk).values() if v[0] == "2030-01-02") == 2  # the first batch
        # a case changes meanwhile: its new version writes its own facts (as of the desk's day)
        desk.add_event(
            ids[3], {"id": "x1", "type": "hearing_withdrawal", "received": "2024-06-20", "request": "r1"}
        )
        stats = refresh(desk, day, pool, everything=True)
        assert (stats.written, stats.changed) == (1, 1)
        assert not (desk.settings.var_dir / "refresh" / day.isoformat()).exists()
        got = _facts(desk)
        assert [got[c][0] for c in ids[:3]] == ["2030-01-02"] * 3
        assert got[ids[3]][0] == dt.date.today().isoformat()


def test_migration_0014_drops_the_as_of_index_and_goes_back(db_url: str) -> None:
    """0014 drops ``ix_case_facts_as_of`` (no query reads the facts by their day; each
    refresh rewrote every case's entry); its downgrade builds it again."""
    with Desk.open(db_url) as d:
        assert db.current_revision(d.engine) == db.head_revision()

        def names() -> set[str]:
            with d.engine.connect() as conn:
                return {str(i["name"]) for i in inspect(conn).get_indexes("case_facts")}

        assert "ix_case_facts_as_of" not in names()
        assert "ix_case_facts_csed" in names()  # the others stay
        with migrating.down_below(d.engine, "0014") as below:
            assert below == "0013"
            assert "ix_case_facts_as_of" in names()
        assert db.current_revision(d.engine) == db.head_revision()
        assert "ix_case_facts_as_of" not in names()
