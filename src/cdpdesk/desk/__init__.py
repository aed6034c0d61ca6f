"""The case desk: stored cases, an append-only event log, the Appeals withdrawal workflow.

``from cdpdesk.desk import Desk``; ``Desk.open()`` uses ``CDPDESK_DATABASE_URL`` or the
embedded SQLite file ``var/cdpdesk.db`` (created, with its schema, on first use).
Nothing here is imported by ``cdpdesk analyze``: the database stack loads only when a desk
command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cdpdesk.desk.workflow import Desk, DeskError, StaleCaseError

__all__ = ["Desk", "DeskError", "StaleCaseError"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from cdpdesk.desk import workflow

        return getattr(workflow, name)
    raise AttributeError(name)
