""" "What if I withdraw?" on a stored case: the engine's ``whatif_withdraw`` on the case as
stored, as of the day the desk analyses it (today, or the case's own later ``as_of``).
Nothing is stored."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from cdpdesk.contract.analysis import HELD_TYPES, LEVY_STATUTE
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine.whatif import whatif_withdraw
from cdpdesk.engine.words import ENGLISH, Words


def whatif_withdraw_case(
    desk: Desk,
    case_id: int,
    request: str,
    on: dt.date,
    *,
    periods: list[str] | None = None,
    part: Literal["lien", "levy"] | None = None,
    words: Words = ENGLISH,
) -> dict[str, Any]:
    """``cdpdesk.whatif/1`` for a stored case (its sentences in the language of ``words``).
    Raises ``CaseError`` (by field) and ``NotFoundError``."""
    stored = desk.stored(case_id)
    return whatif_withdraw(
        stored.case_file(),
        request,
        on,
        periods=periods,
        part=part,
        as_of=desk._default_as_of(stored),
        words=words,
    )


def pending_requests(analysis: dict[str, Any]) -> list[dict[str, Any]]:
    """The hearing requests with a pending CDP or equivalent hearing, for a what-if form:
    each with its periods and the parts (lien, levy) still pending."""
    out: dict[str, dict[str, Any]] = {}
    for h in analysis["hearings"]:
        if h["status"] != "pending" or h["type"] not in HELD_TYPES:
            continue
        item = out.setdefault(
            h["request"], {"request": h["request"], "periods": [], "parts": [], "types": []}
        )
        if h["period"] not in item["periods"]:
            item["periods"].append(h["period"])
        part = "levy" if h["statute"] == LEVY_STATUTE else "lien"
        if part not in item["parts"]:
            item["parts"].append(part)
        if h["type"] not in item["types"]:
            item["types"].append(h["type"])
    return list(out.values())
