"""The taxpayer's preferred language for one case (issue 16): the ``cases.language`` column
(migration 0009), read when the desk issues Letter 4383 and changed by a representative or
Appeals staff from the case page.

It is the case file's ``taxpayer.language``: an import sets it, an export carries it. A
change is logged (who, which case, from what to what) and does not make a new case version:
no fact, deadline or analysis depends on it, so no derived fact goes stale. A letter already
issued keeps the language it was written in (its snapshot records it).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from cdpdesk.desk import documents
from cdpdesk.desk.record import DeskError, get_case
from cdpdesk.locale import DEFAULT, LanguageError, check_language

if TYPE_CHECKING:
    from cdpdesk.desk.base import DeskBase

log = logging.getLogger("cdpdesk.desk")


def case_language(desk: DeskBase, case_id: int) -> str | None:
    """The language stored for the case, or None (letters are then in English)."""
    with desk._tx() as s:
        return get_case(s, case_id).language


def letter_language_of(desk: DeskBase, case_id: int) -> str:
    """The language Letter 4383 for this case is issued in: the column's, else English."""
    return case_language(desk, case_id) or DEFAULT


def set_case_language(
    desk: DeskBase, case_id: int, language: str | None, *, by: str | None = None
) -> str | None:
    """Store the case's preferred language (a language of the catalogs; None or "" clears
    it). Raises NotFoundError (no such case) and DeskError (no taxpayer, unknown language)."""
    who = desk._by(by)
    code: str | None = None
    if language:
        try:
            code = check_language(language[:20])
        except LanguageError as exc:
            raise DeskError(f"language: {exc}") from None
    with desk._tx() as s:
        row = get_case(s, case_id)
        if row.taxpayer_id is None:
            raise DeskError(f"case {case_id} has no taxpayer: the preferred language is the taxpayer's")
        before = row.language
        row.language = code
        documents.store(s, [case_id])  # the document names the language (desk/documents.py)
    if before != code:
        log.info("case %s: preferred language %s -> %s by %s", case_id, before or "-", code or "-", who)
    return code
