"""Issue 9, the server: the request-size limit, engine work off the event loop, capped error
lists, the sign-in throttle, argon2id (and the scrypt hashes from before), and the smaller
points (Secure cookie, private files, no-store, the /docs CSP, Allow on 405, as_of, 401
before the body)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from cdpdesk.contract.errors import MAX_ERRORS
from cdpdesk.desk import accounts as accounts_module
from cdpdesk.desk.accounts import Accounts, User, hash_password, needs_rehash, verify_password
from cdpdesk.desk.throttle import ACCOUNT_LIMIT, ADDRESS_LIMIT, Throttle, Throttled
from cdpdesk.desk.workflow import Desk
from cdpdesk.web import api
from cdpdesk.web.app import create_app
from cdpdesk.web.limits import DEFAULT_MAX_BODY, parse_size
from tests.web.conftest import PASSWORDS, REAL_HASHER, Web, csrf_of

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "withdrawal-cdp.json"
APPEALS = ("appeals", PASSWORDS["appeals"])


def _login(c: Any, user: str, password: str) -> Any:
    token = csrf_of(c.get("/login").text)
    return c.post(
        "/login",
        data={"username": user, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


# --- Deliver 1: size limit, thread pool, capped errors ------------------------------------------


def test_a_body_over_the_limit_is_refused_with_413(web: Web) -> None:
    c = web.client()
    assert DEFAULT_MAX_BODY == 1024 * 1024
    big = b" " * (DEFAULT_MAX_BODY + 1)
    r = c.post("/api/analyze", content=big)
    assert r.status_code == 413
    assert r.json()["format"] == "cdpdesk.error/1"
    assert "1 MiB" in r.json()["errors"][0]["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(3):
            yield b" " * (DEFAULT_MAX_BODY // 2)

    r = c.post("/api/analyze", content=chunks())
    assert r.status_code == 413 and r.json()["errors"][0]["message"].startswith("the request body")
    # a page answers a page
    r = c.post("/login", content=big, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and "text/html" in r.headers["content-type"] and "larger than" in r.text
    # at the limit it is read (and here refused for what it is, not for its size)
    r = c.post("/api/analyze", content=b" " * DEFAULT_MAX_BODY)
    assert r.status_code == 422


def test_a_client_refused_lately_waits_before_its_next_oversized_body(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cdpdesk.web import limits

    waits: list[float] = []

    async def pause(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(limits, "_pause", pause)
    c = web.client()
    big = b" " * (DEFAULT_MAX_BODY + 1)
    assert c.post("/api/analyze", content=big).status_code == 413
    assert waits == []  # the first refusal is immediate
    assert c.post("/api/analyze", content=big).status_code == 413
    assert waits == [limits.PENALTY_DELAY]
    # an ordinary request from the same client is not held up; a chunked one waits its turn
    assert c.post("/api/analyze", content=EXAMPLE.read_bytes()).status_code == 200
    assert c.get("/api/roadmap").status_code == 200
    assert waits == [limits.PENALTY_DELAY]
    assert c.post("/api/analyze", content=iter([EXAMPLE.read_bytes()])).status_code == 200
    assert waits == [limits.PENALTY_DELAY] * 2


def test_the_limit_is_configurable(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (parse_size("512KiB"), parse_size("8MiB"), parse_size("2MB"), parse_size("100")) == (
        512 * 1024,
        8 * 1024**2,
        2_000_000,
        100,
    )
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")
    monkeypatch.setenv("CDPDESK_MAX_BODY", "4KiB")
    c = create_app(desk=web.desk)
    from fastapi.testclient import TestClient

    client = TestClient(c)
    body = EXAMPLE.read_bytes()
    assert len(body) < 4096
    assert client.post("/api/analyze", content=body).status_code == 200
    r = client.post("/api/analyze", content=body + b" " * 4096)
    assert r.status_code == 413 and "4 KiB" in r.text


def test_engine_work_runs_off_the_event_loop(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    def spying(real: Any) -> Any:
        def spy(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
                seen.append(True)
            except RuntimeError:
                seen.append(False)
            return real(*args, **kwargs)

        return spy

    # the analysis itself, and the desk's import (which checks the case with the engine once)
    monkeypatch.setattr(api, "analyze", spying(api.analyze))
    monkeypatch.setattr(Desk, "import_one", spying(Desk.import_one))
    c = web.client()
    assert c.post("/api/analyze", content=EXAMPLE.read_bytes()).status_code == 200
    assert c.post("/api/cases", auth=APPEALS, content=EXAMPLE.read_bytes()).status_code == 201
    assert seen == [False, False]  # both ran in a worker thread, not on the loop


def test_memory_is_released_after_a_large_body(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from cdpdesk.web import limits

    calls: list[int] = []
    monkeypatch.setattr(limits, "RELEASE_DELAY", 0.0)
    monkeypatch.setattr(limits, "release_memory", lambda: calls.append(1))
    with TestClient(create_app(desk=web.desk)) as c:
        assert c.post("/api/analyze", content=EXAMPLE.read_bytes()).status_code == 200
        assert c.get("/api/roadmap").status_code == 200
        assert calls == []  # small bodies: nothing to give back
        big = _bad_case(4000)
        assert len(big) >= limits.LARGE_BODY
        assert c.post("/api/analyze", content=big).status_code == 422
        for _ in range(200):
            if calls:
                break
            c.get("/api/roadmap")  # lets the server's loop run the release
    assert calls == [1]
    monkeypatch.undo()
    limits.release_memory()  # the real one runs (gc and, on glibc, malloc_trim)


def _bad_case(n: int) -> bytes:
    doc = json.loads(EXAMPLE.read_text())
    doc["events"] += [
        {"id": f"x{i}", "type": "levy_notice", "date": "not a date", "periods": ["1040-2019"]}
        for i in range(n)
    ]
    return json.dumps(doc).encode()


def test_errors_are_capped_with_a_count_of_the_rest(web: Web) -> None:
    c = web.client()
    r = c.post("/api/analyze", content=_bad_case(120))
    assert r.status_code == 422
    body = r.json()
    assert len(body["errors"]) == MAX_ERRORS == 50
    assert body["more_errors"] == 70
    assert body["errors"][0]["field"].startswith("events[3]")
    r = c.post("/api/cases", auth=APPEALS, content=_bad_case(51))
    assert (len(r.json()["errors"]), r.json()["more_errors"]) == (50, 1)
    r = c.post("/api/analyze", content=_bad_case(2))
    assert len(r.json()["errors"]) == 2 and "more_errors" not in r.json()


# --- Deliver 4: throttle, argon2id -----------------------------------------------------------------


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords the accounts hash from here on, in order (each one an argon2/scrypt run)."""
    seen: list[str] = []
    real = accounts_module.verify_password
    monkeypatch.setattr(
        accounts_module,
        "verify_password",
        lambda p, s: seen.append(p) or real(p, s),  # type: ignore[func-returns-value]
    )
    return seen


def test_form_sign_in_is_throttled_per_account_before_hashing(web: Web, hashed: list[str]) -> None:
    c = web.client()
    for i in range(ACCOUNT_LIMIT.failures):
        assert _login(c, "sam", f"wrong-{i}").status_code == 401
    assert len(hashed) == ACCOUNT_LIMIT.failures
    r = _login(c, "sam", "wrong-again")
    assert r.status_code == 429
    wait = int(r.headers["retry-after"])
    assert 0 < wait <= ACCOUNT_LIMIT.window
    assert "Too many failed sign-ins" in r.text and "text/html" in r.headers["content-type"]
    # the right password waits too, and no hash is computed while the account waits
    assert _login(c, "sam", PASSWORDS["sam"]).status_code == 429
    assert len(hashed) == ACCOUNT_LIMIT.failures
    # HTTP Basic shares the count: 429 in cdpdesk.error/1
    r = c.get("/api/me", auth=("sam", PASSWORDS["sam"]))
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert (
        r.json()["format"] == "cdpdesk.error/1"
        and "too many failed sign-ins" in r.json()["errors"][0]["message"]
    )
    # another account from the same address is not held up (its address is under its limit)
    assert _login(web.client(), "avery", PASSWORDS["avery"]).status_code == 303


def test_basic_is_throttled_per_client_address(web: Web) -> None:
    c = web.client()
    users = ["nobody", "avery", "rep", "jamie"]
    for i in range(ADDRESS_LIMIT.failures):
        r = c.get(
            "/api/me", auth=(users[i % len(users)] + str(i // 8), "wrong")
        )  # under each account's limit
        assert r.status_code == 401
    r = c.get("/api/me", auth=("appeals", PASSWORDS["appeals"]))
    assert r.status_code == 429 and "retry-after" in r.headers


def test_the_window_slides(web: Web) -> None:
    t = Throttle(web.desk)
    start = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    for i in range(ACCOUNT_LIMIT.failures):
        t.failed("sam", "10.0.0.1", now=start + dt.timedelta(seconds=i * 60))
    with pytest.raises(Throttled) as exc:
        t.check("sam", "10.0.0.2", now=start + dt.timedelta(seconds=600))
    # free once the oldest failure is a whole window old
    assert exc.value.retry_after == ACCOUNT_LIMIT.window - 600
    t.check("sam", "10.0.0.2", now=start + dt.timedelta(seconds=ACCOUNT_LIMIT.window + 1))
    t.check("avery", "10.0.0.1", now=start + dt.timedelta(seconds=600))  # the address is under 30
    t.succeeded("sam")
    t.check("sam", "10.0.0.2", now=start + dt.timedelta(seconds=600))  # a right password clears it


def test_a_failed_sign_in_counts_and_a_good_one_clears_the_account(web: Web) -> None:
    accounts = Accounts(web.desk)
    for _ in range(ACCOUNT_LIMIT.failures - 1):
        assert accounts.authenticate("jamie", "nope", "10.1.1.1") is None
    assert accounts.authenticate("jamie", PASSWORDS["jamie"], "10.1.1.1") is not None
    for _ in range(ACCOUNT_LIMIT.failures - 1):
        assert accounts.authenticate("jamie", "nope", "10.1.1.2") is None
    assert accounts.authenticate("jamie", PASSWORDS["jamie"], "10.1.1.3") is not None


@pytest.fixture
def real_cost() -> Iterator[None]:
    cheap = accounts_module._HASHER
    accounts_module._HASHER = REAL_HASHER
    accounts_module._dummy_hash.cache_clear()
    try:
        yield
    finally:
        accounts_module._HASHER = cheap
        accounts_module._dummy_hash.cache_clear()


def test_passwords_are_argon2id_at_the_library_defaults(real_cost: None) -> None:
    h = hash_password("correct horse battery")
    # argon2-cffi's default: RFC 9106 low-memory profile, above OWASP's minimum (19 MiB, t=2)
    assert h.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password("correct horse battery", h) and not verify_password("wrong", h)
    assert not needs_rehash(h)
    weak = accounts_module.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("x")
    assert needs_rehash(weak)


def _scrypt(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    b64 = base64.b64encode
    return f"scrypt$16384$8$1${b64(salt).decode()}${b64(digest).decode()}"


def test_an_old_scrypt_hash_still_verifies_and_is_rehashed_at_sign_in(web: Web) -> None:
    old = _scrypt(PASSWORDS["avery"])
    assert verify_password(PASSWORDS["avery"], old) and not verify_password("nope", old)
    assert needs_rehash(old)
    with web.desk._tx() as s:
        s.execute(update(User).where(User.username == "avery").values(password_hash=old))
    c = web.client()
    assert _login(c, "avery", "nope").status_code == 401
    with web.desk._sessions() as s:
        assert s.scalars(select(User.password_hash).where(User.username == "avery")).one() == old
    assert _login(c, "avery", PASSWORDS["avery"]).status_code == 303
    with web.desk._sessions() as s:
        new = s.scalars(select(User.password_hash).where(User.username == "avery")).one()
    assert new.startswith("$argon2id$") and verify_password(PASSWORDS["avery"], new)
    assert _login(web.client(), "avery", PASSWORDS["avery"]).status_code == 303


def test_basic_credentials_are_hashed_once_for_a_while(web: Web, hashed: list[str]) -> None:
    c = web.client()
    for _ in range(3):
        assert c.get("/api/me", auth=APPEALS).status_code == 200
    assert len(hashed) == 1
    assert c.get("/api/me", auth=("appeals", "wrong")).status_code == 401  # a wrong one is hashed
    assert len(hashed) == 2


# --- Deliver 6: the smaller points ----------------------------------------------------------------


def test_the_session_cookie_is_secure_when_configured(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    r = _login(web.client(), "avery", PASSWORDS["avery"])
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" not in cookie
    monkeypatch.setenv("CDPDESK_SECURE_COOKIES", "1")
    c = TestClient(create_app(desk=web.desk), base_url="https://testserver")
    r = _login(c, "avery", PASSWORDS["avery"])
    assert r.status_code == 303 and "; secure" in r.headers["set-cookie"].lower()


def test_the_database_and_the_letters_are_the_owners_only(web: Web) -> None:
    def mode(p: Path) -> int:
        return stat.S_IMODE(p.stat().st_mode)

    assert mode(web.var) == 0o700
    assert mode(web.var / "cdpdesk.db") == 0o600
    assert mode(web.var / "cdpdesk.db-wal") == 0o600
    c = web.client()
    cid = web.ids["cdp-withdrawal"]
    r = c.post(f"/api/cases/{cid}/withdrawals/e3/acknowledge", auth=APPEALS)
    assert r.status_code == 201
    info = web.desk.letter_files(r.json()["letter"]["id"])
    for path in (info.html, info.pdf):
        assert mode(path) == 0o600
        assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700


def test_every_api_answer_is_no_store(web: Web) -> None:
    c = web.client()
    for path in (
        "/api/me",
        "/api/cases",
        "/api/withdrawals",
        "/api/letters",
        f"/api/cases/{web.ids['determination']}",
    ):
        r = c.get(path, auth=APPEALS)
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store", path
    assert c.get("/api/me").headers["cache-control"] == "no-store"  # the 401 too
    session, _ = web.signed_in("appeals")
    assert session.get("/api/me").headers["cache-control"] == "no-store"


def test_docs_have_a_csp_that_allows_swagger_from_self(web: Web) -> None:
    c = web.client()
    r = c.get("/docs")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "connect-src 'self'" in csp and "default-src 'self'" in csp
    assert "<script>" not in r.text  # no inline script: the start-up is /docs-init.js
    init = c.get("/docs-init.js")
    assert (
        init.status_code == 200
        and "SwaggerUIBundle" in init.text
        and "javascript" in init.headers["content-type"]
    )


def test_405_names_the_allowed_methods(web: Web) -> None:
    c = web.client()
    r = c.put("/api/analyze")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json()["format"] == "cdpdesk.error/1" and "POST" in r.json()["errors"][0]["message"]
    r = c.delete("/api/cases", auth=APPEALS)
    assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == {"GET", "POST"}
    r = c.put("/lookup")
    assert r.status_code == 405 and r.headers["allow"] == "GET"


@pytest.mark.parametrize(
    "value", ["0", "1700000000", "2026-02-30", "2026-1-1", "2026-01-01T00:00", "10000-01-01", "0001-01-01"]
)
def test_as_of_must_be_an_iso_date(web: Web, value: str) -> None:
    c = web.client()
    r = c.post("/api/analyze", params={"as_of": value}, content=EXAMPLE.read_bytes())
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "query.as_of"
    r = c.get(f"/api/cases/{web.ids['determination']}", params={"as_of": value}, auth=APPEALS)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.as_of"


def test_as_of_in_iso_is_read(web: Web) -> None:
    r = web.client().post("/api/analyze", params={"as_of": "2024-08-01"}, content=EXAMPLE.read_bytes())
    assert r.status_code == 200 and r.json()["as_of"] == "2024-08-01"


def test_a_strangers_bad_body_gets_401(web: Web) -> None:
    c = web.client()
    cid = web.ids["determination"]
    for body in (b"{not json", b"[1, 2]", b""):
        r = c.post(f"/api/cases/{cid}/events", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 401, body
    r = c.post("/api/cases", content=b"{not json")
    assert r.status_code == 401
    # a page sends a stranger to the sign-in page, whatever the body
    r = c.post(
        f"/cases/{cid}/withdrawals/e3/acknowledge",
        content=b"zz",
        headers={"content-type": "multipart/form-data"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    # signed in, the same bodies are named
    r = c.post(f"/api/cases/{cid}/events", auth=APPEALS, content=b"[1, 2]")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    r = c.post(f"/api/cases/{cid}/events", auth=APPEALS, content=b"{not json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize("bad", [str(2**63), str(2**64 + 5), "0", "-1"])
def test_ids_out_of_range_are_422(web: Web, bad: str) -> None:
    c = web.client()
    for path in (
        f"/api/cases/{bad}",
        f"/api/cases/{bad}/explain",
        f"/api/letters/{bad}",
        f"/api/letters/{bad}/pdf",
    ):
        r = c.get(path, auth=APPEALS)
        assert r.status_code == 422, path
        assert r.json()["errors"][0]["field"] in ("path.case_id", "path.letter_id")
    r = c.post(f"/api/cases/{bad}/withdrawals/e3/acknowledge", auth=APPEALS)
    assert r.status_code == 422
    session, _ = web.signed_in("appeals")
    r = session.get(f"/cases/{bad}")
    assert r.status_code == 422 and "case_id" in r.text
    assert c.get(f"/api/cases/{2**63 - 1}", auth=APPEALS).status_code == 404
