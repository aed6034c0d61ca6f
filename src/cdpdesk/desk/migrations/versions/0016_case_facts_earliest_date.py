"""Two broad filters that share no case (issue 11, session 7): ``case_facts.earliest_date``,
the earliest date among the case's ``case_deadlines`` rows (NULL: it has none), and the
index (stage, earliest_date, case_id).

"A deadline of the case from today to day D" implies "the case's earliest deadline row is
on or before D", whatever day the facts are as of: the earliest of the rows is on or before
every one of them. So a stage with such a deadline filter is first one range of the index
(the stage's cases with ``earliest_date <= D``), and each case in it is then checked
exactly. A stage whose cases have no deadline in the window (``csed_passed`` and "within
365 days" share none) is an empty range, instead of a walk of the stage's 38,000 cases at
100,000.

Existing rows get their value here, from their deadline rows (the filter is exact only if
every row has it); the desk writes it with the rest of the facts from then on.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INDEX = ("ix_case_facts_stage_earliest", "case_facts", ["stage", "earliest_date", "case_id"])


def upgrade() -> None:
    op.add_column("case_facts", sa.Column("earliest_date", sa.Date(), nullable=True))
    op.execute(
        "UPDATE case_facts SET earliest_date = "
        "(SELECT min(d.date) FROM case_deadlines d WHERE d.case_id = case_facts.case_id)"
    )
    name, table, columns = INDEX
    op.create_index(name, table, columns)


def downgrade() -> None:
    name, table, _ = INDEX
    op.drop_index(name, table_name=table)
    with op.batch_alter_table("case_facts") as batch:
        batch.drop_column("earliest_date")
