"""The nightly refresh skips facts that hold (issue 11, session 7): ``case_facts.holds_through``,
the last day through which the case's stored facts are sure to stay as they are
(``cdpdesk.engine.holds.holds_through``), so that a refresh to a day on or before it only
moves the facts' day, in SQL, without analysing the case. NULL: not known, the case is
analysed.

Existing rows get NULL (and the facts format moves, ``facts.FACTS_FORMAT``): the first
refresh after the upgrade analyses every case once and stores the day.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_facts", sa.Column("holds_through", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_facts") as batch:
        batch.drop_column("holds_through")
