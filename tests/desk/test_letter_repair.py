"""A letter's files on disk: checked and written again on every read, stray files removed,
nothing left behind by a letter that did not commit. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from cdpdesk.desk.models import Letter
from cdpdesk.desk.workflow import ORPHAN_GRACE_SECONDS, Desk
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
DAY = dt.date(2024, 6, 14)


def _issue(desk: Desk) -> tuple[int, bytes, bytes]:
    case_id = desk.import_case(EXAMPLE.read_bytes())
    info = desk.acknowledge(case_id, "e3", letter_date=DAY).letter
    return info.id, info.html.read_bytes(), info.pdf.read_bytes()


def test_missing_or_changed_files_are_written_again_on_read(db_url: str, desk_env: Path) -> None:
    with Desk.open(db_url) as desk:
        letter_id, html, pdf = _issue(desk)
        info = desk.letters()[0]
        info.pdf.unlink()
        info.html.unlink()
        listed = desk.letters()  # `letters list`
        assert listed[0].pdf.read_bytes() == pdf and listed[0].html.read_bytes() == html
        info.pdf.write_bytes(pdf[:-10] + b"tampered!!")
        row = desk.letter(letter_id)  # what the web's download reads
        assert info.pdf.read_bytes() == pdf and row.pdf == pdf
        info.html.write_bytes(b"")
        assert desk.letter_files(letter_id).html.read_bytes() == html
        info.pdf.unlink()
        assert desk.show(1)["case"]["letters"][0]["id"] == letter_id
        assert info.pdf.read_bytes() == pdf
        assert oct(info.pdf.stat().st_mode & 0o777) == "0o600"


def test_issue_pending_repairs_and_reports(db_url: str, desk_env: Path) -> None:
    with Desk.open(db_url) as desk:
        _letter_id, _html, pdf = _issue(desk)
        info = desk.letters()[0]
        info.pdf.unlink()
        assert desk.issue_pending(letter_date=DAY) == []
        assert info.pdf.read_bytes() == pdf
        info.pdf.unlink()
        lines = desk.repair_letters()
        assert len(lines) == 1 and "was missing; written again" in lines[0]
        assert desk.repair_letters() == []


def test_bytes_that_no_longer_match_are_rendered_again_from_the_snapshot(db_url: str, desk_env: Path) -> None:
    with Desk.open(db_url) as desk:
        letter_id, _html, pdf = _issue(desk)
        row = desk.letter(letter_id)
        row.pdf = b"%PDF- not the letter"  # a damaged copy in hand (rows never change)
        desk.letter_files(letter_id).pdf.unlink()
        info = desk._materialize(row)
        assert info.pdf.read_bytes() == pdf and row.pdf == pdf


def test_stray_files_are_removed_once_old_enough(db_url: str, desk_env: Path) -> None:
    with Desk.open(db_url) as desk:
        _issue(desk)
        folder = desk_env / "letters" / "case-1"
        stray = [folder / "letter-99-4383.pdf", folder / ".letter-1-4383.pdf.1234.tmp"]
        other = folder / "notes.txt"
        for path in [*stray, other]:
            path.write_bytes(b"x")
        assert desk.repair_letters() == []  # young: maybe a letter being issued right now
        past = time.time() - ORPHAN_GRACE_SECONDS - 5
        for path in stray:
            os.utime(path, (past, past))
        lines = desk.repair_letters()
        assert len(lines) == 2 and all("belongs to no issued letter" in x for x in lines)
        assert sorted(p.name for p in folder.iterdir()) == [
            "letter-1-4383.html",
            "letter-1-4383.pdf",
            "notes.txt",
        ]


def test_a_letter_that_does_not_commit_leaves_no_files(db_url: str, desk_env: Path) -> None:
    with Desk.open(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        seen: list[bool] = []

        def boom(_s: Session, letter: Letter) -> None:
            html, pdf = desk._paths(letter)
            seen.append(html.is_file() and pdf.is_file())  # written before the commit
            raise RuntimeError("the commit failed")

        desk.before_letter_commit = boom
        with pytest.raises(RuntimeError, match="commit failed"):
            desk.acknowledge(case_id, "e3", letter_date=DAY)
        assert seen == [True]
        assert [p for p in (desk_env / "letters").rglob("*") if p.is_file()] == []
        assert desk.letters() == []
