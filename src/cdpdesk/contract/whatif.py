"""``cdpdesk.whatif/1``: "what if I withdraw?", as pydantic models (docs/contract.md).

The engine builds plain dicts (``cdpdesk.engine.whatif``); these models publish the JSON
Schema and let tests check every answer against it. ``withdrawn`` is exactly the
``cdpdesk.analysis/1`` that ``cdpdesk analyze`` gives for the case with ``withdrawal``
added to its events (and ``as_of`` moved up to the withdrawal's day when that is later).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cdpdesk.contract.analysis import Analysis, HearingStatus, HearingType, Statute, WhyOut

WHATIF_FORMAT = "cdpdesk.whatif/1"

ChangeKind = Literal["hearing", "tax_court", "levy", "suspension", "csed"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("hearing", "tax_court", "levy", "suspension", "csed")
Part = Literal["lien", "levy"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class WithdrawalOut(_Out):
    """The hypothetical written withdrawal (a ``hearing_withdrawal`` event of cdpdesk.case/1)."""

    id: str
    """The event id given to it: "whatif-withdrawal", or with a number after it when the case already uses that id."""
    type: Literal["hearing_withdrawal"]
    """Always hearing_withdrawal."""
    received: dt.date
    """The day Appeals would receive the written withdrawal."""
    request: str
    """Id of the hearing_request withdrawn."""
    periods: list[str] | None = None
    """The periods withdrawn; absent when it is all of the request's."""
    notices: list[str] | None = None
    """The notices whose hearings are withdrawn (the lien or the levy part); absent for both."""
    written: Literal[True]
    """Always true: only a written withdrawal ends a hearing."""


class ChangeOut(_Out):
    """One thing that would change (or, for a hearing of the request left open, would not)."""

    kind: ChangeKind
    """hearing (its status), tax_court (review of a determination kept or lost), levy (the first day a levy may begin), suspension (a pause of the collection statute that ends), csed (the collection statute expiration date)."""
    period: str
    """Id of the tax period."""
    request: str | None
    """Id of the hearing request; null for a CSED."""
    notice: str | None
    """Id of the CDP notice, for hearing, tax_court and levy changes."""
    statute: Statute | None
    """IRC 6330 (levy) or IRC 6320 (lien), for hearing, tax_court and levy changes."""
    hearing: HearingType | None
    """The hearing's type (cdp or equivalent), for hearing, tax_court and levy changes."""
    assessment: str | None
    """Id of the assessment, for suspension and csed changes."""
    as_is: str | None
    """The value as the case stands: a status (hearing), kept or lost or none (tax_court), a date YYYY-MM-DD (levy, suspension end, csed), or null (levy not allowed yet)."""
    withdrawn: str | None
    """The same value with the withdrawal."""
    as_is_open: bool | None
    """suspension and csed: true when the value is not yet fixed on as_of (the pause still runs; the CSED is a lower bound)."""
    withdrawn_open: bool | None
    """The same, with the withdrawal."""
    days: int | None
    """csed: how many days earlier (negative) or later the CSED falls with the withdrawal; suspension: how many fewer days are paused."""
    floor: dt.date | None
    """csed: the 90-day floor (IRC 6330(e)(1)) with the withdrawal, when one applies."""
    floor_binding: bool | None
    """csed: true when that floor, not the suspended days, sets the CSED."""
    changed: bool
    """False only for a hearing of the same request that stays open (listed so a partial withdrawal shows what it keeps)."""
    says: str
    """One plain sentence: what changes, with its dates."""
    why: list[WhyOut]
    """The engine's reasons for the withdrawn value (rule, authorities, sentence)."""


class WhatIf(_Out):
    """A ``cdpdesk.whatif/1`` document."""

    format: Literal["cdpdesk.whatif/1"]
    """Always "cdpdesk.whatif/1": the version of this layout."""
    as_of: dt.date
    """The day both analyses speak from: the case's as_of, or the withdrawal's day when that is later."""
    request: str
    """Id of the hearing request withdrawn."""
    part: Part | None
    """lien or levy when only that part is withdrawn; null for both."""
    periods: list[str]
    """The periods whose pending hearings the withdrawal ends."""
    withdrawal: WithdrawalOut
    """The hypothetical event added to the case (nothing is stored)."""
    as_is: Analysis
    """The analysis of the case as it stands (cdpdesk.analysis/1)."""
    withdrawn: Analysis
    """The analysis of the case with the withdrawal added: exactly what cdpdesk analyze gives for it."""
    changes: list[ChangeOut]
    """What changes, period by period in file order: hearings, Tax Court review, levy, suspensions, CSEDs."""


__all__ = [
    "CHANGE_KINDS",
    "WHATIF_FORMAT",
    "ChangeKind",
    "ChangeOut",
    "HearingStatus",
    "Part",
    "WhatIf",
    "WithdrawalOut",
]
