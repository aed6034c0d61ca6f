"""Web fixtures: an app over a temporary SQLite desk with the demo cases and users."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from cdpdesk.desk import accounts as accounts_module
from cdpdesk.desk.accounts import Accounts
from cdpdesk.desk.demo import load_demo
from cdpdesk.desk.workflow import Desk
from cdpdesk.web.app import create_app

PASSWORDS = {
    "appeals": "appeals-demo",
    "rep": "rep-demo",
    "avery": "avery-demo",
    "sam": "sam-demo",
    "jamie": "jamie-demo",
}
FULL_TINS = (
    "123-45-6789",
    "12-3456789",
    "987-65-4321",
    "555-12-3456",
    "444-55-6666",
    "123456789",
    "987654321",
)


#: The real hasher (argon2-cffi's defaults), for the tests that check the stored hashes.
REAL_HASHER = accounts_module._HASHER


@pytest.fixture(autouse=True, scope="session")
def _cheap_argon2() -> Iterator[None]:
    """In-process tests hash with argon2id at its smallest cost: every fixture makes five
    demo users and the suite signs in hundreds of times; 64 MiB and 3 passes each would
    take minutes. The hash format and the code path are the same; the served desk
    (``cdpdesk serve`` in test_serve.py) and tests/web/test_security.py use the real cost."""
    accounts_module._HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    accounts_module._dummy_hash.cache_clear()
    try:
        yield
    finally:
        accounts_module._HASHER = REAL_HASHER
        accounts_module._dummy_hash.cache_clear()


@dataclass
class Web:
    desk: Desk
    app: Any
    demo: dict[str, Any]
    var: Path

    @property
    def ids(self) -> dict[str, int]:
        ids: dict[str, int] = self.demo["cases"]
        return ids

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver")

    def signed_in(self, user: str) -> tuple[TestClient, str]:
        """A client with a session for ``user``, and its CSRF token."""
        c = self.client()
        token = csrf_of(c.get("/login").text)
        r = c.post(
            "/login",
            data={"username": user, "password": PASSWORDS[user], "csrf_token": token, "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return c, csrf_of(c.get("/lookup").text)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def _web(var: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    monkeypatch.setenv("CDPDESK_VAR", str(var))
    monkeypatch.setenv("CDPDESK_USER", "tester")
    monkeypatch.delenv("CDPDESK_DATABASE_URL", raising=False)
    monkeypatch.delenv("CDPDESK_SECRET_KEY", raising=False)
    desk = Desk.open(f"sqlite:///{var / 'cdpdesk.db'}")
    demo = load_demo(desk, Accounts(desk))
    try:
        yield Web(desk, create_app(desk=desk), demo, var)
    finally:
        desk.close()


@pytest.fixture
def web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    yield from _web(tmp_path / "var", monkeypatch)


@pytest.fixture(scope="module")
def shared_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    """One demo desk for a whole module (tests that only read, or write without clashing)."""
    mp = pytest.MonkeyPatch()
    try:
        yield from _web(tmp_path_factory.mktemp("web") / "var", mp)
    finally:
        mp.undo()


# The browser tests' two fixtures, one definition for every tests/web/test_browser*.py module.
# Module scope: each module changes its own served desk, so a module never sees another's
# writes; Playwright is imported only when a browser test asks for it.
@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo desk served by uvicorn on 127.0.0.1 (tests/web/server.py), one per module."""
    from tests.web.server import running_server

    name = request.module.__name__.rsplit(".", 1)[-1]
    with running_server(tmp_path_factory.mktemp(name) / "var") as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never `playwright install`)."""
    from playwright.sync_api import sync_playwright

    from tests.web.server import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
