"""Accounts for the web desk: users with a role, the cases each may see, sign-in sessions.

Roles (``ROLES``):

- ``appeals``: Appeals staff. Sees every case, imports cases, records events, exports
  case files and acknowledges withdrawals (Letter 4383).
- ``representative``: an authorized representative. Sees only the cases linked to them.
- ``taxpayer``: sees only their own cases (linked to them).

Passwords are stored as scrypt hashes (stdlib ``hashlib.scrypt``, a random salt per user).
A session is a random token kept in the browser's signed session cookie; the database keeps
only its sha256, so a copy of the database cannot be used to sign in, and signing out ends
the session on the server. The tables come from migration 0002 (``users``, ``case_links``,
``web_sessions``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, delete, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from cdpdesk.desk import db
from cdpdesk.desk.models import Base, UTCDateTime
from cdpdesk.desk.record import DeskError, NotFoundError, get_case, utcnow
from cdpdesk.desk.workflow import Desk
from cdpdesk.privacy import has_tin

log = logging.getLogger("cdpdesk.desk")

APPEALS, REPRESENTATIVE, TAXPAYER = "appeals", "representative", "taxpayer"
ROLES = (APPEALS, REPRESENTATIVE, TAXPAYER)
#: The migration that made these tables.
ACCOUNTS_REVISION = "0002"
SESSION_DAYS = 7
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('appeals', 'representative', 'taxpayer')", name="ck_users_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CaseLink(Base):
    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("user_id", "case_id", name="uq_case_links"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class WebSession(Base):
    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True, slots=True)
class Account:
    """A signed-in user, as the web layer sees them (no password hash)."""

    id: int
    username: str
    display_name: str
    role: str

    @property
    def is_appeals(self) -> bool:
        return self.role == APPEALS

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "username": self.username, "name": self.display_name, "role": self.role}


def _account(row: User) -> Account:
    return Account(row.id, row.username, row.display_name, row.role)


# --- Passwords ------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64), with a fresh 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(want),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


_DUMMY_HASH = hash_password(secrets.token_hex(8))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


# --- The accounts store -----------------------------------------------------------------------


class Accounts:
    """Users, links and sessions in the desk's database."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        ensure_accounts_schema(desk)

    def _tx(self) -> AbstractContextManager[Session]:
        return self.desk._tx()

    # users
    def create_user(self, username: str, display_name: str, role: str, password: str) -> Account:
        if not _USERNAME.match(username):
            raise DeskError(f"username {username!r}: use 2 to 63 lower-case letters, digits, '.', '_' or '-'")
        if has_tin(username) or has_tin(display_name):  # shown on pages and in logs
            raise DeskError("a username or name must not hold a taxpayer identification number")
        if role not in ROLES:
            raise DeskError(f"role {role!r}: expected one of {', '.join(ROLES)}")
        if len(password) < 8:
            raise DeskError("the password must have at least 8 characters")
        row = User(
            username=username,
            display_name=display_name.strip() or username,
            role=role,
            password_hash=hash_password(password),
            created_at=utcnow(),
        )
        try:
            with self._tx() as s:
                s.add(row)
                s.flush()
        except IntegrityError:
            raise DeskError(f"a user {username!r} exists already") from None
        log.info("user %s created with role %s", username, role)
        return _account(row)

    def user(self, username: str) -> Account | None:
        with self.desk._sessions() as s:
            row = s.scalars(select(User).where(User.username == username)).first()
        return None if row is None else _account(row)

    def users(self) -> list[Account]:
        with self.desk._sessions() as s:
            return [_account(u) for u in s.scalars(select(User).order_by(User.id))]

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account for this username and password, or None (same work either way)."""
        with self.desk._sessions() as s:
            row = s.scalars(select(User).where(User.username == username.strip().lower())).first()
        stored = row.password_hash if row is not None else _DUMMY_HASH
        ok = verify_password(password, stored)
        if row is None or not ok:
            log.info("failed sign-in for %r", username[:100])
            return None
        return _account(row)

    # links
    def link(self, username: str, case_id: int) -> bool:
        """Let this (representative or taxpayer) user see the case; False if already linked."""
        with self._tx() as s:
            user = s.scalars(select(User).where(User.username == username)).first()
            if user is None:
                raise NotFoundError(f"no user {username!r}")
            get_case(s, case_id)  # NotFoundError, also for an id no row can have
            exists = s.scalars(
                select(CaseLink.id).where(CaseLink.user_id == user.id, CaseLink.case_id == case_id)
            ).first()
            if exists is not None:
                return False
            s.add(CaseLink(user_id=user.id, case_id=case_id, created_at=utcnow()))
        return True

    def linked_cases(self, account: Account) -> list[int]:
        with self.desk._sessions() as s:
            return list(
                s.scalars(
                    select(CaseLink.case_id).where(CaseLink.user_id == account.id).order_by(CaseLink.case_id)
                )
            )

    def visible_cases(self, account: Account) -> set[int] | None:
        """The case ids this account may see; None means every case (Appeals)."""
        return None if account.is_appeals else set(self.linked_cases(account))

    def can_see(self, account: Account, case_id: int) -> bool:
        if account.is_appeals:
            return True
        with self.desk._sessions() as s:
            found = s.scalars(
                select(CaseLink.id).where(CaseLink.user_id == account.id, CaseLink.case_id == case_id)
            ).first()
        return found is not None

    # sessions
    def start_session(self, account: Account, days: int = SESSION_DAYS) -> str:
        """A new session token for the cookie (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self._tx() as s:
            s.execute(delete(WebSession).where(WebSession.expires_at < now))
            s.add(
                WebSession(
                    token_hash=_token_hash(token),
                    user_id=account.id,
                    created_at=now,
                    expires_at=now + dt.timedelta(days=days),
                )
            )
        log.info("user %s signed in", account.username)
        return token

    def session_account(self, token: str) -> Account | None:
        with self.desk._sessions() as s:
            row = s.get(WebSession, _token_hash(token))
            if row is None or row.expires_at < utcnow():
                return None
            user = s.get(User, row.user_id)
        return None if user is None else _account(user)

    def end_session(self, token: str) -> None:
        with self._tx() as s:
            s.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


def ensure_accounts_schema(desk: Desk) -> None:
    """Make sure the accounts tables exist (``Desk.open`` already upgrades to the newest
    migration; this guards a desk opened on a database another process left behind)."""
    try:
        with desk.engine.connect() as conn:
            present = inspect(conn).has_table("users")
    except Exception as exc:  # noqa: BLE001 - one clear line
        raise DeskError(f"cannot open the database: {db._reason(exc)}") from None
    if not present:
        db.upgrade(desk.engine)
