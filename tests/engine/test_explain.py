"""The explainer answers the four questions of roadmap.md with the case's own dates."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import ROOT

from cdpdesk.contract import load_case_dict
from cdpdesk.engine import analyze, explain, explain_text


def case_with(events: list[dict[str, Any]], as_of: str) -> dict[str, Any]:
    return {
        "format": "cdpdesk.case/1",
        "as_of": as_of,
        "periods": [
            {
                "id": "1040-2019",
                "form": "1040",
                "period_end": "2019-12-31",
                "assessments": [{"id": "a1", "date": "2020-11-16", "amount": "8412.00"}],
            }
        ],
        "events": events,
    }


def run(doc: dict[str, Any]) -> dict[str, Any]:
    case = load_case_dict(doc)
    return explain(case, analyze(case))


LEVY = {"id": "e1", "type": "levy_notice", "date": "2024-03-01", "letter": "LT11", "periods": ["1040-2019"]}
REQUEST = {"id": "e2", "type": "hearing_request", "received": "2024-03-25", "periods": ["1040-2019"]}


def test_levy_notice_stage_gives_the_cdp_deadline_as_a_next_step() -> None:
    ex = run(case_with([LEVY], "2024-03-10"))
    assert ex["stage"]["id"] == "levy_notice"
    steps = [s for s in ex["next_steps"] if s["date"] == "2024-04-01"]
    assert steps and "CDP hearing" in steps[0]["text"] and "April 1, 2024" in steps[0]["text"]
    assert any(s["date"] == "2025-03-03" for s in ex["next_steps"])  # the EH deadline
    assert [s["current"] for s in ex["where"]["stages"]].count(True) == 1


def test_in_appeals_says_levy_and_statute_are_paused() -> None:
    ex = run(case_with([LEVY, REQUEST], "2024-05-01"))
    assert ex["stage"]["id"] == "in_appeals"
    text = " ".join(ex["means"])
    assert "March 25, 2024" in text and "cannot levy" in text and "paused" in text


def test_withdrawn_explains_consequences_with_dates() -> None:
    doc = json.loads((ROOT / "examples" / "withdrawal-cdp.json").read_text())
    ex = run(doc)
    text = " ".join(ex["means"])
    assert "June 10, 2024" in text  # the withdrawal
    assert "Tax Court" in text and "Collection Appeals Program" in text
    assert "February 1, 2031" in text  # the new CSED
    assert [h["date"] for h in ex["how"]] == ["2020-11-16", "2024-03-01", "2024-03-25", "2024-06-10"]
    assert {h["name"].split(" (")[0] for h in ex["help"]} == {
        "Taxpayer Advocate Service",
        "Low Income Taxpayer Clinics",
    }


def test_determination_gives_the_petition_deadline() -> None:
    d1 = {"id": "d1", "type": "determination", "date": "2024-08-01", "request": "e2"}
    ex = run(case_with([LEVY, REQUEST, d1], "2024-08-05"))
    assert ex["stage"]["id"] == "determination"
    assert any("September 3, 2024" in m for m in ex["means"])  # Aug 31 Sat, Sep 2 Labor Day
    assert any(s["date"] == "2024-09-03" and "Tax Court" in s["text"] for s in ex["next_steps"])


def test_text_form_never_shows_the_full_tin() -> None:
    doc = json.loads((ROOT / "examples" / "withdrawal-cdp.json").read_text())
    doc["taxpayer"] = {"name": "Avery Quinn", "tin": "123-45-6789", "address": []}
    case = load_case_dict(doc)
    text = explain_text(case, analyze(case))
    assert "123-45-6789" not in text and "123456789" not in text
    assert "Where you are: Hearing withdrawn" in text
