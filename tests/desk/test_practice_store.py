"""The practitioner's desk parts on SQLite and PostgreSQL: calendar feeds (a token whose
hash alone is stored, one live per user, revocable; migration 0006 up and down) and the
deadlines across the cases a user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import inspect, select, update

from cdpdesk.desk import db
from cdpdesk.desk.accounts import Accounts
from cdpdesk.desk.cases import ANALYSIS_KEY
from cdpdesk.desk.deadlines import CaseDeadline, coming_deadlines_for, deadlines_page
from cdpdesk.desk.demo import load_demo
from cdpdesk.desk.facts import facts_key
from cdpdesk.desk.feeds import CalendarFeed, Feeds, token_hash
from cdpdesk.desk.listing import list_cases
from cdpdesk.desk.models import CaseFacts, DeadlineFact
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine.coming import ACT_BY, KIND_WORDS, coming_deadlines
from tests.desk import migrating


def test_feeds_store_only_a_hash_and_are_revocable(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        accounts = Accounts(desk)
        load_demo(desk, accounts)
        feeds = Feeds(accounts)
        rep = accounts.user("rep")
        sam = accounts.user("sam")
        assert rep is not None and sam is not None
        assert feeds.current(rep) is None
        first = feeds.create(rep)
        assert len(first) >= 40
        assert feeds.account_for(first) == rep
        with desk._sessions() as s:
            rows = list(s.scalars(select(CalendarFeed)))
        assert [r.token_hash for r in rows] == [token_hash(first)]
        assert all(first not in (r.token_hash or "") for r in rows)
        info = feeds.current(rep)
        assert info is not None and info.last_read_at is not None  # read once just now
        # a second user's feed is theirs alone
        other = feeds.create(sam)
        assert feeds.account_for(other) == sam and feeds.account_for(first) == rep
        # a new token revokes the old one; revoke ends the new one too
        second = feeds.create(rep)
        assert feeds.account_for(first) is None and feeds.account_for(second) == rep
        assert feeds.revoke(rep) is True
        assert feeds.account_for(second) is None and feeds.current(rep) is None
        assert feeds.revoke(rep) is False
        for wrong in ("", "x", second[:-1], "a" * 500):
            assert feeds.account_for(wrong) is None
        assert feeds.account_for(other) == sam


def test_migration_0006_goes_down_and_up(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        assert db.current_revision(desk.engine) == db.head_revision()
        with migrating.down_below(desk.engine, "0006") as down:
            assert down == "0005"
            with desk.engine.connect() as conn:
                assert not inspect(conn).has_table("calendar_feeds")
        assert db.current_revision(desk.engine) == db.head_revision()
        with desk.engine.connect() as conn:
            assert inspect(conn).has_table("calendar_feeds")


def test_deadlines_across_the_cases_a_user_may_see(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        accounts = Accounts(desk)
        demo = load_demo(desk, accounts)
        ids = demo["cases"]
        rep = accounts.user("rep")
        assert rep is not None
        mine = accounts.visible_cases(rep)
        assert mine == {ids["eh-withdrawal"], ids["partial-withdrawal"]}
        rows = coming_deadlines_for(desk, mine)
        want = sorted((d.date, cid, d.key) for cid in mine for d in coming_deadlines(desk.analysis(cid)))
        assert [(r.deadline.date, r.case, r.deadline.key) for r in rows] == want
        assert all(r.tin is not None and r.tin.startswith("XX") for r in rows)
        everyone = coming_deadlines_for(desk, None)
        assert {r.case for r in everyone} == set(ids.values()) - {
            cid for cid in ids.values() if not coming_deadlines(desk.analysis(cid))
        }
        csed = coming_deadlines_for(desk, None, kinds={"csed"})
        assert csed and all(r.deadline.kind == "csed" for r in csed)
        assert len(csed) == len([r for r in everyone if r.deadline.kind == "csed"])
        soon = coming_deadlines_for(desk, None, within_days=45)
        assert all(r.deadline.days_left <= 45 for r in soon)
        assert soon == [r for r in everyone if r.deadline.days_left <= 45]
        # the Tax Court petition of the demo's determination (8 days ago): 22 days left, or
        # more when the 30th day rolls past a weekend or holiday (IRC 7503)
        petition = [r for r in everyone if r.deadline.kind == "tax_court_petition"]
        assert [r.case for r in petition] == [ids["determination"]]
        assert 22 <= petition[0].deadline.days_left <= 26
        assert petition[0].as_of == dt.date.today()


@pytest.mark.parametrize("kinds", [set(), {"nope"}])
def test_no_deadline_of_an_unknown_kind(db_url: str, kinds: set[str]) -> None:
    with Desk.open(db_url) as desk:
        load_demo(desk, Accounts(desk))
        assert coming_deadlines_for(desk, None, kinds=kinds) == []


def test_deadlines_are_paged_in_sql_with_their_total(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        load_demo(desk, Accounts(desk))
        everyone = coming_deadlines_for(desk, None)
        assert len(everyone) >= 5
        pages = [deadlines_page(desk, None, page=n, per_page=2) for n in range(1, len(everyone) // 2 + 3)]
        assert all(p.total == len(everyone) for p in pages)
        assert [r for p in pages for r in p.items] == everyone
        assert pages[0].pages == -(-len(everyone) // 2) and pages[-1].items == []
        # days left from the day asked for; dates before it are not coming any more
        later = everyone[2].deadline.date
        on = coming_deadlines_for(desk, None, as_of=later)
        assert on == [
            CaseDeadline(
                r.case,
                r.taxpayer,
                r.tin,
                r.as_of,
                replace(r.deadline, days_left=(r.deadline.date - later).days),
            )
            for r in everyone
            if r.deadline.date >= later
        ]
        assert on[0].deadline.days_left == 0
        within = deadlines_page(desk, None, kinds={"csed", "tax_court_petition"}, within_days=3650)
        want = [
            r
            for r in everyone
            if r.deadline.kind in {"csed", "tax_court_petition"} and r.deadline.days_left <= 3650
        ]
        assert within.items == want and within.total == len(want)


def test_the_case_list_next_date_is_the_next_to_act_by(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        ids = load_demo(desk, Accounts(desk))["cases"]
        today = dt.date.today()
        items = list_cases(desk, None, per_page=100).items
        assert {row["id"] for row in items} == set(ids.values())
        for row in items:
            analysis = desk.analysis(row["id"])
            act = [d for d in coming_deadlines(analysis) if d.kind in ACT_BY and d.date >= today]
            got = row["next_deadline"]
            if not act:
                assert got is None, row["id"]
                continue
            assert (got["date"], got["kind"], got["days_left"], got["rule"]) == (
                act[0].date.isoformat(),
                act[0].kind,
                (act[0].date - today).days,
                act[0].rule,
            )
            assert got["kind"] != "csed"
            first = min(a["csed"] for a in analysis["assessments"])
            assert row["csed"]["date"] == first
        petition = next(row for row in items if row["id"] == ids["determination"])["next_deadline"]
        assert petition["kind"] == "tax_court_petition" and 22 <= petition["days_left"] <= 26


def test_facts_of_the_old_format_are_written_again(db_url: str) -> None:
    """Facts written by issue 11's derive (kinds read off the event type, a CSED as the next
    deadline, no format suffix in the key) are rewritten on first use, with no migration."""
    with Desk.open(db_url) as desk:
        load_demo(desk, Accounts(desk))
        before = [(r.case, r.deadline.key, r.deadline.kind) for r in coming_deadlines_for(desk, None)]
        with desk._tx() as s:
            s.execute(
                update(DeadlineFact).where(DeadlineFact.kind == "tax_court_petition").values(kind="final")
            )
            s.execute(
                update(DeadlineFact).where(DeadlineFact.kind == "cdp_request").values(kind="hearing_request")
            )
            s.execute(update(CaseFacts).values(analysis_key=ANALYSIS_KEY, next_deadline=CaseFacts.csed))
    with Desk.open(db_url) as desk:
        after = [(r.case, r.deadline.key, r.deadline.kind) for r in coming_deadlines_for(desk, None)]
        assert after == before and any(kind == "tax_court_petition" for _, _, kind in after)
        with desk._sessions() as s:
            keys = set(s.scalars(select(CaseFacts.analysis_key)))
            kinds = set(s.scalars(select(DeadlineFact.kind)))
        assert keys == {facts_key(ANALYSIS_KEY)}
        assert kinds <= set(KIND_WORDS) and not kinds & {"final", "hearing_request"}
