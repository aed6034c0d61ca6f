"""Duplicate cases: each case's keyed fingerprints, and the key (cdpdesk.desk.duplicates).

``cases.fingerprint`` identifies the taxpayer, the periods and the events; ``cases.near_key``
the taxpayer and the periods. Both are HMAC-SHA256 under a random key kept in ``desk_keys``,
so that neither column is a TIN lookup table. Cases stored before this revision get theirs
on the next import (the columns start empty).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("fingerprint", sa.String(64), nullable=True))
    op.add_column("cases", sa.Column("near_key", sa.String(64), nullable=True))
    op.create_index("ix_cases_fingerprint", "cases", ["fingerprint"])
    op.create_index("ix_cases_near_key", "cases", ["near_key"])
    # every import looks its taxpayer up by TIN (the column exists since 0001)
    op.create_index("ix_taxpayers_tin", "taxpayers", ["tin"])
    keys = op.create_table(
        "desk_keys",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )
    op.bulk_insert(keys, [{"name": "fingerprint", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_table("desk_keys")
    op.drop_index("ix_taxpayers_tin", "taxpayers")
    op.drop_index("ix_cases_near_key", "cases")
    op.drop_index("ix_cases_fingerprint", "cases")
    op.drop_column("cases", "near_key")
    op.drop_column("cases", "fingerprint")
