"""``cdpdesk.analysis/1``: the analysis the engine writes, as pydantic models.

The engine builds plain dicts for speed; these models publish the JSON Schema and let tests
check every analysis against it.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

ANALYSIS_FORMAT = "cdpdesk.analysis/1"

# The words of a hearing, declared once: the engine, the desk, the letters and the roll-up
# use these, never their own copies.
HearingType = Literal["cdp", "equivalent", "premature", "none"]
HearingStatus = Literal["pending", "withdrawn", "determined", "final", "not_held"]
Statute = Literal["IRC 6330", "IRC 6320"]

CDP: Final = "cdp"
EQUIVALENT: Final = "equivalent"
PREMATURE: Final = "premature"
NONE: Final = "none"
HEARING_TYPES: tuple[HearingType, ...] = get_args(HearingType)
HELD_TYPES: tuple[HearingType, ...] = (CDP, EQUIVALENT)  # the hearings Appeals holds
HEARING_STATUSES: tuple[HearingStatus, ...] = get_args(HearingStatus)
LEVY_STATUTE: Final = "IRC 6330"  # levy notice (IRC 6330)
LIEN_STATUTE: Final = "IRC 6320"  # lien notice (IRC 6320)
STATUTES: tuple[Statute, ...] = get_args(Statute)


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
    statute: Statute | None
    type: HearingType
    filed: dt.date | None
    cdp_deadline: dt.date | None
    eh_deadline: dt.date | None
    status: HearingStatus
    withdrawn: dt.date | None
    withdrawn_by: str | None = Field(
        description="The written withdrawal (event id) that ended this hearing: the first one "
        "received that covers it (law.md 5). Null when no written withdrawal ended it. The desk "
        "and the letters read this; they never work it out again."
    )
    withdrawals: list[str] = Field(
        description="Every withdrawal event (written or oral) that names this hearing, earliest "
        "received first; the first written one is withdrawn_by, later ones repeat it."
    )
    determination: dt.date | None
    petition_deadline: dt.date | None
    final: dt.date | None = Field(
        description="The date the determination or Tax Court decision became final (the CDP "
        "suspension's until), only once it has on as_of; null while it can still be petitioned "
        "or appealed (status determined), when the day it becomes final if nothing is filed is "
        "in deadlines."
    )
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
