"""Accounts for the web desk: users with a role, the cases each may see, sign-in sessions.

Roles (``ROLES``):

- ``appeals``: Appeals staff. Sees every case, imports cases, records events, exports
  case files and acknowledges withdrawals (Letter 4383).
- ``representative``: an authorized representative. Sees only the cases linked to them.
- ``taxpayer``: sees only their own cases (linked to them).

Passwords are stored as argon2id hashes (argon2-cffi's defaults: RFC 9106's low-memory
profile, 64 MiB, 3 passes, 4 lanes; above OWASP's minimum). Hashes made before, scrypt at
N=2^14, still verify and are replaced by an argon2id hash at the next successful sign-in, as
is an argon2 hash made with weaker parameters. Wrong passwords are throttled per account and
per client address *before* any hash is computed (``cdpdesk.desk.throttle``). A session is a random token kept in the browser's signed session cookie; the database keeps
only its sha256, so a copy of the database cannot be used to sign in, and signing out ends
the session on the server. The tables come from migrations 0002 (``users``, ``case_links``,
``web_sessions``) and 0003 (``auth_failures``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    delete,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from cdpdesk.desk import db
from cdpdesk.desk.models import Base, UTCDateTime
from cdpdesk.desk.record import DeskError, NotFoundError, get_case, utcnow
from cdpdesk.desk.throttle import Throttle
from cdpdesk.desk.workflow import Desk
from cdpdesk.privacy import has_tin

log = logging.getLogger("cdpdesk.desk")

APPEALS, REPRESENTATIVE, TAXPAYER = "appeals", "representative", "taxpayer"
ROLES = (APPEALS, REPRESENTATIVE, TAXPAYER)
#: The newest migration these tables need.
ACCOUNTS_REVISION = "0003"
SESSION_DAYS = 7
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
_HASHER = PasswordHasher()  # argon2id with argon2-cffi's default (RFC 9106 low-memory) parameters
#: How long a script's HTTP Basic credentials, once verified, are taken without hashing again.
BASIC_CACHE_SECONDS = 300


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
    """An argon2id hash in the PHC string format (``$argon2id$v=19$m=...``), fresh salt."""
    return _HASHER.hash(password)


def _verify_scrypt(password: str, stored: str) -> bool:
    """A hash from before argon2id: ``scrypt$N$r$p$salt$hash`` (base64)."""
    try:
        _scheme, n, r, p, salt, digest = stored.split("$")
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


def verify_password(password: str, stored: str) -> bool:
    if stored.startswith("scrypt$"):
        return _verify_scrypt(password, stored)
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for a scrypt hash, or an argon2 hash weaker than today's parameters."""
    if stored.startswith("scrypt$"):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


@cache
def _dummy_hash() -> str:
    # A wrong username costs the same argon2 work as a wrong password.
    return hash_password(secrets.token_hex(8))


class _BasicCache:
    """Credentials verified recently, so that a script sending HTTP Basic on every request
    pays for one argon2 hash every few minutes, not one a request. Keyed by an HMAC under a
    per-process secret (the password itself is not kept), and tied to the stored hash, so a
    changed password no longer matches."""

    def __init__(self, seconds: int = BASIC_CACHE_SECONDS, size: int = 256) -> None:
        self.seconds = seconds
        self.size = size
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._entries: dict[bytes, tuple[str, float]] = {}

    def _mac(self, username: str, password: str) -> bytes:
        msg = username.encode("utf-8", "replace") + b"\0" + password.encode("utf-8", "replace")
        return hmac.new(self._key, msg, hashlib.sha256).digest()

    def hit(self, username: str, password: str, stored: str) -> bool:
        mac = self._mac(username, password)
        with self._lock:
            entry = self._entries.get(mac)
        return entry is not None and entry[1] > time.monotonic() and hmac.compare_digest(entry[0], stored)

    def remember(self, username: str, password: str, stored: str) -> None:
        mac = self._mac(username, password)
        now = time.monotonic()
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries = {k: v for k, v in self._entries.items() if v[1] > now}
                while len(self._entries) >= self.size:
                    self._entries.pop(next(iter(self._entries)))
            self._entries[mac] = (stored, now + self.seconds)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


# --- The accounts store -----------------------------------------------------------------------


class Accounts:
    """Users, links and sessions in the desk's database."""

    def __init__(self, desk: Desk, throttle: Throttle | None = None) -> None:
        self.desk = desk
        ensure_accounts_schema(desk)
        self.throttle = throttle or Throttle(desk)
        self._basic = _BasicCache()

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
        with self.desk._reads() as s:
            row = s.scalars(select(User).where(User.username == username)).first()
        return None if row is None else _account(row)

    def users(self) -> list[Account]:
        with self.desk._reads() as s:
            return [_account(u) for u in s.scalars(select(User).order_by(User.id))]

    def authenticate(
        self, username: str, password: str, address: str | None = None, *, remember: bool = False
    ) -> Account | None:
        """The account for this username and password, or None (same work either way).

        Raises ``Throttled`` (before any hashing) when the account or the client ``address``
        has had too many wrong passwords lately. ``remember``: keep the verified credentials
        a few minutes (HTTP Basic, sent again on every request)."""
        name = username.strip().lower()
        self.throttle.check(name, address)
        with self.desk._reads() as s:
            row = s.scalars(select(User).where(User.username == name)).first()
        if row is not None and remember and self._basic.hit(name, password, row.password_hash):
            return _account(row)
        stored = row.password_hash if row is not None else _dummy_hash()
        ok = verify_password(password, stored)
        if row is None or not ok:
            self.throttle.failed(name, address)
            log.info("failed sign-in for %r", username[:100])
            return None
        self.throttle.succeeded(name)
        if needs_rehash(stored):
            stored = self._rehash(row.id, stored, password)
        if remember:
            self._basic.remember(name, password, stored)
        return _account(row)

    def _rehash(self, user_id: int, old: str, password: str) -> str:
        """Replace an old hash (scrypt, or weaker argon2) by a current argon2id one; the hash
        is swapped only if it is still the one just verified."""
        new = hash_password(password)
        with self._tx() as s:
            s.execute(
                update(User).where(User.id == user_id, User.password_hash == old).values(password_hash=new)
            )
        log.info("password hash of user %s upgraded to argon2id", user_id)
        return new

    def set_password(self, username: str, password: str, *, keep_session: str | None = None) -> None:
        """Give the user a new password (argon2id), and end their sessions but
        ``keep_session`` (the token of the browser that changed it, if it is theirs)."""
        if len(password) < 8:
            raise DeskError("the password must have at least 8 characters")
        if len(password) > 1024:
            raise DeskError("the password must have at most 1024 characters")
        new = hash_password(password)
        with self._tx() as s:
            row = s.scalars(select(User).where(User.username == username)).first()
            if row is None:
                raise NotFoundError(f"no user {username!r}")
            row.password_hash = new
            ended = delete(WebSession).where(WebSession.user_id == row.id)
            if keep_session is not None:
                ended = ended.where(WebSession.token_hash != _token_hash(keep_session))
            s.execute(ended)
        log.info("password of user %s changed; their other sessions ended", username)

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
        with self.desk._reads() as s:
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
        with self.desk._reads() as s:
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
        """The account of a session token (every signed-in request asks): the session and
        its user read in one statement."""
        with self.desk._reads() as s:
            found = s.execute(
                select(WebSession.expires_at, User)
                .join(User, User.id == WebSession.user_id)
                .where(WebSession.token_hash == _token_hash(token))
            ).first()
        if found is None or found[0] < utcnow():
            return None
        return _account(found[1])

    def end_session(self, token: str) -> None:
        with self._tx() as s:
            s.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


def ensure_accounts_schema(desk: Desk) -> None:
    """Make sure the accounts tables exist (``Desk.open`` already upgrades to the newest
    migration; this guards a desk opened on a database another process left behind)."""
    try:
        with desk.engine.connect() as conn:
            present = inspect(conn).has_table("auth_failures")
    except Exception as exc:  # noqa: BLE001 - one clear line
        raise DeskError(f"cannot open the database: {db._reason(exc)}") from None
    if not present:
        db.upgrade(desk.engine)
