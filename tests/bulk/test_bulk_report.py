"""``cdpdesk bulk report``: the roll-up's numbers on a small hand-made run."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from cdpdesk.bulk.report import ReportError, build_report, figure, summarise, tally_file
from cdpdesk.bulk.runner import run_bulk
from cdpdesk.bulk.synth import synth_cases


def analysis(as_of: str, stage: str, hearings: list[dict[str, Any]], cseds: list[tuple[str, bool]]) -> bytes:
    return orjson.dumps(
        {
            "format": "cdpdesk.analysis/1",
            "as_of": as_of,
            "hearings": hearings,
            "assessments": [{"csed": c, "open": o} for c, o in cseds],
            "deadlines": [],
            "stage": {"id": stage, "title": stage, "event": None, "since": None},
            "warnings": [],
        }
    )


def hearing(request: str, type_: str, status: str, withdrawn: str | None = None) -> dict[str, Any]:
    return {"request": request, "type": type_, "status": status, "withdrawn": withdrawn}


HAND_MADE = [
    # waiting: every hearing withdrawn by one withdrawal 18 days before as_of
    analysis(
        "2026-11-28",
        "withdrawn",
        [hearing("r1", "cdp", "withdrawn", "2026-11-10"), hearing("r1", "cdp", "withdrawn", "2026-11-10")],
        [("2026-11-27", False), ("2026-11-28", False), ("2027-01-31", True)],
    ),
    # a partial withdrawal 122 days back, the other hearing still pending
    analysis(
        "2026-10-01",
        "in_appeals",
        [hearing("r1", "equivalent", "pending"), hearing("r2", "cdp", "withdrawn", "2026-06-01")],
        [("2028-10-31", False), ("2028-11-01", False)],
    ),
    analysis("2026-11-28", "levy_notice", [hearing("r1", "premature", "not_held")], [("2030-01-01", False)]),
    b'{"format":"cdpdesk.error/1","line":4,"errors":[{"field":"","message":"empty line"}]}',
]


@pytest.fixture()
def hand_made(tmp_path: Path) -> Path:
    path = tmp_path / "analyses.jsonl"
    path.write_bytes(b"\n".join(HAND_MADE) + b"\n")
    return path


def test_roll_up_of_a_hand_made_run(hand_made: Path) -> None:
    report = summarise(hand_made).to_json()
    assert report["cases"] == 3 and report["error_records"] == 1
    assert report["as_of"] == {"earliest": "2026-10-01", "latest": "2026-11-28", "reference": "2026-11-28"}
    csed = report["csed"]
    assert (csed["total"], csed["passed"], csed["later"]) == (6, 1, 2)
    months = {m["month"]: (m["csed"], m["lower_bound"]) for m in csed["by_month"]}
    assert len(months) == 24 and min(months) == "2026-11" and max(months) == "2028-10"
    assert {m: v for m, v in months.items() if v != (0, 0)} == {
        "2026-11": (1, 0),
        "2027-01": (1, 1),
        "2028-10": (1, 0),
    }
    assert report["hearings"] == [
        {"type": "cdp", "status": "withdrawn", "count": 3},
        {"type": "equivalent", "status": "pending", "count": 1},
        {"type": "premature", "status": "not_held", "count": 1},
    ]
    assert report["stages"] == {"in_appeals": 1, "levy_notice": 1, "withdrawn": 1}
    waiting = {w["age"]: (w["waiting"], w["hearings"], w["other"]) for w in report["withdrawals_waiting"]}
    assert waiting["0-30 days"] == (1, 2, 0)
    assert waiting["91-180 days"] == (0, 0, 1)
    assert sum(v[0] for v in waiting.values()) == 1 and sum(v[2] for v in waiting.values()) == 1


def test_reference_date_and_window(hand_made: Path) -> None:
    report = build_report(tally_file(hand_made), as_of=date(2027, 1, 1), months=3)
    assert report.months == [("2027-01", 1, 1), ("2027-02", 0, 0), ("2027-03", 0, 0)]
    assert (report.passed, report.later) == (2, 3)


def test_chart_shows_the_tallest_stack_whole(hand_made: Path) -> None:
    import matplotlib.pyplot as plt

    # three withdrawn CDP hearings, stacked under empty pending and not_held segments
    fig = figure(build_report(tally_file(hand_made), as_of=date(2027, 1, 1), months=3))
    try:
        hearings = fig.axes[1]
        assert hearings.get_title() == "Hearings by type and status"
        tallest = max(p.get_y() + p.get_height() for p in hearings.patches)
        assert tallest == 3
        assert hearings.get_ylim() == (0, pytest.approx(3 * 1.08))
    finally:
        plt.close(fig)


def test_a_line_that_is_not_an_analysis_is_an_error(hand_made: Path) -> None:
    hand_made.write_bytes(hand_made.read_bytes() + b'{"format": "something else"}\n')
    with pytest.raises(ReportError, match="line 5 is neither"):
        summarise(hand_made)


def test_chunked_parallel_tally_equals_one_pass(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_bytes(b"".join(orjson.dumps(c) + b"\n" for c in synth_cases(400, seed=3)))
    out = tmp_path / "out.jsonl"
    run_bulk(cases, out, default_as_of=date(2026, 11, 28), workers=1, chunk_lines=400)
    one = tally_file(out, workers=1)
    many = tally_file(out, workers=2, chunk_lines=37)
    assert one == many and one.cases == 400


def test_cli_report_tables_json_and_png(hand_made: Path, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "cdpdesk", "bulk", "report", *args], capture_output=True, timeout=120
        )

    res = run(str(hand_made), "--png", str(tmp_path / "r.png"))
    assert res.returncode == 0, res.stderr
    text = res.stdout.decode()
    assert "CSEDs by coming month" in text and "Hearings by type and status" in text
    assert "Withdrawals waiting for Letter 4383" in text
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    res = run(str(hand_made), "--json", "--as-of", "2027-01-01", "--months", "3")
    assert json.loads(res.stdout)["csed"]["by_month"][0] == {"month": "2027-01", "csed": 1, "lower_bound": 1}
    res = run(str(tmp_path / "missing.jsonl"))
    assert res.returncode == 2 and res.stderr.decode().startswith("cdpdesk: error: ")
