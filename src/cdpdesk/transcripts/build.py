"""From read transcripts to a ``cdpdesk.case/1`` case and its review list.

Every transaction line ends up in exactly one place: a fact of the case, or the review
list (with the reason and its line), or both when the fact needs a person's eye. Nothing
is dropped silently (issue 17).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from cdpdesk.contract import CaseError, load_case_dict
from cdpdesk.contract.case import TIN_PATTERN
from cdpdesk.engine.words import ENGLISH, Words
from cdpdesk.privacy import mask_tin
from cdpdesk.transcripts import messages as ms
from cdpdesk.transcripts.codes import CODES, Code, lookup
from cdpdesk.transcripts.messages import Message, msg, read_back
from cdpdesk.transcripts.parse import Line, Transcript, TranscriptError, full_tin, tin_last4

# The date field each mapped event type takes from its transcript line.
_DAY_FIELD = {
    "levy_notice": "date",
    "ia_requested": "date",
    "ia_accepted": "date",
    "oic_pending": "date",
    "oic_withdrawn": "date",
    "oic_accepted": "date",
    "bankruptcy": "filed",
    "hearing_request": "received",
}


class TaxpayerError(TranscriptError):
    """The taxpayer given with the transcripts (the full TIN, the name) cannot be used; the
    message never holds the TIN, ``field`` names the input (``tin`` or ``name``)."""

    def __init__(self, field: str, message: Message) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> Any:
        return (type(self), (self.field, self.message))


#: The review reason when the transcripts show only the TIN's last four digits.
TIN_NEEDED = ms.TIN_NEEDED


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One thing a person must look at, with the line it came from."""

    source: str
    line: int
    text: str
    """The transcript line, TIN-shaped digits masked."""
    kind: str
    """unmapped, check, unpaired, conflict or not_imported."""
    message: Message
    """Why, as a message id with values (``reason`` is its English)."""
    code: str | None = None

    @property
    def reason(self) -> str:
        """Why, in English (what the command line prints and the desk stores)."""
        return self.message.text()

    def why(self, w: Words = ENGLISH) -> str:
        """Why, in the language of ``w``."""
        return self.message.text(w)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "kind": self.kind,
            "code": self.code,
            "reason": self.reason,
            "text": self.text,
        }

    def one_line(self) -> str:
        return f"{self.source}:{self.line}: [{self.kind}] {self.reason}\n    {self.text}"


@dataclass(slots=True)
class Imported:
    case: dict[str, Any]
    review: list[ReviewItem]
    tin_masked: str | None
    periods: int
    lines: int
    mapped: int = 0
    sources: dict[str, list[str]] = field(default_factory=dict)
    """Event id -> the transcript lines (source:line) it came from."""

    @property
    def has_tin(self) -> bool:
        """Whether the case names its taxpayer with a full TIN (what storing it needs)."""
        return bool(self.case.get("taxpayer", {}).get("tin"))


@dataclass(slots=True)
class _Fact:
    kind: str
    period: str
    line: Line
    code: Code
    ends: dict[str, str] = field(default_factory=dict)  # extra date fields (stay_ended)
    dropped: bool = False


def _period_id(t: Transcript) -> str:
    end = t.period_end
    # 941-2022-03, not 941-202203: an id never has a TIN's shape (contract/case.py).
    suffix = str(end.year) if (end.month, end.day) == (12, 31) else end.strftime("%Y-%m")
    form = re.sub(r"[^A-Za-z0-9._-]", "", t.form) or "form"
    return f"{form}-{suffix}"


def _given_tin(tin: str | None, last4s: set[str | None], shown: str | None) -> str | None:
    """The full TIN typed by the user, checked against the transcripts' last four digits."""
    if tin is None or not tin.strip():
        return None
    tin = tin.strip()
    if not re.fullmatch(TIN_PATTERN, tin):
        raise TaxpayerError("tin", msg(ms.NOT_A_TIN))
    mine = tin_last4(tin)
    if last4s and mine not in last4s:
        raise TaxpayerError("tin", msg(ms.OTHER_TIN, mine=mine or "", shown=shown or msg(ms.ANOTHER_TIN)))
    return tin


def build_case(
    transcripts: list[Transcript],
    *,
    name: str | None = None,
    tin: str | None = None,
    as_of: dt.date | None = None,
) -> Imported:
    """The case the transcripts record. Raises TranscriptError for transcripts that cannot
    be one case (two taxpayers, the same period twice), TaxpayerError for a ``tin`` that is
    not the transcripts' or a TIN without a ``name``.

    Current transcripts mask the TIN (XXX-XX-1234): the case then has a taxpayer TIN only
    when ``tin`` gives it (its last four must agree), and the review list says so."""
    review: list[ReviewItem] = []
    last4s = {tin_last4(t.tin) for t in transcripts if t.tin} - {None}
    if len(last4s) > 1:
        raise TranscriptError(msg(ms.TWO_TAXPAYERS, last4s=", ".join(sorted(f"{x}" for x in last4s if x))))
    fulls = {full_tin(t.tin) for t in transcripts} - {None}
    printed = next(iter(fulls)) if len(fulls) == 1 else None
    shown_tin = mask_tin(printed) if printed else next((t.tin for t in transcripts if t.tin), None)
    given = _given_tin(tin, last4s, shown_tin)
    if given and printed and re.sub(r"[^0-9]", "", given) != re.sub(r"[^0-9]", "", printed):
        raise TaxpayerError("tin", msg(ms.NOT_PRINTED_TIN))
    tin = given or printed
    name = " ".join(name.split()) if name and name.strip() else None
    if given and not name:
        raise TaxpayerError("name", msg(ms.NAME_WITH_TIN))
    if name and len(name) > 300:
        raise TaxpayerError("name", msg(ms.NAME_TOO_LONG))
    if shown_tin is None and tin:
        shown_tin = mask_tin(tin)

    periods: list[dict[str, Any]] = []
    facts: list[_Fact] = []
    seen: dict[str, Transcript] = {}
    total = mapped = 0
    for t in transcripts:
        pid = _period_id(t)
        if pid in seen:
            again = msg(
                ms.PERIOD_AGAIN, period=pid, first_source=seen[pid].source, first_line=seen[pid].header_line
            )
            raise TranscriptError(msg(ms.AT_LINE, source=t.source, line=t.header_line, why=again))
        seen[pid] = t
        assessments: list[dict[str, Any]] = []
        for at, note in t.notes:
            review.append(
                ReviewItem(
                    t.source,
                    at,
                    note,
                    "check",
                    msg(ms.TABLE_WORDS),
                    None,
                )
            )
        for ln in t.lines:
            total += 1
            code = lookup(ln.tc, ln.ac, ln.explanation)
            if code is None:
                review.append(
                    ReviewItem(
                        ln.source,
                        ln.number,
                        ln.text,
                        "unmapped",
                        msg(ms.UNMAPPED, code=f"{ln.tc}{f' AC {ln.ac}' if ln.ac else ''}"),
                        None,
                    )
                )
                continue
            mapped += 1
            if code.kind == "assessment":
                if ln.amount.lstrip("-").strip("0.") == "" or ln.amount.startswith("-"):
                    review.append(
                        ReviewItem(
                            ln.source,
                            ln.number,
                            ln.text,
                            "not_imported",
                            msg(ms.NO_TAX, code=ln.tc, amount=ln.amount),
                            code.key,
                        )
                    )
                    continue
                assessments.append(
                    {"id": f"a{len(assessments) + 1}", "date": ln.date.isoformat(), "amount": ln.amount}
                )
                continue
            if code.review:
                review.append(ReviewItem(ln.source, ln.number, ln.text, "check", msg(code.review), code.key))
            facts.append(_Fact(code.kind, pid, ln, code))
        periods.append(
            {"id": pid, "form": t.form, "period_end": t.period_end.isoformat(), "assessments": assessments}
        )
        _pair(facts, pid, review)

    events, sources = _events(facts, review)
    case: dict[str, Any] = {"format": "cdpdesk.case/1"}
    if as_of is None:
        # The day the IRS's record speaks from; never before a date it records.
        dates = [t.response_date for t in transcripts if t.response_date]
        for t in transcripts:
            for ln in t.lines:
                if t.response_date and ln.date > t.response_date:
                    review.append(
                        ReviewItem(
                            ln.source,
                            ln.number,
                            ln.text,
                            "conflict",
                            msg(ms.AFTER_RESPONSE, date=str(ln.date), response=str(t.response_date)),
                            None,
                        )
                    )
                    dates.append(ln.date)
        as_of = max(dates) if dates else None
    if as_of is not None:
        case["as_of"] = as_of.isoformat()
    if name:
        case["taxpayer"] = {"name": name, **({"tin": tin} if tin else {})}
    if not tin:
        review.append(
            ReviewItem(
                transcripts[0].source,
                transcripts[0].tin_line or transcripts[0].header_line,
                "",
                "check",
                msg(ms.TIN_NEEDED, masked=shown_tin or msg(ms.NO_TIN_PRINTED)),
                None,
            )
        )
    elif not name:
        review.append(
            ReviewItem(
                transcripts[0].source,
                transcripts[0].header_line,
                "",
                "check",
                msg(ms.NO_NAME),
                None,
            )
        )
    case["periods"] = periods
    case["events"] = events
    try:
        load_case_dict(case)
    except CaseError as exc:  # a bug in the importer, never the user's: say so plainly
        raise TranscriptError(msg(ms.NOT_VALID, problem=exc.one_line())) from None
    review.sort(key=lambda r: (r.source, r.line))
    return Imported(case, review, shown_tin, len(periods), total, mapped, sources)


def _pair(facts: list[_Fact], pid: str, review: list[ReviewItem]) -> None:
    """Pair each reversal or end code of a period with the latest earlier code it undoes."""
    mine = sorted((f for f in facts if f.period == pid), key=lambda f: (f.line.date, f.line.number))
    open_: list[_Fact] = []
    for f in mine:
        if f.kind in ("event", "note"):
            twin = next((o for o in open_ if o.code.key == f.code.key and o.line.date == f.line.date), None)
            if twin is not None:
                review.append(
                    ReviewItem(
                        f.line.source,
                        f.line.number,
                        f.line.text,
                        "conflict",
                        msg(ms.TWICE, code=f.code.key, date=str(f.line.date), line=twin.line.number),
                        f.code.key,
                    )
                )
                f.dropped = True
                continue
            open_.append(f)
            continue
        pair = next((o for o in reversed(open_) if o.code.key in f.code.reverses), None)
        if pair is None:
            later = next(
                (o for o in mine if o.code.key in f.code.reverses and o.line.date > f.line.date), None
            )
            why = (
                msg(
                    ms.BEFORE_REVERSED,
                    date=str(f.line.date),
                    other=later.code.key,
                    line=later.line.number,
                    other_date=str(later.line.date),
                )
                if later
                else msg(ms.NO_EARLIER)
            )
            review.append(
                ReviewItem(
                    f.line.source,
                    f.line.number,
                    f.line.text,
                    "conflict" if later else "unpaired",
                    msg(ms.WITHOUT_PAIR, code=f.code.key, why=why),
                    f.code.key,
                )
            )
            f.dropped = True
            continue
        open_.remove(pair)
        day = f.line.date.isoformat()
        if pair.code.becomes == "bankruptcy":
            pair.ends["stay_ended"] = day
            f.dropped = True
        elif pair.code.becomes == "hearing_request":
            review.append(
                ReviewItem(
                    f.line.source,
                    f.line.number,
                    f.line.text,
                    "check",
                    msg(ms.HEARING_CLOSED, received=str(pair.line.date), closed=day),
                    f.code.key,
                )
            )
            f.dropped = True
        elif pair.code.becomes == "levy_notice":
            pair.dropped = True
            f.dropped = True
            review.append(
                ReviewItem(
                    pair.line.source,
                    pair.line.number,
                    pair.line.text,
                    "not_imported",
                    msg(ms.LEVY_REVERSED, date=day, line=f.line.number),
                    pair.code.key,
                )
            )
        elif f.code.becomes and f.kind == "end":
            pass  # it is an event of its own (TC 482 oic_withdrawn)
        else:
            f.dropped = True  # its review note (code.review) already says what to record


def _events(
    facts: list[_Fact], review: list[ReviewItem]
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The events, one per fact, merged across periods where the same step has the same
    dates (one notice or one request covering several periods), in date order."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    where: dict[tuple[Any, ...], list[str]] = {}
    first_line: dict[tuple[Any, ...], Line] = {}
    for f in sorted(facts, key=lambda f: (f.line.date, f.line.source, f.line.number)):
        kind = f.code.becomes
        if f.dropped or not kind or kind not in _DAY_FIELD:
            continue
        body: dict[str, Any] = {"type": kind, _DAY_FIELD[kind]: f.line.date.isoformat(), **f.ends}
        key = tuple(sorted(body.items()))
        event = merged.setdefault(key, {**body, "periods": []})
        if f.period not in event["periods"]:
            event["periods"].append(f.period)
        where.setdefault(key, []).append(f"{f.line.source}:{f.line.number}")
        first_line.setdefault(key, f.line)
    # The same step (same type, same first date) read with different end dates on two
    # periods' transcripts: a conflict a person settles (one bankruptcy, two stay ends?).
    firsts: dict[tuple[str, str], tuple[Any, ...]] = {}
    for key, event in merged.items():
        start = (event["type"], event[_DAY_FIELD[event["type"]]])
        if start in firsts and merged[firsts[start]] != event:
            here = first_line[key]
            other = where[firsts[start]][0]
            review.append(
                ReviewItem(
                    here.source,
                    here.number,
                    here.text,
                    "conflict",
                    msg(ms.READS_DIFFERENTLY, event=event["type"], date=start[1], other=other),
                    None,
                )
            )
        firsts.setdefault(start, key)
    events: list[dict[str, Any]] = []
    sources: dict[str, list[str]] = {}
    for n, (key, event) in enumerate(merged.items(), start=1):
        eid = f"e{n}"
        events.append({"id": eid, **event})
        sources[eid] = where[key]
    return events, sources


def known_reasons() -> tuple[str, ...]:
    """Every message id a review reason or an error is made from: the importer's, and the
    code table's review notes."""
    return (*ms.MESSAGES, *sorted({c.review for c in CODES.values() if c.review}))


def reason_words(reason: str, w: Words = ENGLISH) -> str | None:
    """A stored review reason (English, as desk/reviews.py keeps it) in the language of
    ``w``; None when it is not one of the importer's messages (a reason written elsewhere)."""
    found = read_back(reason, known_reasons())
    return None if found is None else found.text(w)


__all__ = [
    "TIN_NEEDED",
    "Imported",
    "ReviewItem",
    "TaxpayerError",
    "build_case",
    "known_reasons",
    "reason_words",
]
