"""The practitioner's desk parts on SQLite and PostgreSQL: calendar feeds (a token whose
hash alone is stored, one live per user, revocable; migration 0006 up and down) and the
deadlines across the cases a user may see."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select

from cdpdesk.desk import db
from cdpdesk.desk.accounts import Accounts
from cdpdesk.desk.deadlines import coming_deadlines_for
from cdpdesk.desk.demo import load_demo
from cdpdesk.desk.feeds import CalendarFeed, Feeds, token_hash
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine.coming import coming_deadlines


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
        cfg = Config()
        cfg.set_main_option("script_location", str(db.MIGRATIONS))
        with desk.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005")
        with desk.engine.connect() as conn:
            assert not inspect(conn).has_table("calendar_feeds")
        db.upgrade(desk.engine)
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
