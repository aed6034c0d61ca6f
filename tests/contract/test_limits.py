"""What the schema can carry but CDP Desk cannot work with is refused up front, one line
each naming the field and the event: dates outside 1900-2199, control characters, ids
outside the safe set (or shaped like a TIN), integers past 64 bits."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from tests.contract.test_bad_input import GOOD

from cdpdesk.contract import CaseError, load_case, load_case_dict
from cdpdesk.contract.case import DATE_MAX, DATE_MIN, date_problem
from cdpdesk.contract.errors import MAX_ERRORS, capped
from cdpdesk.engine import analyze


def _errors(doc: dict[str, Any] | str) -> list[str]:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    with pytest.raises(CaseError) as err:
        load_case(text)
    return err.value.lines()


def _with(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(GOOD)
    node: Any = doc
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "field", "event"),
    [
        ("as_of", "as_of", None),
        ("periods.0.period_end", "periods[0].period_end", None),
        ("periods.0.assessments.0.date", "periods[0].assessments[0].date", None),
        ("events.0.date", "events[0].date", "e1"),
        ("events.0.mailed", "events[0].mailed", "e1"),
        ("events.2.received", "events[2].received", "e3"),
    ],
)
@pytest.mark.parametrize("day", ["9999-12-31", "2200-01-01", "1899-12-31", "0001-01-01"])
def test_dates_outside_1900_to_2199_are_refused(path: str, field: str, event: str | None, day: str) -> None:
    where = field + (f" (event {event!r})" if event else "")
    assert _errors(_with(path, day)) == [
        f'{where}: "{day}" is out of range (dates run from 1900-01-01 to 2199-12-31)'
    ]


def test_the_edges_of_the_range_are_read_and_analysed() -> None:
    doc = _with("periods.0.assessments.0.date", "1900-01-01")
    doc["periods"][0]["period_end"] = "1900-01-01"
    case = load_case(json.dumps(doc))
    assert analyze(case, DATE_MAX)["assessments"][0]["csed"] == "1910-01-01"
    assert date_problem(DATE_MIN) is None and date_problem(DATE_MAX) is None
    assert (
        date_problem(dt.date(2200, 1, 1))
        == "2200-01-01 is out of range (dates run from 1900-01-01 to 2199-12-31)"
    )
    # the latest dates the engine can reach stay inside the calendar
    late = _with("as_of", "2199-12-31")
    late["periods"][0]["assessments"][0]["date"] = "2199-12-30"
    late["events"].append({"id": "b1", "type": "bankruptcy", "filed": "1900-01-02", "periods": ["1040-2019"]})
    result = analyze(load_case(json.dumps(late)), DATE_MAX)
    assert result["assessments"][0]["csed"] > "2209-12-30"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("taxpayer.name", "Avery\u0000Quinn", "taxpayer.name"),
        ("taxpayer.address.0", "12 Elm St\r\nApt 2", "taxpayer.address[0]"),
        ("periods.0.form", "1040\t", "periods[0].form"),
        ("events.0.letter", "LT11\u007f", "events[0].letter (event 'e1')"),
        ("events.0.letter", "LT11\u0085", "events[0].letter (event 'e1')"),
    ],
)
def test_control_characters_are_refused(path: str, value: str, field: str) -> None:
    assert _errors(_with(path, value)) == [
        f"{field}: contains a control character (such as NUL, a tab or a line break)"
    ]


@pytest.mark.parametrize("bad", ["a/b", "../e1", "e 1", "e1?", "é1", "-e1", ".e1", "e1\u0000", "e#1"])
def test_ids_outside_the_safe_set_are_refused(bad: str) -> None:
    doc = _with("events.0.id", bad)
    lines = _errors(doc)
    assert lines[0].startswith("events[0].id (event ") and "is not a valid id" in lines[0], lines


@pytest.mark.parametrize("good", ["e1", "1040-2019", "IA:2024.1", "a_b-c.d:e", "X" * 200])
def test_ids_in_the_safe_set_are_read(good: str) -> None:
    doc = _with("events.2.id", good)
    assert load_case(json.dumps(doc)).events[2].id == good


@pytest.mark.parametrize("tin_like", ["321-54-9876", "321549876", "32-1549876"])
def test_an_id_shaped_like_a_tin_is_refused_and_not_echoed(tin_like: str) -> None:
    doc = _with("events.0.id", tin_like)
    doc["events"][1]["notices"] = [tin_like]
    lines = _errors(doc)
    assert any("must not look like a taxpayer identification number" in x for x in lines), lines
    assert all(tin_like not in x for x in lines), lines


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("as_of", "as_of"),
        ("events.0.periods", "events[0].periods (event 'e1')"),
        ("taxpayer.name", "taxpayer.name"),
        ("policies", "policies"),
    ],
)
def test_integers_past_64_bits_are_refused_clearly(path: str, field: str) -> None:
    text = json.dumps(_with(path, 2**70 + 1))
    assert _errors(text) == [f"{field}: is a number past 64 bits: no field of cdpdesk.case/1 takes one"]
    # the same as an already-parsed dict (the API's event bodies): the field, not a crash
    with pytest.raises(CaseError) as err:
        load_case_dict(json.loads(text))
    assert err.value.lines() == [f"{field}: is a number past 64 bits: no field of cdpdesk.case/1 takes one"]


def test_an_amount_too_long_for_its_column_is_refused() -> None:
    assert _errors(_with("periods.0.assessments.0.amount", "9" * 41)) == [
        "periods[0].assessments[0].amount: is too long (at most 40 characters)"
    ]


def test_errors_are_capped_with_a_count_of_the_rest() -> None:
    assert MAX_ERRORS == 50
    assert capped(list(range(120))) == (list(range(50)), 70)
    assert capped([1, 2]) == ([1, 2], 0)
