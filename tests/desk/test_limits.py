"""Input the desk cannot store is refused with one clear line, never a crash: ids past the
database's integers, dates out of range, NUL and other control characters (PostgreSQL
stores no NUL). Each test runs against SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from sqlalchemy import func, select

from cdpdesk.desk.accounts import Accounts
from cdpdesk.desk.models import Case, Taxpayer
from cdpdesk.desk.record import DeskError, NotFoundError
from cdpdesk.desk.workflow import Desk
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
HUGE = 2**63


def _count(desk: Desk, model: type[Case] | type[Taxpayer]) -> int:
    with desk._sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    ("where", "value", "field"),
    [
        ("name", "Avery\u0000Quinn", "taxpayer.name"),
        ("address", "12 Elm St\nApt 2", "taxpayer.address[0]"),
        ("form", "1040\u0000", "periods[0].form"),
        ("letter", "LT11\u0007", "events[0].letter"),
    ],
)
def test_a_control_character_is_refused_by_field(db_url: str, where: str, value: str, field: str) -> None:
    doc = orjson.loads(EXAMPLE.read_bytes())
    if where == "name":
        doc["taxpayer"]["name"] = value
    elif where == "address":
        doc["taxpayer"]["address"][0] = value
    elif where == "form":
        doc["periods"][0]["form"] = value
    else:
        doc["events"][0]["letter"] = value
    with Desk.open(db_url) as desk:
        with pytest.raises(DeskError) as err:
            desk.import_case(orjson.dumps(doc))
        assert str(err.value).startswith(f"{field}") and "control character" in str(err.value)
        assert _count(desk, Case) == 0 and _count(desk, Taxpayer) == 0


def test_ids_past_the_database_integers_are_not_found(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        Accounts(desk).create_user("rep", "Rep", "representative", "a long passphrase here")
        for call in (
            lambda: desk.show(HUGE),
            lambda: desk.export_case(2**31),
            lambda: desk.letter(HUGE),
            lambda: desk.letters(HUGE),
            lambda: desk.acknowledge(HUGE, "e3"),
            lambda: desk.add_event(-HUGE, {"id": "x1"}),
            lambda: desk.retract_event(0, "e1"),
            lambda: Accounts(desk).link("rep", HUGE),
        ):
            with pytest.raises(NotFoundError, match=r"no (case|letter) -?[0-9]+ in this database"):
                call()
        assert desk.show(case_id)["case"]["id"] == case_id


def test_dates_names_and_notes_out_of_bounds_are_refused(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        with pytest.raises(DeskError, match="as_of: 9999-12-31 is out of range"):
            desk.show(case_id, dt.date(9999, 12, 31))
        with pytest.raises(DeskError, match="letter's date: 0001-01-01 is out of range"):
            desk.acknowledge(case_id, "e3", letter_date=dt.date(1, 1, 1))
        with pytest.raises(NotFoundError, match="has no event"):
            desk.acknowledge(case_id, "e\u00003")
        event = {"id": "e1", "type": "levy_notice", "date": "2024-03-02", "periods": ["1040-2019"]}
        with pytest.raises(DeskError, match="note: contains a control character"):
            desk.correct_event(case_id, event, note="typo\u0000")
        with pytest.raises(DeskError, match=r"\(--by\): contains a control character"):
            desk.correct_event(case_id, event, by="clerk\u0000a")
        with pytest.raises(DeskError, match=r"\(--by\): too long"):
            desk.correct_event(case_id, event, by="c" * 201)
        with pytest.raises(DeskError, match="note: must not hold a taxpayer identification number"):
            desk.correct_event(case_id, event, note="SSN 123-45-6789 confirmed")
        with pytest.raises(DeskError, match=r"\(--by\): must not hold a taxpayer identification number"):
            desk.correct_event(case_id, event, by="321549876")
        assert desk.stored(case_id).version == 1
        # a long or odd source (a file name) is stored cut to fit, never refused
        out = desk.correct_event(case_id, event, note="line one\nline two", source="x\u0000" * 400)
        assert out["version"] == 2
        entry = desk.stored(case_id).log[-1]
        assert len(entry.source) == 500 and "\u0000" not in entry.source


def test_an_event_with_a_nul_is_refused_and_nothing_stored(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        event = {
            "id": "n2",
            "type": "levy_notice",
            "date": "2024-03-04",
            "periods": ["1040-2019"],
            "letter": "LT\u000011",
        }
        with pytest.raises(
            DeskError, match=r"^events\[3\]\.letter \(event 'n2'\): contains a control character"
        ):
            desk.add_event(case_id, event)
        with pytest.raises(DeskError, match="is not a valid id"):
            desk.add_event(case_id, event | {"id": "n/2", "letter": "LT11"})
        assert desk.stored(case_id).version == 1 and len(desk.stored(case_id).log) == 3
        assert desk.add_event(case_id, event | {"letter": "LT11"})["version"] == 2
