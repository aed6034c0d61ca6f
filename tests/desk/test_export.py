"""The desk's export through a file (``refresh.export_all`` and the file route of ``desk
refresh``; ``cdpdesk bulk report --desk`` rolls it up), on SQLite and PostgreSQL.

Its lines are written from the stored documents (desk/documents.py); they are the lines the
cases' facts give, byte for byte as the export wrote them before (issue 11, session 9):
``format``, then ``as_of`` where the case has its own (the later of it and the day),
``policies``, the taxpayer (name, TIN, address, language), the periods with their
assessments, the current events in first-recorded order, and ``as_of`` last where the case
has none. A missing or stale stored document gives the same line, and is stored.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import delete, select, update

from cdpdesk.bulk.runner import run_bulk
from cdpdesk.bulk.synth import synth_cases
from cdpdesk.desk import documents
from cdpdesk.desk.case_language import set_case_language
from cdpdesk.desk.models import Case, CaseDocument, CaseEvent
from cdpdesk.desk.refresh import export_all, refresh
from cdpdesk.desk.workflow import Desk
from tests.conftest import ROOT
from tests.desk.conftest import CASES
from tests.desk.test_cli import Runner

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
POLICIES = ROOT / "tests" / "engine" / "cases" / "63-cdp-floor-off-after-withdrawal-policy.json"
DAY = dt.date(2026, 12, 1)


def _expected(raw: dict[str, Any], events: list[Any], language: str | None) -> dict[str, Any]:
    """The case's document without ``as_of``, from the case file it was imported from, its
    current events and its preferred language: the format, the policies, the taxpayer (name,
    TIN, address, language), the periods with their assessments, the events."""
    doc: dict[str, Any] = {"format": "cdpdesk.case/1"}
    if "policies" in raw:
        doc["policies"] = raw["policies"]
    if "taxpayer" in raw:
        tp = raw["taxpayer"]
        taxpayer: dict[str, Any] = {"name": tp["name"]}
        if "tin" in tp:
            taxpayer["tin"] = tp["tin"]
        taxpayer["address"] = tp["address"]
        if language is not None:
            taxpayer["language"] = language
        doc["taxpayer"] = taxpayer
    doc["periods"] = [
        {
            "id": p["id"],
            "form": p["form"],
            "period_end": p["period_end"],
            "assessments": [
                {k: a[k] for k in ("id", "date", "amount", "irs_csed") if k in a} for a in p["assessments"]
            ],
        }
        for p in raw["periods"]
    ]
    doc["events"] = events
    return doc


def with_as_of(doc: dict[str, Any], as_of: str, second: bool) -> dict[str, Any]:
    """The document with ``as_of`` second (``second``) or last."""
    if not second:
        return doc | {"as_of": as_of}
    return {"format": doc["format"], "as_of": as_of} | doc


class _Made:
    """A small desk written every way a case version is, and what each case should be."""

    def __init__(self, desk: Desk) -> None:
        example = json.loads(EXAMPLE.read_bytes())
        no_as_of = {k: v for k, v in example.items() if k != "as_of"}
        raws = [example, no_as_of, json.loads(POLICIES.read_bytes())["case"]]
        raws += [json.loads(p.read_bytes()) for p in sorted(CASES.glob("*.json"))]
        raws += list(synth_cases(6, 11))
        self.raws = raws
        self.ids = [desk.import_case(json.dumps(r), allow_duplicate=True) for r in raws]
        self.events = {cid: list(r["events"]) for cid, r in zip(self.ids, raws, strict=True)}
        self.language: dict[int, str | None] = {
            cid: r.get("taxpayer", {}).get("language") for cid, r in zip(self.ids, raws, strict=True)
        }
        # a correction keeps the event's place
        corrected = copy.deepcopy(raws[1]["events"][0])
        corrected["date"] = "2024-03-02"
        desk.correct_event(self.ids[1], corrected, note="typo")
        self.events[self.ids[1]][0] = corrected
        # an event added, then retracted
        extra = {"id": "x1", "type": "hearing_withdrawal", "received": "2024-06-20", "request": "r1"}
        desk.add_event(self.ids[5], extra)
        desk.retract_event(self.ids[5], "x1", note="entered on the wrong case")
        # another preferred language
        assert set_case_language(desk, self.ids[4], "es") == "es"
        self.language[self.ids[4]] = "es"
        # a Letter 4383: its event is the case's last, as the desk stored it
        desk.acknowledge(self.ids[0], "e3", letter_date=dt.date(2024, 6, 14))
        with desk._sessions() as s:
            ack = s.scalar(
                select(CaseEvent.payload).where(
                    CaseEvent.case_id == self.ids[0], CaseEvent.event_key == "e3-letter-4383"
                )
            )
            assert ack is not None
            self.events[self.ids[0]].append(json.loads(ack))
            self.versions = dict(s.execute(select(Case.id, Case.version)).all())
            self.log = s.execute(select(CaseEvent.case_id, CaseEvent.event_key, CaseEvent.id)).all()
        assert sorted(set(self.versions.values())) == [1, 2, 3]  # the writes did move versions

    def document(self, cid: int) -> dict[str, Any]:
        return _expected(self.raws[self.ids.index(cid)], self.events[cid], self.language[cid])

    def own_as_of(self, cid: int) -> str | None:
        own: str | None = self.raws[self.ids.index(cid)].get("as_of")
        return own

    def lines(self, day: dt.date) -> bytes:
        """Each case's export line as of ``day``: its own ``as_of`` second (the later of it
        and the day), or ``day`` last when it has none."""
        out = b""
        for cid in self.ids:
            own = self.own_as_of(cid)
            when = day.isoformat() if own is None else max(day, dt.date.fromisoformat(own)).isoformat()
            out += orjson.dumps(with_as_of(self.document(cid), when, own is not None)) + b"\n"
        return out

    def index(self) -> list[list[Any]]:
        """[id, version, {event id: its newest entry}] of each case, from the stored log."""
        out = []
        for cid in self.ids:
            newest: dict[str, int] = {}
            for case_id, key, eid in self.log:
                if case_id == cid:
                    newest[key] = max(eid, newest.get(key, 0))
            out.append([cid, self.versions[cid], {e["id"]: newest[e["id"]] for e in self.events[cid]}])
        return out


def _export(desk: Desk, tmp_path: Path) -> tuple[bytes, list[list[Any]]]:
    cases, index = tmp_path / "cases.jsonl", tmp_path / "index.jsonl"
    export_all(desk, DAY, cases, index)
    assert cases.stat().st_mode & 0o777 == 0o600 and index.stat().st_mode & 0o777 == 0o600
    return cases.read_bytes(), [json.loads(line) for line in index.read_bytes().splitlines()]


def test_the_export_writes_each_case_as_its_facts_give_it(db_url: str, tmp_path: Path) -> None:
    with Desk.open(db_url) as desk:
        made = _Made(desk)
        assert _export(desk, tmp_path) == (made.lines(DAY), made.index())


def test_a_missing_or_stale_stored_document_gives_the_same_line_and_is_stored(
    db_url: str, tmp_path: Path
) -> None:
    with Desk.open(db_url) as desk:
        made = _Made(desk)
        with desk._tx() as s:
            s.execute(delete(CaseDocument).where(CaseDocument.case_id.in_(made.ids[:2])))
            s.execute(
                update(CaseDocument)
                .where(CaseDocument.case_id == made.ids[3])
                .values(case_version=CaseDocument.case_version - 1, document="not a document")
            )
        assert _export(desk, tmp_path) == (made.lines(DAY), made.index())
        with desk._sessions() as s:
            stored = dict(s.execute(select(CaseDocument.case_id, CaseDocument.case_version)).all())
            assert stored == made.versions  # each stored again, of the case's version
            texts = dict(s.execute(select(CaseDocument.case_id, CaseDocument.document)).all())
            assert {cid: t.encode() for cid, t in texts.items()} == {
                cid: text for cid, (_v, text, _e) in documents.build(s, made.ids).items()
            }


def test_the_refresh_through_a_file_analyses_those_lines(db_url: str, tmp_path: Path) -> None:
    seen: list[bytes] = []

    def analyse(src: Path, out: Path, day: dt.date, errors: Path) -> object:
        seen.append(src.read_bytes())
        return run_bulk(src, out, default_as_of=day, workers=1, errors_path=errors)

    with Desk.open(db_url) as desk:
        made = _Made(desk)
        stats = refresh(desk, DAY, analyse, everything=True)
        assert (stats.todo, stats.written, stats.errors) == (len(made.ids), len(made.ids), 0)
        assert seen == [made.lines(DAY)]


def test_the_bulk_report_on_the_desk_is_the_report_of_those_lines(tmp_path: Path) -> None:
    """``bulk report --desk`` gives what ``bulk analyze`` and ``bulk report`` give for the
    lines the cases' facts give."""
    (tmp_path / "var").mkdir()
    with Desk.open(f"sqlite:///{tmp_path / 'var' / 'cdpdesk.db'}") as desk:
        made = _Made(desk)
    (tmp_path / "expected.jsonl").write_bytes(made.lines(DAY))
    run = Runner(tmp_path, None)
    on_desk = run("bulk", "report", "--desk", "--as-of", DAY.isoformat(), "--json", "-w", "1").stdout
    run("bulk", "analyze", "expected.jsonl", "analyses.jsonl", "--workers", "1", "--no-progress")
    from_lines = run("bulk", "report", "analyses.jsonl", "--as-of", DAY.isoformat(), "--json", "-w", "1")
    assert json.loads(on_desk)["cases"] == len(made.ids)
    assert on_desk == from_lines.stdout
