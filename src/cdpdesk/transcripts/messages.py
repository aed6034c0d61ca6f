"""The transcript importer's words: each error and review reason is one message id (its
English, with ``{named}`` places) and its values, like the engine's explainer sentences
(issue 16). ``Message.text()`` is the English the command line prints; ``Message.text(w)``
reads the id through a ``Words`` port (``cdpdesk.i18n.translator("es")`` on the web pages),
so a language is a catalog and never a change here. Pure: no web, no files.

Values are the transcript's own strings (a source name, a line number, an ISO date, a
transaction code, an amount as read), the same in every language, or another ``Message``
(a part of a sentence that is words of its own). A review item is stored with its English
reason only (desk/reviews.py, migration 0010); ``read_back`` finds the message and values
again from that English, so an item stored before the ids existed is shown in Spanish too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TypeAlias

from cdpdesk.engine.words import ENGLISH, N_, Words

Value: TypeAlias = "str | Message"


@dataclass(frozen=True, slots=True)
class Message:
    """One sentence: its message id and its values, by name."""

    id: str
    values: tuple[tuple[str, Value], ...] = ()

    def text(self, w: Words = ENGLISH) -> str:
        """The sentence in the language of ``w`` (English by default)."""
        filled = {k: v.text(w) if isinstance(v, Message) else v for k, v in self.values}
        return w.gettext(self.id).format(**filled)

    def __str__(self) -> str:
        return self.text()


def msg(message_id: str, **values: Value | int) -> Message:
    """``msg(AT_LINE, source=..., line=3, why=msg(...))``; numbers are written as digits."""
    return Message(message_id, tuple((k, v if isinstance(v, Message) else str(v)) for k, v in values.items()))


# --- Where an error is -------------------------------------------------------------------------
AT_LINE = N_("{source}, line {line}: {why}")
NO_TRANSCRIPT = N_(
    "{source}: no account transcript found (no FORM NUMBER, TAX PERIOD and TRANSACTIONS lines)"
)

# --- Why a transcript cannot be read (parse.py) ------------------------------------------------
NO_HEADER_LINE = N_("the transcript's header has no {label} line before its TRANSACTIONS table")
RESPONSE_DATE = N_("the response date is not MM-DD-YYYY")
FORM_NUMBER = N_("the form number is empty or too long")
SECOND_HEADER = N_(
    "a second {label} line in one transcript's header (a transcript without its TRANSACTIONS table?)"
)
NOT_A_DATE = N_("the date is not a real calendar date (MM-DD-YYYY)")
OUT_OF_RANGE = N_("{date} is out of range (dates run from {first} to {last})")
NO_COLUMNS = N_(
    "a transaction line without the CODE, EXPLANATION, DATE (MM-DD-YYYY) and AMOUNT columns (garbled or truncated)"
)
NO_NEXT_TABLE = N_(
    "the next transcript's header has no TRANSACTIONS line before its table (garbled or truncated?)"
)
NO_CODE = N_("not a transaction line (a transaction starts with its 3-digit code)")
GARBLED = N_("a garbled transaction line (a date or amount with letters in it)")
ENDS_BEFORE_NEXT = N_("the file ends before the next transcript's TRANSACTIONS table (truncated?)")
ENDS_BEFORE_TABLE = N_("the file ends before the TRANSACTIONS table (truncated?)")
NOT_A_PERIOD = N_("not a tax period date: {value}")
NOT_A_PERIOD_EXAMPLE = N_("not a tax period date (expected e.g. Dec. 31, 2020 or 12-31-2020): {value}")
# Python's own words for a day that does not exist (datetime.date), read as message ids.
NO_SUCH_DAY = N_("day is out of range for month")
NO_SUCH_MONTH = N_("month must be in 1..12")

# --- Why the transcripts cannot be one case, or the taxpayer given cannot be used (build.py) ---
TWO_TAXPAYERS = N_(
    "the transcripts are for different taxpayers (their TINs end {last4s}); import one taxpayer at a time"
)
PERIOD_AGAIN = N_(
    "period {period} again (first in {first_source}, line {first_line}); import each period once"
)
NOT_VALID = N_("the imported case does not validate: {problem}")
NOT_A_TIN = N_("not a TIN: expected nine digits (123-45-6789, 12-3456789 or 123456789)")
OTHER_TIN = N_(
    "the TIN given ends in {mine}, but the transcripts are for {shown}: check the TIN (or the transcripts)"
)
ANOTHER_TIN = N_("another TIN")
NOT_PRINTED_TIN = N_("the TIN given is not the one the transcript prints in full: check it")
NAME_WITH_TIN = N_("the taxpayer's name is needed with the TIN (a transcript shows only a name control)")
NAME_TOO_LONG = N_("the name is longer than 300 characters")

# --- The review list's reasons (build.py; the codes' own notes are in codes.py) ---------------
TABLE_WORDS = N_("words in the transaction table, not a transaction (such as no return filed): read them")
UNMAPPED = N_("TC {code} is not in the code table: not imported; add it by hand if it matters")
NO_TAX = N_("TC {code} for {amount}: no tax assessed, so no CSED; not imported")
AFTER_RESPONSE = N_("dated {date}, after the transcript's response date {response}")
TIN_NEEDED = N_(
    "taxpayer.tin: the transcripts show only the last four digits of the TIN ({masked}), so the case has no "
    "taxpayer TIN; give the full TIN (and the name) to store the case or issue a letter"
)
NO_TIN_PRINTED = N_("no TIN printed")
NO_NAME = N_(
    "the transcript shows the full TIN but no name was given (--name): the case file has no taxpayer"
)
TWICE = N_("TC {code} twice on {date} (also line {line}): imported once")
WITHOUT_PAIR = N_("TC {code} without its pair: {why}; not imported")
BEFORE_REVERSED = N_(
    "dated {date}, before the TC {other} it would reverse (line {line}, {other_date}): conflicting dates"
)
NO_EARLIER = N_("no earlier code it reverses on this transcript")
HEARING_CLOSED = N_(
    "the CDP hearing request of {received} closed on {closed} (TC 521): record the withdrawal (Form 12256) "
    "or the determination from Appeals' letter; the transcript does not say which"
)
LEVY_REVERSED = N_("this CDP levy notice was reversed on {date} (line {line}): not imported")
READS_DIFFERENTLY = N_(
    "{event} of {date} reads differently here than at {other} (an end date on one period's transcript only): "
    "check both"
)

#: Every message id above (the codes' review notes are added by ``known``).
MESSAGES: tuple[str, ...] = tuple(v for k, v in list(globals().items()) if k.isupper() and isinstance(v, str))


_PLACE = re.compile(r"\{([a-z_0-9]+)\}")


@cache
def _pattern(message_id: str) -> tuple[str, re.Pattern[str]]:
    """The id's words before its first place (a cheap first test), and its whole pattern."""
    parts = _PLACE.split(message_id)
    rx = "".join(re.escape(part) if n % 2 == 0 else f"(?P<{part}>.+?)" for n, part in enumerate(parts))
    return parts[0], re.compile(rx, re.DOTALL)


def read_back(text: str, ids: Iterable[str] = MESSAGES) -> Message | None:
    """The message (and its values) whose English is ``text``, or None: how a review reason
    stored as English is shown in another language. A value that is itself one of the
    messages (``no TIN printed``) is read back too."""
    return _read_back(text, tuple(ids))


@lru_cache(maxsize=4096)
def _read_back(text: str, ids: tuple[str, ...]) -> Message | None:
    for message_id in ids:
        prefix, pattern = _pattern(message_id)
        if not text.startswith(prefix):
            continue
        m = pattern.fullmatch(text)
        if m is None:
            continue
        values: list[tuple[str, Value]] = []
        for name in _PLACE.findall(message_id):
            value = m.group(name)
            inner = _read_back(value, tuple(i for i in ids if i != message_id))
            values.append((name, inner if inner is not None and inner.text() == value else value))
        found = Message(message_id, tuple(values))
        if found.text() == text:
            return found
    return None


__all__ = ["MESSAGES", "Message", "msg", "read_back"]
