"""Store fixtures: every store and workflow test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``CDPDESK_TEST_POSTGRES_URL`` (a role that may create databases), or
from a throwaway cluster started here (tests/desk/pg.py). It is never skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.desk.pg import Cluster

CASES = Path(__file__).resolve().parent / "cases"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    url = os.environ.get("CDPDESK_TEST_POSTGRES_URL")
    if url:
        yield url.replace("postgresql://", "postgresql+psycopg://", 1)
        return
    cluster = Cluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def fresh_postgres_schema(server: str) -> str:
    """A new, empty schema for one test, selected by the URL's search_path (much faster
    than CREATE DATABASE, and just as separate)."""
    name = "cdpdesk_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    admin.dispose()
    url = make_url(server).update_query_dict({"options": f"-csearch_path={name}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'cdpdesk.db'}"
    server: str = request.getfixturevalue("postgres_server")
    return fresh_postgres_schema(server)


@pytest.fixture(autouse=True)
def desk_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own var/ folder, a fixed clerk name and no stray settings."""
    var = tmp_path / "var"
    monkeypatch.setenv("CDPDESK_VAR", str(var))
    monkeypatch.setenv("CDPDESK_USER", "clerk.a")
    for key in list(os.environ):
        if key.startswith("CDPDESK_APPEALS_") or key == "CDPDESK_DATABASE_URL":
            monkeypatch.delenv(key)
    return var
