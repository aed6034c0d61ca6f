"""Every page at office scale (issue 11, session 6): ``case_deadlines`` (kind, date,
case_id, position), so that the deadlines across cases of a rare kind (the hearing requests
and Tax Court petitions among some 120,000 CSEDs at 100,000 cases) are one range of an
index in date order, not a walk of every coming date checking its kind (12 ms on SQLite,
16 ms on PostgreSQL at 100,000 cases, and growing with the desk).

No data changes: the index is built from the rows there (the desk's derived facts).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEX = ("ix_case_deadlines_kind", "case_deadlines", ["kind", "date", "case_id", "position"])


def upgrade() -> None:
    name, table, columns = INDEX
    op.create_index(name, table, columns)


def downgrade() -> None:
    name, table, _ = INDEX
    op.drop_index(name, table_name=table)
