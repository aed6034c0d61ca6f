"""Reading the IRS account transcript text layout (as delivered to taxpayers and their
representatives, or as ``pdftotext -layout`` renders the PDF) into periods and lines.

Pure: it takes text and returns records; the caller reads files. Layout (docs/transcripts.md):
a header of ``Label: value`` lines (``FORM NUMBER``, ``TAX PERIOD``, ``TAXPAYER
IDENTIFICATION NUMBER``, ``Response Date``...), then ``TRANSACTIONS`` and the table
``CODE  EXPLANATION OF TRANSACTION  CYCLE  DATE  AMOUNT``. One text may hold several
transcripts one after the other; each new ``FORM NUMBER`` header starts a new period.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from cdpdesk.contract.case import DATE_MAX, DATE_MIN, date_problem
from cdpdesk.engine.words import ENGLISH, Words
from cdpdesk.privacy import redact
from cdpdesk.transcripts import messages as ms
from cdpdesk.transcripts.messages import Message, msg

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_DATE = r"[0-9]{2}[-/][0-9]{2}[-/][0-9]{4}"
# $1,000.00, -$1,000.00, $-1,000.00, 1,000.00- and ($1,000.00): a minus or parentheses
# mark a credit (the transcript's own note: "any minus sign shown below signifies a credit").
_AMOUNT = r"\(?-?\$?-?[0-9][0-9,]*\.[0-9]{2}-?\)?"
_TXN = re.compile(
    rf"^(?P<tc>[0-9]{{3}})(?:\s+(?P<text>\S.*?))??\s+(?:(?P<cycle>[0-9]{{8}})\s+)?(?P<date>{_DATE})\s+(?P<amount>{_AMOUNT})$"
)
_STARTS_LIKE_TXN = re.compile(r"^[0-9]{3}(\s|$)")
# A line that ends with a date and an amount, or with a $ amount, is a transaction's columns:
# without its code it is an error, not explanation text (a date alone may be, "ext. Date ...").
_ENDS_LIKE_TXN = re.compile(rf"({_DATE}\s+{_AMOUNT}|\$-?[0-9][0-9,]*\.[0-9]{{2}}-?\)?)$")
# What a misread (OCR'd, mangled) transaction line leaves: a date or an amount with letters
# for digits (O for 0, l or I for 1), or a code with one. Never taken as explanation text.
_LOOKS_GARBLED = re.compile(
    r"(^[0-9OIl]{3}\s.*[0-9OIl]{2}[-/][0-9OIl]{2}[-/][0-9OIl]{4})"
    r"|([0-9OIl]{2}[-/][0-9OIl]{2}[-/][0-9OIl]{4}\s+\(?-?\$?-?[0-9OIl][0-9OIl,]*\.[0-9OIl]{2}\)?$)"
    r"|(\$[0-9OIl][0-9OIl,]*\.[0-9OIl]{2}\)?$)"
)
_AC = re.compile(r"\b(?:AC|action code)\s*([0-9]{3})\b", re.IGNORECASE)
# Pieces of the lines a page break repeats (banner, title, page number), which pdftotext may
# put on one line with two or more spaces between them; a line made only of these is skipped.
_NOISE_PIECE = re.compile(
    r"^(this product contains sensitive taxpayer data|page\s*:?\s*[0-9]+(\s*(of|/)\s*[0-9]+)?|"
    r"account transcript|record of account|transactions|"
    r"code\s+explanation of transaction.*|[-=_*]{3,}|internal revenue service|"
    r"united states department of the treasury)$",
    re.IGNORECASE,
)


def _value_fits(name: str, value: str) -> bool:
    """Whether a line alone is the value of a header label left empty above it."""
    if name == "period":
        try:
            parse_period_end(value)
        except ValueError:
            return False
        return True
    if name == "form":
        return re.fullmatch(r"[0-9]{3,4}[A-Z0-9-]{0,8}", value) is not None
    if name == "tin":
        return (
            re.fullmatch(r"[0-9X]{3}-?[0-9X]{2}-?[0-9X]?[0-9]{4}|[0-9X]{2}-?[0-9X]{3}[0-9]{4}", value)
            is not None
        )
    return re.fullmatch(_DATE, value) is not None


def _is_table_start(line: str) -> bool:
    return " ".join(line.upper().rstrip(":").split()) == "TRANSACTIONS"


def _is_noise(line: str) -> bool:
    return all(_NOISE_PIECE.match(piece) for piece in re.split(r"\s{2,}", line) if piece)


class TranscriptError(ValueError):
    """The text is not a readable account transcript; the message names the line.

    ``message`` is the sentence as a message id with values; ``shown`` the line as read
    (masked and quoted), the same in every language. ``str()`` is the English."""

    def __init__(self, message: Message, shown: str = "") -> None:
        super().__init__(message.text() + shown)
        self.message = message
        self.shown = shown

    def text(self, w: Words = ENGLISH) -> str:
        """The error in the language of ``w``."""
        return self.message.text(w) + self.shown

    def __reduce__(self) -> Any:
        return (type(self), (self.message, self.shown))


@dataclass(slots=True)
class Line:
    """One transaction line of the table."""

    source: str
    number: int
    tc: str
    explanation: str
    cycle: str | None
    date: dt.date
    amount: str
    """Decimal string, minus for a credit, no '$' or thousands separators."""
    ac: str | None = None
    text: str = ""
    """The line as read, TIN-shaped digits masked."""


@dataclass(slots=True)
class Transcript:
    """One period's transcript."""

    source: str
    header_line: int
    form: str
    period_end: dt.date
    tin: str | None = None
    """As printed: masked (XXX-XX-6789) on current transcripts, in full on some older ones."""
    response_date: dt.date | None = None
    lines: list[Line] = field(default_factory=list)
    tin_line: int | None = None
    """The line of the TIN header, when there is one."""
    notes: list[tuple[int, str]] = field(default_factory=list)
    """Lines of words in the table before its first transaction (such as "No tax return
    filed"), with their line numbers: not transactions, listed for review."""


_HEADER_FIELDS = {
    "FORM NUMBER": "form",
    "TAX PERIOD": "period",
    "TAX PERIOD ENDING": "period",
    "TAX PERIOD REQUESTED": "period",
    "TAXPAYER IDENTIFICATION NUMBER": "tin",
    "EMPLOYER IDENTIFICATION NUMBER": "tin",
    "SSN PROVIDED": "tin",
    "SSN": "tin",
    "TIN": "tin",
    "RESPONSE DATE": "response",
    # Read so that a page header repeated inside the table is known for what it is; not used.
    "REQUEST DATE": "request",
    "TRACKING NUMBER": "tracking",
}
#: The fields that say which transcript this is; a page header repeats only the others.
_IDENTITY = ("form", "period", "tin")
_LABELS = {"form": "FORM NUMBER", "period": "TAX PERIOD", "tin": "TAXPAYER IDENTIFICATION NUMBER"}


def _header_fields(line: str) -> list[tuple[str, str, str]]:
    """The header fields a line holds, as (field, label, value). ``pdftotext -layout`` may
    put two on one line (``Request Date: ...    Response Date: ...``), two or more spaces apart."""
    found = []
    for segment in re.split(r"\s{2,}(?=[A-Za-z][A-Za-z ]*:)", line):
        label, sep, value = segment.partition(":")
        name = _HEADER_FIELDS.get(" ".join(label.split()).upper())
        if sep and name:
            found.append((name, label.strip(), value.strip()))
    return found


def _err(source: str, number: int, why: Message, text: str = "") -> TranscriptError:
    shown = f": {redact(text.strip())[:120]!r}" if text.strip() else ""
    return TranscriptError(msg(ms.AT_LINE, source=source, line=number, why=why), shown)


def out_of_range(day: dt.date) -> Message | None:
    """Why a date is outside what CDP Desk reads (the contract's ``date_problem``, as a
    message), or None."""
    if date_problem(day) is None:
        return None
    return msg(ms.OUT_OF_RANGE, date=day.isoformat(), first=str(DATE_MIN), last=str(DATE_MAX))


def _mdy(value: str) -> dt.date:
    month, day, year = (int(p) for p in re.split(r"[-/]", value))
    return dt.date(year, month, day)


def parse_period_end(value: str) -> dt.date:
    """``Dec. 31, 2019``, ``December 31, 2019``, ``12-31-2019``, ``12/31/2019`` or ``2019-12-31``.
    Raises TranscriptError (a ValueError) saying why not."""
    try:
        return _period_end(" ".join(value.split()))
    except TranscriptError:
        raise
    except ValueError as exc:  # no such day ("Feb. 30, 2020"): Python's words, as message ids
        raise TranscriptError(Message(str(exc))) from None


def _period_end(value: str) -> dt.date:
    if re.fullmatch(_DATE, value):
        return _mdy(value)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return dt.date.fromisoformat(value)
    if re.fullmatch(r"[0-9]{6}", value):  # YYYYMM, as IDRS writes a period: the month's last day
        year, month = int(value[:4]), int(value[4:])
        if not 1 <= month <= 12:
            raise TranscriptError(msg(ms.NOT_A_PERIOD, value=repr(value)))
        return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    m = re.fullmatch(r"([A-Za-z]{3})[a-z]*\.?\s*([0-9]{1,2}),?\s*([0-9]{4})", value)
    if m and m.group(1).lower() in _MONTHS:
        return dt.date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
    # "December, 2020" (a period named by its month, as some transcripts print it): its last day
    m = re.fullmatch(r"([A-Za-z]{3})[a-z]*\.?,?\s*([0-9]{4})", value)
    if m and m.group(1).lower() in _MONTHS:
        year, month = int(m.group(2)), _MONTHS[m.group(1).lower()]
        return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    raise TranscriptError(msg(ms.NOT_A_PERIOD_EXAMPLE, value=repr(value)))


def _amount(value: str) -> str:
    negative = "-" in value or value.startswith("(")
    digits = value.strip("()").replace("-", "").replace("$", "").replace(",", "")
    return f"-{digits}" if negative and digits.strip("0.") else digits


@dataclass(slots=True)
class _Reader:
    """The state of one pass over a text: the transcript being read, its header fields,
    and a header seen inside a table (a page header, or the next transcript's)."""

    source: str
    out: list[Transcript] = field(default_factory=list)
    current: Transcript | None = None
    in_table: bool = False
    pending: dict[str, tuple[int, str]] = field(default_factory=dict)
    interlude: dict[str, tuple[int, str]] | None = None
    last: Line | None = None
    partial: tuple[int, str] | None = None  # a code line whose columns are on the next line
    awaiting: tuple[str, str, dict[str, tuple[int, str]]] | None = None  # a label with no value yet

    def open_period(self, at: int) -> Transcript:
        pending, source = self.pending, self.source
        for label in ("form", "period"):
            if label not in pending:
                raise _err(source, at, msg(ms.NO_HEADER_LINE, label=_LABELS[label]))
        pnum, ptext = pending["period"]
        try:
            end = parse_period_end(ptext)
        except TranscriptError as exc:
            raise _err(source, pnum, exc.message) from None
        if problem := out_of_range(end):
            raise _err(source, pnum, problem, ptext)
        tin = pending["tin"][1] if "tin" in pending else None
        resp = None
        if "response" in pending:
            rnum, rtext = pending["response"]
            try:
                resp = _mdy(rtext.split()[0]) if rtext else None
            except (ValueError, IndexError):
                raise _err(source, rnum, msg(ms.RESPONSE_DATE), rtext) from None
        form = pending["form"][1].strip()
        if not form or len(form) > 40:
            raise _err(source, pending["form"][0], msg(ms.FORM_NUMBER))
        tin_line = pending["tin"][0] if "tin" in pending else None
        return Transcript(source, pending["form"][0], form, end, tin, resp, tin_line=tin_line)

    def header(self, number: int, line: str, fields: list[tuple[str, str, str]]) -> None:
        target = self.pending
        if self.in_table:
            if self.interlude is None:
                self.interlude = {}
            target = self.interlude
        for name, label, value in fields:
            if not value and name in ("form", "period", "tin", "response"):
                # pdftotext may put a value on the line below its label (a column layout)
                self.awaiting = (name, label, target)
                continue
            if name in target and name in _IDENTITY and target[name][1] != value:
                raise _err(self.source, number, msg(ms.SECOND_HEADER, label=label), line)
            target[name] = (number, value)

    def new_transcript(self) -> bool:
        """Whether the header read inside the table names another transcript (not a page
        header repeating this one's)."""
        assert self.current is not None and self.interlude is not None
        here = self.current
        seen = self.interlude
        if "form" in seen and seen["form"][1].strip() != here.form:
            return True
        if "period" in seen:
            try:
                if parse_period_end(seen["period"][1]) != here.period_end:
                    return True
            except ValueError:
                return True
        return "tin" in seen and (here.tin or "") != seen["tin"][1]

    def close(self) -> None:
        assert self.current is not None and self.interlude is not None
        self.out.append(self.current)
        self.pending, self.interlude = self.interlude, None
        self.current, self.in_table, self.last = None, False, None

    def transaction(self, number: int, line: str, m: re.Match[str]) -> None:
        source = self.source
        try:
            day = _mdy(m.group("date"))
        except ValueError:
            raise _err(source, number, msg(ms.NOT_A_DATE), line) from None
        if problem := out_of_range(day):
            raise _err(source, number, problem, line)
        explanation = (m.group("text") or "").strip()
        ac = _AC.search(explanation)
        assert self.current is not None
        self.last = Line(
            source,
            number,
            m.group("tc"),
            explanation,
            m.group("cycle"),
            day,
            _amount(m.group("amount")),
            ac.group(1) if ac else None,
            redact(line),
        )
        self.current.lines.append(self.last)


def parse_transcripts(text: str, source: str = "<text>") -> list[Transcript]:
    """Every period's transcript in the text, in order. Raises TranscriptError naming the
    line for a garbled or truncated transcript.

    Inside a table, the lines a page break repeats (the banner, ``Page N of M``, the title,
    ``Request Date``, ``Response Date``, ``Tracking Number``, the column heads, and the
    form, period and TIN when they are this transcript's own) are skipped; a header naming
    another form, period or TIN starts the next transcript, which needs its own
    ``TRANSACTIONS`` line.
    """
    r = _Reader(source)
    number = seen = 0  # seen: the last line that was not blank
    # Lines end at a line break only: a form feed (a PDF's page break, as pdftotext writes it)
    # is not a line of its own, so line numbers are the ones an editor shows.
    for number, raw in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        line = raw.replace("\f", " ").replace("\u00a0", " ").replace("\t", "  ").strip()
        if not line:
            continue
        seen = number
        if r.partial is not None and not _header_fields(line) and not _is_noise(line):
            # The columns of a code line that pdftotext wrapped before its date and amount.
            pnum, ptext = r.partial
            joined = f"{ptext} {line}"
            m = _TXN.match(joined) if not _STARTS_LIKE_TXN.match(line) else None
            if m:
                r.partial = None
                r.transaction(pnum, joined, m)
                continue
        if r.partial is not None:
            raise _err(source, r.partial[0], msg(ms.NO_COLUMNS), r.partial[1])
        fields = _header_fields(line)
        if r.awaiting is not None:
            name, label, target = r.awaiting
            r.awaiting = None
            if not fields and _value_fits(name, line):
                r.header(number, line, [(name, label, line)])
                continue
        if fields:
            r.header(number, line, fields)
            continue
        if not r.in_table:
            if _is_table_start(line):
                r.current = r.open_period(number)
                r.in_table = True
            continue  # other header lines (balances, names, filing status) are not read
        if r.interlude is not None:
            if _is_table_start(line) and r.new_transcript():
                r.close()
                r.current = r.open_period(number)
                r.in_table = True
                continue
            if _is_noise(line) or line.upper().startswith("CODE "):
                continue
            m = _TXN.match(line)
            if m or _STARTS_LIKE_TXN.match(line):
                if r.new_transcript():
                    at = min(n for n, _ in r.interlude.values())
                    raise _err(source, at, msg(ms.NO_NEXT_TABLE))
                r.interlude = None  # a page header: the table goes on
            elif r.new_transcript() or set(r.interlude) & set(_IDENTITY):
                continue  # the next transcript's header lines (balances, name control...)
            else:
                r.interlude = None
        if _is_noise(line) or line.upper().startswith("CODE "):
            continue
        m = _TXN.match(line)
        if m:
            r.transaction(number, line, m)
            continue
        if _STARTS_LIKE_TXN.match(line):
            r.partial = (number, line)
            continue
        if _ENDS_LIKE_TXN.search(line):
            raise _err(source, number, msg(ms.NO_CODE), line)
        if _LOOKS_GARBLED.search(line):
            raise _err(source, number, msg(ms.GARBLED), line)
        if r.last is None:  # words before any transaction ("No tax return filed"): a note
            assert r.current is not None
            r.current.notes.append((number, redact(line)))
            continue
        # A wrapped explanation: pdftotext puts the rest of a long explanation on the next line.
        last = r.last
        last.explanation = f"{last.explanation} {line}".strip()
        last.text = f"{last.text} {redact(line)}"
        ac = _AC.search(last.explanation)
        last.ac = last.ac or (ac.group(1) if ac else None)
    if r.partial is not None:
        raise _err(source, r.partial[0], msg(ms.NO_COLUMNS), r.partial[1])
    if r.current is not None:
        if r.interlude is not None and r.new_transcript():
            raise _err(source, seen, msg(ms.ENDS_BEFORE_NEXT))
        r.out.append(r.current)
    elif set(r.pending) & set(_IDENTITY):
        raise _err(source, seen, msg(ms.ENDS_BEFORE_TABLE))
    if not r.out:
        raise TranscriptError(msg(ms.NO_TRANSCRIPT, source=source))
    return r.out


def tin_last4(tin: str | None) -> str | None:
    if not tin:
        return None
    digits = re.sub(r"[^0-9]", "", tin)
    return digits[-4:] if len(digits) >= 4 else None


def full_tin(tin: str | None) -> str | None:
    """The TIN when the transcript printed it in full (nine digits), else None."""
    if tin and re.fullmatch(r"[0-9]{3}-?[0-9]{2}-?[0-9]{4}|[0-9]{2}-?[0-9]{7}", tin.strip()):
        return tin.strip()
    return None


__all__ = [
    "Line",
    "Transcript",
    "TranscriptError",
    "full_tin",
    "parse_period_end",
    "parse_transcripts",
    "tin_last4",
]
