"""Letter 4383 under a crash: the process issuing it dies at each step (``os._exit`` at a
named point, no clean-up of any kind), on SQLite and PostgreSQL. Afterwards the desk holds
either no letter (the withdrawal still pending, nothing returned to Collection) or the
letter with both its files in place; never a row without its files. The repair
(``issue_pending``) then yields the very bytes of a letter issued with no crash."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cdpdesk.desk.models import CollectionReturn, Letter
from cdpdesk.desk.workflow import ORPHAN_GRACE_SECONDS, Desk
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
DAY = dt.date(2024, 6, 14)
STEPS = [
    "rendered",
    "row added",
    "html written",
    "html placed",
    "pdf written",
    "pdf placed",
    "files written",
    "committed",
]
CRASH = 97

ISSUE = textwrap.dedent(
    """
    import datetime as dt, os, sys
    from cdpdesk.desk.workflow import Desk

    desk = Desk.open(sys.argv[1])
    target = sys.argv[2]

    def step(name):
        if name == target:
            os._exit(97)

    desk.on_letter_step = step
    desk.acknowledge(1, "e3", letter_date=dt.date.fromisoformat(sys.argv[3]))
    os._exit(0)
    """
)


def _files(var: Path) -> list[Path]:
    root = var / "letters"
    return sorted(p.resolve() for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The files of the same letter issued with no crash (a database of its own)."""
    var = tmp_path_factory.mktemp("reference") / "var"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CDPDESK_VAR", str(var))
        mp.setenv("CDPDESK_USER", "clerk.a")
        with Desk.open(f"sqlite:///{var / 'cdpdesk.db'}") as desk:
            assert desk.import_case(EXAMPLE.read_bytes()) == 1
            info = desk.acknowledge(1, "e3", letter_date=DAY).letter
            return {"html": info.html.read_bytes(), "pdf": info.pdf.read_bytes()}


@pytest.mark.parametrize("step", STEPS)
def test_a_crash_at_each_step_leaves_the_desk_consistent(
    db_url: str, desk_env: Path, step: str, reference: dict[str, bytes]
) -> None:
    with Desk.open(db_url) as desk:
        assert desk.import_case(EXAMPLE.read_bytes()) == 1
    res = subprocess.run(
        [sys.executable, "-c", ISSUE, db_url, step, DAY.isoformat()],
        capture_output=True,
        timeout=180,
        cwd=ROOT,
    )
    assert res.returncode == CRASH, res.stderr.decode()[-2000:]

    # Straight after the crash, before anything repairs: no row without its files.
    with Desk.open(db_url) as desk:
        with desk._sessions() as s:
            rows = list(s.scalars(select(Letter)))
            returns = s.scalar(select(func.count()).select_from(CollectionReturn))
        if step == "committed":
            assert len(rows) == 1 and returns == 1
            folder = desk_env / "letters" / "case-1"
            stem = f"letter-{rows[0].id}-4383"
            assert hashlib.sha256((folder / f"{stem}.pdf").read_bytes()).hexdigest() == rows[0].sha256
            assert hashlib.sha256((folder / f"{stem}.html").read_bytes()).hexdigest() == rows[0].html_sha256
        else:
            assert rows == [] and returns == 0
            assert desk.stored(1).version == 1
            assert [w["event"] for w in desk.pending_withdrawals()["pending"]] == ["e3"]
    stray = [] if step == "committed" else _files(desk_env)
    if step != "committed":  # files with no row: written before the commit that never came
        assert bool(stray) == (step not in ("rendered", "row added")), stray

    # The repair: stray files old enough are removed, the letter is issued (or kept).
    past = time.time() - ORPHAN_GRACE_SECONDS - 60
    for path in stray:
        os.utime(path, (past, past))
    with Desk.open(db_url) as desk:
        acks = desk.issue_pending(letter_date=DAY)
        infos = desk.letters()
        assert len(infos) == 1
        assert [a.created for a in acks] == ([] if step == "committed" else [True])
        info = infos[0]
        assert info.html.read_bytes() == reference["html"]
        assert info.pdf.read_bytes() == reference["pdf"]
        row = desk.letter(info.id)
        assert row.pdf == reference["pdf"] and row.html == reference["html"]
        assert _files(desk_env) == sorted([info.html, info.pdf])
        assert desk.pending_withdrawals()["pending"] == []
