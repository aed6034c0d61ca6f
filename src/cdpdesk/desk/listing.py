"""The case list for the web desk: one row per case with its taxpayer (TIN masked), its stage
on the roadmap and its withdrawals, paged and filterable by stage.

The stage comes from the engine's analysis (cached per case version by the desk), so a
filtered page costs one cached analysis per visible case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from cdpdesk.desk.models import Case
from cdpdesk.desk.workflow import Desk
from cdpdesk.privacy import mask_tin


@dataclass(frozen=True, slots=True)
class CasePage:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_json(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
        }


def case_rows(desk: Desk, visible: set[int] | None) -> list[dict[str, Any]]:
    """Every case this caller may see (``None``: all), oldest first, with its stage."""
    with desk._sessions() as s:
        q = select(Case).order_by(Case.id)
        if visible is not None:
            q = q.where(Case.id.in_(sorted(visible) or [-1]))
        cases = list(s.scalars(q))
        rows: list[dict[str, Any]] = [
            {
                "id": c.id,
                "taxpayer": c.taxpayer.name if c.taxpayer else None,
                "tin": mask_tin(c.taxpayer.tin) if c.taxpayer else None,
                "periods": [p.period_key for p in c.periods],
                "version": c.version,
                "created_at": c.created_at.isoformat(),
            }
            for c in cases
        ]
    for row in rows:
        analysis = desk.analysis(row["id"])
        row["stage"] = analysis["stage"]
        row["as_of"] = analysis["as_of"]
        row["next_deadline"] = analysis["deadlines"][0] if analysis["deadlines"] else None
    return rows


def list_cases(
    desk: Desk,
    visible: set[int] | None,
    *,
    stage: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> CasePage:
    rows = case_rows(desk, visible)
    if stage:
        rows = [r for r in rows if r["stage"]["id"] == stage]
    start = (page - 1) * per_page
    return CasePage(rows[start : start + per_page], len(rows), page, per_page)
