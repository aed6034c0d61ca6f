"""``holds_through``: an analysis's dated conclusions hold through the day it gives, and not
trivially (the day after is not always the same).

For each case, analysed as of D, with H its hold-through day: the analysis as of every
sampled day D' in (D, min(H, D + 400)] (the first days, every 13th, and H itself) is the
analysis as of D but for ``as_of``. That is stronger than what the desk needs: the facts
``cdpdesk.desk.facts.derive`` stores are read off the analysis and the case's events and
taxpayer (not its ``as_of``), so equal analyses give equal facts. No sentence of the
analysis counts days from ``as_of`` (``days_left`` is worked out by
``cdpdesk.engine.coming``, outside it): the whole analysis is compared.
"""

from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import load_worked, worked_files
from tests.engine.test_properties import cases as hypothesis_cases

from cdpdesk.bulk.synth import synth_case
from cdpdesk.contract import CaseFile, load_case, load_case_dict
from cdpdesk.engine import analyze, holds
from cdpdesk.engine.holds import FOREVER, holds_through, runs_to_as_of

#: the farthest day after D the properties look at
HORIZON = 400


def _without_day(analysis: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in analysis.items() if k != "as_of"}


def _on(case: CaseFile, day: date) -> dict[str, Any]:
    return analyze(case.model_copy(update={"as_of": day}), day)


def _sampled(d: date, last: date) -> list[date]:
    span = (last - d).days
    picks = {k for k in range(1, span + 1) if k <= 5 or k % 13 == 0} | {span}
    return sorted(d + timedelta(days=k) for k in picks if k > 0)


def check_holds(case: CaseFile, day: date) -> tuple[date | None, bool | None]:
    """Assert the property for ``case`` as of ``day``; (H, whether the analysis as of H + 1
    differs from D's, None when H + 1 is past the horizon)."""
    case = case.model_copy(update={"as_of": day})
    base = analyze(case, day)
    held = holds_through(case, base)
    assert held is not None and held >= day
    last = min(held, day + timedelta(days=HORIZON))
    want = _without_day(base)
    for later in _sampled(day, last):
        got = _without_day(_on(case, later))
        assert got == want, (
            f"as of {later} the analysis differs from {day}'s, though it was to hold through {held}: "
            f"{[k for k in want if got.get(k) != want[k]]}"
        )
    if held == FOREVER or held >= day + timedelta(days=HORIZON):
        return held, None
    after = held + timedelta(days=1)
    return held, _without_day(_on(case, after)) != want


def _synth(seed: int, count: int) -> list[CaseFile]:
    rng = random.Random(seed)
    return [load_case_dict(synth_case(rng, n)) for n in range(count)]


def test_synthetic_caseload_holds_and_not_trivially() -> None:
    rng = random.Random(11)
    turned = finite = at_d = later = 0
    for case in _synth(4383, 250):
        assert case.as_of is not None
        # the case's own day, and later ones (a nightly refresh years on, CSEDs passed)
        for day in (
            case.as_of,
            case.as_of + timedelta(days=rng.randint(1, 400)),
            case.as_of + timedelta(days=rng.randint(400, 5000)),
        ):
            held, differs = check_holds(case, day)
            assert held is not None
            at_d += held == day
            later += held > day
            if differs is not None:
                finite += 1
                turned += differs
    # the bound is neither always D nor never reached: many cases hold past D, and where a
    # finite H is within the horizon, the analysis as of H + 1 often changes
    assert later > 300 and at_d > 50
    assert finite > 100 and turned > finite // 10


def test_every_hand_checked_case_and_example() -> None:
    files = worked_files()
    assert len(files) >= 40
    rng = random.Random(5)
    turned = 0
    for path in files:
        case = load_case(json.dumps(load_worked(path)["case"]))
        assert case.as_of is not None
        for day in (case.as_of, case.as_of + timedelta(days=rng.randint(1, 800))):
            _held, differs = check_holds(case, day)
            turned += bool(differs)
    assert turned > 10


@given(hypothesis_cases())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_case_holds_through_its_day(doc: dict[str, Any]) -> None:
    case = load_case_dict(doc)
    assert case.as_of is not None
    check_holds(case, case.as_of)


def _levy_case(as_of: str, **event: Any) -> CaseFile:
    events: list[dict[str, Any]] = [
        {"id": "n1", "type": "levy_notice", "date": "2024-03-01", "periods": ["P"]}
    ]
    if event:
        events.append(event)
    return load_case_dict(
        {
            "format": "cdpdesk.case/1",
            "as_of": as_of,
            "periods": [
                {
                    "id": "P",
                    "form": "1040",
                    "period_end": "2020-12-31",
                    "assessments": [{"id": "a1", "date": "2021-11-15"}],
                }
            ],
            "events": events,
        }
    )


def test_a_window_still_running_holds_to_the_day_before_its_last_day() -> None:
    # levy notice dated 2024-03-01: the CDP window's 30th day is Sunday 2024-03-31, rolled
    # to Monday 2024-04-01 (law.md 3.1). The window's sentence names the 31st: every day the
    # analysis writes counts, so the conclusions are sure through the 30th (one day short of
    # the first day anything can change, 2024-04-02: the cost of reading sentences too)
    case = _levy_case("2024-03-10")
    a = analyze(case)
    assert a["deadlines"][0]["date"] == "2024-04-01"
    assert "2024-03-31" in a["deadlines"][0]["says"]
    assert holds_through(case, a) == date(2024, 3, 30)
    assert _without_day(_on(case, date(2024, 4, 1))) == _without_day(a)
    assert _without_day(_on(case, date(2024, 4, 2))) != _without_day(a)


def test_nothing_left_to_change_holds_for_ever() -> None:
    case = _levy_case("2040-01-01")  # the windows and the CSED (2031-11-15) long past
    a = analyze(case)
    assert a["stage"]["id"] == "csed_passed" and a["deadlines"] == []
    assert holds_through(case, a) == FOREVER


def test_anything_counted_to_as_of_holds_only_that_day() -> None:
    # a bankruptcy stay not yet ended: the CSED is a lower bound, counted to as_of
    case = _levy_case("2024-06-01", id="b1", type="bankruptcy", filed="2024-05-01", periods=["P"])
    a = analyze(case)
    assert runs_to_as_of(case, a)
    assert a["assessments"][0]["open"] is True
    assert holds_through(case, a) == date(2024, 6, 1)
    # the same stay ended: nothing runs to as_of any more
    ended = _levy_case(
        "2024-06-01", id="b1", type="bankruptcy", filed="2024-05-01", stay_ended="2024-05-20", periods=["P"]
    )
    assert not runs_to_as_of(ended, analyze(ended))


def test_unknown_when_it_is_not_an_analysis() -> None:
    case = _levy_case("2024-03-10")
    assert holds_through(case, {"format": "other"}) is None
    assert holds_through(case, {**analyze(case), "as_of": "not a day"}) is None


_ANY_DAY = re.compile(rb"(?=([0-9]{4}-[01][0-9]-[0-3][0-9]))")


@settings(max_examples=300, deadline=None)
@given(
    days=st.lists(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)), max_size=8),
    noise=st.lists(
        st.sampled_from(["-", "12", "2", "-0", "x", "20", "1999", "-12-31", "Oct 5"]), max_size=12
    ),
    seps=st.lists(st.sampled_from([" ", '", "', ": ", ". ", "(", "):"]), min_size=21, max_size=21),
    floor=st.dates(min_value=date(1900, 1, 1), max_value=date(2300, 12, 31)),
    seed=st.integers(0, 10**6),
)
def test_the_scan_for_days_finds_the_first_day_a_plain_search_finds(
    days: list[date], noise: list[str], seps: list[str], floor: date, seed: int
) -> None:
    """In text written as the analysis' JSON is (each day a string of its own or a word of
    a sentence, so never run into other digits), the scan (for the 2000s, one searched for
    its first byte) finds the first ISO day on or after the floor that a search at every
    position finds, whatever else the text holds."""
    parts = [d.isoformat() for d in days] + noise
    random.Random(seed).shuffle(parts)
    text = "".join(sep + part for sep, part in zip(seps[: len(parts)], parts, strict=True)).encode() + b'"'
    low = floor.isoformat().encode()
    every = [m.group(1) for m in _ANY_DAY.finditer(text) if m.group(1) >= low]
    assert holds._first_iso_from(text, low) == (min(every) if every else None)


def test_the_hold_day_is_the_same_from_the_text_the_caller_has() -> None:
    for case in _synth(8, 40):
        analysis = analyze(case, case.as_of)
        assert holds_through(case, analysis, holds.dated_text(analysis)) == holds_through(case, analysis)
