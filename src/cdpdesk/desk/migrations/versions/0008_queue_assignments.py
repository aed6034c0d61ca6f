"""The withdrawal queue as a work list (issue 13, item 4): a queued withdrawal assigned to
an Appeals clerk, keyed by its case and the withdrawal's event id (which stays the same
through a correction), with who assigned it and when. One clerk per withdrawal.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_assignments",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("event_key", sa.String(200), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("assigned_by", sa.String(100), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_queue_assignments_username", "queue_assignments", ["username"])


def downgrade() -> None:
    op.drop_index("ix_queue_assignments_username", "queue_assignments")
    op.drop_table("queue_assignments")
