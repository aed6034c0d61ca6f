"""The command line's errors: one clear line (exit 2) for ids, dates and numbers it cannot
use, never a traceback; a TIN typed anywhere is echoed masked; a long list is capped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
HUGE = str(2**63)


def run(tmp_path: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"CDPDESK_VAR": str(tmp_path / "var"), "CDPDESK_USER": "clerk.a"}
    env.pop("CDPDESK_DATABASE_URL", None)
    res = subprocess.run(
        [sys.executable, "-m", "cdpdesk", *args],
        input=stdin,
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    return subprocess.CompletedProcess(res.args, res.returncode, res.stdout.decode(), res.stderr.decode())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["case", "show", HUGE], f"no case {HUGE} in this database (ids run from 1 to 2147483647)"),
        (["case", "export", "--", "-5"], "no case -5 in this database"),
        (["letters", "list", "--case", HUGE], f"no case {HUGE} in this database"),
        (["letters", "reprint", HUGE, "--out", "x"], f"no letter {HUGE} in this database"),
        (["withdrawals", "acknowledge", HUGE, "e3"], f"no case {HUGE} in this database"),
        (["case", "show", "1", "--as-of", "9999-12-31"], "--as-of: 9999-12-31 is out of range"),
        (["analyze", str(EXAMPLE), "--as-of", "1066-10-14"], "--as-of: 1066-10-14 is out of range"),
        (["bulk", "analyze", "x", "y", "--as-of", "2300-01-01"], "--as-of: 2300-01-01 is out of range"),
    ],
)
def test_ids_and_dates_out_of_range_get_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    res = run(tmp_path, *args)
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("cdpdesk: error: ") and message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.splitlines()) == 1


def test_user_link_with_an_id_past_64_bits(tmp_path: Path) -> None:
    added = run(
        tmp_path,
        "user",
        "add",
        "rep",
        "--role",
        "representative",
        "--password-stdin",
        stdin=b"pw-long-enough-1\n",
    )
    assert added.returncode == 0, added.stderr
    res = run(tmp_path, "user", "link", "rep", HUGE)
    assert res.returncode == 2 and f"no case {HUGE} in this database" in res.stderr, res.stderr


def test_a_tin_typed_where_a_date_or_an_id_belongs_is_masked(tmp_path: Path) -> None:
    res = run(tmp_path, "analyze", str(EXAMPLE), "--as-of", "321-54-9876")
    assert res.returncode == 2
    assert res.stderr == "cdpdesk: error: --as-of: 'XXX-XX-9876' is not a valid date (YYYY-MM-DD)\n"
    doc = json.loads(EXAMPLE.read_text())
    doc["as_of"] = "321-54-9876"
    (tmp_path / "case.json").write_text(json.dumps(doc))
    res = run(tmp_path, "analyze", "case.json")
    assert res.returncode == 2 and 'as_of: "XXX-XX-9876" is not a valid date' in res.stderr, res.stderr
    assert run(tmp_path, "case", "import", str(EXAMPLE)).returncode == 0
    res = run(tmp_path, "event", "retract", "1", "321549876")
    assert res.returncode == 2
    assert res.stderr == "cdpdesk: error: case 1 has no current event 'XXX-XX-9876' to retract\n"
    res = run(tmp_path, "case", "show", "321-54-9876")  # click's own usage error
    assert res.returncode == 2 and "321-54-9876" not in res.stderr


def test_a_hundred_thousand_errors_print_fifty_lines_and_a_count(tmp_path: Path) -> None:
    doc = json.loads(EXAMPLE.read_text())
    doc["events"] = [{"id": f"x{i}", "type": "levy_notice"} for i in range(50_000)]  # 2 errors each
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    res = run(tmp_path, "analyze", "bad.json")
    assert res.returncode == 2
    lines = res.stderr.splitlines()
    assert len(lines) == 51, lines[:3]
    assert lines[0].startswith("cdpdesk: error: bad.json: events[0].date (event 'x0'): is required")
    assert all(x.startswith("  also: events[") for x in lines[1:50])
    assert lines[50] == f"  ... and {2 * 50_000 - 50:,} more problems not shown"  # 99,950
