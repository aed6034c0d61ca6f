"""Who is asking, and may they: sign-in sessions, HTTP Basic for scripts, CSRF, roles.

- The browser holds one signed cookie (``cdpdesk_session``, Starlette's SessionMiddleware,
  HttpOnly, SameSite=Lax) with a random session token and a CSRF token. The database keeps
  only the session token's sha256 (``web_sessions``), so signing out ends it for good.
- Scripts may send ``Authorization: Basic`` with a username and password instead.
- Every HTML form carries the CSRF token (``csrf_token``); every unsafe API call made with
  the session cookie sends it as ``X-CSRF-Token``. Any unsafe request that a browser marks as
  cross-site (``Sec-Fetch-Site: cross-site``) is refused outright.
- The secret that signs the cookie comes from ``CDPDESK_SECRET_KEY``, else the file
  ``var/secret_key`` (created on first use, readable by its owner only).
- The cookie is marked ``Secure`` when ``CDPDESK_SECURE_COOKIES`` is on (``1``, ``true``,
  ``yes``): set it whenever the desk is reached over HTTPS (behind a TLS proxy). It is off by
  default because a browser would not send a Secure cookie to ``http://127.0.0.1``.
- Wrong passwords (sign-in form and HTTP Basic alike) are throttled per account and per
  client address (``cdpdesk.desk.throttle``): 429 with ``Retry-After``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import secrets
import time
from pathlib import Path

from fastapi import Request

from cdpdesk.desk.accounts import Account, Accounts
from cdpdesk.desk.files import private_dir
from cdpdesk.engine.words import N_

SESSION_COOKIE = "cdpdesk_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuthError(Exception):
    """401: nobody is signed in (or the Basic credentials are wrong)."""

    def __init__(self, message: str = "sign in first", *, basic_tried: bool = False) -> None:
        super().__init__(message)
        self.basic_tried = basic_tried


class Worded(Exception):
    """An error in our own words: a message id (English, in the catalogs) and its values, so
    the error page says it in the reader's language (web/pages.py ``error_page``); ``str()``
    is the English, for the API and the logs."""

    def __init__(self, message_id: str, **values: object) -> None:
        super().__init__(message_id.format(**values))
        self.words: tuple[str, dict[str, object]] = (message_id, values)


class ForbiddenError(Worded):
    """403: signed in, but this role may not do this."""


class CsrfError(Worded):
    """403: the form or request did not carry this session's CSRF token."""


def secure_cookies() -> bool:
    """``CDPDESK_SECURE_COOKIES``: mark the session cookie ``Secure`` (HTTPS only)."""
    return os.environ.get("CDPDESK_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes", "on")


def secret_key(var_dir: Path) -> str:
    env = os.environ.get("CDPDESK_SECRET_KEY")
    if env:
        return env
    path = var_dir / "secret_key"
    for _ in range(50):
        try:
            key = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            pass
        else:
            if key:
                return key
            time.sleep(0.01)  # another worker is writing it
            continue
        private_dir(var_dir)
        key = secrets.token_urlsafe(48)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue  # another worker made it first: read theirs
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
        return key
    raise RuntimeError(f"{path} is empty: remove it, or set CDPDESK_SECRET_KEY")


def csrf_token(request: Request) -> str:
    """This browser session's CSRF token (made on first use, also before sign-in)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, sent: str | None) -> None:
    want = request.session.get("csrf")
    if not isinstance(want, str) or not sent or not hmac.compare_digest(want, sent):
        raise CsrfError(
            N_("the form has expired or did not come from this site; reload the page and try again")
        )


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        user, sep, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    return (user, password) if sep else ("", "")


def client_address(request: Request) -> str | None:
    """The client's address as the server sees it (behind a proxy: uvicorn's
    ``--forwarded-allow-ips`` decides whether ``X-Forwarded-For`` is believed)."""
    return request.client.host if request.client else None


def current_account(request: Request) -> Account | None:
    """The signed-in account (session cookie, or HTTP Basic), or None. Cached per request."""
    if hasattr(request.state, "account"):
        cached: Account | None = request.state.account
        return cached
    accounts: Accounts = request.app.state.accounts
    account: Account | None = None
    via = None
    creds = _basic(request)
    if creds is not None:
        account = accounts.authenticate(*creds, client_address(request), remember=True)
        if account is None:
            raise AuthError("wrong username or password", basic_tried=True)
        via = "basic"
    else:
        token = request.session.get("sid")
        if isinstance(token, str):
            account = accounts.session_account(token)
            if account is None:
                request.session.pop("sid", None)
            else:
                via = "session"
    request.state.account = account
    request.state.auth_via = via
    return account


def require_account(request: Request) -> Account:
    account = current_account(request)
    if account is None:
        raise AuthError()
    return account


def require_api_csrf(request: Request) -> None:
    """Unsafe API calls made with the session cookie must send ``X-CSRF-Token``."""
    current_account(request)  # sets auth_via (this may run before require_account)
    if request.method in UNSAFE and getattr(request.state, "auth_via", None) == "session":
        check_csrf(request, request.headers.get(CSRF_HEADER))


def require_appeals(account: Account) -> None:
    if not account.is_appeals:
        raise ForbiddenError(N_("only Appeals staff may do this"))
