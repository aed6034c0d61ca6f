"""Derived facts and the lists read from them: written with every case version, the same as
the engine's analysis, filtered, searched, sorted and paged in SQL. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from cdpdesk.desk import cases as cases_module
from cdpdesk.desk.deadlines import deadlines_page
from cdpdesk.desk.listing import QueryError, list_cases
from cdpdesk.desk.models import CaseFacts, DeadlineFact, HearingFact, NameTerm, WithdrawalFact
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine.coming import ACT_BY, kind_of
from tests.conftest import ROOT
from tests.desk import migrating
from tests.desk.conftest import CASES

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"  # Avery Quinn, CDP hearing withdrawn
EQUIVALENT = CASES / "equivalent.json"  # Riley Chen (EIN ..6789), equivalent hearing withdrawn
ORAL = CASES / "oral.json"  # Sam Ortiz (..3456), CDP hearing pending, oral withdrawal
PARTIAL = CASES / "partial-lien-levy.json"  # Morgan Lee (..4321), two periods, one withdrawn


def _four(desk: Desk) -> dict[str, int]:
    return {
        "avery": desk.import_case(EXAMPLE.read_bytes()),
        "riley": desk.import_case(EQUIVALENT.read_bytes()),
        "sam": desk.import_case(ORAL.read_bytes()),
        "morgan": desk.import_case(PARTIAL.read_bytes()),
    }


def _ids(page: Any) -> list[int]:
    return [row["id"] for row in page.items]


def test_facts_are_the_analysis_in_rows(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        ids = _four(desk)
        for cid in ids.values():
            analysis = desk.analysis(cid)
            with desk._sessions() as s:
                f = s.get(CaseFacts, cid)
                assert f is not None and f.case_version == 1
                assert f.as_of.isoformat() == analysis["as_of"]
                assert f.stage == analysis["stage"]["id"]
                # the next day to act by (a request or a petition), never a CSED
                act_by = [d["date"] for d in analysis["deadlines"] if kind_of(d) in ACT_BY]
                assert (f.next_deadline.isoformat() if f.next_deadline else None) == (
                    act_by[0] if act_by else None
                )
                stored = s.scalars(
                    select(DeadlineFact.kind)
                    .where(DeadlineFact.case_id == cid)
                    .order_by(DeadlineFact.position)
                ).all()
                assert stored == [kind_of(d) for d in analysis["deadlines"]]  # the engine's kinds
                first = min(analysis["assessments"], key=lambda a: a["csed"])
                assert (f.csed.isoformat() if f.csed else None, f.csed_lower_bound) == (
                    first["csed"],
                    first["open"],
                )
                hearings = s.execute(
                    select(HearingFact.type, HearingFact.status)
                    .where(HearingFact.case_id == cid)
                    .order_by(HearingFact.position)
                ).all()
                assert [tuple(h) for h in hearings] == [
                    (h["type"], h["status"]) for h in analysis["hearings"]
                ]
                dates = s.scalars(
                    select(DeadlineFact.date)
                    .where(DeadlineFact.case_id == cid)
                    .order_by(DeadlineFact.position)
                ).all()
                assert [d.isoformat() for d in dates] == [d["date"] for d in analysis["deadlines"]]
        with desk._sessions() as s:
            terms = set(s.scalars(select(NameTerm.term).where(NameTerm.case_id == ids["riley"])))
            last4 = s.scalar(select(CaseFacts.tin_last4).where(CaseFacts.case_id == ids["riley"]))
        assert terms == {"riley", "chen"} and last4 == "6789"


def test_an_event_writes_its_facts_with_its_version_and_runs_the_engine_once(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Desk.open(db_url) as desk:
        sam = desk.import_case(ORAL.read_bytes())
        assert [w["event"] for w in desk.pending_withdrawals()["waiting_for_writing"]] == ["e3"]
        calls: list[int] = []
        real = cases_module.analyze

        def counting(*args: Any, **kw: Any) -> Any:
            calls.append(1)
            return real(*args, **kw)

        monkeypatch.setattr(cases_module, "analyze", counting)
        # the written, signed withdrawal: the CDP hearing ends, the queue has it at once
        done = desk.add_event(
            sam, {"id": "e4", "type": "hearing_withdrawal", "received": "2024-05-08", "request": "e2"}
        )
        assert calls == [1]
        shown = desk.show(sam)  # the analysis the write ran is cached with the new version
        assert calls == [1]
        with desk._sessions() as s:
            f = s.get(CaseFacts, sam)
            assert f is not None and f.case_version == done["version"] == 2
            assert f.stage == shown["analysis"]["stage"]["id"] == "withdrawn"
            statuses = set(s.scalars(select(HearingFact.status).where(HearingFact.case_id == sam)))
            assert statuses == {"withdrawn"}
        queue = desk.pending_withdrawals(today=dt.date(2024, 5, 18))
        assert [(w["case"], w["event"], w["days_waiting"]) for w in queue["pending"]] == [(sam, "e4", 10)]
        assert queue["waiting_for_writing"] == []  # its hearing is no longer pending
        # a retraction puts the case back
        desk.retract_event(sam, "e4", note="entered on the wrong case")
        assert desk.pending_withdrawals()["pending"] == []
        assert [w["event"] for w in desk.pending_withdrawals()["waiting_for_writing"]] == ["e3"]


def test_acknowledging_takes_the_withdrawal_off_the_queue_in_the_same_transaction(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        ids = _four(desk)
        before = desk.withdrawal_page(per_page=2, today=dt.date(2024, 6, 14))
        assert before["total"] == 3 and before["pages"] == 2
        assert [(w["case"], w["days_waiting"]) for w in before["pending"]] == [
            (ids["riley"], 25),
            (ids["avery"], 4),
        ]
        page2 = desk.withdrawal_page(page=2, per_page=2, today=dt.date(2024, 6, 14))
        assert [(w["case"], w["event"], w["partial"]) for w in page2["pending"]] == [
            (ids["morgan"], "w1", True)
        ]
        assert before["waiting_total"] == 1 and before["waiting_for_writing"][0]["case"] == ids["sam"]
        desk.acknowledge(ids["riley"], "e3", letter_date=dt.date(2024, 6, 14))
        after = desk.withdrawal_page(per_page=2)
        assert after["total"] == 2
        assert [w["case"] for w in after["pending"]] == [ids["avery"], ids["morgan"]]
        with desk._sessions() as s:
            version = s.scalar(select(CaseFacts.case_version).where(CaseFacts.case_id == ids["riley"]))
        assert version == desk.stored(ids["riley"]).version == 2


def test_list_filters_search_sorts_and_pages_in_sql(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        ids = _four(desk)
        everyone = list_cases(desk, None)
        assert everyone.total == 4 and _ids(everyone) == sorted(ids.values())
        assert _ids(list_cases(desk, None, stage="in_appeals")) == [ids["sam"], ids["morgan"]]
        assert _ids(list_cases(desk, None, hearing_status="pending")) == [ids["sam"], ids["morgan"]]
        assert _ids(list_cases(desk, None, hearing_status="withdrawn")) == [
            ids["avery"],
            ids["riley"],
            ids["morgan"],
        ]
        # the earliest CSEDs: Avery and Morgan 2031-02-01, Riley 2033-03-13, Sam's later
        assert _ids(list_cases(desk, None, csed_before=dt.date(2031, 2, 2))) == [ids["avery"], ids["morgan"]]
        assert _ids(list_cases(desk, None, csed_before=dt.date(2031, 2, 1))) == []
        by_csed = list_cases(desk, None, sort="csed")
        assert _ids(by_csed) == [ids["avery"], ids["morgan"], ids["riley"], ids["sam"]]
        assert _ids(list_cases(desk, None, sort="-csed")) == [
            ids["sam"],
            ids["riley"],
            ids["morgan"],
            ids["avery"],
        ]
        # the name as written, folded: Avery Quinn, Morgan Lee, Riley Chen, Sam Ortiz
        assert _ids(list_cases(desk, None, sort="taxpayer")) == [
            ids["avery"],
            ids["morgan"],
            ids["riley"],
            ids["sam"],
        ]
        # deadlines within N days of a given day (the CSEDs are the coming dates here)
        day = dt.date(2031, 1, 1)
        assert _ids(list_cases(desk, None, deadline_within=31, today=day)) == [ids["avery"], ids["morgan"]]
        assert _ids(list_cases(desk, None, deadline_within=30, today=day)) == []
        # search: name words by their start, the case id, the TIN's last four
        assert _ids(list_cases(desk, None, q="riley")) == [ids["riley"]]
        assert _ids(list_cases(desk, None, q="  CHE ")) == [ids["riley"]]
        assert _ids(list_cases(desk, None, q="morgan lee")) == [ids["morgan"]]
        assert _ids(list_cases(desk, None, q="morgan chen")) == []
        assert _ids(list_cases(desk, None, q="4321")) == [ids["morgan"]]
        assert _ids(list_cases(desk, None, q="3456")) == [ids["sam"]]
        assert _ids(list_cases(desk, None, q=str(ids["sam"]))) == [ids["sam"]]
        for full in ("987-65-4321", "987654321", "12-3456789", "987 65 4321"):
            with pytest.raises(QueryError, match="last four digits") as err:
                list_cases(desk, None, q=full)
            assert "4321" not in str(err.value) and "6789" not in str(err.value)
        # filters together, visibility, paging
        assert _ids(list_cases(desk, None, stage="in_appeals", q="sam")) == [ids["sam"]]
        assert _ids(list_cases(desk, {ids["riley"], ids["sam"]}, hearing_status="pending")) == [ids["sam"]]
        assert _ids(list_cases(desk, set())) == []
        pages = [list_cases(desk, None, sort="-id", page=n, per_page=3) for n in (1, 2, 3)]
        assert [_ids(p) for p in pages] == [
            [ids["morgan"], ids["sam"], ids["riley"]],
            [ids["avery"]],
            [],
        ]
        assert pages[0].total == 4 and pages[0].pages == 2
        row = everyone.items[0]
        assert row["tin"] == "XXX-XX-6789" and row["periods"] == ["1040-2019"]
        # nothing left to request or petition: no "next date", the CSED in its own column
        assert row["next_deadline"] is None and row["csed"] == {
            "date": "2031-02-01",
            "lower_bound": False,
        }
        for bad in ({"stage": "nowhere"}, {"hearing_status": "lost"}, {"sort": "tin"}):
            with pytest.raises(QueryError):
                list_cases(desk, None, **bad)


def test_coming_deadlines_across_cases(db_url: str) -> None:
    start, end = dt.date(2031, 1, 1), dt.date(2033, 12, 31)
    days = (end - start).days
    with Desk.open(db_url) as desk:
        ids = _four(desk)
        found = deadlines_page(desk, None, as_of=start, within_days=days)
        got = [(d.case, d.deadline.date.isoformat(), d.deadline.kind) for d in found.items]
        assert got == [
            (ids["avery"], "2031-02-01", "csed"),
            (ids["morgan"], "2031-02-01", "csed"),
            (ids["riley"], "2033-03-13", "csed"),
        ]
        assert found.total == 3 and found.total_exact and found.items[0].taxpayer == "Avery Quinn"
        assert found.items[0].deadline.days_left == 31
        mine = deadlines_page(desk, {ids["riley"]}, as_of=start, within_days=days)
        assert [d.case for d in mine.items] == [ids["riley"]]


def test_cases_stored_before_the_facts_get_them_on_first_use(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        ids = _four(desk)
        # back to revision 0004, as a desk made before this one would be ...
        migrating.downgrade_to(desk.engine, "0004")
    # ... then opened by this version: the migration runs, and the first list fills the facts
    with Desk.open(db_url) as desk:
        with desk._sessions() as s:
            assert s.scalar(select(func.count()).select_from(CaseFacts)) == 0
        assert _ids(list_cases(desk, None, stage="in_appeals")) == [ids["sam"], ids["morgan"]]
        assert [w["case"] for w in desk.pending_withdrawals()["pending"]] == [
            ids["riley"],
            ids["avery"],
            ids["morgan"],
        ]
        # facts lost or left behind by another writer are found again by a new desk object
        with desk._tx() as s:
            s.execute(delete(WithdrawalFact).where(WithdrawalFact.case_id == ids["avery"]))
            s.execute(delete(CaseFacts).where(CaseFacts.case_id == ids["avery"]))
    with Desk.open(db_url) as desk:
        assert list_cases(desk, None).total == 4
        assert len(desk.pending_withdrawals()["pending"]) == 3
