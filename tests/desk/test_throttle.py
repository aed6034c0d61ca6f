"""The sign-in throttle's store (``auth_failures``, migration 0003) on SQLite and PostgreSQL:
the window slides, the limits hold per account and per address, a right password clears the
account, and old rows are dropped."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from cdpdesk.desk.throttle import AuthFailure, Limit, Throttle, Throttled
from cdpdesk.desk.workflow import Desk

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_the_throttle_counts_per_account_and_address(db_url: str) -> None:
    with Desk.open(db_url) as desk:
        t = Throttle(desk, account=Limit(3, 600), address=Limit(5, 600))
        for i in range(3):
            t.check("Sam", "10.0.0.1", now=at(i))
            t.failed("Sam", "10.0.0.1", now=at(i))
        with pytest.raises(Throttled) as exc:
            t.check("sam", "10.0.0.9", now=at(100))  # the account, from anywhere, any case
        assert exc.value.retry_after == 500  # the oldest of the three leaves the window at 600
        t.check("sam", "10.0.0.9", now=at(601))  # the window slid past the first failure
        # the address: two more failures on other accounts reach its 5
        t.failed("avery", "10.0.0.1", now=at(200))
        t.failed("jamie", "10.0.0.1", now=at(201))
        with pytest.raises(Throttled):
            t.check("rep", "10.0.0.1", now=at(202))
        t.check("rep", "10.0.0.2", now=at(202))
        t.succeeded("SAM")
        t.check("sam", "10.0.0.9", now=at(300))  # cleared; the address keeps its count
        with pytest.raises(Throttled):
            t.check("sam", "10.0.0.1", now=at(300))
        # a failure drops every row that has left the window
        t.failed("x", "10.9.9.9", now=at(5000))
        with desk._sessions() as s:
            assert s.scalar(select(func.count()).select_from(AuthFailure)) == 2
