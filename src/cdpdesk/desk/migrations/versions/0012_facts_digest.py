"""The nightly refresh writes only what changed (issue 11): ``case_facts.facts_digest``, a
digest of every fact row a case version has (all but the day they are as of), so that a
refresh compares the facts it derived with the stored ones by one column and, for a case
whose facts did not change, only moves the day.

Existing rows get NULL: the first refresh after the upgrade writes them all again (with
their digest), as before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_facts", sa.Column("facts_digest", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_facts") as batch:
        batch.drop_column("facts_digest")
