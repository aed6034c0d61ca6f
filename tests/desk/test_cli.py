"""The desk as a new user runs it from the README: through the real ``cdpdesk`` command,
on the default SQLite file and on PostgreSQL (CDPDESK_DATABASE_URL)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.desk.conftest import CASES

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
FULL_TINS = ("123-45-6789", "123456789", "987-65-4321", "987654321", "12-3456789", "555-12-3456")


class Runner:
    def __init__(self, cwd: Path, url: str | None) -> None:
        self.cwd = cwd
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CDPDESK_")}
        self.env |= {"CDPDESK_USER": "clerk.a", "CDPDESK_LOG": "debug"}
        if url is not None:
            self.env["CDPDESK_DATABASE_URL"] = url
        self.seen: list[str] = []

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        res = subprocess.run(
            [sys.executable, "-m", "cdpdesk", *args],
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env=self.env,
            timeout=120,
        )
        self.seen += [res.stdout, res.stderr]
        if ok:
            assert res.returncode == 0, res.stderr
        return res


@pytest.fixture
def run(db_url: str, tmp_path: Path) -> Runner:
    """Both stores. SQLite: the README's default, var/cdpdesk.db in the working folder;
    PostgreSQL: through CDPDESK_DATABASE_URL."""
    return Runner(tmp_path, None if db_url.startswith("sqlite") else db_url)


@pytest.fixture
def run1(tmp_path: Path) -> Runner:
    """The default SQLite file only (the workflow itself runs on both in test_workflow)."""
    return Runner(tmp_path, None)


def test_the_readme_walkthrough(run: Runner, tmp_path: Path) -> None:
    case_id = run("case", "import", str(EXAMPLE)).stdout.strip()
    assert case_id == "1"
    if "CDPDESK_DATABASE_URL" not in run.env:
        assert (tmp_path / "var" / "cdpdesk.db").is_file()
    shown = json.loads(run("case", "show", case_id, "--json").stdout)
    assert shown["analysis"]["assessments"][0]["csed"] == "2031-02-01"
    assert "XXX-XX-6789" in run("case", "show", case_id).stdout
    pending = json.loads(run("withdrawals", "pending", "--json").stdout)
    assert [(w["case"], w["event"], w["hearing"]) for w in pending["pending"]] == [
        (1, "e3", "CDP hearing (levy)")
    ]
    first = json.loads(
        run("withdrawals", "acknowledge", case_id, "e3", "--json", "--date", "2024-06-14").stdout
    )
    again = json.loads(run("withdrawals", "acknowledge", case_id, "e3", "--json").stdout)
    assert first["created"] is True and again["created"] is False
    assert set(first["letter"]) >= {"id", "number", "html", "pdf", "sha256"}
    assert first["letter"]["number"] == "4383"
    assert (
        again["letter"]["id"] == first["letter"]["id"]
        and again["letter"]["sha256"] == first["letter"]["sha256"]
    )
    assert Path(first["letter"]["pdf"]).read_bytes().startswith(b"%PDF")
    assert json.loads(run("withdrawals", "pending", "--json").stdout)["pending"] == []
    text = run("withdrawals", "acknowledge", case_id, "e3").stdout
    assert "already issued" in text
    reprint = run(
        "letters", "reprint", str(first["letter"]["id"]), "--out", str(tmp_path / "re"), "--check"
    ).stdout
    assert "identical bytes" in reprint
    assert (tmp_path / "re" / f"letter-{first['letter']['id']}-4383.pdf").read_bytes() == Path(
        first["letter"]["pdf"]
    ).read_bytes()
    # round trip
    # round trip: the file as imported, plus the Letter 4383 the desk issued, as a case event
    exported = json.loads(run("case", "export", case_id).stdout)
    original = json.loads(EXAMPLE.read_text())
    ack = {
        "id": "e3-letter-4383",
        "type": "withdrawal_acknowledged",
        "date": "2024-06-14",
        "withdrawal": "e3",
    }
    assert exported == original | {"events": [*original["events"], ack]}
    (tmp_path / "exported.json").write_text(json.dumps(exported))
    reread = json.loads(run("analyze", str(tmp_path / "exported.json")).stdout)
    assert [(h["withdrawn"], h["acknowledged"]) for h in reread["hearings"]] == [("2024-06-10", "2024-06-14")]


def test_event_add_refuses_an_invalid_event_with_one_line(run1: Runner, tmp_path: Path) -> None:
    run1("case", "import", str(EXAMPLE))
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"id": "e4", "type": "hearing_withdrawal", "received": "2024-03-01", "request": "e2"})
    )
    res = run1("event", "add", "1", str(bad), ok=False)
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert "before its request 'e2' was received (2024-03-25)" in res.stderr
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps({"id": "e4", "type": "ia_requested", "date": "2024-07-02", "periods": ["1040-2019"]})
    )
    stale = run1("event", "add", "1", str(good), "--expect-version", "7", ok=False)
    assert stale.returncode == 2 and "is at version 1, not 7" in stale.stderr
    assert "version 2" in run1("event", "add", "1", str(good), "--expect-version", "1").stdout
    assert run1("case", "show", "9", ok=False).stderr.strip() == "cdpdesk: error: no case 9 in this database"


def test_oral_withdrawal_waits_and_is_never_acknowledged(run1: Runner) -> None:
    run1("case", "import", str(CASES / "oral.json"))
    out = run1("withdrawals", "pending").stdout
    assert "waiting for a written, signed withdrawal" in out and "case 1  event e3" in out
    res = run1("withdrawals", "acknowledge", "1", "e3", ok=False)
    assert res.returncode == 2 and "is oral" in res.stderr


def test_issue_pending_shows_progress(run1: Runner) -> None:
    for name in ("equivalent.json", "partial-lien-levy.json"):
        run1("case", "import", str(CASES / name))
    res = run1("letters", "issue-pending", "--date", "2024-06-14")
    assert "Issued 2 letters" in res.stdout and "Letter 4383" in res.stderr and "2/2" in res.stderr
    assert "Issued 0 letters" in run1("letters", "issue-pending").stdout


def test_the_full_tin_never_appears_in_logs_errors_outputs_or_letters(
    run: Runner, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The whole workflow, through the CLI (debug logging on) and the Python API (every
    logger at DEBUG, SQL echo included): only the last four digits ever show."""
    for name in ("withdrawal-cdp.json", "equivalent.json", "partial-lien-levy.json", "oral.json"):
        path = EXAMPLE if name == "withdrawal-cdp.json" else CASES / name
        run("case", "import", str(path))
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"id": "x", "type": "hearing_withdrawal", "received": "2020-01-01", "request": "e2"})
    )
    run("event", "add", "1", str(bad), ok=False)
    run("case", "import", str(tmp_path / "missing.json"), ok=False)
    run("case", "show", "1")
    run("case", "show", "2", "--json")
    run("withdrawals", "pending")
    run("withdrawals", "acknowledge", "1", "e3", "--json")
    run("withdrawals", "acknowledge", "4", "e3", ok=False)
    run("letters", "issue-pending")
    run("letter", "render", "4383", str(EXAMPLE), "--withdrawal", "e3", "--out", str(tmp_path / "prev"))
    letters = (
        [p.read_bytes() for p in (tmp_path / "var" / "letters").rglob("*.*")]
        if (tmp_path / "var").exists()
        else []
    )
    letters += [p.read_bytes() for p in (tmp_path / "prev").iterdir()]
    # the Python API with every logger at DEBUG (SQL statements included)
    from cdpdesk.desk.workflow import Desk

    caplog.set_level(logging.DEBUG)
    url = run.env.get("CDPDESK_DATABASE_URL") or f"sqlite:///{tmp_path / 'var' / 'cdpdesk.db'}"
    with Desk.open(url) as desk:
        new = desk.import_case(EXAMPLE.read_bytes(), allow_duplicate=True)
        desk.show(new)
        desk.acknowledge(new, "e3")
        try:
            desk.import_case(EXAMPLE.read_text().replace('"e2"', '"zz"', 1))
        except ValueError as exc:
            run.seen.append(str(exc))
    run.seen.append(caplog.text)
    assert "XXX-XX-6789" in "".join(run.seen)
    assert len(letters) >= 6
    for tin in FULL_TINS:
        for blob in run.seen:
            assert tin not in blob
        for data in letters:
            assert tin.encode() not in data
    # the export is the one place the full number goes: it is the case file itself
    assert "123-45-6789" in run("case", "export", "1").stdout


def test_desk_commands_do_not_slow_analyze_start_up() -> None:
    code = "import sys, cdpdesk.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'weasyprint', 'jinja2', 'alembic')))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"


def test_letters_list_and_issue_pending_write_missing_files_again(run: Runner, tmp_path: Path) -> None:
    run("case", "import", str(EXAMPLE))
    run("withdrawals", "acknowledge", "1", "e3", "--date", "2024-06-14")
    folder = tmp_path / "var" / "letters" / "case-1"
    pdf, html = (folder / "letter-1-4383.pdf").read_bytes(), (folder / "letter-1-4383.html").read_bytes()
    (folder / "letter-1-4383.pdf").unlink()
    res = run("letters", "list")
    assert "letter-1-4383.pdf was missing; written again" in res.stderr
    assert (folder / "letter-1-4383.pdf").read_bytes() == pdf
    (folder / "letter-1-4383.html").write_bytes(b"changed")
    res = run("letters", "issue-pending", "--date", "2024-06-14")
    assert "letter-1-4383.html was changed; written again" in res.stderr
    assert (folder / "letter-1-4383.html").read_bytes() == html
    assert "Issued 0 letters" in res.stdout


def test_desk_refresh_and_the_bulk_report_on_the_desk(run1: Runner) -> None:
    for path in (EXAMPLE, CASES / "equivalent.json"):
        run1("case", "import", str(path))
    out = run1("desk", "refresh", "--as-of", "2026-12-01", "--workers", "1", "--no-progress", "--json").stdout
    stats = json.loads(out)
    assert (stats["as_of"], stats["cases"], stats["written"]) == ("2026-12-01", 2, 2)
    again = json.loads(run1("desk", "refresh", "--as-of", "2026-12-01", "--workers", "1", "--json").stdout)
    assert (again["todo"], again["written"]) == (0, 0)

    def waiting() -> int:
        report = json.loads(
            run1("bulk", "report", "--desk", "--as-of", "2026-12-01", "--json", "-w", "1").stdout
        )
        assert report["cases"] == 2
        return sum(row["waiting"] for row in report["withdrawals_waiting"])

    assert waiting() == 2
    run1("withdrawals", "acknowledge", "1", "e3", "--date", "2024-06-14")
    assert waiting() == 1  # the roll-up knows the letter the desk issued
    bad = run1("bulk", "report", ok=False)
    assert bad.returncode == 2 and "--desk" in bad.stderr
