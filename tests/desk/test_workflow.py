"""The withdrawal workflow: pending, acknowledge once (also in parallel), nothing
half-issued, oral withdrawals wait. Each test runs against SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from importlib.metadata import version as dist_version
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cdpdesk.desk.models import CollectionReturn, Letter
from cdpdesk.desk.record import DeskError
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine import ENGINE_VERSION
from tests.conftest import ROOT
from tests.desk.conftest import CASES
from tests.desk.workers import acknowledge_at_once

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
DAY = dt.date(2024, 6, 14)


def _count(desk: Desk, model: type[Letter] | type[CollectionReturn]) -> int:
    with desk._sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_pending_lists_written_withdrawals_oldest_first_and_orals_wait(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        a = desk.import_case(EXAMPLE.read_bytes())
        b = desk.import_case((CASES / "equivalent.json").read_bytes())
        c = desk.import_case((CASES / "oral.json").read_bytes())
        d = desk.import_case((CASES / "partial-lien-levy.json").read_bytes())
        pending = desk.pending_withdrawals()
        got = [(w["case"], w["event"], w["received"], w["hearing"]) for w in pending["pending"]]
        assert got == [
            (b, "e3", "2024-05-20", "equivalent hearing (levy)"),
            (a, "e3", "2024-06-10", "CDP hearing (levy)"),
            (d, "w1", "2024-06-10", "CDP hearing (lien and levy)"),
        ]
        assert pending["pending"][2]["partial"] is True
        assert [(w["case"], w["event"], w["status"]) for w in pending["waiting_for_writing"]] == [
            (c, "e3", "waiting_for_writing")
        ]
        with pytest.raises(DeskError, match="is oral"):
            desk.acknowledge(c, "e3", letter_date=DAY)
        assert _count(desk, Letter) == 0
        # the written, signed withdrawal arrives: recorded as a new event, then pending
        desk.add_event(
            c, {"id": "e4", "type": "hearing_withdrawal", "received": "2024-05-08", "request": "e2"}
        )
        pending = desk.pending_withdrawals()
        assert (c, "e4") in {(w["case"], w["event"]) for w in pending["pending"]}
        assert pending["waiting_for_writing"] == []


def test_acknowledge_issues_once_and_marks_periods_returned(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        first = desk.acknowledge(case_id, "e3", by="clerk.a", letter_date=DAY)
        again = desk.acknowledge(case_id, "e3", by="clerk.b")
        assert first.created and not again.created
        assert again.letter == first.letter
        assert first.letter.number == "4383" and first.letter.issued_by == "clerk.a"
        pdf = first.letter.pdf.read_bytes()
        assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == first.letter.sha256
        assert first.letter.html.read_bytes().startswith(b"<!DOCTYPE html>")
        assert _count(desk, Letter) == 1
        shown = desk.show(case_id)
        assert shown["case"]["returned_to_collection"] == [
            {"period": "1040-2019", "parts": "levy", "on": "2024-06-14", "letter": first.letter.id}
        ]
        assert desk.pending_withdrawals()["pending"] == []
        # the stored letter keeps its snapshot (masked TIN only) and never changes
        row = desk.letter(first.letter.id)
        snap = orjson.loads(row.snapshot)
        assert snap["taxpayer"]["tin_masked"] == "XXX-XX-6789"
        # what made its bytes: the engine, the holiday table and the PDF engine
        assert row.engine_version == (
            f"{ENGINE_VERSION}+holidays-{dist_version('holidays')}+weasyprint-{dist_version('weasyprint')}"
        )
        assert b"123-45-6789" not in row.snapshot.encode() + row.html + row.pdf
        # a deleted file is written again, byte for byte, from the database
        first.letter.pdf.unlink()
        assert desk.letter_files(first.letter.id).pdf.read_bytes() == pdf
        # the acknowledged withdrawal cannot be corrected in place
        with pytest.raises(DeskError, match="never changes"):
            desk.correct_event(
                case_id, {"id": "e3", "type": "hearing_withdrawal", "received": "2024-06-11", "request": "e2"}
            )


def test_reprint_from_the_snapshot_gives_the_same_bytes(db_url: str) -> None:
    from cdpdesk.letters.render import render_4383

    with Desk.open(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        info = desk.acknowledge(case_id, "e3", letter_date=DAY).letter
        row = desk.letter(info.id)
    again = render_4383(orjson.loads(row.snapshot))
    assert again.pdf == row.pdf and again.html == row.html


def test_a_failure_while_issuing_leaves_no_half_issued_letter(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())

        def boom(_s: Session, _letter: Letter) -> None:
            raise RuntimeError("the disk filled up")

        desk.before_letter_commit = boom
        with pytest.raises(RuntimeError, match="disk filled"):
            desk.acknowledge(case_id, "e3", letter_date=DAY)
        assert _count(desk, Letter) == 0 and _count(desk, CollectionReturn) == 0
        assert desk.stored(case_id).version == 1
        assert len(desk.pending_withdrawals()["pending"]) == 1
        desk.before_letter_commit = None
        assert desk.acknowledge(case_id, "e3", letter_date=DAY).created


def test_a_clerk_who_loses_the_race_gets_the_winners_letter(db_url: str) -> None:
    """Deterministic race: another clerk's letter commits between our render and our insert."""
    with Desk.open(db_url) as desk, Desk.open(db_url) as other:
        case_id = desk.import_case(EXAMPLE.read_bytes())
        won: list[int] = []
        from cdpdesk.letters import render

        real = render.render_4383

        def render_then_lose(snapshot: dict[str, object]) -> render.Rendered:
            out = real(snapshot)
            if not won:
                won.append(0)  # the other clerk's own render must not race again
                won[0] = other.acknowledge(case_id, "e3", by="clerk.b", letter_date=DAY).letter.id
            return out

        render.render_4383 = render_then_lose  # type: ignore[assignment]
        try:
            ack = desk.acknowledge(case_id, "e3", by="clerk.a", letter_date=DAY)
        finally:
            render.render_4383 = real  # type: ignore[assignment]
        assert not ack.created and ack.letter.id == won[0] and ack.letter.issued_by == "clerk.b"
        assert _count(desk, Letter) == 1 and _count(desk, CollectionReturn) == 1


def test_parallel_clerks_get_one_letter(db_url: str, desk_env: Path) -> None:
    with Desk.open(db_url) as desk:
        case_id = desk.import_case(EXAMPLE.read_bytes())
    clerks = 3
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(clerks)
        with ProcessPoolExecutor(clerks, mp_context=ctx) as pool:
            futures = [
                pool.submit(
                    partial(acknowledge_at_once, db_url, str(desk_env), case_id, "e3", barrier, f"clerk.{i}")
                )
                for i in range(clerks)
            ]
            results = [f.result(timeout=120) for f in futures]
    assert sorted(r["created"] for r in results) == [False] * (clerks - 1) + [True]
    assert len({r["letter"]["id"] for r in results}) == 1
    assert len({r["letter"]["sha256"] for r in results}) == 1
    with Desk.open(db_url) as desk:
        assert _count(desk, Letter) == 1 and _count(desk, CollectionReturn) == 1


def test_issue_pending_does_them_all_and_is_idempotent(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        for name in ("equivalent.json", "partial-lien-levy.json", "oral.json"):
            desk.import_case((CASES / name).read_bytes())
        seen: list[tuple[int, int]] = []
        acks = desk.issue_pending(letter_date=DAY, progress=lambda i, n, _item: seen.append((i, n)))
        assert [a.created for a in acks] == [True, True]
        assert seen == [(1, 2), (2, 2)]
        assert desk.issue_pending(letter_date=DAY) == []
        partial_returns = desk.show(2)["case"]["returned_to_collection"]
        assert partial_returns == [
            {"period": "1040-2019", "parts": "lien and levy", "on": "2024-06-14", "letter": acks[1].letter.id}
        ]


def _withdrawals(desk: Desk, count: int) -> None:
    """``count`` cases, each with a written withdrawal waiting for its letter."""
    doc = orjson.loads(EXAMPLE.read_bytes())
    for i in range(count):
        doc["taxpayer"]["tin"] = f"400-10-{1000 + i}"
        desk.import_case(orjson.dumps(doc))


def test_two_workers_issue_every_letter_once(db_url: str) -> None:
    from cdpdesk.desk.record import NotFoundError

    n = 5
    with Desk.open(db_url) as desk:
        _withdrawals(desk, n)
        seen: list[int] = []
        acks = desk.issue_pending(letter_date=DAY, workers=2, progress=lambda i, _n, _item: seen.append(i))
        assert [a.created for a in acks] == [True] * n
        assert [(a.letter.case, a.letter.withdrawal) for a in acks] == [(c, "e3") for c in range(1, n + 1)]
        assert sorted(seen) == list(range(1, n + 1))
        assert _count(desk, Letter) == n and _count(desk, CollectionReturn) == n
        for a in acks:
            assert hashlib.sha256(a.letter.pdf.read_bytes()).hexdigest() == a.letter.sha256
            assert a.letter.date == DAY
        assert desk.issue_pending(letter_date=DAY, workers=2) == []
        # a worker's error comes back whole (the type and its message)
        from cdpdesk.desk.issuing import issue_in_parallel

        with pytest.raises(NotFoundError, match="case 1 has no event 'nope'"):
            issue_in_parallel(
                desk, [{"case": 1, "event": "nope"}] * 2, workers=2, by="clerk.a", letter_date=DAY
            )


def test_two_parallel_runs_at_once_still_issue_each_letter_once(db_url: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    n = 4
    with Desk.open(db_url) as desk:
        _withdrawals(desk, n)
    env = {k: v for k, v in os.environ.items() if k != "CDPDESK_DATABASE_URL"}
    env |= {"CDPDESK_DATABASE_URL": db_url}
    cmd = [sys.executable, "-m", "cdpdesk", "letters", "issue-pending", "--workers", "2", "--json"]
    runs = [
        subprocess.Popen(
            cmd + ["--date", DAY.isoformat()], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        for _ in range(2)
    ]
    outs = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], [o[1] for o in outs]
    answers = [orjson.loads(o[0]) for o in outs]
    assert sum(a["issued"] for a in answers) == n
    letters = [x["letter"] for a in answers for x in a["letters"]]
    ids = {(x["case"], x["withdrawal"]): x["id"] for x in letters}
    assert len(ids) == n
    for a in answers:  # whoever came second got the first one's letter
        assert all(
            ids[(x["letter"]["case"], x["letter"]["withdrawal"])] == x["letter"]["id"] for x in a["letters"]
        )
    with Desk.open(db_url) as desk:
        assert _count(desk, Letter) == n and _count(desk, CollectionReturn) == n
