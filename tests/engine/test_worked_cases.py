"""Every worked example and hand-checked case gives its expected values (law.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import load_worked, worked_files

from cdpdesk.contract import load_case
from cdpdesk.engine import analyze

FILES = worked_files()


def test_there_are_many_hand_checked_cases() -> None:
    cases = [f for f in FILES if f.parent.name == "cases"]
    assert len(cases) >= 40


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_worked_case(path: Path) -> None:
    worked = load_worked(path)
    out = analyze(load_case(json.dumps(worked["case"])))
    expected = worked["expected"]

    got_h = {(h["request"], h["notice"], h["period"]): h for h in out["hearings"]}
    want_h = {(h["request"], h["notice"], h["period"]): h for h in expected["hearings"]}
    assert set(got_h) == set(want_h), "the set of (request, notice, period) hearings differs"
    for key, want in want_h.items():
        got = {k: got_h[key][k] for k in want}
        assert got == want, f"hearing {key}"

    got_a = {(a["period"], a["assessment"]): a for a in out["assessments"]}
    want_a = {(a["period"], a["assessment"]): a for a in expected["assessments"]}
    assert set(got_a) == set(want_a)
    for key, want in want_a.items():
        # A nested object (irs_csed) is compared on the keys the case gives for it.
        got = {k: _subset(got_a[key][k], want[k]) for k in want}
        assert got == want, f"assessment {key}"

    if "stage" in expected:
        want_stage = expected["stage"]
        want_stage = want_stage["id"] if isinstance(want_stage, dict) else want_stage
        assert out["stage"]["id"] == want_stage
    if "deadlines" in expected:
        # Every deadline, each compared on the keys the case gives (date, rule, event, periods),
        # soonest first; deadlines on the same day in any order.
        dates = [d["date"] for d in out["deadlines"]]
        assert dates == sorted(dates), "deadlines are not soonest first"
        want_d = expected["deadlines"]
        keys = sorted({k for d in want_d for k in d}) or ["date", "rule", "event", "periods"]
        got_d = [{k: d.get(k) for k in keys} for d in out["deadlines"]]
        assert sorted(got_d, key=_order) == sorted(want_d, key=_order), "the deadlines differ"
    if "warnings" in expected:
        # The exact set of warnings, each as [code, event].
        got_w = sorted([w["code"], w["event"]] for w in out["warnings"])
        assert got_w == sorted(expected["warnings"]), "the warnings differ"


def _subset(got: object, want: object) -> object:
    if isinstance(want, dict) and isinstance(got, dict):
        return {k: _subset(got.get(k), v) for k, v in want.items()}
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [_subset(g, w) for g, w in zip(got, want, strict=True)]
    return got


def _order(d: dict[str, object]) -> str:
    return json.dumps(d, sort_keys=True)


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_worked_case_names_its_rule(path: Path) -> None:
    worked = load_worked(path)
    assert worked.get("about"), "every worked case says what it shows"
    if path.parent.name == "cases":
        assert "law.md" in worked.get("rule", ""), "every hand-checked case names its rule of law.md"
        expected = worked["expected"]
        assert "deadlines" in expected, "every hand-checked case gives its deadlines"
        assert "warnings" in expected, "every hand-checked case gives its exact warnings"
        assert all(isinstance(w, list) and len(w) == 2 for w in expected["warnings"]), (
            "warnings are given as [code, event]"
        )
