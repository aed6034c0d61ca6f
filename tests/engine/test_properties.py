"""Properties that must hold for any case (hypothesis)."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import holidays
import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdpdesk.contract import load_case_dict
from cdpdesk.contract.schema import json_schema
from cdpdesk.engine import analyze

DC = holidays.US(subdiv="DC", years=range(1995, 2045))
ANALYSIS_VALIDATOR = jsonschema.Draft202012Validator(json_schema("analysis"))
HEARING_DATES = (
    "filed",
    "cdp_deadline",
    "eh_deadline",
    "withdrawn",
    "determination",
    "petition_deadline",
    "final",
    "levy_allowed_from",
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

days = st.integers(min_value=0, max_value=400)


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.dates(min_value=date(2001, 1, 1), max_value=date(2020, 12, 31)))
    periods = []
    for i in range(draw(st.integers(1, 2))):
        assessments = [
            {
                "id": f"a{j}",
                "date": (start + timedelta(days=draw(days))).isoformat(),
                "amount": "100.00",
            }
            for j in range(draw(st.integers(1, 2)))
        ]
        periods.append(
            {"id": f"P{i}", "form": "1040", "period_end": "2000-12-31", "assessments": assessments}
        )
    pids = [p["id"] for p in periods]
    t = start + timedelta(days=400 + draw(days))
    events: list[dict[str, Any]] = []
    kind = draw(st.sampled_from(["levy", "lien", "both"]))
    if kind in ("levy", "both"):
        events.append({"id": "n1", "type": "levy_notice", "date": t.isoformat(), "periods": pids})
    if kind in ("lien", "both"):
        filed = t - timedelta(days=draw(st.integers(0, 10)))
        events.append(
            {
                "id": "n2",
                "type": "lien_notice",
                "date": (filed + timedelta(days=3)).isoformat(),
                "nftl_filed": filed.isoformat(),
                "periods": pids,
            }
        )
    t = t + timedelta(days=3 + draw(st.integers(0, 60)))
    if draw(st.booleans()):
        events.append({"id": "r1", "type": "hearing_request", "received": t.isoformat(), "periods": pids})
        ending = draw(st.sampled_from(["none", "withdrawal", "determination", "petition"]))
        t2 = t + timedelta(days=draw(st.integers(1, 300)))
        if ending == "withdrawal":
            events.append(
                {
                    "id": "w1",
                    "type": "hearing_withdrawal",
                    "received": t2.isoformat(),
                    "request": "r1",
                }
            )
        elif ending in ("determination", "petition"):
            events.append({"id": "d1", "type": "determination", "date": t2.isoformat(), "request": "r1"})
            if ending == "petition":
                t3 = t2 + timedelta(days=draw(st.integers(1, 40)))
                events.append(
                    {
                        "id": "tc1",
                        "type": "tax_court_petition",
                        "filed": t3.isoformat(),
                        "request": "r1",
                    }
                )
                if draw(st.booleans()):
                    t4 = t3 + timedelta(days=draw(st.integers(30, 400)))
                    events.append(
                        {
                            "id": "tc2",
                            "type": "tax_court_decision",
                            "entered": t4.isoformat(),
                            "request": "r1",
                        }
                    )
    for k in range(draw(st.integers(0, 3))):
        events.append(draw(suspension_event(f"s{k}", start, pids)))
    last = max(
        [start]
        + [
            date.fromisoformat(v)
            for e in events
            for v in e.values()
            if isinstance(v, str) and len(v) == 10 and v[4] == "-"
        ]
        + [date.fromisoformat(a["date"]) for p in periods for a in p["assessments"]]
    )
    as_of = last + timedelta(days=draw(st.integers(0, 5000)))
    return {
        "format": "cdpdesk.case/1",
        "as_of": as_of.isoformat(),
        "periods": periods,
        "events": events,
    }


@st.composite
def suspension_event(draw: st.DrawFn, eid: str, start: date, pids: list[str]) -> dict[str, Any]:
    a = start + timedelta(days=draw(st.integers(-400, 4000)))
    b = a + timedelta(days=draw(st.integers(0, 900)))
    periods = [draw(st.sampled_from(pids))]
    kind = draw(
        st.sampled_from(
            [
                "bankruptcy",
                "tas_application",
                "innocent_spouse_claim",
                "outside_us",
                "ia_requested",
                "oic_pending",
            ]
        )
    )
    end_key = {
        "bankruptcy": ("filed", "stay_ended"),
        "tas_application": ("filed", "decided"),
        "innocent_spouse_claim": ("filed", "bar_ended"),
        "outside_us": ("left", "returned"),
    }
    if kind in end_key:
        s, e = end_key[kind]
        return {"id": eid, "type": kind, s: a.isoformat(), e: b.isoformat(), "periods": periods}
    return {"id": eid, "type": kind, "date": a.isoformat(), "periods": periods}


def run(case: dict[str, Any]) -> dict[str, Any]:
    return analyze(load_case_dict(case))


def cseds(out: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(a["period"], a["assessment"]): a["csed"] for a in out["assessments"]}


@SETTINGS
@given(cases())
def test_csed_never_before_base(case: dict[str, Any]) -> None:
    for a in run(case)["assessments"]:
        assert a["csed"] >= a["base_csed"]


@SETTINGS
@given(cases(), st.data())
def test_adding_a_suspension_never_moves_a_csed_earlier(case: dict[str, Any], data: st.DataObject) -> None:
    before = cseds(run(case))
    start = date.fromisoformat(case["periods"][0]["assessments"][0]["date"])
    extra = data.draw(suspension_event("extra", start, [p["id"] for p in case["periods"]]))
    as_of = date.fromisoformat(case["as_of"])
    for k, v in list(extra.items()):
        if isinstance(v, str) and len(v) == 10 and v[4] == "-" and date.fromisoformat(v) > as_of:
            extra[k] = case["as_of"]
    bigger = copy.deepcopy(case)
    bigger["events"].append(extra)
    after = cseds(run(bigger))
    for key, value in before.items():
        assert after[key] >= value, key


@SETTINGS
@given(cases())
def test_a_suspension_given_twice_counts_once(case: dict[str, Any]) -> None:
    extra = [e for e in case["events"] if e["id"].startswith("s")]
    twice = copy.deepcopy(case)
    twice["events"] += [dict(e, id=e["id"] + "-again") for e in extra]
    assert cseds(run(twice)) == cseds(run(case))


@SETTINGS
@given(cases())
def test_rolled_deadlines_are_business_days(case: dict[str, Any]) -> None:
    out = run(case)
    for h in out["hearings"]:
        for key in ("cdp_deadline", "eh_deadline", "petition_deadline"):
            if h[key]:
                day = date.fromisoformat(h[key])
                assert day.weekday() < 5 and day not in DC, (key, h[key])


@SETTINGS
@given(cases())
def test_every_date_has_its_why(case: dict[str, Any]) -> None:
    out = run(case)
    for h in out["hearings"]:
        reasons = {(w.get("field"), w.get("date")) for w in h["why"]}
        for key in HEARING_DATES:
            if h[key] is not None:
                assert (key, h[key]) in reasons, f"hearing {key}={h[key]} has no why"
    for a in out["assessments"]:
        reasons = {(w.get("field"), w.get("date")) for w in a["why"]}
        assert ("base_csed", a["base_csed"]) in reasons
        assert ("csed", a["csed"]) in reasons
        for item in a["suspensions"] + a["floors"]:
            assert item["authority"] and item["says"] and item["rule"]
    for d in out["deadlines"]:
        assert d["authority"] and d["says"] and d["rule"]


@SETTINGS
@given(cases())
def test_output_validates_against_the_published_schema(case: dict[str, Any]) -> None:
    ANALYSIS_VALIDATOR.validate(run(case))
