"""Derived facts: each case's indexed summary of its analysis (cdpdesk.desk.facts).

The engine's analysis stays the truth; these tables are what the case list, the search, the
withdrawal queue and the deadlines across cases read, so that a page is a few indexed
queries instead of an analysis per case. Every write of a case version writes its facts in
the same transaction. Cases stored before this revision have none yet: the desk fills them
in on first use (and ``cdpdesk desk refresh`` recomputes them all).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _BYTEWISE(length: int) -> sa.types.TypeEngine[str]:  # noqa: N802 - a type, named like one
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "case_facts",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("case_version", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("analysis_key", sa.String(120), nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("stage_title", sa.String(200), nullable=False),
        sa.Column("stage_since", sa.Date, nullable=True),
        sa.Column("next_deadline", sa.Date, nullable=True),
        sa.Column("csed", sa.Date, nullable=True),
        sa.Column("csed_lower_bound", sa.Boolean, nullable=False),
        sa.Column("taxpayer", sa.String(300), nullable=True),
        sa.Column("taxpayer_sort", sa.String(300), nullable=True),
        sa.Column("tin_last4", sa.String(4), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_facts_stage", "case_facts", ["stage", "case_id"])
    op.create_index("ix_case_facts_next_deadline", "case_facts", ["next_deadline", "case_id"])
    op.create_index("ix_case_facts_csed", "case_facts", ["csed", "case_id"])
    op.create_index("ix_case_facts_taxpayer_sort", "case_facts", ["taxpayer_sort", "case_id"])
    op.create_index("ix_case_facts_tin_last4", "case_facts", ["tin_last4"])
    op.create_index("ix_case_facts_as_of", "case_facts", ["as_of"])

    op.create_table(
        "case_hearing_facts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("request", sa.String(200), nullable=False),
        sa.Column("notice", sa.String(200), nullable=True),
        sa.Column("period", sa.String(200), nullable=False),
        sa.Column("statute", sa.String(20), nullable=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_index("ix_case_hearing_facts_case", "case_hearing_facts", ["case_id"])
    op.create_index("ix_case_hearing_facts_status", "case_hearing_facts", ["status", "case_id"])
    op.create_index("ix_case_hearing_facts_type", "case_hearing_facts", ["type", "case_id"])

    op.create_table(
        "case_assessment_facts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("period", sa.String(200), nullable=False),
        sa.Column("assessment", sa.String(200), nullable=False),
        sa.Column("csed", sa.Date, nullable=False),
        sa.Column("lower_bound", sa.Boolean, nullable=False),
    )
    op.create_index("ix_case_assessment_facts_case", "case_assessment_facts", ["case_id"])
    op.create_index("ix_case_assessment_facts_csed", "case_assessment_facts", ["csed", "case_id"])

    op.create_table(
        "case_deadlines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rule", sa.String(80), nullable=False),
        sa.Column("what", sa.String(400), nullable=False),
        sa.Column("event", sa.String(200), nullable=True),
        sa.Column("periods", sa.Text, nullable=False),  # JSON list, shown, never searched
        sa.Column("authority", sa.Text, nullable=False),  # JSON list, shown, never searched
        sa.Column("says", sa.Text, nullable=False),
    )
    op.create_index("ix_case_deadlines_case", "case_deadlines", ["case_id", "position"])
    op.create_index("ix_case_deadlines_date", "case_deadlines", ["date", "case_id"])

    op.create_table(
        "case_withdrawal_facts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("case_events.id"), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),  # pending | waiting_for_writing
        sa.Column("received", sa.Date, nullable=False),
        sa.Column("request", sa.String(200), nullable=False),
        sa.Column("periods", sa.Text, nullable=False),  # JSON list, shown, never searched
        sa.Column("hearing", sa.String(200), nullable=False),
        sa.Column("kinds", sa.Text, nullable=False),
        sa.Column("parts", sa.Text, nullable=False),
        sa.Column("partial", sa.Boolean, nullable=False),
    )
    op.create_index("ix_case_withdrawal_facts_case", "case_withdrawal_facts", ["case_id"])
    op.create_index(
        "ix_case_withdrawal_facts_queue",
        "case_withdrawal_facts",
        ["status", "received", "case_id", "entry_id"],
    )

    op.create_table(
        "case_name_terms",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        # compared as bytes on PostgreSQL too, so that a prefix is one index range
        sa.Column("term", _BYTEWISE(100), primary_key=True),
    )
    op.create_index("ix_case_name_terms_term", "case_name_terms", ["term", "case_id"])


def downgrade() -> None:
    for table in (
        "case_name_terms",
        "case_withdrawal_facts",
        "case_deadlines",
        "case_assessment_facts",
        "case_hearing_facts",
        "case_facts",
    ):
        op.drop_table(table)
