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
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class WhyOut(_Out):
    rule: str
    """Id of the rule that produced the value (docs/rules.md)."""
    field: str | None = None
    """The field of the entry this reason explains, such as cdp_deadline or csed."""
    date: dt.date | None = None
    """The value explained, when it is a date."""
    authority: list[str]
    """Citations of the statute, regulation, IRM section or opinion the rule rests on."""
    exceptions: list[str] | None = None
    """Named exceptions that applied, such as a holiday roll or a saving postmark."""
    says: str
    """One plain sentence with the dates that produced the value."""


class HearingOut(_Out):
    request: str
    """Id of the hearing_request event."""
    notice: str | None
    """Id of the CDP notice this entry is about; null when no notice before the request covers the period."""
    period: str
    """Id of the tax period."""
    statute: Statute | None
    """IRC 6330 for a levy notice, IRC 6320 for a lien notice; null without a notice."""
    type: HearingType
    """The hearing earned: cdp (in time), equivalent (late but within the one-year window), premature (before the notice or the NFTL filing), none (too late, or frivolous)."""
    filed: dt.date | None
    """The date that decided timeliness: receipt, or the postmark when it made the request timely, or day 1 of the lien window for a request made during the 5 business days."""
    cdp_deadline: dt.date | None
    """Last day to ask for a CDP hearing on this notice, after the weekend and holiday roll."""
    eh_deadline: dt.date | None
    """Last day to ask for an equivalent hearing: the end of the one-year window, after the roll."""
    status: HearingStatus
    """pending, withdrawn, determined (decided; can still be petitioned or appealed on as_of), final, or not_held (for premature and none)."""
    withdrawn: dt.date | None
    """The day Appeals received the written withdrawal that ended this hearing."""
    withdrawn_by: str | None
    """The written withdrawal (event id) that ended this hearing: the first one received that covers it (law.md 5); null when none did. The desk and the letters read this; they never work it out again."""
    withdrawals: list[str]
    """Every withdrawal event (written or oral) that names this hearing, earliest received first; the first written one is withdrawn_by, later ones repeat it."""
    acknowledged: dt.date | None
    """The date of the Letter 4383 with which Appeals confirmed the withdrawal in withdrawn_by (a withdrawal_acknowledged event); null until it is issued. It moves no date: the hearing ended on withdrawn."""
    acknowledged_by: str | None
    """The withdrawal_acknowledged event (Letter 4383) for withdrawn_by; null until it is issued."""
    determination: dt.date | None
    """Date of the Notice of Determination or decision letter."""
    petition_deadline: dt.date | None
    """Last day to petition the Tax Court; only for a determined cdp hearing."""
    final: dt.date | None
    """The day the determination or Tax Court decision became final (where the CDP suspension ends); null until it is final on as_of. While it can still be petitioned or appealed the status is determined, and the day it becomes final if nothing is filed is in deadlines."""
    tax_court_review: bool
    """True while this cdp hearing's determination can still reach the Tax Court: the petition window is open on as_of or a timely petition is pending."""
    levy_allowed_from: dt.date | None
    """Levy notices: the first day a levy is allowed for this period as far as this hearing goes; null while a CDP hearing is open or under review, and for lien notices."""
    why: list[WhyOut]
    """The reason for each date of the entry."""


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
        "combat_zone",
    ]
    """What suspends the collection statute."""
    event: str
    """Id of the event that started the suspension."""
    from_: dt.date = Field(alias="from")
    """First day the collection period stops running."""
    until: dt.date
    """First day it runs again; the suspended days are from up to but not including until."""
    days: int
    """Length in days (until minus from), as recorded, before overlapping suspensions are merged."""
    open: bool
    """True when the end is not yet known on as_of and until is as_of (the CSED is then a lower bound)."""
    authority: list[str]
    """Citations of the law behind the suspension."""
    rule: str
    """Id of the rule that produced it."""
    says: str
    """One plain sentence with its dates."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FloorOut(_Out):
    cause: Literal["cdp_90_day", "return_from_abroad"]
    """cdp_90_day (90 days after a CDP hearing ends, IRC 6330(e)(1)) or return_from_abroad (6 months after a return, IRC 6503(c))."""
    date: dt.date
    """The day the CSED may not fall before."""
    authority: list[str]
    """Citations of the law behind the floor."""
    rule: str
    """Id of the rule that produced it."""
    says: str
    """One plain sentence with its dates."""
    binding: bool
    """True when this floor, not the suspensions, set the CSED."""


class IrsCsedExplanationOut(_Out):
    code: str
    """Which reading of the facts lands on the IRS's date: ia_rejection_45_days (a known IRS practice), suspension_not_counted:<event>, tail_not_counted:<event>, floor_not_applied, both_end_days_counted or leap_day; two joined by '+' when it takes both."""
    days: int
    """How many days this reading moves the computed CSED (positive: later)."""
    known_practice: bool
    """True when the reading is a documented IRS practice (such as CCA 2017-04-04), not an error in the records."""
    rule: str
    """Id of the rule behind the reading (docs/rules.md)."""
    authority: list[str]
    """Citations for the reading."""
    says: str
    """One plain sentence: what the reading does and the CSED it gives."""


class IrsCsedOut(_Out):
    date: dt.date
    """The CSED as the IRS's records show it (the case file's irs_csed)."""
    difference_days: int
    """The IRS's date minus the computed CSED, in days: positive when the IRS's date is later."""
    result: Literal["matches", "later", "earlier"]
    """matches, or whether the IRS's date is later or earlier than the computed CSED."""
    explained: bool
    """True when the dates match or some reading of the recorded facts lands exactly on the IRS's date."""
    explanations: list[IrsCsedExplanationOut]
    """Each reading (or pair of readings) that lands exactly on the IRS's date, known IRS practices first."""
    look_for: list[str]
    """When nothing explains the difference: what to look for (a suspension missing from the facts, an end posted differently, a wrong assessment date)."""
    rule: str
    """Id of the rule that made the check (irs-csed-check)."""
    authority: list[str]
    """Citations of the law the check rests on."""
    says: str
    """One plain sentence: the two dates, the difference and what accounts for it."""


class AssessmentOut(_Out):
    period: str
    """Id of the tax period."""
    assessment: str
    """Id of the assessment."""
    assessed: dt.date
    """The assessment date."""
    base_csed: dt.date
    """10 years after the assessment date, before any suspension."""
    csed: dt.date
    """The collection statute expiration date: the base date moved by the suspensions that count, raised to any floor."""
    open: bool
    """True when the CSED is a lower bound: a suspension that can still move it has no known end on as_of."""
    suspensions: list[SuspensionOut]
    """Every suspension of the period, each as recorded."""
    floors: list[FloorOut]
    """Every floor that applies to this CSED."""
    why: list[WhyOut]
    """The reasons for base_csed and csed."""
    irs_csed: IrsCsedOut | None = None
    """The IRS's posted CSED checked against csed, when the case file gives one (irs_csed on the assessment); null otherwise."""


class DeadlineOut(_Out):
    date: dt.date
    """The day by which to act, or on which something happens."""
    what: str
    """What must be done or what happens, in a short phrase."""
    event: str | None
    """Id of the event it comes from; null for a CSED."""
    authority: list[str]
    """Citations of the law behind the date."""
    rule: str
    """Id of the rule that produced the date."""
    says: str
    """One plain sentence with the dates behind it."""
    periods: list[str] | None = None
    """Ids of the periods it concerns."""


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
    """The stage on the collection road."""
    title: str
    """The stage's name in plain words."""
    event: str | None
    """Id of the event that put the case at this stage, if one did."""
    passed: list[str] = []
    """The stages this case went through before the current one, in the order it reached them (the roadmap draws them as passed; a stage not listed and before the current one is not on this case's road)."""
    since: dt.date | None
    """The day the case reached this stage, if known."""


class WarningOut(_Out):
    code: str
    """What kind of problem, such as late_lien_notice, repeat_notice or oral_withdrawal."""
    event: str
    """Id of the event it concerns."""
    message: str
    """One sentence: what looks wrong and what the engine did about it."""


class Analysis(_Out):
    format: Literal["cdpdesk.analysis/1"]
    """Always "cdpdesk.analysis/1": the version of this layout."""
    as_of: dt.date
    """The day the analysis speaks from."""
    engine: str
    """The CDP Desk version that computed it."""
    hearings: list[HearingOut]
    """One entry per request, notice and tax period, in event order."""
    assessments: list[AssessmentOut]
    """One entry per assessment, with its CSED, in file order."""
    deadlines: list[DeadlineOut]
    """Dates on or after as_of to act by (or on which a decision becomes final, or a CSED falls), soonest first."""
    stage: StageOut
    """Where the case stands on the collection road."""
    warnings: list[WarningOut]
    """Facts that look wrong but did not stop the analysis."""
