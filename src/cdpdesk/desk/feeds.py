"""Calendar feeds: a secret address per user (``/feeds/TOKEN.ics``) that a calendar
subscribes to, listing the deadlines of every case the user may see.

- The token is 32 random bytes (``secrets.token_urlsafe``), shown to the user once when the
  address is made; the database keeps only its sha256 (table ``calendar_feeds``, migration
  0006), like the sign-in sessions.
- One live address per user: making a new one revokes the old, and the user can revoke it
  outright. A revoked or unknown token reads nothing (the web answers 404, the same for
  both, so an address reveals nothing about whether it ever existed).
- A feed reads as its user: the cases it lists are the ones that user may see now, so
  unlinking a case from a representative takes it out of their feed too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from cdpdesk.desk.accounts import Account, Accounts, User, _account
from cdpdesk.desk.models import Base, UTCDateTime
from cdpdesk.desk.record import utcnow

#: The migration that makes the table.
FEEDS_REVISION = "0006"
#: How often a feed's "last read" time is written at most (calendars poll every few minutes).
READ_MARK_SECONDS = 3600


class CalendarFeed(Base):
    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """A user's live feed, without its token (which is never stored)."""

    id: int
    created_at: dt.datetime
    last_read_at: dt.datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


class Feeds:
    """The calendar feeds of one desk's users."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self.desk = accounts.desk

    def create(self, account: Account) -> str:
        """A new feed token for this user (the old one, if any, stops working)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.desk._tx() as s:
            s.execute(
                update(CalendarFeed)
                .where(CalendarFeed.user_id == account.id, CalendarFeed.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            s.add(CalendarFeed(user_id=account.id, token_hash=token_hash(token), created_at=now))
        return token

    def revoke(self, account: Account) -> bool:
        """Stop this user's feed; False when there was none."""
        with self.desk._tx() as s:
            done = s.execute(
                update(CalendarFeed)
                .where(CalendarFeed.user_id == account.id, CalendarFeed.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        return bool(getattr(done, "rowcount", 0))

    def current(self, account: Account) -> FeedInfo | None:
        with self.desk._sessions() as s:
            row = s.scalars(
                select(CalendarFeed).where(
                    CalendarFeed.user_id == account.id, CalendarFeed.revoked_at.is_(None)
                )
            ).first()
        return None if row is None else FeedInfo(row.id, row.created_at, row.last_read_at)

    def account_for(self, token: str) -> Account | None:
        """The user whose live feed this token opens, or None (unknown or revoked)."""
        if not token or len(token) > 200:
            return None
        now = utcnow()
        with self.desk._sessions() as s:
            row = s.scalars(select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token))).first()
            if row is None or row.revoked_at is not None:
                return None
            user = s.get(User, row.user_id)
            stale = row.last_read_at is None or (now - row.last_read_at).total_seconds() > READ_MARK_SECONDS
            feed_id = row.id
        if user is None:
            return None
        if stale:
            with self.desk._tx() as s:
                s.execute(update(CalendarFeed).where(CalendarFeed.id == feed_id).values(last_read_at=now))
        return _account(user)
