"""Room on each page of ``case_facts`` for a row's next version (issue 11, session 9), on
PostgreSQL: fillfactor 50. A refresh moves most rows' day every night (``as_of``,
``refreshed_at``, ``analysis_key``: none of them indexed), and PostgreSQL writes such an
update in place on the row's page (a heap-only tuple, no new entry in the table's ten
indexes) only when the page has room. Full pages sent nearly two updates in three through
every index (37% heap-only on a 20,000-case desk after a few refreshes; 90% at 50).

Only new pages are filled to half: existing rows move as they are updated, so the table
reaches the new layout over a few refreshes (no rewrite, no lock beyond the ALTER's).
SQLite has no such setting: nothing to do there.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

#: the share of each new page a row's first version may fill (PostgreSQL's default is 100)
FILLFACTOR = 50


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE case_facts SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE case_facts RESET (fillfactor)")
