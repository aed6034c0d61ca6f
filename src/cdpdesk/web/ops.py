"""What the API and the pages share: reading a case the caller may see, explaining it,
previewing and fetching letters. Every refusal is an exception the app turns into a JSON
error (API) or a plain page (browser)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson

from cdpdesk.contract import CaseFile
from cdpdesk.desk.accounts import Account, Accounts
from cdpdesk.desk.models import Letter
from cdpdesk.desk.record import NotFoundError, StoredCase
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine import analyze, explain
from cdpdesk.engine.words import ENGLISH, N_, Words
from cdpdesk.letters import facts
from cdpdesk.privacy import redact


class FieldError(ValueError):
    """422: one input field is wrong (the API names it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NotVisible(NotFoundError):
    """404 in our own words (a message id and its values, like web/security.py ``Worded``):
    the error page says it in the reader's language."""

    def __init__(self, message_id: str, **values: object) -> None:
        super().__init__(message_id.format(**values))
        self.words: tuple[str, dict[str, object]] = (message_id, values)

    def __reduce__(self) -> Any:
        return (_not_visible_again, (self.words[0], self.words[1]))


def _not_visible_again(message_id: str, values: dict[str, object]) -> NotVisible:
    return NotVisible(message_id, **values)


def not_visible(case_id: int) -> NotFoundError:
    # The same answer for "no such case" and "not yours": a taxpayer learns nothing about
    # other people's cases.
    return NotVisible(N_("no case {case} that you can see"), case=case_id)


def check_visible(accounts: Accounts, account: Account, case_id: int) -> None:
    if not accounts.can_see(account, case_id):
        raise not_visible(case_id)


def show(desk: Desk, case_id: int, as_of: dt.date | None = None) -> dict[str, Any]:
    try:
        return desk.show(case_id, as_of)
    except NotFoundError:
        raise not_visible(case_id) from None


def stored(desk: Desk, case_id: int) -> StoredCase:
    """The stored case (no analysis), or the 404 of a case one cannot see."""
    try:
        return desk.stored(case_id)
    except NotFoundError:
        raise not_visible(case_id) from None


def check_case(desk: Desk, case_id: int) -> None:
    """404 unless the case is stored (reads it only: no analysis)."""
    stored(desk, case_id)


@dataclass(frozen=True, slots=True)
class Explained:
    case_id: int
    case: CaseFile
    analysis: dict[str, Any]
    explanation: dict[str, Any]
    events: list[dict[str, Any]]
    shown: dict[str, Any]


def explained(desk: Desk, case_id: int, words: Words = ENGLISH) -> Explained:
    """The case, its analysis and the explainer in the language of ``words`` (the case read
    once: what is shown and what is explained are the same version)."""
    case_read = stored(desk, case_id)
    shown = desk.show_stored(case_read)
    case = case_read.case_file()
    analysis = shown["analysis"]
    events = [e.payload for e in case_read.active.values()]
    return Explained(case_id, case, analysis, explain(case, analysis, words), events, shown)


def letter_preview_html(desk: Desk, case_id: int, event_id: str, when: dt.date | None = None) -> bytes:
    """Letter 4383 for this withdrawal as it would be issued today, rendered but not stored."""
    from cdpdesk.letters.render import render_html

    day = when or dt.date.today()
    stored = desk.stored(case_id)
    case = stored.case_file()
    analysis = analyze(case, facts.as_of_for(case, day))
    snapshot = facts.letter_4383_snapshot(
        case,
        analysis,
        event_id,
        day,
        desk.settings.contact.to_json(),
        case_ref=f"CDP Desk case {case_id}",
        language=stored.row.language,  # as the desk will issue it (desk/lettering.py)
    )
    lang = snapshot["letter"]["language"]
    return render_html("letter4383.html.j2", snapshot, day.isoformat(), lang, preview=True).encode("utf-8")


NO_LETTER = N_("no letter {letter} that you can see")


def letter_row(desk: Desk, accounts: Accounts, account: Account, letter_id: int) -> Letter:
    try:
        row = desk.letter(letter_id)
    except NotFoundError:
        raise NotVisible(NO_LETTER, letter=letter_id) from None
    if not accounts.can_see(account, row.case_id):
        raise NotVisible(NO_LETTER, letter=letter_id)
    return row


def letter_json(row_or_info: Any) -> dict[str, Any]:
    """A letter's public description: links instead of server paths."""
    lid = row_or_info.id
    date = row_or_info.letter_date if hasattr(row_or_info, "letter_date") else row_or_info.date
    key = row_or_info.withdrawal_key if hasattr(row_or_info, "withdrawal_key") else row_or_info.withdrawal
    case = row_or_info.case_id if hasattr(row_or_info, "case_id") else row_or_info.case
    return {
        "id": lid,
        "number": row_or_info.number,
        "case": case,
        "withdrawal": key,
        "date": date.isoformat(),
        "issued_by": row_or_info.issued_by,
        "issued_at": row_or_info.issued_at.isoformat(),
        "sha256": row_or_info.sha256,
        "html_url": f"/api/letters/{lid}/html",
        "pdf_url": f"/api/letters/{lid}/pdf",
        "page_url": f"/letters/{lid}",
    }


def safe_message(message: str) -> str:
    """A message fit for a page or an error body: no TIN-shaped run of digits."""
    return redact(message)


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)
