"""The taxpayer's preferred language per case (issue 16): a real ``cases.language`` column
instead of the ``$taxpayer_language`` key the case row's ``policies`` JSON text carried
(session 4). The upgrade carries each stored value over and gives ``policies`` back its
own JSON (or NULL when the case file had none); the downgrade puts the language back into
the JSON text, as session 4 wrote it, before dropping the column.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: The key session 4 stored the language under (desk/record.py then); no policy has it.
LANGUAGE_KEY = "$taxpayer_language"

_cases = sa.table(
    "cases",
    sa.column("id", sa.Integer),
    sa.column("policies", sa.Text),
    sa.column("language", sa.String(20)),
)


def _dumps(value: Any) -> str:
    # the desk's own form (orjson: no spaces), so an unchanged case exports byte for byte
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def upgrade() -> None:
    op.add_column("cases", sa.Column("language", sa.String(20), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_cases.c.id, _cases.c.policies).where(_cases.c.policies.like(f'%"{LANGUAGE_KEY}"%'))
    ).all()
    for case_id, text in rows:
        value = json.loads(text)
        if not isinstance(value, dict) or LANGUAGE_KEY not in value:
            continue  # a policy text that only mentions the key inside a string
        policies = _dumps(value["policies"]) if "policies" in value else None
        bind.execute(
            sa.update(_cases)
            .where(_cases.c.id == case_id)
            .values(language=str(value[LANGUAGE_KEY]), policies=policies)
        )


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_cases.c.id, _cases.c.policies, _cases.c.language).where(_cases.c.language.is_not(None))
    ).all()
    for case_id, text, language in rows:
        given = {"policies": json.loads(text)} if text is not None else {}
        bind.execute(
            sa.update(_cases)
            .where(_cases.c.id == case_id)
            .values(policies=_dumps({LANGUAGE_KEY: language, **given}))
        )
    if bind.dialect.name == "sqlite":
        # SQLite's own DROP COLUMN (3.35+): a batch copy of the table would DROP TABLE cases,
        # which every other table references (foreign keys are on)
        op.execute("ALTER TABLE cases DROP COLUMN language")
    else:
        op.drop_column("cases", "language")
