"""A full recompute that does not read facts off an analysis it has already read them off
(issue 11, session 8): ``case_facts.analysis_digest``, a digest of what the stored facts
were read from (``facts.analysis_digest``: the analysis but its day and engine, the taxpayer,
the withdrawals with a Letter 4383, the facts format). A refresh that analyses the case and
gets the same digest knows the facts are the stored ones without deriving them again.

Existing rows get NULL: their next analysis reads the facts off as before and stores it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_facts", sa.Column("analysis_digest", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_facts") as batch:
        batch.drop_column("analysis_digest")
