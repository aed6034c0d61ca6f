"""Alembic steps for the migration tests: down to just below a revision, a check, back up.

The revision below is read from the migration's own ``down_revision`` (the lead re-chains
migrations when branches merge), and the tests assert which one it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from cdpdesk.desk import db


def below(revision: str) -> str:
    """The revision that ``revision`` revises."""
    down = ScriptDirectory(str(db.MIGRATIONS)).get_revision(revision).down_revision
    if not isinstance(down, str):
        raise AssertionError(f"migration {revision} revises {down!r}, not one revision")
    return down


def downgrade_to(engine: Engine, revision: str) -> None:
    """Run the migrations' downgrades on ``engine`` down to ``revision``, in one transaction."""
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


@contextmanager
def down_below(engine: Engine, revision: str) -> Iterator[str]:
    """From the head, down to the revision just below ``revision`` (yielded, for the test to
    check its schema there), then, when the block ends without an error, up to the head again
    by the desk's own ``db.upgrade``. Each end is checked to be the revision it should be."""
    if db.current_revision(engine) != db.head_revision():
        raise AssertionError(f"the database is at {db.current_revision(engine)}, not the head")
    down = below(revision)
    downgrade_to(engine, down)
    if db.current_revision(engine) != down:
        raise AssertionError(f"the downgrade left {db.current_revision(engine)}, not {down}")
    yield down
    db.upgrade(engine)
    if db.current_revision(engine) != db.head_revision():
        raise AssertionError(f"the upgrade left {db.current_revision(engine)}, not the head")
