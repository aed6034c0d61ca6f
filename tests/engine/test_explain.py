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


# --- Letter 4383 as a fact of the case (issue 12) -------------------------------------------

WITHDRAWAL = {"id": "e3", "type": "hearing_withdrawal", "received": "2024-06-10", "request": "e2"}
LETTER = {"id": "k1", "type": "withdrawal_acknowledged", "date": "2024-06-14", "withdrawal": "e3"}


def test_before_the_letter_appeals_received_and_will_confirm() -> None:
    ex = run(case_with([LEVY, REQUEST, WITHDRAWAL], "2024-06-12"))
    text = " ".join(ex["means"])
    assert "received your written withdrawal" in text and "on June 10, 2024" in text
    assert "will confirm it with Letter 4383" in text
    assert "confirmed it with Letter 4383" not in text and "acknowledged" not in text
    stage = ex["stage"]
    assert (stage["id"], stage["event"], stage["since"]) == ("withdrawn", "e3", "2024-06-10")
    assert stage["passed"] == ["assessed", "levy_notice", "hearing_requested", "in_appeals"]
    states = {s["id"]: s["state"] for s in ex["where"]["stages"]}
    assert states["lien_filed"] == "off_road" and states["in_appeals"] == "passed"
    assert states["withdrawn"] == "current" and states["determination"] == "ahead"
    steps = " ".join(s["text"] for s in ex["next_steps"])
    assert "before your Letter 4383 arrives" in steps


def test_after_the_letter_it_says_when_appeals_confirmed() -> None:
    before = run(case_with([LEVY, REQUEST, WITHDRAWAL], "2024-06-20"))
    after = run(case_with([LEVY, REQUEST, WITHDRAWAL, LETTER], "2024-06-20"))
    assert before != after
    text = " ".join(after["means"])
    assert "Appeals confirmed it with Letter 4383 on June 14, 2024." in text
    assert "will confirm" not in text
    # The legal effects still date from the withdrawal's receipt, not the letter (law.md 5).
    assert "the IRS may levy from June 10, 2024" in text
    assert "paused from March 25, 2024 and runs again from June 10, 2024" in text
    assert "until February 1, 2031" in text
    assert after["stage"]["since"] == "2024-06-10"
    assert any(h["date"] == "2024-06-14" and "Letter 4383" in h["text"] for h in after["how"])
    assert "Letter 4383" in " ".join(s["text"] for s in after["next_steps"])


def test_the_letter_4383_page_points_are_all_there() -> None:
    ex = run(case_with([LEVY, REQUEST, WITHDRAWAL, LETTER], "2024-06-20"))
    text = " ".join(
        ex["means"]
        + [s["text"] for s in ex["next_steps"]]
        + [h["name"] + " " + h["text"] for h in ex["help"]]
    )
    for point in (
        "reached an agreement with the IRS or no longer need a hearing",  # why people withdraw
        "will not make a determination",
        "legal and administrative requirements",
        "gave up the right to ask the U.S. Tax Court",
        "hold on levy ended",
        "runs again from June 10, 2024",  # the CSED suspension ended
        "Collection Appeals Program",
        "goes back to IRS Collection",
        "enforcement action",
        "payment plan (installment agreement) or an offer in compromise",
        "hardship",
        "currently not collectible",
        "keep to its terms",
        "filing your returns and paying your taxes on time",
        "five years after the IRS accepts it",
        "call the Appeals contact",
        "Taxpayer Advocate",
        "Low Income Taxpayer Clinics",
    ):
        assert point in text, point


TWO = {
    "format": "cdpdesk.case/1",
    "as_of": "2022-12-01",
    "periods": [
        {
            "id": "y18",
            "form": "1040",
            "period_end": "2018-12-31",
            "assessments": [{"id": "a1", "date": "2019-11-18", "amount": "12900.5"}],
        },
        {
            "id": "y19",
            "form": "1040",
            "period_end": "2019-12-31",
            "assessments": [{"id": "a1", "date": "2020-11-16"}],
        },
    ],
    "events": [
        {
            "id": "n1",
            "type": "levy_notice",
            "date": "2022-08-01",
            "letter": "LT11",
            "periods": ["y18", "y19"],
        },
        {"id": "r1", "type": "hearing_request", "received": "2022-08-22", "periods": ["y18", "y19"]},
        {
            "id": "w1",
            "type": "hearing_withdrawal",
            "received": "2022-11-07",
            "request": "r1",
            "periods": ["y18"],
        },
    ],
}


def test_partial_withdrawal_says_what_ended_and_what_continues() -> None:
    ex = run(TWO)
    assert ex["stage"]["id"] == "in_appeals"
    assert ex["stage"]["since"] == "2022-08-22"  # reached with the request, not the withdrawal
    means = ex["means"]
    text = " ".join(means)
    y18, y19 = "Form 1040, period ending December 31, 2018", "Form 1040, period ending December 31, 2019"
    assert f"on November 7, 2022, for {y18}." in text
    assert f"For {y18}, the hold on levy ended: the IRS may levy from November 7, 2022." in means
    assert (
        f"For {y18}, the time the IRS has to collect was paused from August 22, 2022 and runs again from November 7, 2022."
        in means
    )
    ended_csed = [m for m in means if m.startswith(f"For {y18}, the IRS can collect")]
    assert ended_csed and "until" in ended_csed[0] and "at the earliest" not in ended_csed[0]
    going_on = [m for m in means if y19 in m and "continues" in m]
    assert going_on and "cannot levy" in going_on[0] and "paused" in going_on[0]
    assert not any(y19 in m and "may levy" in m for m in means)
    assert "$12,900.50" in ex["how"][0]["text"]
    assert not any("y18" in m or "w1" in m or "a1" in m.split() for m in means)


def test_equivalent_hearing_withdrawn_says_why_it_was_one() -> None:
    late = REQUEST | {"received": "2024-05-01"}
    ex = run(case_with([LEVY, late, WITHDRAWAL | {"received": "2024-06-10"}], "2024-06-20"))
    text = " ".join(ex["means"])
    assert "equivalent hearing" in text
    assert "your request arrived on May 1, 2024, after the CDP deadline of April 1, 2024" in text
    assert "will not send a decision letter" in text
    assert "hold on levy during the hearing ended on June 10, 2024" in text
    assert "gave up the right" not in text  # there was no Tax Court right to give up
    assert "Notice of Determination or a decision letter" not in text


def test_cdp_determination_says_how_and_by_when_to_petition() -> None:
    d1 = {"id": "d1", "type": "determination", "date": "2024-08-01", "request": "e2"}
    ex = run(case_with([LEVY, REQUEST, d1], "2024-08-05"))
    text = " ".join(ex["means"])
    assert "Notice of Determination (Letter 3193) on August 1, 2024" in text
    assert "the court must receive your petition by September 3, 2024" in text
    assert "ustaxcourt.gov" in text and "decision letter" not in text
    steps = [s["text"] for s in ex["next_steps"] if s["date"] == "2024-09-03"]
    assert steps == [
        "Last day for the U.S. Tax Court to receive your petition for Form 1040, period ending December 31, 2019: September 3, 2024."
    ]
