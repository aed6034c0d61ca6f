"""End to end: ``cdpdesk whatif withdraw`` and ``cdpdesk deadlines`` as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import icalendar
import jsonschema
from tests.cli.test_cli import cdpdesk
from tests.conftest import full_tins, load_worked

from cdpdesk.contract.schema import json_schema

CASES = Path(__file__).resolve().parent.parent / "engine" / "cases"


def _write(tmp_path: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def _case(tmp_path: Path, worked: str, *, drop: tuple[str, ...] = ()) -> tuple[Path, dict[str, Any]]:
    doc = load_worked(CASES / worked)["case"]
    doc = doc | {"events": [e for e in doc["events"] if e["type"] not in drop]}
    doc = doc | {"taxpayer": {"name": "Avery Quinn", "tin": "123-45-6789", "address": ["12 Elm St"]}}
    return _write(tmp_path, worked, doc), doc


def test_whatif_json_is_analyze_of_the_case_with_the_withdrawal(tmp_path: Path) -> None:
    path, doc = _case(tmp_path, "22-several-periods-941-quarters.json")
    res = cdpdesk("whatif", "withdraw", str(path), "--request", "r1", "--on", "2021-03-15", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    jsonschema.validate(out, json_schema("whatif"))
    hypo = _write(tmp_path, "hypo.json", doc | {"events": [*doc["events"], out["withdrawal"]]})
    analyzed = cdpdesk("analyze", str(hypo))
    assert analyzed.returncode == 0, analyzed.stderr
    assert out["withdrawn"] == json.loads(analyzed.stdout)
    assert json.loads(cdpdesk("analyze", str(path)).stdout) == out["as_is"]
    csed = [c for c in out["changes"] if c["kind"] == "csed" and c["period"] == "941-2019Q1"]
    assert [(c["as_is"], c["withdrawn"], c["days"]) for c in csed] == [("2029-07-21", "2029-07-04", -17)]
    assert not full_tins(res.stdout.decode())


def test_whatif_periods_and_part(tmp_path: Path) -> None:
    path, _ = _case(tmp_path, "22-several-periods-941-quarters.json")
    res = cdpdesk(
        "whatif",
        "withdraw",
        str(path),
        "--request",
        "r1",
        "--on",
        "2021-03-15",
        "--periods",
        "941-2019Q2",
        "--json",
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["withdrawal"]["periods"] == ["941-2019Q2"]
    changed = {(c["period"], c["kind"]) for c in out["changes"] if c["changed"]}
    assert ("941-2019Q2", "hearing") in changed and ("941-2019Q1", "hearing") not in changed
    # both periods after one --periods, as the usage line shows: all of the request
    both = cdpdesk(
        "whatif", "withdraw", str(path), "--request", "r1", "--on", "2021-03-15",
        "--periods", "941-2019Q1", "941-2019Q2", "--json",
    )  # fmt: skip
    assert both.returncode == 0, both.stderr
    assert "periods" not in json.loads(both.stdout)["withdrawal"]
    lien, _ = _case(
        tmp_path, "21-lien-and-levy-one-request.json", drop=("hearing_withdrawal", "determination")
    )
    res = cdpdesk(
        "whatif", "withdraw", str(lien), "--request", "r1", "--on", "2021-06-01", "--part", "levy", "--json"
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["part"] == "levy" and out["withdrawal"]["notices"] == ["n2"]


def test_whatif_in_plain_words(tmp_path: Path) -> None:
    path, _ = _case(tmp_path, "22-several-periods-941-quarters.json")
    res = cdpdesk("whatif", "withdraw", str(path), "--request", "r1", "--on", "2021-03-15")
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stdout.decode().split())  # rich wraps at the terminal's width
    assert "What if request r1 is withdrawn" in text
    assert "July 4, 2029" in text and "July 21, 2029 or later" in text
    assert "given up" in text  # Tax Court review
    assert "Nothing is stored" in text


def test_whatif_refusals_name_the_option(tmp_path: Path) -> None:
    path, _ = _case(tmp_path, "22-several-periods-941-quarters.json")
    done, _ = _case(tmp_path, "62-cdp-90-day-floor-after-withdrawal.json")
    for args, words in [
        ((str(path), "--request", "r1", "--on", "2021-02-01"), "--on: 2021-02-01 is before request 'r1'"),
        ((str(path), "--request", "zz", "--on", "2021-03-01"), "--request: no event 'zz'"),
        (
            (str(path), "--request", "r1", "--on", "2021-03-01", "--part", "lien"),
            "--part: request 'r1' has no pending",
        ),
        (
            (str(path), "--request", "r1", "--on", "2021-03-01", "--part", "both"),
            "--part: 'both' is not allowed",
        ),
        ((str(path), "--request", "r1", "--on", "2021-3-1"), "--on: '2021-3-1' is not a valid date"),
        (
            (str(path), "--request", "r1", "--on", "2021-03-01", "--periods", "nope"),
            "--periods [0]: period 'nope' is not covered",
        ),
        ((str(done), "--request", "r1", "--on", "2018-09-10"), "has no pending CDP or equivalent hearing"),
    ]:
        res = cdpdesk("whatif", "withdraw", *args)
        assert res.returncode == 2, (args, res.stdout)
        assert words in res.stderr.decode(), res.stderr
        assert res.stdout == b""


def test_deadlines_table_csv_and_ics(tmp_path: Path) -> None:
    path, _ = _case(tmp_path, "68-nod-inside-petition-window.json")
    table = cdpdesk("deadlines", str(path))
    assert table.returncode == 0, table.stderr
    text = " ".join(table.stdout.decode().split())
    assert "January 17, 2023 │ 7 days left │ Last day to petition" in text
    rows = list(csv.DictReader(io.StringIO(cdpdesk("deadlines", str(path), "--csv").stdout.decode())))
    # NOD 2022-12-15: petition by Tuesday 2023-01-17 (the 14th a Saturday, the 16th MLK Day),
    # 7 days after as_of 2023-01-10; final the day after; the CSED
    assert [(r["date"], r["days_left"], r["kind"]) for r in rows] == [
        ("2023-01-17", "7", "tax_court_petition"),
        ("2023-01-18", "8", "becomes_final"),
        ("2030-01-28", "2575", "csed"),
    ]
    assert rows[0]["rule"] == "petition-window" and "IRC 6330(d)(1)" in rows[0]["authority"]
    ics = cdpdesk("deadlines", str(path), "--ics")
    assert ics.returncode == 0, ics.stderr
    cal = icalendar.Calendar.from_ical(ics.stdout)
    events = list(cal.walk("VEVENT"))
    assert [e.decoded("dtstart").isoformat() for e in events] == ["2023-01-17", "2023-01-18", "2030-01-28"]
    assert not full_tins(ics.stdout.decode()) and "Avery" not in ics.stdout.decode()
    # the same case, later: the petition was filed. The event keeps its UID only where the
    # deadline is the same one; a moved CSED keeps its UID.
    again = cdpdesk("deadlines", str(path), "--ics")
    assert [e["uid"] for e in icalendar.Calendar.from_ical(again.stdout).walk("VEVENT")] == [
        e["uid"] for e in events
    ]
    assert cdpdesk("deadlines", str(path), "--ics", "--csv").returncode == 2
