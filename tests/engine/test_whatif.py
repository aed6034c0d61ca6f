""" "What if I withdraw?" (cdpdesk.whatif/1): ``withdrawn`` is exactly what ``analyze`` gives
for the case with that written withdrawal added, on every worked case with a pending hearing;
the changes read their values from the two analyses; bad requests are refused by field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.conftest import load_worked, worked_files

from cdpdesk.contract import CaseError, load_case
from cdpdesk.contract.whatif import WhatIf
from cdpdesk.engine import analyze
from cdpdesk.engine.whatif import whatif_withdraw

ENDINGS = {
    "hearing_withdrawal",
    "withdrawal_acknowledged",
    "determination",
    "tax_court_petition",
    "tax_court_decision",
}


def worked_case(path: Path, bare: bool) -> dict[str, Any]:
    """A worked case file; ``bare``: without the events that ended its hearings (so the
    hearings of a withdrawn or determined case are pending again)."""
    doc: dict[str, Any] = load_worked(path)["case"]
    if bare:
        doc = doc | {"events": [e for e in doc["events"] if e["type"] not in ENDINGS]}
    return doc


Scenario = tuple[Path, bool, str, str, list[str] | None, str | None]


def _scenarios() -> list[Scenario]:
    """(file, bare, request, on, periods, part) for every pending hearing of every worked
    case, and of each one with its endings removed: received day, half-way to as_of, as_of
    and a day after it; each period alone and each part alone."""
    out: list[Scenario] = []
    for path, bare in [(p, b) for p in worked_files() for b in (False, True)]:
        doc = worked_case(path, bare)
        if bare and len(doc["events"]) == len(load_worked(path)["case"]["events"]):
            continue
        case = load_case(json.dumps(doc))
        analysis = analyze(case)
        requests = {e.id: e for e in case.events if e.type == "hearing_request"}
        for rid, req in requests.items():
            pending = [h for h in analysis["hearings"] if h["request"] == rid and h["status"] == "pending"]
            if not pending:
                continue
            as_of = dt.date.fromisoformat(analysis["as_of"])
            mid = req.received + (as_of - req.received) // 2
            for on in sorted({req.received, mid, as_of, as_of + dt.timedelta(days=10)}):
                out.append((path, bare, rid, on.isoformat(), None, None))
            periods = sorted({h["period"] for h in pending})
            if len(periods) > 1:
                for p in periods:
                    out.append((path, bare, rid, as_of.isoformat(), [p], None))
            statutes = {h["statute"] for h in pending}
            if len(statutes) > 1:
                for part in ("lien", "levy"):
                    out.append((path, bare, rid, mid.isoformat(), None, part))
    return out


SCENARIOS = _scenarios()


def test_there_are_worked_cases_with_pending_hearings() -> None:
    files = {s[0] for s in SCENARIOS if not s[1]}
    assert len(files) >= 30
    assert len({s[0] for s in SCENARIOS if s[1]}) >= 20
    assert any(s[4] for s in SCENARIOS), "a per-period what-if"
    assert any(s[5] for s in SCENARIOS), "a lien-or-levy what-if"


def _analyze_file(doc: dict[str, Any]) -> dict[str, Any]:
    """What `cdpdesk analyze` prints for this case file: through its JSON text."""
    case = load_case(orjson.dumps(doc))
    result: dict[str, Any] = orjson.loads(orjson.dumps(analyze(case)))
    return result


@pytest.mark.parametrize(
    ("path", "bare", "request_id", "on", "periods", "part"),
    SCENARIOS,
    ids=[
        f"{p.name}{'(bare)' if b else ''}:{r}:{on}:{','.join(ps or [])}:{part or ''}"
        for p, b, r, on, ps, part in SCENARIOS
    ],
)
def test_withdrawn_is_the_analysis_of_the_case_with_the_withdrawal(
    path: Path, bare: bool, request_id: str, on: str, periods: list[str] | None, part: str | None
) -> None:
    doc = worked_case(path, bare)
    case = load_case(json.dumps(doc))
    out = whatif_withdraw(case, request_id, dt.date.fromisoformat(on), periods=periods, part=part)  # type: ignore[arg-type]
    text = orjson.dumps(out)
    WhatIf.model_validate_json(text)  # the published schema
    out = orjson.loads(text)
    assert out["format"] == "cdpdesk.whatif/1"
    assert out["withdrawal"]["received"] == on and out["withdrawal"]["request"] == request_id
    # the same case file with that withdrawal added, as a user would write it
    day = max(doc["as_of"], on)
    hypo = doc | {"as_of": day, "events": [*doc["events"], out["withdrawal"]]}
    assert out["withdrawn"] == _analyze_file(hypo)
    assert out["as_is"] == _analyze_file(doc | {"as_of": day})
    # every hearing ended is withdrawn on that day, by that event; Tax Court review is lost
    ended = {(c["notice"], c["period"]) for c in out["changes"] if c["kind"] == "hearing" and c["changed"]}
    assert ended
    for h in out["withdrawn"]["hearings"]:
        if (h["notice"], h["period"]) in ended and h["request"] == request_id:
            assert h["status"] == "withdrawn" and h["withdrawn"] == on
            assert h["withdrawn_by"] == out["withdrawal"]["id"]
            assert h["tax_court_review"] is False
    for c in out["changes"]:
        assert c["says"], c
        if c["kind"] == "csed":
            a = next(
                x
                for x in out["withdrawn"]["assessments"]
                if (x["period"], x["assessment"]) == (c["period"], c["assessment"])
            )
            b = next(
                x
                for x in out["as_is"]["assessments"]
                if (x["period"], x["assessment"]) == (c["period"], c["assessment"])
            )
            assert (c["as_is"], c["withdrawn"]) == (b["csed"], a["csed"])
            assert c["days"] == (dt.date.fromisoformat(a["csed"]) - dt.date.fromisoformat(b["csed"])).days
            floor = next((f for f in a["floors"] if f["cause"] == "cdp_90_day"), None)
            if floor is not None:
                assert c["floor"] == floor["date"] and c["floor_binding"] == floor["binding"]
                assert c["withdrawn"] >= floor["date"]
        if c["kind"] == "levy":
            h = next(
                x
                for x in out["withdrawn"]["hearings"]
                if (x["request"], x["notice"], x["period"]) == (request_id, c["notice"], c["period"])
            )
            assert c["withdrawn"] == h["levy_allowed_from"]
            assert c["why"] and c["why"][0]["rule"] == "levy-prohibition"


def _case(name: str) -> Any:
    path = next(p for p in worked_files() if p.name == name)
    return load_case(json.dumps(load_worked(path)["case"]))


def test_a_pending_cdp_hearing_withdrawn_on_as_of() -> None:
    """Case 22: two 941 quarters, levy notice 2021-02-01, CDP request received 2021-02-26,
    still pending on 2021-04-01. Withdrawn 2021-03-15: the pause is 17 days, not 34 (still
    counting); levy may begin 2021-03-15; the CSED of Q1 (base 2029-06-17) falls 17 days
    earlier, 2029-07-04, and is no longer a lower bound; the floor 2021-06-13 does not bind."""
    out = whatif_withdraw(_case("22-several-periods-941-quarters.json"), "r1", dt.date(2021, 3, 15))
    assert out["withdrawal"] == {
        "id": "whatif-withdrawal",
        "type": "hearing_withdrawal",
        "received": "2021-03-15",
        "request": "r1",
        "written": True,
    }
    q1 = [c for c in out["changes"] if c["period"] == "941-2019Q1"]
    assert [c["kind"] for c in q1] == ["hearing", "tax_court", "levy", "suspension", "csed"]
    hearing, court, levy, pause, csed = q1
    assert (hearing["as_is"], hearing["withdrawn"]) == ("pending", "withdrawn")
    assert (court["as_is"], court["withdrawn"]) == ("kept", "lost")
    assert (levy["as_is"], levy["withdrawn"]) == (None, "2021-03-15")
    assert (pause["as_is"], pause["as_is_open"], pause["withdrawn"], pause["withdrawn_open"]) == (
        "2021-04-01",
        True,
        "2021-03-15",
        False,
    )
    assert pause["days"] == 17
    assert (csed["as_is"], csed["as_is_open"], csed["withdrawn"], csed["withdrawn_open"]) == (
        "2029-07-21",
        True,
        "2029-07-04",
        False,
    )
    assert csed["days"] == -17
    assert (csed["floor"], csed["floor_binding"]) == ("2021-06-13", False)
    assert "July 4, 2029" in csed["says"]


def test_the_90_day_floor_sets_the_csed() -> None:
    """Case 62 without its withdrawal: base CSED 2018-10-06, CDP request 2018-08-20; a
    withdrawal received 2018-09-04 pauses 15 days (2018-10-21), below the floor 2018-12-03."""
    case = _case("62-cdp-90-day-floor-after-withdrawal.json")
    bare = case.model_copy(update={"events": [e for e in case.events if e.type != "hearing_withdrawal"]})
    out = whatif_withdraw(bare, "r1", dt.date(2018, 9, 4))
    (csed,) = [c for c in out["changes"] if c["kind"] == "csed"]
    assert (csed["withdrawn"], csed["floor"], csed["floor_binding"]) == ("2018-12-03", "2018-12-03", True)
    assert "90-day floor" in csed["says"]
    assert out["withdrawn"]["assessments"] == analyze(case)["assessments"]


def test_a_future_day_moves_both_analyses_to_it() -> None:
    out = whatif_withdraw(_case("22-several-periods-941-quarters.json"), "r1", dt.date(2021, 5, 3))
    assert out["as_of"] == out["as_is"]["as_of"] == out["withdrawn"]["as_of"] == "2021-05-03"


def test_lien_part_only_keeps_the_levy_hearing() -> None:
    path, bare, rid, on, _, _ = next(s for s in SCENARIOS if s[5] == "lien")
    case = load_case(json.dumps(worked_case(path, bare)))
    out = whatif_withdraw(case, rid, dt.date.fromisoformat(on), part="lien")
    hearing = [c for c in out["changes"] if c["kind"] == "hearing"]
    assert {(c["statute"], c["changed"]) for c in hearing} == {("IRC 6320", True), ("IRC 6330", False)}
    assert out["withdrawal"]["notices"] and out["part"] == "lien"
    assert not [c for c in out["changes"] if c["kind"] == "levy"]


@pytest.mark.parametrize(
    ("name", "request_id", "on", "kwargs", "field", "words"),
    [
        ("22-several-periods-941-quarters.json", "nope", "2021-03-15", {}, "request", "no event"),
        ("22-several-periods-941-quarters.json", "n1", "2021-03-15", {}, "request", "not a hearing_request"),
        ("22-several-periods-941-quarters.json", "r1", "2021-02-25", {}, "on", "before request"),
        ("62-cdp-90-day-floor-after-withdrawal.json", "r1", "2018-09-10", {}, "request", "withdrawn"),
        ("64-cdp-90-day-floor-after-determination.json", "r1", "2019-01-10", {}, "request", "final"),
        ("25-levy-no-hearing-after-eh-window.json", "r1", "2013-02-25", {}, "request", "not held"),
        (
            "22-several-periods-941-quarters.json",
            "r1",
            "2021-03-15",
            {"periods": ["1040-2020"]},
            "periods[0]",
            "not covered",
        ),
        ("22-several-periods-941-quarters.json", "r1", "2021-03-15", {"part": "lien"}, "part", "lien notice"),
    ],
)
def test_refused_by_field(
    name: str, request_id: str, on: str, kwargs: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(CaseError) as info:
        whatif_withdraw(_case(name), request_id, dt.date.fromisoformat(on), **kwargs)
    (item,) = info.value.items
    assert item.field == field
    assert words in item.message
