"""The store: migrations, round trip, the append-only log, validation, the version check.
Each test runs against SQLite and PostgreSQL (see conftest)."""

from __future__ import annotations

import json
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cdpdesk.contract import load_case, load_case_dict
from cdpdesk.desk import db
from cdpdesk.desk.record import DeskError, StaleCaseError
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine import ENGINE_VERSION
from tests.conftest import ROOT
from tests.desk.conftest import CASES

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"


def _desk(url: str) -> Desk:
    return Desk.open(url)


def test_schema_is_built_by_alembic_and_reopening_is_cheap(db_url: str) -> None:
    with _desk(db_url) as desk:
        assert db.current_revision(desk.engine) == db.head_revision()
        with desk.engine.connect() as conn:
            tables = set(
                conn.execute(
                    text(
                        "SELECT name FROM sqlite_master WHERE type='table'"
                        if desk.engine.dialect.name == "sqlite"
                        else "SELECT tablename FROM pg_tables WHERE schemaname=current_schema()"
                    )
                ).scalars()
            )
        assert {"cases", "case_events", "letters", "taxpayers", "case_periods", "case_assessments"} <= tables
    with _desk(db_url) as desk:  # a second open finds the schema at head and leaves it
        assert db.current_revision(desk.engine) == db.head_revision()


def test_case_facts_leave_room_on_each_page_for_the_nightly_update_on_postgresql(
    postgres_server: str,
) -> None:
    """Migration 0019: a day move is a heap-only update only if the row's page has room."""
    from tests.desk.conftest import fresh_postgres_schema

    with _desk(fresh_postgres_schema(postgres_server)) as desk, desk.engine.connect() as conn:
        options = conn.execute(
            text("SELECT reloptions FROM pg_class WHERE oid = to_regclass('case_facts')")
        ).scalar_one()
    assert options == ["fillfactor=50"]


def test_head_revision_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(db.MIGRATIONS)).get_current_head() == db.head_revision()


def test_default_database_is_var_cdpdesk_db(desk_env: Path) -> None:
    with Desk.open() as desk:
        assert desk.engine.url.database == str(desk_env / "cdpdesk.db")
    assert (desk_env / "cdpdesk.db").is_file()


@pytest.mark.parametrize("path", [EXAMPLE, *sorted(CASES.glob("*.json"))], ids=lambda p: p.name)
def test_import_export_round_trip(db_url: str, path: Path) -> None:
    with _desk(db_url) as desk:
        case_id = desk.import_case(path.read_bytes(), source=str(path))
        exported = desk.export_case(case_id)
    assert exported["format"] == "cdpdesk.case/1"
    assert load_case_dict(exported) == load_case(path.read_bytes())


def test_show_derives_the_analysis_and_caches_it_by_engine_version(db_url: str) -> None:
    with _desk(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        shown = desk.show(case_id)
        assert shown["case"]["taxpayer"]["tin"] == "XXX-XX-6789"
        assert shown["analysis"]["assessments"][0]["csed"] == "2031-02-01"
        assert [e["event"] for e in shown["case"]["log"]] == ["e1", "e2", "e3"]
        assert all(e["recorded_by"] == "clerk.a" for e in shown["case"]["log"])
        with desk.engine.connect() as conn:
            rows = conn.execute(text("SELECT case_version, engine_version FROM analysis_cache")).all()
        assert rows == [(1, f"{ENGINE_VERSION}+holidays-{dist_version('holidays')}")]
        assert desk.show(case_id)["analysis"] == shown["analysis"]


def test_an_analysis_cached_under_another_holidays_version_is_not_used(db_url: str) -> None:
    """The holiday table decides the 7503 rolls: a new holidays release means new analyses."""
    with _desk(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        fresh = desk.show(case_id)["analysis"]
        with desk.engine.begin() as conn:
            conn.execute(
                text("UPDATE analysis_cache SET engine_version = :v, analysis = :a"),
                {"v": f"{ENGINE_VERSION}+holidays-0.1", "a": '{"stale": true}'},
            )
        assert desk.show(case_id)["analysis"] == fresh
        with desk.engine.connect() as conn:
            keys = sorted(r[0] for r in conn.execute(text("SELECT engine_version FROM analysis_cache")))
        assert keys == sorted(
            [f"{ENGINE_VERSION}+holidays-0.1", f"{ENGINE_VERSION}+holidays-{dist_version('holidays')}"]
        )


def _event(**kw: Any) -> dict[str, Any]:
    return kw


def test_event_add_is_validated_by_the_engine_and_refused_whole(db_url: str) -> None:
    with _desk(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        bad = _event(id="e4", type="hearing_withdrawal", received="2024-03-01", request="e2")
        with pytest.raises(DeskError, match=r"before its request 'e2' was received"):
            desk.add_event(case_id, bad)
        with pytest.raises(DeskError, match="unknown event type"):
            desk.add_event(case_id, _event(id="e4", type="nonsense", date="2024-01-01"))
        with pytest.raises(DeskError, match="already has an event 'e3'"):
            desk.add_event(
                case_id, _event(id="e3", type="ia_requested", date="2024-07-01", periods=["1040-2019"])
            )
        assert desk.stored(case_id).version == 1
        assert len(desk.stored(case_id).log) == 3
        ok = desk.add_event(
            case_id,
            _event(id="e4", type="ia_requested", date="2024-07-15", periods=["1040-2019"]),
            by="clerk.b",
        )
        assert ok["version"] == 2
        assert desk.stored(case_id).log[-1].recorded_by == "clerk.b"


def test_a_correction_supersedes_and_the_log_keeps_both(db_url: str) -> None:
    with _desk(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        fixed = {"id": "e3", "type": "hearing_withdrawal", "received": "2024-06-12", "request": "e2"}
        desk.correct_event(case_id, fixed, note="date stamp misread")
        shown = desk.show(case_id)
        log = shown["case"]["log"]
        assert [(e["event"], e["kind"], e["current"]) for e in log] == [
            ("e1", "record", True),
            ("e2", "record", True),
            ("e3", "record", False),
            ("e3", "correction", True),
        ]
        assert log[3]["supersedes"] == log[2]["entry"] and log[2]["superseded"]
        assert shown["analysis"]["hearings"][0]["withdrawn"] == "2024-06-12"
        # a correction keeps the event's place in the case file
        assert [e["id"] for e in desk.export_case(case_id)["events"]] == ["e1", "e2", "e3"]
        desk.retract_event(case_id, "e3", note="entered on the wrong case")
        assert [e["id"] for e in desk.export_case(case_id)["events"]] == ["e1", "e2"]
        assert desk.stored(case_id).version == 3


def test_the_log_is_append_only_in_the_database(db_url: str) -> None:
    with _desk(db_url) as desk:
        desk.import_case(EXAMPLE.read_bytes())
        for statement in ("UPDATE case_events SET recorded_by = 'x'", "DELETE FROM case_events"):
            with pytest.raises(DBAPIError, match="append-only"), desk.engine.begin() as conn:
                conn.execute(text(statement))
        assert len(desk.stored(1).log) == 3


def test_a_stale_version_is_refused_not_lost(db_url: str) -> None:
    with _desk(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        seen = desk.stored(case_id).version
        desk.add_event(
            case_id,
            {"id": "x1", "type": "ia_requested", "date": "2024-07-02", "periods": ["1040-2019"]},
            expected_version=seen,
            by="clerk.a",
        )
        with pytest.raises(StaleCaseError, match=f"is at version {seen + 1}, not {seen}"):
            desk.add_event(
                case_id,
                {"id": "x2", "type": "ia_rejected", "date": "2024-07-03", "periods": ["1040-2019"]},
                expected_version=seen,
                by="clerk.b",
            )
        assert [e.event_key for e in desk.stored(case_id).log] == ["e1", "e2", "e3", "x1"]


def test_the_version_check_catches_an_edit_between_read_and_write(db_url: str) -> None:
    """Two clerks read version 1; the second write is refused by the database check."""
    from cdpdesk.desk.record import bump_version

    with _desk(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        with desk._tx() as s:
            bump_version(s, case_id, 1)
        with pytest.raises(StaleCaseError, match="changed since version 1"), desk._tx() as s:
            bump_version(s, case_id, 1)


def test_bad_case_file_is_refused_with_one_line(db_url: str) -> None:
    data = json.loads(EXAMPLE.read_text())
    data["events"][2]["received"] = "2024-03-01"
    with _desk(db_url) as desk, pytest.raises(DeskError) as err:
        desk.import_case(json.dumps(data))
    assert "\n" not in str(err.value)
    assert "6789" not in str(err.value)


def test_unreachable_database_is_one_clear_line() -> None:
    with pytest.raises(DeskError, match="cannot open the database") as err:
        Desk.open("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in str(err.value)
