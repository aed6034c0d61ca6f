"""Bad input gets a clear error naming the field, the event and the value (issue: validation)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from cdpdesk.contract import CaseError, load_case
from cdpdesk.engine import analyze

GOOD: dict[str, Any] = {
    "format": "cdpdesk.case/1",
    "as_of": "2024-07-01",
    "taxpayer": {"name": "Avery Quinn", "tin": "123-45-6789", "address": ["12 Elm St"]},
    "periods": [
        {
            "id": "1040-2019",
            "form": "1040",
            "period_end": "2019-12-31",
            "assessments": [{"id": "a1", "date": "2020-11-16", "amount": "8412.00"}],
        }
    ],
    "events": [
        {
            "id": "e1",
            "type": "levy_notice",
            "date": "2024-03-01",
            "letter": "LT11",
            "periods": ["1040-2019"],
        },
        {"id": "e2", "type": "hearing_request", "received": "2024-03-25", "periods": ["1040-2019"]},
        {"id": "e3", "type": "hearing_withdrawal", "received": "2024-06-10", "request": "e2"},
    ],
}


def mutate(fn: Callable[[dict[str, Any]], None]) -> str:
    case = copy.deepcopy(GOOD)
    fn(case)
    return json.dumps(case)


def ev(i: int, **changes: Any) -> Callable[[dict[str, Any]], None]:
    return lambda c: c["events"][i].update(changes)


def add(event: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda c: c["events"].append(event)


# (name, document, expected fragments of the one-line error)
BAD: list[tuple[str, str, list[str]]] = [
    ("not json", '{"format": "cdpdesk.case/1", ', ["not valid JSON"]),
    ("not an object", "[1, 2]", ["must be a JSON object"]),
    (
        "unknown format",
        mutate(lambda c: c.update(format="cdpdesk.case/9")),
        ["format", '"cdpdesk.case/9"', "cdpdesk.case/1"],
    ),
    (
        "unknown event type",
        mutate(ev(0, type="levy_notise")),
        ["events[0]", "'e1'", '"levy_notise"'],
    ),
    (
        "unknown key",
        mutate(ev(1, recieved="2024-03-25")),
        ["events[1].recieved", "'e2'", "unknown key"],
    ),
    (
        "unknown top-level key",
        mutate(lambda c: c.update(asof="2024-01-01")),
        ["asof", "unknown key"],
    ),
    ("bad date", mutate(ev(0, date="2024-02-30")), ["events[0].date", "'e1'", '"2024-02-30"']),
    (
        "date with time",
        mutate(ev(1, received="2024-03-25T10:00:00")),
        ["events[1].received", "'e2'", "2024-03-25T10:00:00"],
    ),
    (
        "amount as a number",
        mutate(lambda c: c["periods"][0]["assessments"][0].update(amount=8412.0)),
        ["periods[0].assessments[0].amount", "8412.0", "decimal"],
    ),
    (
        "amount not decimal",
        mutate(lambda c: c["periods"][0]["assessments"][0].update(amount="8,412")),
        ["amount", '"8,412"', "decimal"],
    ),
    ("duplicate event id", mutate(ev(2, id="e2")), ["events[2].id", "duplicate event id 'e2'"]),
    (
        "duplicate period id",
        mutate(lambda c: c["periods"].append(copy.deepcopy(c["periods"][0]))),
        ["periods[1].id", "duplicate period id '1040-2019'"],
    ),
    (
        "duplicate assessment id",
        mutate(lambda c: c["periods"][0]["assessments"].append({"id": "a1", "date": "2021-01-04"})),
        ["assessments[1].id", "duplicate assessment id 'a1'"],
    ),
    (
        "unknown period",
        mutate(ev(1, periods=["1040-2018"])),
        ["events[1].periods[0]", "'e2'", "unknown period '1040-2018'"],
    ),
    (
        "unknown request",
        mutate(ev(2, request="e9")),
        ["events[2].request", "'e3'", "unknown request 'e9'"],
    ),
    (
        "request is not a request",
        mutate(ev(2, request="e1")),
        ["events[2].request", "'e3'", "levy_notice, not a hearing_request"],
    ),
    (
        "unknown notice",
        mutate(ev(1, notices=["n9"])),
        ["events[1].notices[0]", "'e2'", "unknown notice 'n9'"],
    ),
    (
        "withdrawal before its request",
        mutate(ev(2, received="2024-03-20")),
        ["events[2].received", "'e3'", "2024-03-20", "before its request 'e2'"],
    ),
    (
        "withdrawal after a determination",
        mutate(add({"id": "d1", "type": "determination", "date": "2024-06-01", "request": "e2"})),
        ["events[2].received", "'e3'", "after determination 'd1'"],
    ),
    (
        "withdrawal of a period the request did not cover",
        mutate(
            lambda c: (
                c["periods"].append({"id": "1040-2020", "form": "1040", "period_end": "2020-12-31"}),
                c["events"][2].update(periods=["1040-2020"]),
            )
        ),
        ["events[2].periods[0]", "'e3'", "'1040-2020' is not covered by request 'e2'"],
    ),
    (
        "withdrawal of a notice the request did not answer",
        mutate(
            lambda c: (
                c["events"].insert(
                    0,
                    {
                        "id": "n0",
                        "type": "levy_notice",
                        "date": "2024-06-20",
                        "periods": ["1040-2019"],
                    },
                ),
                c["events"][3].update(notices=["n0"]),
            )
        ),
        ["events[3].notices[0]", "'e3'", "notice 'n0' is not one that request 'e2' answered"],
    ),
    (
        "event after as_of",
        mutate(ev(2, received="2024-07-02")),
        ["events[2].received", "'e3'", "2024-07-02 is after as_of 2024-07-01"],
    ),
    (
        "lien notice without nftl_filed",
        mutate(add({"id": "l1", "type": "lien_notice", "date": "2024-03-05", "periods": ["1040-2019"]})),
        ["events[3].nftl_filed", "'l1'", "is required"],
    ),
    (
        "event without id",
        mutate(lambda c: c["events"][0].pop("id")),
        ["events[0].id", "is required"],
    ),
    (
        "periods empty",
        mutate(ev(1, periods=[])),
        ["events[1].periods", "'e2'", "must not be empty"],
    ),
    (
        "bool as string",
        mutate(ev(2, written="no")),
        ["events[2].written", "'e3'", '"no"', "true or false"],
    ),
    ("bad post_levy", mutate(ev(0, post_levy="maybe")), ["events[0].post_levy", "'e1'", '"maybe"']),
    (
        "bad policy",
        mutate(lambda c: c.update(policies={"leap_day": "feb29"})),
        ["policies.leap_day", '"feb29"'],
    ),
    (
        "postmark after receipt",
        mutate(ev(1, postmark="2024-03-26")),
        ["events[1].postmark", "'e2'", "2024-03-26 is after the date received"],
    ),
    (
        "end before start",
        mutate(
            add(
                {
                    "id": "b1",
                    "type": "bankruptcy",
                    "filed": "2023-05-01",
                    "stay_ended": "2023-04-01",
                    "periods": ["1040-2019"],
                }
            )
        ),
        ["events[3].stay_ended", "'b1'", "before filed 2023-05-01"],
    ),
    (
        "petition without determination",
        mutate(add({"id": "p1", "type": "tax_court_petition", "filed": "2024-06-20", "request": "e2"})),
        ["events[3].filed", "'p1'", "no determination"],
    ),
    (
        "decision without petition",
        mutate(
            lambda c: (
                c["events"].pop(2),
                c["events"].append(
                    {"id": "d1", "type": "determination", "date": "2024-05-01", "request": "e2"}
                ),
                c["events"].append(
                    {
                        "id": "x1",
                        "type": "tax_court_decision",
                        "entered": "2024-06-20",
                        "request": "e2",
                    }
                ),
            )
        ),
        ["events[3].entered", "'x1'", "no Tax Court petition"],
    ),
    (
        "determination after withdrawal",
        mutate(add({"id": "d1", "type": "determination", "date": "2024-06-20", "request": "e2"})),
        ["events[3].date", "'d1'", "already withdrawn"],
    ),
    (
        "acknowledgement of an unknown withdrawal",
        mutate(
            add({"id": "k1", "type": "withdrawal_acknowledged", "date": "2024-06-14", "withdrawal": "w9"})
        ),
        ["events[3].withdrawal", "'k1'", "unknown withdrawal 'w9'"],
    ),
    (
        "acknowledgement of a request",
        mutate(
            add({"id": "k1", "type": "withdrawal_acknowledged", "date": "2024-06-14", "withdrawal": "e2"})
        ),
        ["events[3].withdrawal", "'k1'", "not a hearing_withdrawal"],
    ),
    (
        "acknowledgement of an oral withdrawal",
        mutate(
            lambda c: (
                c["events"][2].update(written=False),
                c["events"].append(
                    {"id": "k1", "type": "withdrawal_acknowledged", "date": "2024-06-14", "withdrawal": "e3"}
                ),
            )
        ),
        ["events[3].withdrawal", "'k1'", "was oral"],
    ),
    (
        "acknowledgement before the withdrawal arrived",
        mutate(
            add({"id": "k1", "type": "withdrawal_acknowledged", "date": "2024-06-07", "withdrawal": "e3"})
        ),
        ["events[3].date", "'k1'", "2024-06-07 is before withdrawal 'e3' was received (2024-06-10)"],
    ),
    (
        "acknowledged twice",
        mutate(
            lambda c: c["events"].extend(
                [
                    {"id": "k1", "type": "withdrawal_acknowledged", "date": "2024-06-14", "withdrawal": "e3"},
                    {"id": "k2", "type": "withdrawal_acknowledged", "date": "2024-06-20", "withdrawal": "e3"},
                ]
            )
        ),
        ["events[4].withdrawal", "'k2'", "already acknowledged by 'k1'"],
    ),
    (
        "acknowledgement without a date",
        mutate(add({"id": "k1", "type": "withdrawal_acknowledged", "withdrawal": "e3"})),
        ["events[3].date", "'k1'", "is required"],
    ),
    (
        "bad tin",
        mutate(lambda c: c["taxpayer"].update(tin="123-45-678")),
        ["taxpayer.tin", "9-digit"],
    ),
    (
        "bad office state",
        mutate(ev(0, office_state="Illinois")),
        ["events[0].office_state", '"Illinois"'],
    ),
]


def first_error(doc: str) -> CaseError:
    with pytest.raises(CaseError) as info:
        analyze(load_case(doc))
    return info.value


def test_the_good_case_is_good() -> None:
    assert analyze(load_case(json.dumps(GOOD)))["hearings"][0]["status"] == "withdrawn"


@pytest.mark.parametrize(("name", "doc", "fragments"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_named(name: str, doc: str, fragments: list[str]) -> None:
    err = first_error(doc)
    line = err.lines()[0]
    assert "\n" not in line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"


@pytest.mark.parametrize(("name", "doc", "fragments"), BAD, ids=[b[0] for b in BAD])
def test_no_error_shows_the_full_tin(name: str, doc: str, fragments: list[str]) -> None:
    err = first_error(doc)
    text = json.dumps(err.to_json(line=1)) + "\n".join(err.lines())
    assert "123-45-6789" not in text and "123456789" not in text


def test_a_bad_tin_is_not_echoed() -> None:
    doc = mutate(lambda c: c["taxpayer"].update(tin="123-45-67890"))
    err = first_error(doc)
    assert "123-45-67890" not in " ".join(err.lines())


def test_every_problem_is_reported() -> None:
    doc = mutate(lambda c: (c["events"][0].update(date="bad"), c["events"][1].update(received="worse")))
    err = first_error(doc)
    assert [i.field for i in err.items] == ["events[0].date", "events[1].received"]
    assert err.to_json(line=3) == {
        "format": "cdpdesk.error/1",
        "line": 3,
        "errors": [i.to_json() for i in err.items],
    }
