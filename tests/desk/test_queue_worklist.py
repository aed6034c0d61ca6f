"""The queue as a work list (issue 13, item 4): filters by age, hearing type, clerk and
search, assignments (migration 0008), and "issue all" in batches; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from cdpdesk.desk.listing import QueryError
from cdpdesk.desk.models import Letter
from cdpdesk.desk.record import NotFoundError
from cdpdesk.desk.workflow import Desk
from tests.conftest import ROOT
from tests.desk.conftest import CASES

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
TODAY = dt.date(2024, 6, 20)
DAY = dt.date(2024, 6, 21)


def _three(desk: Desk) -> tuple[int, int, int, int]:
    a = desk.import_case(EXAMPLE.read_bytes())  # Avery Quinn, CDP (levy), received 2024-06-10
    b = desk.import_case((CASES / "equivalent.json").read_bytes())  # Riley Chen, equivalent, 05-20
    c = desk.import_case((CASES / "oral.json").read_bytes())  # Sam Ortiz, oral
    d = desk.import_case((CASES / "partial-lien-levy.json").read_bytes())  # Morgan Lee, ..4321, 06-10
    return a, b, c, d


def _cases(desk: Desk, **kw: object) -> list[int]:
    page = desk.withdrawal_page(today=TODAY, **kw)  # type: ignore[arg-type]
    assert page["total"] == len(page["pending"])
    return [w["case"] for w in page["pending"]]


def test_filters_by_age_hearing_type_and_search(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        a, b, c, d = _three(desk)
        assert _cases(desk) == [b, a, d]
        assert [w["days_waiting"] for w in desk.withdrawal_page(today=TODAY)["pending"]] == [31, 10, 10]
        # "waiting more than N days": 10 days is not more than 10
        assert _cases(desk, older_than=10) == [b]
        assert _cases(desk, older_than=9) == [b, a, d]
        assert _cases(desk, older_than=31) == []
        assert _cases(desk, hearing="equivalent") == [b]
        assert _cases(desk, hearing="cdp") == [a, d]
        assert _cases(desk, hearing="cdp", older_than=20) == []
        assert _cases(desk, q="riley") == [b]
        assert _cases(desk, q="4321") == [d]
        assert _cases(desk, q=str(a)) == [a]
        assert _cases(desk, q="nobody") == []
        # the oral withdrawal is filtered alike
        assert desk.withdrawal_page(today=TODAY, q="ortiz")["waiting_total"] == 1
        assert desk.withdrawal_page(today=TODAY, q="riley")["waiting_total"] == 0
        with pytest.raises(QueryError, match="full taxpayer identification number") as exc:
            desk.withdrawal_page(today=TODAY, q="987654321")
        assert "987654321" not in str(exc.value)
        with pytest.raises(QueryError, match="query.hearing"):
            desk.withdrawal_page(today=TODAY, hearing="lien")
        with pytest.raises(QueryError, match="query.older_than"):
            desk.withdrawal_page(today=TODAY, older_than=-1)
        assert c  # (imported for its oral withdrawal)


def test_assign_mine_and_unassign(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        a, b, _c, d = _three(desk)
        desk.assign(a, "e3", "Clerk.B", by="lead")
        desk.assign(d, "w1", "clerk.a", by="lead")
        desk.assign(d, "w1", "clerk.b", by="lead")  # reassigned: one clerk at a time
        assert _cases(desk, assigned_to="clerk.b") == [a, d]
        assert _cases(desk, assigned_to="clerk.a") == []
        assert _cases(desk, assigned_to="") == [b]
        row = desk.withdrawal_page(today=TODAY)["pending"][1]
        assert (row["case"], row["assigned_to"]) == (a, "clerk.b")
        assert row["assigned_at"] is not None
        assert desk.withdrawal_page(today=TODAY)["pending"][0]["assigned_to"] is None
        assert desk.unassign(a, "e3") is True
        assert desk.unassign(a, "e3") is False
        assert _cases(desk, assigned_to="clerk.b") == [d]
        with pytest.raises(NotFoundError, match="no withdrawal 'e9' in the queue"):
            desk.assign(a, "e9", "clerk.b")
        # acknowledged: off the queue, and no longer on anyone's list
        desk.acknowledge(d, "w1", letter_date=DAY)
        assert _cases(desk, assigned_to="clerk.b") == []
        with pytest.raises(NotFoundError):
            desk.assign(d, "w1", "clerk.b")


def test_issue_next_in_batches_issues_each_letter_once(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        a, b, _c, d = _three(desk)
        done, left = desk.issue_next(2, by="clerk.a", letter_date=DAY)
        assert [(x.letter.case, x.created) for x in done] == [(b, True), (a, True)]
        assert left == 1
        done, left = desk.issue_next(2, by="clerk.a", letter_date=DAY)
        assert [(x.letter.case, x.created) for x in done] == [(d, True)]
        assert left == 0
        done, left = desk.issue_next(2, by="clerk.a", letter_date=DAY)
        assert (done, left) == ([], 0)
        with desk._sessions() as s:
            assert s.scalar(select(func.count()).select_from(Letter)) == 3
