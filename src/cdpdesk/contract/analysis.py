"""``cdpdesk.analysis/1``: the analysis the engine writes, as pydantic models.

The engine builds plain dicts for speed; these models publish the JSON Schema and let tests
check every analysis against it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ANALYSIS_FORMAT = "cdpdesk.analysis/1"


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WhyOut(_Out):
    rule: str
    field: str | None = None
    date: dt.date | None = None
    authority: list[str]
    exceptions: list[str] | None = None
    says: str


class HearingOut(_Out):
    request: str
    notice: str | None
    period: str
    statute: Literal["IRC 6330", "IRC 6320"] | None
    type: Literal["cdp", "equivalent", "premature", "none"]
    filed: dt.date | None
    cdp_deadline: dt.date | None
    eh_deadline: dt.date | None
    status: Literal["pending", "withdrawn", "determined", "final", "not_held"]
    withdrawn: dt.date | None
    determination: dt.date | None
    petition_deadline: dt.date | None
    final: dt.date | None
    tax_court_review: bool
    levy_allowed_from: dt.date | None
    why: list[WhyOut]


class SuspensionOut(_Out):
    cause: Literal[
        "cdp_hearing",
        "ia_pending",
        "ia_terminated",
        "oic_pending",
        "bankruptcy",
        "outside_us",
        "tas_application",
        "innocent_spouse",
    ]
    event: str
    from_: dt.date = Field(alias="from")
    until: dt.date
    days: int
    open: bool
    authority: list[str]
    rule: str
    says: str

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FloorOut(_Out):
    cause: Literal["cdp_90_day", "return_from_abroad"]
    date: dt.date
    authority: list[str]
    rule: str
    says: str
    binding: bool


class AssessmentOut(_Out):
    period: str
    assessment: str
    assessed: dt.date
    base_csed: dt.date
    csed: dt.date
    open: bool
    suspensions: list[SuspensionOut]
    floors: list[FloorOut]
    why: list[WhyOut]


class DeadlineOut(_Out):
    date: dt.date
    what: str
    event: str | None
    authority: list[str]
    rule: str
    says: str
    periods: list[str] | None = None


class StageOut(_Out):
    id: Literal[
        "assessed",
        "balance_due",
        "lien_filed",
        "levy_notice",
        "hearing_requested",
        "in_appeals",
        "withdrawn",
        "determination",
        "tax_court",
        "collection",
        "alternative",
        "csed_passed",
    ]
    title: str
    event: str | None
    since: dt.date | None


class WarningOut(_Out):
    code: str
    event: str
    message: str


class Analysis(_Out):
    format: Literal["cdpdesk.analysis/1"]
    as_of: dt.date
    engine: str
    hearings: list[HearingOut]
    assessments: list[AssessmentOut]
    deadlines: list[DeadlineOut]
    stage: StageOut
    warnings: list[WarningOut]
