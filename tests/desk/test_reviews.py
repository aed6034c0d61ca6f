"""The review list stored with a case taken in from transcripts (issue 17): stored with the
case in one transaction, read back item for item, confirmed and resolved with a log.
Each test runs against SQLite and PostgreSQL (see conftest)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from cdpdesk.desk import db
from cdpdesk.desk.accounts import Accounts
from cdpdesk.desk.intake import DuplicateCaseError
from cdpdesk.desk.models import Case
from cdpdesk.desk.record import DeskError, NotFoundError
from cdpdesk.desk.reviews import CaseReview, act_on_review, reviews_for, store_with_review
from cdpdesk.desk.workflow import Desk
from cdpdesk.transcripts import import_texts

DATA = Path(__file__).resolve().parents[1] / "transcripts" / "data"


def imported():
    files = sorted(DATA.glob("quinn-*.txt"))
    return import_texts([(p.name, p.read_text()) for p in files], name="Avery Quinn", tin="123-45-6789")


def test_the_review_list_is_stored_with_the_case_item_for_item(db_url: str) -> None:
    got = imported()
    with Desk.open(db_url) as desk:
        assert db.current_revision(desk.engine) == db.head_revision()
        result = store_with_review(
            desk, orjson.dumps(got.case), [r.to_json() for r in got.review], source="transcripts: quinn"
        )
        assert result.case is not None
        stored = reviews_for(desk, result.case)
        assert [(s.source, s.line, s.kind, s.code, s.reason, s.text) for s in stored] == [
            (r.source, r.line, r.kind, r.code, r.reason, r.text) for r in got.review
        ]
        assert len(stored) == len(got.review) == 13
        assert {s.status for s in stored} == {"open"}
        assert [(h.action, h.by) for h in stored[0].history] == [("listed", "clerk.a")]
        # the case itself is as imported, and no other case has a review list
        assert desk.stored(result.case).data["taxpayer"]["tin"] == "123-45-6789"
        other = desk.import_one(
            (Path(__file__).resolve().parents[2] / "examples" / "withdrawal-cdp.json").read_bytes()
        )
        assert reviews_for(desk, other.case) == []


def test_confirm_then_resolve_is_logged_and_a_resolved_item_stays_resolved(db_url: str) -> None:
    got = imported()
    with Desk.open(db_url) as desk:
        case_id = store_with_review(desk, orjson.dumps(got.case), [r.to_json() for r in got.review]).case
        assert case_id is not None
        first, second = reviews_for(desk, case_id)[:2]
        done = act_on_review(desk, case_id, first.id, "confirm", by="rep.b", note="read right")
        assert done.status == "confirmed"
        assert [(h.action, h.by, h.note) for h in done.history] == [
            ("listed", "clerk.a", None),
            ("confirmed", "rep.b", "read right"),
        ]
        done = act_on_review(desk, case_id, first.id, "resolve", by="clerk.c")
        assert done.status == "resolved" and done.history[-1].action == "resolved"
        with pytest.raises(DeskError, match="already resolved"):
            act_on_review(desk, case_id, first.id, "confirm")
        with pytest.raises(DeskError, match="already confirmed"):
            act_on_review(desk, case_id, second.id, "confirm")
            act_on_review(desk, case_id, second.id, "confirm")
        with pytest.raises(DeskError, match="action: expected one of confirm, resolve"):
            act_on_review(desk, case_id, second.id, "delete")
        with pytest.raises(NotFoundError, match=f"case {case_id} has no review item 999999"):
            act_on_review(desk, case_id, 999999, "confirm")
        with pytest.raises(DeskError, match="must not hold a taxpayer identification number"):
            act_on_review(desk, case_id, second.id, "resolve", note="TIN 123-45-6789 checked")
        # acting on an item never changes the case's version (not a fact of the case)
        assert desk.stored(case_id).version == 1


def test_a_refused_duplicate_stores_neither_case_nor_review(db_url: str) -> None:
    got = imported()
    body = orjson.dumps(got.case)
    items = [r.to_json() for r in got.review]
    with Desk.open(db_url) as desk:
        store_with_review(desk, body, items)
        with pytest.raises(DuplicateCaseError):
            store_with_review(desk, body, items)
        with desk._sessions() as s:
            assert s.scalar(select(func.count()).select_from(Case)) == 1
            assert s.scalar(select(func.count()).select_from(CaseReview)) == len(items)


def test_a_bad_review_item_stores_nothing(db_url: str) -> None:
    got = imported()
    items = [r.to_json() for r in got.review] + [{"kind": "whatever", "line": 3}]
    with Desk.open(db_url) as desk:
        with pytest.raises(DeskError, match=r"review\[13\]\.kind"):
            store_with_review(desk, orjson.dumps(got.case), items)
        with desk._sessions() as s:
            assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_a_representative_who_takes_it_in_is_linked_in_the_same_transaction(db_url: str) -> None:
    got = imported()
    with Desk.open(db_url) as desk:
        accounts = Accounts(desk)
        rep = accounts.create_user("rep.b", "Rep B", "representative", "a long enough password 1")
        case_id = store_with_review(
            desk, orjson.dumps(got.case), [r.to_json() for r in got.review], by="rep.b", link_to="rep.b"
        ).case
        assert accounts.linked_cases(rep) == [case_id]
        with pytest.raises(NotFoundError, match="no user 'nobody'"):
            store_with_review(
                desk, orjson.dumps(got.case), [], by="x", link_to="nobody", allow_duplicate=True
            )
        with desk._sessions() as s:
            assert s.scalar(select(func.count()).select_from(Case)) == 1
