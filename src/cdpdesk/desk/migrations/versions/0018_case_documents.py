"""Each case version's ``cdpdesk.case/1`` document, stored (issue 11, session 8): table
``case_documents`` (case id, the version it is of, its JSON text without ``as_of``, the
entry id of each current event), written with every case version (desk/documents.py). A
refresh's workers read one row per case instead of putting the document together from the
case, its taxpayer, periods, assessments and event log.

Existing cases get no row here: a refresh builds their documents as before and stores them.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_documents",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("case_version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("entries", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_documents")
