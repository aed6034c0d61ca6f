"""What a letter says, as data: built from a case and the engine's analysis, never stored
as the truth itself but frozen into a letter's snapshot when the letter is issued.

The snapshot carries only the masked identification number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cdpdesk.contract.analysis import HELD_TYPES, LEVY_STATUTE, LIEN_STATUTE
from cdpdesk.contract.case import (
    EVENT_DATE_FIELDS,
    CaseFile,
    HearingRequest,
    HearingWithdrawal,
    InstallmentAgreementEvent,
    OfferEvent,
)
from cdpdesk.engine import ENGINE_VERSION
from cdpdesk.privacy import mask_tin

LETTER_4383 = "4383"
#: The revision of our Letter 4383 wording and layout (the footer's "Rev.").
TEMPLATE_REV_4383 = "11-2026"
SNAPSHOT_FORMAT_4383 = "cdpdesk.letter4383/1"
WITHDRAWAL_REQUEST_FORMAT = "cdpdesk.withdrawal-request/1"
HELD = HELD_TYPES
LIEN, LEVY = LIEN_STATUTE, LEVY_STATUTE
PART = {LIEN: "lien", LEVY: "levy"}
PART_ORDER = {"lien": 0, "levy": 1}
DATE_FIELDS = EVENT_DATE_FIELDS  # declared on the contract models


class LetterError(ValueError):
    """The letter cannot be made from this case (one clear line)."""


def latest_event_date(case: CaseFile) -> dt.date | None:
    """The latest date any event carries (the earliest as-of the engine accepts)."""
    latest: dt.date | None = None
    for ev in case.events:
        for name in DATE_FIELDS:
            value = getattr(ev, name, None)
            if isinstance(value, dt.date) and (latest is None or value > latest):
                latest = value
    return latest


def as_of_for(case: CaseFile, wanted: dt.date) -> dt.date:
    """``wanted``, moved later if the case records an event after it."""
    latest = latest_event_date(case)
    return max(wanted, latest) if latest is not None else wanted


@dataclass(slots=True)
class WithdrawalScope:
    """Which hearings a withdrawal ends, as the engine's 'first one governs' rule reads."""

    withdrawal: HearingWithdrawal
    request: HearingRequest
    ended: list[dict[str, Any]] = field(default_factory=list)
    remaining: list[dict[str, Any]] = field(default_factory=list)
    earlier: list[str] = field(default_factory=list)  # withdrawals already governing it
    held_any: bool = False

    @property
    def kinds(self) -> list[str]:
        return [k for k in HELD if any(h["type"] == k for h in self.ended)]

    @property
    def parts(self) -> list[str]:
        return [p for p in ("lien", "levy") if any(PART.get(h["statute"]) == p for h in self.ended)]

    @property
    def partial(self) -> bool:
        return bool(self.remaining)


def find_withdrawal(case: CaseFile, event_id: str) -> HearingWithdrawal:
    for ev in case.events:
        if ev.id == event_id:
            if not isinstance(ev, HearingWithdrawal):
                raise LetterError(f"event {event_id!r} is a {ev.type}, not a hearing_withdrawal")
            return ev
    raise LetterError(f"the case has no event {event_id!r}")


def withdrawal_scope(case: CaseFile, analysis: dict[str, Any], event_id: str) -> WithdrawalScope:
    """The hearings a withdrawal ends, as the engine published them: each hearing's
    ``withdrawn_by`` (the written withdrawal that ended it) and ``withdrawals`` (every one
    naming it). Nothing here works the rule out again."""
    w = find_withdrawal(case, event_id)
    request = next((ev for ev in case.events if ev.id == w.request and isinstance(ev, HearingRequest)), None)
    if request is None:  # the engine's checks refuse this first
        raise LetterError(f"withdrawal {w.id!r} names no hearing_request {w.request!r}")
    scope = WithdrawalScope(w, request)
    for h in analysis["hearings"]:
        if h["request"] != w.request or h["type"] not in HELD:
            continue
        by = h["withdrawn_by"]
        if w.id in h["withdrawals"]:
            scope.held_any = True
            if by is not None and by != w.id and by not in scope.earlier:
                scope.earlier.append(by)
        if by == w.id:
            scope.ended.append(h)
        elif by is None and w.written and h["status"] == "pending":
            scope.remaining.append(h)
    return scope


def _period_rows(case: CaseFile) -> dict[str, dict[str, Any]]:
    return {
        p.id: {"period": p.id, "form": p.form, "period_end": p.period_end.isoformat()} for p in case.periods
    }


def _group(case: CaseFile, hearings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per period (in file order): the parts (lien, levy) and the hearing type."""
    rows = _period_rows(case)
    out: dict[str, dict[str, Any]] = {}
    for h in hearings:
        row = out.setdefault(h["period"], {**rows[h["period"]], "parts": [], "types": []})
        part = PART.get(h["statute"])
        if part and part not in row["parts"]:
            row["parts"].append(part)
        if h["type"] not in row["types"]:
            row["types"].append(h["type"])
    order = {p.id: i for i, p in enumerate(case.periods)}
    result = sorted(out.values(), key=lambda r: order[r["period"]])
    for row in result:
        row["parts"].sort(key=PART_ORDER.__getitem__)
        row["types"] = [k for k in HELD if k in row["types"]]
    return result


def _by_kind(case: CaseFile, hearings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The hearings grouped by type (CDP first), each with its periods and parts."""
    out = []
    for kind in HELD:
        mine = [h for h in hearings if h["type"] == kind]
        if mine:
            rows = _group(case, mine)
            parts = sorted({p for row in rows for p in row["parts"]}, key=PART_ORDER.__getitem__)
            out.append({"kind": kind, "parts": parts, "rows": rows})
    return out


def _cseds(analysis: dict[str, Any], period: str) -> list[dict[str, Any]]:
    return [
        {
            "assessment": a["assessment"],
            "assessed": a["assessed"],
            "csed": a["csed"],
            "lower_bound": bool(a["open"]),
        }
        for a in analysis["assessments"]
        if a["period"] == period and a.get("csed")
    ]


def _agreements(case: CaseFile, periods: set[str], on: dt.date) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for ev in case.events:
        if not isinstance(ev, InstallmentAgreementEvent | OfferEvent):
            continue
        if ev.type in ("ia_accepted", "oic_accepted") and set(ev.periods) & periods and ev.date <= on:
            kind = "installment agreement" if ev.type == "ia_accepted" else "offer in compromise"
            out.append({"kind": kind, "date": ev.date.isoformat()})
    return out


def letter_language(case: CaseFile, wanted: str | None = None) -> str:
    """The language a letter is written in: the one asked for, else the taxpayer's
    preferred language from the case file, else English."""
    from cdpdesk.i18n import DEFAULT, check_language

    if wanted:
        try:
            return check_language(wanted)
        except ValueError as exc:
            raise LetterError(str(exc)) from None
    if case.taxpayer is not None and case.taxpayer.language:
        return case.taxpayer.language
    return DEFAULT


#: The contact block's values that are words, not names or numbers: printed in the letter's
#: language (the desk's settings give them per language: ``[appeals.languages.<code>]``).
CONTACT_WORDS = ("title", "hours")


def contact_in(contact: dict[str, Any], language: str) -> dict[str, Any]:
    """The contact block in the letter's language. Title and hours: the office's own words
    for that language (settings ``[appeals.languages.<code>]``), else the catalog's
    translation of the English (the sample block's are in it), else the English as set. Names, numbers and the address are printed as set."""
    from cdpdesk.i18n import translator

    out = {k: v for k, v in contact.items() if k != "languages"}
    own = (contact.get("languages") or {}).get(language) or {}
    tr = translator(language)
    for key in CONTACT_WORDS:
        if key in out:
            out[key] = own.get(key) or tr.gettext(out[key])
    return out


def taxpayer_block(case: CaseFile) -> dict[str, Any]:
    if case.taxpayer is None:
        raise LetterError("the case has no taxpayer; a letter needs the taxpayer's name and address")
    return {
        "name": case.taxpayer.name,
        "tin_masked": mask_tin(case.taxpayer.tin),
        "address": list(case.taxpayer.address),
    }


def letter_4383_snapshot(
    case: CaseFile,
    analysis: dict[str, Any],
    withdrawal_id: str,
    letter_date: dt.date,
    contact: dict[str, Any],
    case_ref: str | None = None,
    enclosures: list[str] | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """The data Letter 4383 is rendered from (letters.md items 1-8). Raises LetterError.
    ``language``: the letter's language; by default the taxpayer's (``taxpayer.language``
    in the case file), else English."""
    scope = withdrawal_scope(case, analysis, withdrawal_id)
    w = scope.withdrawal
    if not w.written:
        raise LetterError(
            f"withdrawal {w.id!r} is oral: it is recorded but waits for a written, signed "
            "withdrawal; Letter 4383 answers only a written one"
        )
    if not scope.ended:
        if scope.earlier:
            raise LetterError(
                f"withdrawal {w.id!r} repeats withdrawal {scope.earlier[0]!r}, which is already in "
                "effect; acknowledge that one (once)"
            )
        raise LetterError(f"withdrawal {w.id!r} ends no hearing that was held (the request earned none)")
    if letter_date < w.received:
        raise LetterError(
            f"the letter date {letter_date.isoformat()} is before the withdrawal was received "
            f"({w.received.isoformat()})"
        )
    withdrawn = _group(case, scope.ended)
    for row in withdrawn:
        row["cseds"] = _cseds(analysis, row["period"])
    remaining = _group(case, scope.remaining)
    forms = sorted({row["form"] for row in withdrawn})
    lang = letter_language(case, language)
    return {
        "format": SNAPSHOT_FORMAT_4383,
        "letter": {
            "number": LETTER_4383,
            "rev": TEMPLATE_REV_4383,
            "date": letter_date.isoformat(),
            "enclosures": list(enclosures or []),
            "language": lang,
        },
        "contact": contact_in(contact, lang),
        "case": {"ref": case_ref},
        "taxpayer": taxpayer_block(case),
        "withdrawal": {
            "event": w.id,
            "received": w.received.isoformat(),
            "request": scope.request.id,
            "request_received": scope.request.received.isoformat(),
        },
        "kinds": scope.kinds,
        "parts": scope.parts,
        "forms": forms,
        "withdrawn": withdrawn,
        "by_kind": _by_kind(case, scope.ended),
        "remaining": remaining,
        "remaining_by_kind": _by_kind(case, scope.remaining),
        "partial": scope.partial,
        "agreements": _agreements(case, {row["period"] for row in withdrawn}, letter_date),
        "engine": ENGINE_VERSION,
        "as_of": analysis["as_of"],
    }


def withdrawal_request_data(
    case: CaseFile,
    analysis: dict[str, Any],
    request_id: str,
    periods: list[str] | None,
    parts: list[str] | None,
    full_tin: bool,
) -> dict[str, Any]:
    """The facts Form 12256 asks for, for the taxpayer to sign. ``full_tin`` only for the
    printable copy the taxpayer signs; the on-screen summary shows the masked number."""
    request = next((ev for ev in case.events if ev.id == request_id), None)
    if not isinstance(request, HearingRequest):
        raise LetterError(f"the case has no hearing_request {request_id!r}")
    block = taxpayer_block(case)
    if full_tin and case.taxpayer is not None:
        block["tin"] = case.taxpayer.tin
    for pid in periods or ():
        if pid not in request.periods:
            raise LetterError(f"period {pid!r} is not covered by request {request_id!r}")
    for part in parts or ():
        if part not in ("lien", "levy"):
            raise LetterError(f"part {part!r} must be 'lien' or 'levy'")
    hearings = [
        h
        for h in analysis["hearings"]
        if h["request"] == request_id
        and h["type"] in HELD
        and h["status"] == "pending"
        and (periods is None or h["period"] in periods)
        and (parts is None or PART.get(h["statute"]) in parts)
    ]
    if not hearings:
        raise LetterError(
            f"request {request_id!r} has no open hearing to withdraw for those periods and parts"
        )
    rows = _group(case, hearings)
    return {
        "format": WITHDRAWAL_REQUEST_FORMAT,
        "taxpayer": block,
        "request": {"event": request.id, "received": request.received.isoformat()},
        "kinds": [k for k in HELD if any(h["type"] == k for h in hearings)],
        "parts": sorted(
            {PART[h["statute"]] for h in hearings if h["statute"] in PART}, key=PART_ORDER.__getitem__
        ),
        "periods": rows,
        "all_periods": periods is None and parts is None,
        "as_of": analysis["as_of"],
    }
