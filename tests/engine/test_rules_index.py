"""The rule index: docs/rules.md is current, and every rule has the function that decides it."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from tests.conftest import ROOT, load_worked, worked_files

from cdpdesk.contract import load_case
from cdpdesk.engine import analyze
from cdpdesk.engine.rules import all_rules, rule_index, rules_markdown

DOC = ROOT / "docs" / "rules.md"


def test_docs_rules_md_is_current() -> None:
    assert DOC.read_text() == rules_markdown(), (
        "docs/rules.md is stale: run `.venv/bin/cdpdesk rules --markdown > docs/rules.md`"
    )


def _resolve(name: str) -> object:
    module, _, qual = name.rpartition(".")
    while module:
        try:
            obj: object = importlib.import_module(module)
            break
        except ModuleNotFoundError:
            module, _, head = module.rpartition(".")
            qual = f"{head}.{qual}"
    for part in qual.split("."):
        obj = getattr(obj, part)
    return obj


def test_every_rule_has_a_section_and_a_function_that_exists() -> None:
    index = rule_index()
    assert len(index) == len(all_rules()) >= 35
    assert len({e.rule.id for e in index}) == len(index), "rule ids are unique"
    for entry in index:
        assert entry.rule.section, entry.rule.id
        assert entry.functions, f"rule {entry.rule.id} has no @implements function"
        for name in entry.functions:
            assert callable(_resolve(name)), name


def _row_for(authority: str, function: str) -> str:
    rows = [line for line in DOC.read_text().splitlines() if authority in line and function in line]
    assert rows, f"no row cites {authority} beside {function}"
    return rows[0]


def test_a_newcomer_finds_the_three_functions() -> None:
    assert "`lien-cdp-window`" in _row_for("IRC 6320(a)(3)(B)", "notices.lien_cdp_window`")
    assert "`outside-us-suspension`" in _row_for("IRC 6503(c)", "suspensions.outside_us_suspension`")
    row = _row_for("IRC 6330(e)(1)", "suspensions.cdp_90_day_floor`")
    assert "90 days" in row and "floor_after_withdrawal" in row


def test_every_rule_an_analysis_cites_is_in_the_index() -> None:
    known = {r.id for r in all_rules()}
    cited: set[str] = set()
    for path in worked_files():
        out = analyze(load_case(json.dumps(load_worked(path)["case"])))
        for h in out["hearings"]:
            cited.update(w["rule"] for w in h["why"])
        for a in out["assessments"]:
            cited.update(w["rule"] for w in a["why"])
            cited.update(s["rule"] for s in a["suspensions"])
            cited.update(f["rule"] for f in a["floors"])
        cited.update(d["rule"] for d in out["deadlines"])
    assert cited and cited <= known, cited - known


def test_the_rules_command_prints_the_index(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cdpdesk.cli import app

    result = CliRunner().invoke(app, ["rules", "--markdown"])
    assert result.exit_code == 0
    assert result.stdout == rules_markdown()
    rows = [json.loads(line) for line in CliRunner().invoke(app, ["rules"]).stdout.splitlines()]
    assert {r["id"] for r in rows} == {r.id for r in all_rules()}
