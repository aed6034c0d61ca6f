"""Issue 15's input fields: in the JSON Schema, accepted when good, and each bad value named
with its field, its event and the reason."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from cdpdesk.contract import CaseError, load_case
from cdpdesk.contract.schema import json_schema
from cdpdesk.engine import analyze

BASE: dict[str, Any] = {
    "format": "cdpdesk.case/1",
    "as_of": "2024-07-01",
    "periods": [
        {
            "id": "1040-2019",
            "form": "1040",
            "period_end": "2019-12-31",
            "assessments": [{"id": "a1", "date": "2020-11-16", "irs_csed": "2031-02-01"}],
        }
    ],
    "events": [
        {"id": "e1", "type": "levy_notice", "date": "2024-03-01", "periods": ["1040-2019"]},
        {"id": "e2", "type": "hearing_request", "received": "2024-03-25", "periods": ["1040-2019"]},
        {"id": "e3", "type": "determination", "date": "2024-05-01", "request": "e2"},
        {
            "id": "e4",
            "type": "tax_court_petition",
            "filed": "2024-06-10",
            "request": "e2",
            "equitable_tolling": True,
        },
        {
            "id": "e5",
            "type": "disaster_relief",
            "first_day": "2024-05-20",
            "last_day": "2024-10-15",
            "relief": "Storms and flooding (IR-2024-00)",
        },
        {"id": "e6", "type": "combat_zone", "entered": "2021-01-04", "departed": "2021-06-30"},
        {"id": "e7", "type": "ia_requested", "date": "2022-01-03", "periods": ["1040-2019"]},
        {"id": "e8", "type": "ia_rejected", "date": "2022-03-01", "periods": ["1040-2019"]},
        {"id": "e9", "type": "ia_appeal", "filed": "2022-03-10", "periods": ["1040-2019"]},
    ],
}


def doc(change: Any = None) -> str:
    case = copy.deepcopy(BASE)
    if change is not None:
        change(case)
    return json.dumps(case)


def ev(i: int, **changes: Any) -> Any:
    def apply(c: dict[str, Any]) -> None:
        for k, v in changes.items():
            if v is None:
                c["events"][i].pop(k, None)
            else:
                c["events"][i][k] = v

    return apply


def assessment(**changes: Any) -> Any:
    return lambda c: c["periods"][0]["assessments"][0].update(changes)


def test_the_good_case_is_good_and_reads_every_new_field() -> None:
    out = analyze(load_case(doc()))
    a = out["assessments"][0]
    assert a["irs_csed"]["date"] == "2031-02-01"
    causes = {s["cause"] for s in a["suspensions"]}
    assert {"combat_zone", "ia_pending", "cdp_hearing"} <= causes
    # The disaster relief's last day may be after as_of (announced ahead): it is no error.
    assert out["as_of"] == "2024-07-01"


def test_a_12257_determination_is_accepted() -> None:
    out = analyze(load_case(doc(ev(2, form_12257=True))))
    assert out["hearings"][0]["final"] == "2024-05-01"


BAD: list[tuple[str, Any, list[str]]] = [
    (
        "irs_csed not a date",
        assessment(irs_csed="2031-02-30"),
        ["periods[0].assessments[0].irs_csed", '"2031-02-30"'],
    ),
    ("irs_csed a number", assessment(irs_csed=20310201), ["periods[0].assessments[0].irs_csed", "20310201"]),
    (
        "irs_csed before the assessment",
        assessment(irs_csed="2019-01-01"),
        ["periods[0].assessments[0].irs_csed", "not after the assessment date 2020-11-16"],
    ),
    (
        "irs_csed out of range",
        assessment(irs_csed="2400-01-01"),
        ["periods[0].assessments[0].irs_csed", "out of range"],
    ),
    ("form_12257 not a bool", ev(2, form_12257="yes"), ["events[2].form_12257", "'e3'", "true or false"]),
    (
        "petition equitable_tolling not a bool",
        ev(3, equitable_tolling="found"),
        ["events[3].equitable_tolling", "'e4'", "true or false"],
    ),
    ("relief without first_day", ev(4, first_day=None), ["events[4].first_day", "'e5'", "is required"]),
    ("relief without last_day", ev(4, last_day=None), ["events[4].last_day", "'e5'", "is required"]),
    ("relief without its identifier", ev(4, relief=None), ["events[4].relief", "'e5'", "is required"]),
    ("relief identifier empty", ev(4, relief=""), ["events[4].relief", "'e5'", "must not be empty"]),
    (
        "relief identifier with a line break",
        ev(4, relief="IR-2024\n00"),
        ["events[4].relief", "'e5'", "control character"],
    ),
    (
        "relief ends before it begins",
        ev(4, last_day="2024-05-01"),
        ["events[4].last_day", "'e5'", "before first_day 2024-05-20"],
    ),
    (
        "relief begins after as_of",
        ev(4, first_day="2024-08-01", last_day="2024-12-01"),
        ["events[4].first_day", "'e5'", "after as_of"],
    ),
    (
        "relief names an unknown period",
        ev(4, periods=["1040-2099"]),
        ["events[4].periods[0]", "'e5'", "unknown period"],
    ),
    (
        "relief with an empty period list",
        ev(4, periods=[]),
        ["events[4].periods", "'e5'", "must not be empty"],
    ),
    (
        "relief periods 'all' as a string",
        ev(4, periods="all"),
        ["events[4].periods", "'e5'", "must be a list"],
    ),
    ("combat zone without entered", ev(5, entered=None), ["events[5].entered", "'e6'", "is required"]),
    (
        "combat zone departed before entered",
        ev(5, departed="2020-12-31"),
        ["events[5].departed", "'e6'", "before entered 2021-01-04"],
    ),
    (
        "hospitalization before departure",
        ev(5, hospitalized_until="2021-05-01"),
        ["events[5].hospitalized_until", "'e6'", "before departed 2021-06-30"],
    ),
    (
        "hospitalization with no departure",
        ev(5, departed=None, hospitalized_until="2021-09-01"),
        ["events[5].hospitalized_until", "'e6'", "needs departed"],
    ),
    (
        "combat zone in the future",
        ev(5, departed="2025-01-01"),
        ["events[5].departed", "'e6'", "after as_of"],
    ),
    ("combat zone unknown key", ev(5, left="2021-06-30"), ["events[5].left", "'e6'", "unknown key"]),
    (
        "appeal closed before filed",
        ev(8, closed="2022-03-01"),
        ["events[8].closed", "'e9'", "before filed 2022-03-10"],
    ),
    ("appeal closed not a date", ev(8, closed="soon"), ["events[8].closed", "'e9'", '"soon"']),
]


@pytest.mark.parametrize(("name", "change", "fragments"), BAD, ids=[b[0] for b in BAD])
def test_bad_values_are_named(name: str, change: Any, fragments: list[str]) -> None:
    with pytest.raises(CaseError) as info:
        analyze(load_case(doc(change)))
    line = info.value.lines()[0]
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"


def test_the_schema_carries_the_new_fields_with_descriptions() -> None:
    defs = json_schema("case")["$defs"]
    assert "irs_csed" in defs["Assessment"]["properties"]
    assert "IRS's own records" in defs["Assessment"]["properties"]["irs_csed"]["description"]
    assert set(defs["DisasterRelief"]["required"]) == {"id", "type", "first_day", "last_day", "relief"}
    assert set(defs["CombatZone"]["required"]) == {"id", "type", "entered"}
    assert "form_12257" in defs["Determination"]["properties"]
    assert "Boechler" in defs["TaxCourtPetition"]["properties"]["equitable_tolling"]["description"]
    assert "closed" not in defs["AlternativeAppeal"]["required"]
    out = json_schema("analysis")["$defs"]
    assert {"IrsCsedOut", "IrsCsedExplanationOut"} <= set(out)
    assert "combat_zone" in out["SuspensionOut"]["properties"]["cause"]["enum"]
