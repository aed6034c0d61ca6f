"""Cases coming in: the duplicate rule (one place, every way in), bulk import from JSONL
with an error file, batches that store each case whole or not at all, and write conflicts
told by the driver's codes. SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from cdpdesk.bulk.synth import synth_cases
from cdpdesk.desk import db, intake
from cdpdesk.desk.models import Case, CaseEvent, CasePeriod
from cdpdesk.desk.record import DeskError
from cdpdesk.desk.workflow import Desk, DuplicateCaseError
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"


def _doc() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return data


def _count(desk: Desk, model: Any) -> int:
    with desk._sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_case_already_stored_is_refused_and_a_near_duplicate_warns(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        first = desk.import_case(EXAMPLE.read_bytes())
        # the same facts, written differently: other key order, events reordered
        same = _doc()
        same["events"].reverse()
        same = dict(reversed(list(same.items())))
        with pytest.raises(DuplicateCaseError, match=f"already stored as case {first}") as err:
            desk.import_case(json.dumps(same, indent=1))
        assert err.value.existing == first and "--allow-duplicate" in str(err.value)
        assert "123-45-6789" not in str(err.value) and _count(desk, Case) == 1
        # asked for: stored again, with a warning naming the case it repeats
        again = desk.import_one(EXAMPLE.read_bytes(), allow_duplicate=True)
        assert again.case == first + 1 and again.duplicate_of == first
        assert again.warnings == (
            f"case {first + 1} repeats case {first} (same taxpayer, periods and events)",
        )
        # same TIN and periods, other events: stored, with a warning
        near = _doc()
        near["events"] = near["events"][:2]
        result = desk.import_one(json.dumps(near))
        assert result.case == first + 2 and result.duplicate_of is None
        (warning,) = result.warnings
        assert f"case {first}, case {first + 1}" in warning and "XXX-XX-6789" in warning
        assert "1040-2019" in warning and "123-45-6789" not in warning
        # another taxpayer with the same periods and events: neither
        other = _doc()
        other["taxpayer"]["tin"] = "987-65-4321"
        assert desk.import_one(json.dumps(other)).warnings == ()
        # another period: neither
        shifted = _doc()
        shifted["periods"][0]["assessments"][0]["amount"] = "8412.01"
        assert desk.import_one(json.dumps(shifted)).warnings == ()
        assert _count(desk, Case) == 5


def test_the_rule_follows_the_events_a_case_gains(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        desk.add_event(
            case_id, {"id": "x1", "type": "ia_requested", "date": "2024-06-20", "periods": ["1040-2019"]}
        )
        exported = desk.export_case(case_id)
        with pytest.raises(DuplicateCaseError, match=f"case {case_id}"):
            desk.import_case(json.dumps(exported))
        # the file as first imported is now only a near duplicate
        assert desk.import_one(EXAMPLE.read_bytes()).warnings != ()


def test_the_rule_follows_the_letter_event_the_desk_records(db_url: str) -> None:
    # Issuing Letter 4383 adds a withdrawal_acknowledged event: the export then carries it,
    # and that export is the case as stored.
    with Desk.open(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        desk.acknowledge(case_id, "e3", letter_date=dt.date(2024, 6, 14))
        exported = desk.export_case(case_id)
        assert [e["type"] for e in exported["events"]][-1] == "withdrawal_acknowledged"
        with pytest.raises(DuplicateCaseError, match=f"case {case_id}"):
            desk.import_case(json.dumps(exported))


def test_fingerprints_are_keyed_hashes_not_the_tin(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        with desk._sessions() as s:
            row = s.get(Case, case_id)
            assert row is not None
            fp, near = row.fingerprint, row.near_key
            key = s.execute(text("SELECT value FROM desk_keys WHERE name = 'fingerprint'")).scalar_one()
    assert fp and near and len(fp) == len(near) == 64 and fp != near
    assert len(bytes.fromhex(key)) == 32
    for tin in ("123-45-6789", "123456789"):
        assert tin not in fp + near
        assert hashlib.sha256(tin.encode()).hexdigest() not in (fp, near)


def test_cases_stored_before_fingerprints_get_them(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        with desk._tx() as s:  # as a database migrated from 0003 holds it
            s.execute(text("UPDATE cases SET fingerprint = NULL, near_key = NULL"))
    with Desk.open(db_url) as desk, pytest.raises(DuplicateCaseError, match=f"case {case_id}"):
        desk.import_case(EXAMPLE.read_bytes())


def test_a_bad_case_is_a_desk_error_with_the_engines_items(db_url: str) -> None:
    bad = _doc()
    bad["periods"][0]["form"] = 1040
    bad["events"][2]["received"] = "2024-03-01"
    with Desk.open(db_url) as desk:
        with pytest.raises(DeskError) as err:
            desk.import_case(json.dumps(bad))
        fields = [i.field for i in err.value.items]
        assert len(fields) >= 1 and fields[0].startswith("periods[0].form")
        assert str(err.value).startswith(err.value.items[0].line())
        case_id = desk.import_case(EXAMPLE.read_bytes())
        late = {"id": "e5", "type": "hearing_withdrawal", "received": "2024-03-01", "request": "e2"}
        with pytest.raises(DeskError) as err:
            desk.add_event(case_id, late)
        assert err.value.items and err.value.items[0].field.startswith("events[")
        found = err.value.case_error()
        assert found is not None and found.to_json()["errors"][0]["field"] == err.value.items[0].field


def test_a_batch_stores_each_case_whole_or_not_at_all(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = list(synth_cases(3, 11))
    real = intake.insert_cases

    def failing(session: Any, items: list[Any], *args: Any) -> Any:
        ids = real(session, items, *args)  # the cases' rows are written ...
        if any(source == "line:2" for _, _, source, _ in items):
            raise IntegrityError("INSERT", {}, Exception("refused"))  # ... then refused
        return ids

    monkeypatch.setattr(intake, "insert_cases", failing)
    with Desk.open(db_url) as desk:
        items = [intake.validate(json.dumps(d), f"line:{i}") for i, d in enumerate(docs, 1)]
        results = desk.import_many(items)
        assert [r.case is not None for r in results] == [True, False, True]
        assert results[1].refused is not None and "line:2: not stored" in results[1].refused
        assert _count(desk, Case) == 2
        periods = sum(len(d["periods"]) for d in (docs[0], docs[2]))
        events = sum(len(d["events"]) for d in (docs[0], docs[2]))
        assert _count(desk, CasePeriod) == periods and _count(desk, CaseEvent) == events


def _run(args: list[str], cwd: Path, url: str | None) -> subprocess.CompletedProcess[str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("CDPDESK_")} | {"CDPDESK_USER": "clerk.a"}
    if url is not None:
        env["CDPDESK_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "cdpdesk", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_case_import_jsonl_folder_with_error_file(db_url: str, tmp_path: Path) -> None:
    url = None if db_url.startswith("sqlite") else db_url
    docs = [json.dumps(d) for d in synth_cases(7, 5)]
    folder = tmp_path / "in"
    folder.mkdir()
    bad = _doc()
    bad["events"][2]["received"] = "2024-03-01"
    # b.jsonl sorts after a.jsonl: it is read second
    (folder / "b.jsonl").write_text("\n".join([docs[4], json.dumps(bad), docs[0], docs[5]]) + "\n")
    (folder / "a.jsonl").write_text("\n".join(docs[:4]) + "\n\n")
    (folder / "notes.txt").write_text("not a case")
    res = _run(["case", "import", "--jsonl", str(folder), "--no-progress", "--batch", "3"], tmp_path, url)
    assert res.returncode == 0, res.stderr
    assert "lines 9  imported 6  duplicates refused 1  near duplicates 0  bad lines 2" in res.stdout
    errors_path = tmp_path / "in.errors.jsonl"
    assert f"errors:   {errors_path}" in res.stdout
    errors = [json.loads(x) for x in errors_path.read_text().splitlines()]
    assert [(e["source"], e["source_line"], e["line"]) for e in errors] == [
        (str(folder / "a.jsonl"), 5, 5),
        (str(folder / "b.jsonl"), 2, 7),
        (str(folder / "b.jsonl"), 3, 8),
    ]
    assert errors[0]["errors"][0]["message"].startswith("empty line")
    assert errors[1]["errors"][0]["field"].startswith("events[")
    assert errors[2]["errors"][0]["message"].startswith("already stored as case 1 ")
    assert "123-45-6789" not in errors_path.read_text() + res.stdout + res.stderr
    listed = _run(["case", "list", "--json"], tmp_path, url)
    rows = json.loads(listed.stdout)
    # name order, line order: a.jsonl's four cases, then b.jsonl's new ones
    stored = [r["source"] for r in rows]
    assert stored[:4] == [f"{folder / 'a.jsonl'}:{n}" for n in (1, 2, 3, 4)]
    assert stored[4:] == [f"{folder / 'b.jsonl'}:{n}" for n in (1, 4)]
    # again: everything is refused as stored, nothing is added
    res = _run(["case", "import", "--jsonl", str(folder / "a.jsonl"), "--no-progress"], tmp_path, url)
    assert "imported 0  duplicates refused 4" in res.stdout
    assert (folder / "a.errors.jsonl").is_file()
    # the single-file import follows the same rule
    one = tmp_path / "one.json"
    one.write_text(docs[1])
    res = _run(["case", "import", str(one)], tmp_path, url)
    assert res.returncode == 2 and "already stored as case 2" in res.stderr
    res = _run(["case", "import", str(one), "--allow-duplicate"], tmp_path, url)
    assert res.returncode == 0 and res.stdout.strip() == "7" and "repeats case 2" in res.stderr
    near = copy.deepcopy(json.loads(docs[1]))
    near["events"] = near["events"][:1]
    one.write_text(json.dumps(near))
    res = _run(["case", "import", str(one)], tmp_path, url)
    assert res.returncode == 0 and res.stdout.strip() == "8"
    assert "near duplicate" in res.stderr and "case 2, case 7" in res.stderr


def test_write_conflicts_are_told_by_driver_codes(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        desk.import_case(EXAMPLE.read_bytes())
        holder = desk.engine.connect()
        tx = holder.begin()
        try:
            if desk.engine.dialect.name == "sqlite":
                holder.execute(text("UPDATE cases SET version = version"))
                import sqlite3

                other = sqlite3.connect(str(desk.engine.url.database), timeout=0)
                try:
                    with pytest.raises(sqlite3.OperationalError) as raw:
                        other.execute("BEGIN IMMEDIATE")
                finally:
                    other.close()
                exc: BaseException = OperationalError("BEGIN", {}, raw.value)
            else:
                holder.execute(text("SELECT id FROM cases FOR UPDATE"))
                with desk.engine.connect() as conn, pytest.raises(DBAPIError) as caught:
                    conn.execute(text("SET lock_timeout = '50ms'"))
                    conn.execute(text("SELECT id FROM cases FOR UPDATE"))
                exc = caught.value
            assert db.is_conflict(exc) and not db.is_unique_violation(exc)
        finally:
            tx.rollback()
            holder.close()
        with desk.engine.connect() as conn, pytest.raises(IntegrityError) as dup:
            conn.execute(text("INSERT INTO desk_keys (name, value) VALUES ('fingerprint', 'x')"))
        assert db.is_unique_violation(dup.value) and not db.is_conflict(dup.value)
