"""Alembic migrations of the desk's store, shipped with the package (see ``cdpdesk.desk.db``)."""
