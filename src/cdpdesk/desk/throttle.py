"""Sign-in throttle: wrong passwords counted per account and per client address in a
sliding window, kept in the desk's own database (table ``auth_failures``, migration 0003).

Why the database and not a rate-limit library's memory store: ``cdpdesk serve --workers N``
runs N processes, and a counter in one process's memory lets an attacker try N times the
limit by landing on each worker in turn. The ``limits`` package (PyPI) only shares its
counters through Redis, Memcached, MongoDB or etcd, which the desk does not run. The desk's
database is already shared by every worker (SQLite in WAL mode, or PostgreSQL), survives a
restart, and a check is one indexed query.

The throttle runs *before* the password hash is computed: once a key is over its limit, a
flood of attempts costs one SELECT each, not an argon2 hash, and records nothing more (so
the table holds at most ``limit`` rows per key within a window).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from cdpdesk.desk.models import Base, UTCDateTime
from cdpdesk.desk.record import utcnow
from cdpdesk.desk.workflow import Desk


class AuthFailure(Base):
    __tablename__ = "auth_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``failures`` wrong passwords within ``window`` seconds."""

    failures: int
    window: int


#: Per account: ten wrong passwords in 15 minutes, then the account waits (also for the right
#: password) until the oldest of them is 15 minutes old. At most 40 guesses an hour.
ACCOUNT_LIMIT = Limit(10, 15 * 60)
#: Per client address: more, since an office behind one NAT address shares it.
ADDRESS_LIMIT = Limit(30, 15 * 60)


class Throttled(Exception):
    """429: too many wrong passwords; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed sign-ins; try again in {retry_after} second{'s' if retry_after != 1 else ''}"
        )
        self.retry_after = retry_after


def account_key(username: str) -> str:
    return "user:" + username.strip().lower()[:100]


def address_key(address: str | None) -> str:
    return "addr:" + (address or "unknown")[:100]


class Throttle:
    """The sign-in throttle over one desk's ``auth_failures`` table."""

    def __init__(self, desk: Desk, account: Limit = ACCOUNT_LIMIT, address: Limit = ADDRESS_LIMIT) -> None:
        self.desk = desk
        self.account = account
        self.address = address

    def _keys(self, username: str, address: str | None) -> dict[str, Limit]:
        return {account_key(username): self.account, address_key(address): self.address}

    def check(self, username: str, address: str | None, now: dt.datetime | None = None) -> None:
        """Raise ``Throttled`` when this account or this address is over its limit."""
        now = now or utcnow()
        keys = self._keys(username, address)
        longest = max(limit.window for limit in keys.values())
        with self.desk._sessions() as s:
            rows = s.execute(
                select(AuthFailure.key, AuthFailure.at)
                .where(AuthFailure.key.in_(keys), AuthFailure.at > now - dt.timedelta(seconds=longest))
                .order_by(AuthFailure.at.desc())
            ).all()
        wait = 0.0
        for key, limit in keys.items():
            recent = [at for k, at in rows if k == key and at > now - dt.timedelta(seconds=limit.window)]
            if len(recent) >= limit.failures:
                # The window slides: the key is free again when its `failures`-th most recent
                # failure leaves the window.
                freed = recent[limit.failures - 1] + dt.timedelta(seconds=limit.window)
                wait = max(wait, (freed - now).total_seconds())
        if wait > 0:
            raise Throttled(max(1, math.ceil(wait)))

    def failed(self, username: str, address: str | None, now: dt.datetime | None = None) -> None:
        """Count one wrong password against the account and the address (and drop what has
        left every window)."""
        now = now or utcnow()
        keys = self._keys(username, address)
        longest = max(limit.window for limit in keys.values())
        with self.desk._tx() as s:
            s.execute(delete(AuthFailure).where(AuthFailure.at <= now - dt.timedelta(seconds=longest)))
            s.add_all(AuthFailure(key=key, at=now) for key in keys)

    def succeeded(self, username: str) -> None:
        """A right password clears the account's count (not the address's: signing in to
        one's own account must not buy more guesses at others)."""
        self.clear([account_key(username)])

    def clear(self, keys: Iterable[str]) -> None:
        with self.desk._tx() as s:
            s.execute(delete(AuthFailure).where(AuthFailure.key.in_(list(keys))))
