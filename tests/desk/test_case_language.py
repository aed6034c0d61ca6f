"""The per-case preferred language as a real column (cases.language, migration 0009), on
SQLite and PostgreSQL: imported from taxpayer.language, exported back, changed by staff or a
representative, read when the desk issues Letter 4383; the migration carries the values
session 4 kept inside cases.policies over, and back on a downgrade."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import inspect, text

from cdpdesk.desk import db
from cdpdesk.desk.case_language import case_language, set_case_language
from cdpdesk.desk.record import DeskError, NotFoundError
from cdpdesk.desk.settings import load_settings
from cdpdesk.desk.workflow import Desk
from tests.conftest import ROOT
from tests.desk import migrating

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
DAY = dt.date(2024, 6, 14)
OLD_KEY = "$taxpayer_language"


def _raw(language: str | None = None, policies: dict[str, Any] | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(EXAMPLE.read_text())
    if language is not None:
        raw["taxpayer"]["language"] = language
    if policies is not None:
        raw["policies"] = policies
    return raw


def _import(desk: Desk, raw: dict[str, Any]) -> int:
    return desk.import_case(json.dumps(raw).encode(), source="t.json", by="tester", allow_duplicate=True)


def _pdf_text(path: Path) -> str:
    words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    return " ".join(words.split())  # the upper right box wraps its lines


def _rows(desk: Desk) -> dict[int, tuple[str | None, str | None]]:
    with desk.engine.connect() as conn:
        cols = {c["name"] for c in inspect(conn).get_columns("cases")}
        lang = "language" if "language" in cols else "NULL"
        rows = conn.execute(text(f"SELECT id, policies, {lang} FROM cases ORDER BY id")).all()
    return {int(r[0]): (r[1], r[2]) for r in rows}


def test_import_export_and_the_column(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        es = _import(desk, _raw("es", {"leap_day": "mar1"}))
        en = _import(desk, _raw())
        rows = _rows(desk)
        # the language has its column; the policies text is the policies alone
        assert rows[es] == ('{"leap_day":"mar1"}', "es")
        assert rows[en] == (None, None)
        assert desk.export_case(es)["taxpayer"]["language"] == "es"
        assert desk.export_case(es)["policies"] == {"leap_day": "mar1"}
        assert "language" not in desk.export_case(en)["taxpayer"]
        assert case_language(desk, es) == "es" and case_language(desk, en) is None


def test_the_migration_carries_the_language_over_and_back(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        both = _import(desk, _raw("es", {"leap_day": "mar1"}))
        only = _import(desk, _raw("es"))
        none = _import(desk, _raw(policies={"leap_day": "feb28"}))
        plain = _import(desk, _raw())
        before = {c: desk.export_case(c) for c in (both, only, none, plain)}
        # the revision 0009 revises is read, not written here (the lead re-chains migrations)
        with migrating.down_below(desk.engine, "0009") as down:
            assert db.current_revision(desk.engine) == down
            rows = _rows(desk)
            # as session 4 kept it: inside the policies text, wrapped, only when a language was given
            assert json.loads(rows[both][0] or "") == {OLD_KEY: "es", "policies": {"leap_day": "mar1"}}
            assert json.loads(rows[only][0] or "") == {OLD_KEY: "es"}
            assert rows[none][0] == '{"leap_day":"feb28"}' and rows[plain][0] is None
            with desk.engine.connect() as conn:
                assert "language" not in {c["name"] for c in inspect(conn).get_columns("cases")}
        assert db.current_revision(desk.engine) == db.head_revision()
        rows = _rows(desk)
        assert rows[both] == ('{"leap_day":"mar1"}', "es")
        assert rows[only] == (None, "es")
        assert rows[none] == ('{"leap_day":"feb28"}', None)
        assert rows[plain] == (None, None)
        assert {c: desk.export_case(c) for c in before} == before


def test_staff_change_the_language_and_the_letter_follows_the_column(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        case_id = _import(desk, _raw())  # an English case file
        version = desk.stored(case_id).version
        assert set_case_language(desk, case_id, "ES", by="clerk") == "es"
        assert desk.stored(case_id).version == version  # no new case version: nothing derived changes
        assert desk.export_case(case_id)["taxpayer"]["language"] == "es"
        with pytest.raises(DeskError, match=r"language: unknown language 'fr'; expected one of: en, es"):
            set_case_language(desk, case_id, "fr")
        with pytest.raises(NotFoundError):
            set_case_language(desk, 999_999, "es")
        assert case_language(desk, case_id) == "es"
        ack = desk.acknowledge(case_id, "e3", by="tester", letter_date=DAY)
        words = _pdf_text(ack.letter.pdf)
        assert "Recibimos su solicitud para retirar su audiencia" in words
        assert "Letter 4383 (SP)" in words
        # the sample contact's title and hours come through the catalog
        assert "Oficial de Apelaciones" in words and "De lunes a viernes" in words
        assert "Appeals Officer" not in words and "Monday" not in words
        # clearing it: the next case's letter is English again
        other = _import(desk, _raw("es"))
        assert set_case_language(desk, other, "") is None
        words = _pdf_text(desk.acknowledge(other, "e3", by="tester", letter_date=DAY).letter.pdf)
        assert "We received your request to withdraw your hearing" in words
        assert "Letter 4383 (SP)" not in words and "Appeals Officer" in words


def test_a_case_without_a_taxpayer_has_no_language(db_url: str) -> None:
    raw = _raw()
    del raw["taxpayer"]
    with Desk.open(db_url) as desk:
        case_id = _import(desk, raw)
        with pytest.raises(DeskError, match="has no taxpayer"):
            set_case_language(desk, case_id, "es")
        assert case_language(desk, case_id) is None


def test_the_offices_own_spanish_title_and_hours(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDPDESK_APPEALS_TITLE", "Appeals Team Manager")
    monkeypatch.setenv(
        "CDPDESK_APPEALS_LANGUAGES",
        json.dumps({"es": {"hours": "De lunes a jueves, de 7:00 a.m. a 3:30 p.m."}}),
    )
    contact = load_settings().contact
    assert contact.languages == {"es": {"hours": "De lunes a jueves, de 7:00 a.m. a 3:30 p.m."}}
    with Desk.open(db_url) as desk:
        case_id = _import(desk, _raw("es"))
        words = _pdf_text(desk.acknowledge(case_id, "e3", by="tester", letter_date=DAY).letter.pdf)
    assert "De lunes a jueves, de 7:00 a.m. a 3:30 p.m." in words
    # a title the catalog does not know, with no Spanish set, is printed as the office set it
    assert "Appeals Team Manager" in words


def test_the_contact_words_per_language_in_the_settings_file(desk_env: Path) -> None:
    from cdpdesk.desk.settings import SettingsError
    from cdpdesk.letters.facts import contact_in

    desk_env.mkdir(parents=True, exist_ok=True)
    toml = desk_env / "desk.toml"
    toml.write_text(
        '[appeals]\ntitle = "Settlement Officer"\n[appeals.languages.es]\nhours = "Lunes a viernes"\n'
    )
    block = load_settings().contact.to_json()
    es, en = contact_in(block, "es"), contact_in(block, "en")
    # the office's own Spanish hours; a title of its own with no Spanish set stays as set
    assert (es["title"], es["hours"]) == ("Settlement Officer", "Lunes a viernes")
    assert en["title"] == "Settlement Officer" and en["hours"].startswith("Monday to Friday")
    assert "languages" not in es  # a letter's snapshot keeps only what it printed
    toml.write_text('[appeals.languages.fr]\ntitle = "Agent"\n')
    with pytest.raises(
        SettingsError, match=r"appeals\.languages: unknown language 'fr'; expected one of: en, es"
    ):
        load_settings()
    toml.write_text('[appeals.languages.es]\ntitel = "x"\n')
    with pytest.raises(SettingsError, match=r"appeals\.languages\.es\.titel: no such setting"):
        load_settings()
