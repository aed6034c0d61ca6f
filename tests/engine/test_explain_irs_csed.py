"""The explainer (``cdpdesk explain``) says what the IRS CSED check found, in plain words, and
names the relief events in the story (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cdpdesk.cli import app
from cdpdesk.contract import load_case
from cdpdesk.engine import analyze, explain, explain_text

CASES = Path(__file__).parent / "cases"


def _case(name: str) -> tuple[object, dict[str, object]]:
    case = load_case(json.dumps(json.loads((CASES / name).read_text())["case"]))
    return case, analyze(case)


def test_a_known_practice_is_named_and_the_right_date_said() -> None:
    case, analysis = _case("94-irs-csed-ia-rejection-45-days.json")
    lines = explain(case, analysis)["irs_csed"]  # type: ignore[arg-type]
    assert "February 2, 2029, 15 days later than the date we worked out, January 18, 2029" in lines[0]
    assert "45 days" in lines[1] and "30" in lines[1] and "correct" in lines[1]


def test_a_match_and_an_unexplained_difference() -> None:
    case, analysis = _case("93-irs-csed-matches.json")
    assert "the same date we worked out" in explain(case, analysis)["irs_csed"][0]  # type: ignore[arg-type]
    case, analysis = _case("96-irs-csed-late-unexplained.json")
    text = explain_text(case, analysis)  # type: ignore[arg-type]
    assert "The IRS's own collection date, checked" in text
    assert "do not explain the difference" in text and "TC 520" in text and "assessment date" in text


def test_no_check_no_section_and_relief_events_in_the_story() -> None:
    case, analysis = _case("107-combat-zone-windows-and-csed.json")
    ex = explain(case, analysis)  # type: ignore[arg-type]
    assert ex["irs_csed"] == []
    assert any("combat zone" in s["text"] for s in ex["how"])
    case, analysis = _case("99-disaster-relief-moves-cdp-deadline.json")
    how = [s["text"] for s in explain(case, analysis)["how"]]  # type: ignore[arg-type]
    assert any("disaster relief (Hurricane Helene)" in t and "May 1, 2025" in t for t in how)


def test_cdpdesk_explain_prints_the_check(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(
        json.dumps(
            json.loads((CASES / "95-irs-csed-early-cdp-suspension-not-posted.json").read_text())["case"]
        )
    )
    result = CliRunner().invoke(app, ["explain", str(path)])
    assert result.exit_code == 0
    assert "77 days earlier than the date we worked out" in result.stdout
    assert "pause for your CDP hearing (March 25, 2024 to June 10, 2024) is not counted" in result.stdout


def test_a_deadline_a_running_stay_can_move_says_at_the_earliest() -> None:
    case, analysis = _case("104-petition-window-bankruptcy-stay-in-force.json")
    steps = [s["text"] for s in explain(case, analysis)["next_steps"]]  # type: ignore[arg-type]
    assert any(
        "receive your petition" in t and "at the earliest" in t and "September 7, 2023" in t for t in steps
    )
