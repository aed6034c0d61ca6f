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

from cdpdesk.contract.case import date_problem
from cdpdesk.privacy import redact

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_DATE = r"[0-9]{2}-[0-9]{2}-[0-9]{4}"
_AMOUNT = r"-?\$?-?[0-9][0-9,]*\.[0-9]{2}"
_TXN = re.compile(
    rf"^(?P<tc>[0-9]{{3}})\s+(?P<text>\S.*?)\s+(?:(?P<cycle>[0-9]{{8}})\s+)?(?P<date>{_DATE})\s+(?P<amount>{_AMOUNT})$"
)
_STARTS_LIKE_TXN = re.compile(r"^[0-9]{3}(\s|$)")
_HAS_DATE_OR_AMOUNT = re.compile(rf"({_DATE}|\$[0-9])")
_AC = re.compile(r"\b(?:AC|action code)\s*([0-9]{3})\b", re.IGNORECASE)
_TIN = re.compile(r"^(?:X{3}-X{2}-|X{2}-X{3})?[0-9X-]*?([0-9]{4})$")
# Lines a PDF page break or the IRS banner repeat inside the table; skipped.
_NOISE = re.compile(
    r"^(this product contains sensitive taxpayer data|page [0-9]+ of [0-9]+|account transcript"
    r"|code\s+explanation of transaction.*|transactions)$",
    re.IGNORECASE,
)


class TranscriptError(ValueError):
    """The text is not a readable account transcript; the message names the line."""


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


_HEADER_FIELDS = {
    "FORM NUMBER": "form",
    "TAX PERIOD": "period",
    "TAXPAYER IDENTIFICATION NUMBER": "tin",
    "RESPONSE DATE": "response",
}


def _header_fields(line: str) -> list[tuple[str, str, str]]:
    """The header fields a line holds, as (field, label, value). ``pdftotext -layout`` may
    put two on one line (``Request Date: ...    Response Date: ...``), two or more spaces apart."""
    found = []
    for segment in re.split(r"\s{2,}(?=[A-Za-z][A-Za-z ]*:)", line):
        label, sep, value = segment.partition(":")
        name = _HEADER_FIELDS.get(label.strip().upper())
        if sep and name:
            found.append((name, label.strip(), value.strip()))
    return found


def _err(source: str, number: int, why: str, text: str = "") -> TranscriptError:
    shown = f": {redact(text.strip())[:120]!r}" if text.strip() else ""
    return TranscriptError(f"{source}, line {number}: {why}{shown}")


def _mdy(value: str) -> dt.date:
    month, day, year = (int(p) for p in value.split("-"))
    return dt.date(year, month, day)


def parse_period_end(value: str) -> dt.date:
    """``Dec. 31, 2019``, ``December 31, 2019``, ``12-31-2019`` or ``2019-12-31``."""
    value = value.strip()
    if re.fullmatch(_DATE, value):
        return _mdy(value)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return dt.date.fromisoformat(value)
    m = re.fullmatch(r"([A-Za-z]{3})[a-z]*\.?\s+([0-9]{1,2}),?\s+([0-9]{4})", value)
    if m and m.group(1).lower() in _MONTHS:
        return dt.date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
    raise ValueError(f"not a tax period date: {value!r}")


def _amount(value: str) -> str:
    negative = "-" in value
    digits = value.replace("-", "").replace("$", "").replace(",", "")
    return f"-{digits}" if negative and digits.strip("0.") else digits


def parse_transcripts(text: str, source: str = "<text>") -> list[Transcript]:
    """Every period's transcript in the text, in order. Raises TranscriptError naming the
    line for a garbled or truncated transcript."""
    out: list[Transcript] = []
    current: Transcript | None = None
    in_table = False
    pending: dict[str, tuple[int, str]] = {}  # header fields of the transcript being read
    last: Line | None = None
    number = 0

    def open_period(at: int) -> Transcript:
        for label in ("form", "period"):
            if label not in pending:
                raise _err(
                    source,
                    at,
                    f"the transcript's header has no {'FORM NUMBER' if label == 'form' else 'TAX PERIOD'}"
                    " line before its TRANSACTIONS table",
                )
        pnum, ptext = pending["period"]
        try:
            end = parse_period_end(ptext)
        except ValueError as exc:
            raise _err(source, pnum, str(exc)) from None
        if problem := date_problem(end):
            raise _err(source, pnum, problem, ptext)
        tin = pending.get("tin", (0, None))[1]
        resp = None
        if "response" in pending:
            rnum, rtext = pending["response"]
            try:
                resp = _mdy(rtext)
            except ValueError:
                raise _err(source, rnum, "the response date is not MM-DD-YYYY", rtext) from None
        form = pending["form"][1].strip()
        if not form or len(form) > 40:
            raise _err(source, pending["form"][0], "the form number is empty or too long")
        return Transcript(source, pending["form"][0], form, end, tin, resp)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.replace("\f", "").strip()
        if not line:
            continue
        fields = _header_fields(line)
        if fields:
            if in_table:
                # A header line after a table: the next transcript begins.
                assert current is not None
                out.append(current)
                current, in_table, pending, last = None, False, {}, None
            for field_name, label, value in fields:
                if field_name in pending:
                    raise _err(
                        source,
                        number,
                        f"a second {label} line in one transcript's header "
                        "(a transcript without its TRANSACTIONS table?)",
                        line,
                    )
                pending[field_name] = (number, value)
            continue
        if not in_table:
            if line.upper() == "TRANSACTIONS":
                current = open_period(number)
                in_table = True
            continue  # other header lines (balances, names, filing status) are not read
        if _NOISE.match(line) or line.upper().startswith("CODE "):
            continue
        m = _TXN.match(line)
        if m:
            try:
                day = _mdy(m.group("date"))
            except ValueError:
                raise _err(source, number, "the date is not a real calendar date", line) from None
            problem = date_problem(day)
            if problem:
                raise _err(source, number, problem, line)
            explanation = m.group("text").strip()
            ac = _AC.search(explanation)
            assert current is not None
            last = Line(
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
            current.lines.append(last)
            continue
        if _STARTS_LIKE_TXN.match(line):
            raise _err(
                source,
                number,
                "a transaction line without the CODE, EXPLANATION, DATE (MM-DD-YYYY) "
                "and AMOUNT columns (garbled or truncated)",
                line,
            )
        if _HAS_DATE_OR_AMOUNT.search(line) or last is None:
            raise _err(
                source, number, "not a transaction line (a transaction starts with its 3-digit code)", line
            )
        # A wrapped explanation: pdftotext puts the rest of a long explanation on the next line.
        last.explanation = f"{last.explanation} {line}"
        last.text = f"{last.text} {redact(line)}"
        ac = _AC.search(last.explanation)
        last.ac = last.ac or (ac.group(1) if ac else None)
    if current is not None:
        out.append(current)
    elif pending:
        raise _err(source, number, "the file ends before the TRANSACTIONS table (truncated?)")
    if not out:
        raise TranscriptError(
            f"{source}: no account transcript found (no FORM NUMBER, TAX PERIOD and TRANSACTIONS lines)"
        )
    return out


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
