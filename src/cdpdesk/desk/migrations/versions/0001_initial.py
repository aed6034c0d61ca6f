"""The desk's first schema: taxpayers, cases, periods, assessments, the event log, letters.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
APPEND_ONLY = ("case_events", "letters", "collection_returns")


def upgrade() -> None:
    op.create_table(
        "taxpayers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("tin", sa.String(20)),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("taxpayer_id", sa.Integer, sa.ForeignKey("taxpayers.id")),
        sa.Column("as_of", sa.Date),
        sa.Column("policies", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
    )
    op.create_table(
        "case_periods",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("period_key", sa.String(200), nullable=False),
        sa.Column("form", sa.String(40), nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("case_id", "period_key", name="uq_case_periods_key"),
    )
    op.create_table(
        "case_assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("period_id", sa.Integer, sa.ForeignKey("case_periods.id"), nullable=False),
        sa.Column("assessment_key", sa.String(200), nullable=False),
        sa.Column("assessed", sa.Date, nullable=False),
        sa.Column("amount", sa.String(40)),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("period_id", "assessment_key", name="uq_case_assessments_key"),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("payload", sa.Text),
        sa.Column("supersedes", sa.Integer, sa.ForeignKey("case_events.id"), unique=True),
        sa.Column("case_version", sa.Integer, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("note", sa.Text),
        sa.CheckConstraint("kind in ('record', 'correction', 'retraction')", name="ck_case_events_kind"),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("withdrawal_key", sa.String(200), nullable=False),
        sa.Column("withdrawal_entry", sa.Integer, sa.ForeignKey("case_events.id"), nullable=False),
        sa.Column("case_version", sa.Integer, nullable=False),
        sa.Column("letter_date", sa.Date, nullable=False),
        sa.Column("template_rev", sa.String(40), nullable=False),
        sa.Column("engine_version", sa.String(40), nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("html", sa.LargeBinary, nullable=False),
        sa.Column("pdf", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("html_sha256", sa.String(64), nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.UniqueConstraint("case_id", "number", "withdrawal_key", name="uq_letters_once_per_withdrawal"),
    )
    op.create_index("ix_letters_case_id", "letters", ["case_id"])
    op.create_table(
        "collection_returns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("letter_id", sa.Integer, sa.ForeignKey("letters.id"), nullable=False),
        sa.Column("period_key", sa.String(200), nullable=False),
        sa.Column("parts", sa.String(20), nullable=False),
        sa.Column("returned_on", sa.Date, nullable=False),
        sa.UniqueConstraint("letter_id", "period_key", name="uq_collection_returns"),
    )
    op.create_index("ix_collection_returns_case_id", "collection_returns", ["case_id"])
    op.create_table(
        "analysis_cache",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("case_version", sa.Integer, primary_key=True),
        sa.Column("engine_version", sa.String(40), primary_key=True),
        sa.Column("as_of", sa.Date, primary_key=True),
        sa.Column("analysis", sa.Text, nullable=False),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    """The log, the letters and the returns are written once: the database refuses an
    UPDATE or a DELETE of them, whoever asks."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION cdpdesk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION cdpdesk_append_only()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cdpdesk_append_only()")
    for table in ("analysis_cache", "collection_returns", "letters", "case_events"):
        op.drop_table(table)
    for table in ("case_assessments", "case_periods", "cases", "taxpayers"):
        op.drop_table(table)
