"""Pages at office scale (issue 11, the read path): composite indexes so that a filtered,
sorted page walks one index in its order and stops at its last row, and so that the row
by row checks of desk/paging.py are answered from an index alone.

- ``case_facts`` (stage, sort column, case_id): a page of one stage sorted by next date,
  CSED or taxpayer, without sorting every case of that stage;
- ``case_deadlines`` (case_id, date): "a deadline of this case within N days" checked per
  case from the index; (date, case_id, position, kind): the deadlines across cases of some
  kinds, soonest first, walked in order with the kind read from the index;
- ``case_hearing_facts`` (case_id, status): "a hearing of this case has this status".

No data changes: the indexes are built from the rows there (the desk's derived facts).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: name, table, columns
INDEXES = (
    ("ix_case_facts_stage_deadline", "case_facts", ["stage", "next_deadline", "case_id"]),
    ("ix_case_facts_stage_csed", "case_facts", ["stage", "csed", "case_id"]),
    ("ix_case_facts_stage_taxpayer", "case_facts", ["stage", "taxpayer_sort", "case_id"]),
    ("ix_case_deadlines_case_date", "case_deadlines", ["case_id", "date"]),
    ("ix_case_deadlines_coming", "case_deadlines", ["date", "case_id", "position", "kind"]),
    ("ix_case_hearing_facts_case_status", "case_hearing_facts", ["case_id", "status"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
