"""Which issued letter rests on an event of a case.

An issued letter never changes (letters.md: stored with its snapshot, reprinted byte for
byte), so the facts it printed must not change under it either: the written withdrawal it
acknowledges, the ``withdrawal_acknowledged`` event it wrote into the case, the hearing
request it names (with its date received), and the notices whose hearings it describes
(they decided CDP or equivalent, lien or levy). Correcting or retracting any of them is
refused with the letter named; a new event records what happened after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
from sqlalchemy import select

from cdpdesk.desk.models import Letter

if TYPE_CHECKING:
    from cdpdesk.desk.cases import CaseWork as Desk


def refusal(desk: Desk, case_id: int, event_id: str) -> str | None:
    """Why ``event_id`` of the case may not be corrected or retracted, or None."""
    with desk._sessions() as s:
        letters = s.execute(
            select(Letter.id, Letter.withdrawal_key, Letter.snapshot)
            .where(Letter.case_id == case_id)
            .order_by(Letter.id)
        ).all()
    if not letters:
        return None
    stored = desk.stored(case_id)
    current = stored.active.get(event_id)
    payload = current.payload if current is not None else {}
    hearings: list[dict[str, object]] | None = None
    for letter_id, withdrawal, snapshot in letters:
        if event_id == withdrawal:
            return (
                f"withdrawal {event_id!r} of case {case_id} was acknowledged by letter {letter_id}, which "
                "never changes; record a new event instead"
            )
        if payload.get("type") == "withdrawal_acknowledged" and payload.get("withdrawal") == withdrawal:
            return (
                f"event {event_id!r} of case {case_id} records that letter {letter_id} was issued; the "
                "letter never changes, so this entry stays as it is"
            )
        request = orjson.loads(snapshot).get("withdrawal", {}).get("request")
        if event_id == request:
            return (
                f"hearing request {event_id!r} of case {case_id} is named in letter {letter_id}, which "
                "never changes; record a new event instead"
            )
        if payload.get("type") in ("levy_notice", "lien_notice"):
            if hearings is None:  # the engine's reading: which notice each ended hearing answered
                hearings = desk.analysis(case_id)["hearings"]
            if any(h["withdrawn_by"] == withdrawal and h["notice"] == event_id for h in hearings):
                return (
                    f"notice {event_id!r} of case {case_id} decided the hearing that letter {letter_id} "
                    "describes, and the letter never changes; record a new event instead"
                )
    return None
