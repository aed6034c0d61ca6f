"""The IRS's posted CSED on each assessment (``irs_csed`` of cdpdesk.case/1, issue 15): kept
so that a stored case exports as it was imported and its page can show the CSED check.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_assessments", sa.Column("irs_csed", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_assessments") as batch:
        batch.drop_column("irs_csed")
