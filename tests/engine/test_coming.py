"""Coming deadlines as rows (cdpdesk.engine.coming) and as iCalendar (cdpdesk.letters.ics):
the kind read from each deadline's rule, a key that is the same when a later fact moves the
date, the days left on as_of; the .ics parsed back (all-day events, UIDs, reminders only for
dates to act by, no full TIN)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import icalendar
import pytest
from tests.conftest import full_tins, load_worked, worked_files

from cdpdesk.contract import load_case
from cdpdesk.engine import analyze
from cdpdesk.engine.coming import KIND_WORDS, coming_deadlines, kind_of
from cdpdesk.letters.ics import CaseDeadlines, calendar_ics, uid_for

FILES = worked_files()


def _doc(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = load_worked(next(p for p in FILES if p.name == name))["case"]
    return doc


def _rows(doc: dict[str, Any], as_of: str | None = None) -> list[Any]:
    return coming_deadlines(analyze(load_case(json.dumps(doc | ({"as_of": as_of} if as_of else {})))))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_deadline_has_a_known_kind_a_unique_key_and_its_days(path: Any) -> None:
    analysis = analyze(load_case(json.dumps(load_worked(path)["case"])))
    rows = coming_deadlines(analysis)
    assert len(rows) == len(analysis["deadlines"])
    as_of = dt.date.fromisoformat(analysis["as_of"])
    for row, d in zip(rows, analysis["deadlines"], strict=True):
        assert row.kind in KIND_WORDS and row.kind != "other", d["rule"]
        assert row.kind == kind_of(d)
        assert row.date.isoformat() == d["date"] and row.says == d["says"]
        assert row.days_left == (row.date - as_of).days >= 0
        assert row.date.isoformat() not in row.key
        if row.kind == "csed":
            a = next(
                x
                for x in analysis["assessments"]
                if x["assessment"] == row.assessment and x["period"] in row.periods
            )
            assert a["csed"] == d["date"]
    assert len({r.key for r in rows}) == len(rows)


def test_a_moved_deadline_keeps_its_key() -> None:
    """Case 22: CDP request pending; as_of 2021-04-01 and then 2021-06-01. The open CDP
    suspension runs to as_of, so each CSED (a lower bound) moves 61 days later; the EH
    deadline of the third quarter stays. Same keys, new dates."""
    doc = _doc("22-several-periods-941-quarters.json")
    before, after = _rows(doc), _rows(doc, "2021-06-01")
    old = {r.key: r for r in before}
    new = {r.key: r for r in after}
    assert set(old) == set(new) and len(old) == 4
    moved = {k: (new[k].date - old[k].date).days for k in old if old[k].date != new[k].date}
    assert moved == {"csed:-:941-2019Q1:a1": 61, "csed:-:941-2019Q2:a1": 61}
    eh = old["eh_request:n1:941-2019Q3"]
    assert eh.date == new[eh.key].date == dt.date(2022, 2, 1)
    assert eh.days_left == 306 and new[eh.key].days_left == 245


def test_calendar_parses_back() -> None:
    doc = _doc("68-nod-inside-petition-window.json") | {
        "taxpayer": {"name": "Avery Quinn", "tin": "123-45-6789", "address": []}
    }
    rows = _rows(doc)
    stamp = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)
    data = calendar_ics([CaseDeadlines("case-7", "Case 7", rows)], "CDP Desk: case 7", stamp)
    text = data.decode()
    assert not full_tins(text) and "Avery" not in text and "6789" not in text
    assert "\r\n" in text  # RFC 5545 line endings
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["version"]) == "2.0" and "CDP Desk" in str(cal["prodid"])
    events = list(cal.walk("VEVENT"))
    assert [e.decoded("dtstart") for e in events] == [
        dt.date(2023, 1, 17),
        dt.date(2023, 1, 18),
        dt.date(2030, 1, 28),
    ]
    for e, r in zip(events, rows, strict=True):
        start = e.decoded("dtstart")
        assert type(start) is dt.date and e.decoded("dtend") == start + dt.timedelta(days=1)  # all day
        assert e["dtstart"].params["VALUE"] == "DATE"
        assert str(e["uid"]) == uid_for("case-7", r.key)
        assert e.decoded("dtstamp") == stamp
        description = str(e["description"])
        assert r.says in description and r.rule in description and "; ".join(r.authority) in description
        assert str(e["summary"]) == f"Case 7: {r.what}"
        alarms = [a.decoded("trigger") for a in e.walk("VALARM")]
        if r.kind == "tax_court_petition":
            assert alarms == [dt.timedelta(days=-7), dt.timedelta(days=-1)]
        else:
            assert alarms == []
    # the same deadline of another case has another UID; of the same case, the same one
    assert uid_for("case-8", rows[0].key) != uid_for("case-7", rows[0].key)
    assert uid_for("case-7", rows[0].key) == uid_for("case-7", rows[0].key)


def test_an_empty_calendar_is_still_a_calendar() -> None:
    data = calendar_ics([], "CDP Desk", dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
    cal = icalendar.Calendar.from_ical(data)
    assert list(cal.walk("VEVENT")) == []
