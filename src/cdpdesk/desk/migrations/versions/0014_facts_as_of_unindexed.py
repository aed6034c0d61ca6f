"""The refresh at the speed of bulk analyze (issue 11, session 6, round 2): drop
``ix_case_facts_as_of``. No query reads ``case_facts`` by its day (the pages show the day of
the rows they list; the refresh's pick of the cases to do compares each case's day with the
one it must be as of, which an index on the day alone does not serve), while every nightly
refresh moves the day of every case, and each move rewrote that index's entry.

No data changes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEX = ("ix_case_facts_as_of", "case_facts", ["as_of"])


def upgrade() -> None:
    name, table, _ = INDEX
    op.drop_index(name, table_name=table)


def downgrade() -> None:
    name, table, columns = INDEX
    op.create_index(name, table, columns)
