"""Alembic environment: run by ``cdpdesk.desk.db.upgrade`` with an open connection, or by the
``alembic`` command with ``-x url=...`` (or ``CDPDESK_DATABASE_URL``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from cdpdesk.desk.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    from cdpdesk.desk.settings import load_settings, normalize_url

    url = context.get_x_argument(as_dictionary=True).get("url") or load_settings().database_url
    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run()
