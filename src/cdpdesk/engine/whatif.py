""" "What if I withdraw?": a pending CDP or equivalent hearing beside the same case with a
written withdrawal (Form 12256) received on a chosen day (``cdpdesk.whatif/1``).

Pure, like the rest of the engine: the hypothetical withdrawal is an ordinary
``hearing_withdrawal`` event of cdpdesk.case/1 added to a copy of the case, both cases go
through :func:`cdpdesk.engine.analyze` and this module only compares the two analyses. No
date is worked out here: every date of a change is one the analysis computed, with its why
(law.md 5: what a withdrawal does; 4.4: the 90-day floor).

Refusals are :class:`CaseError` items naming the input: ``request`` (unknown, not a hearing
request, nothing pending), ``on`` (before the request was received), ``periods[k]`` (not the
request's, or not pending), ``part`` (no pending hearing of that kind).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from cdpdesk.contract.analysis import HELD_TYPES, LEVY_STATUTE, LIEN_STATUTE
from cdpdesk.contract.case import CaseFile, HearingRequest, HearingWithdrawal, date_problem
from cdpdesk.contract.errors import CaseError, ErrorItem
from cdpdesk.contract.whatif import WHATIF_FORMAT
from cdpdesk.engine.analyze import analyze
from cdpdesk.engine.authority import plain_date

WITHDRAWAL_ID = "whatif-withdrawal"
PART_STATUTE = {"lien": LIEN_STATUTE, "levy": LEVY_STATUTE}
_PART_WORD = {LIEN_STATUTE: "lien", LEVY_STATUTE: "levy"}
_CAUSE_WORD = {"cdp_hearing": "CDP hearing", "ia_pending": "payment plan request", "oic_pending": "offer"}
_HEARING_WORD = {"cdp": "CDP hearing", "equivalent": "equivalent hearing"}


def _refuse(field: str, message: str) -> CaseError:
    return CaseError([ErrorItem(field, message)])


def _fresh_id(case: CaseFile) -> str:
    taken = {e.id for e in case.events}
    if WITHDRAWAL_ID not in taken:
        return WITHDRAWAL_ID
    n = 2
    while f"{WITHDRAWAL_ID}-{n}" in taken:
        n += 1
    return f"{WITHDRAWAL_ID}-{n}"


def withdrawal_event(
    case: CaseFile,
    as_is: dict[str, Any],
    request: str,
    on: date,
    periods: list[str] | None = None,
    part: Literal["lien", "levy"] | None = None,
) -> tuple[HearingWithdrawal, list[dict[str, Any]]]:
    """The written withdrawal to add, and the pending hearings (of ``as_is``) it ends.
    Raises :class:`CaseError` naming the input that cannot be withdrawn."""
    problem = date_problem(on)
    if problem:
        raise _refuse("on", problem)
    ev = next((e for e in case.events if e.id == request), None)
    if ev is None:
        raise _refuse("request", f"no event {request!r} in the case")
    if not isinstance(ev, HearingRequest):
        raise _refuse("request", f"{request!r} is a {ev.type}, not a hearing_request")
    if on < ev.received:
        raise _refuse(
            "on",
            f"{on.isoformat()} is before request {request!r} was received ({ev.received.isoformat()}); "
            "a withdrawal cannot come before its request",
        )
    mine = [h for h in as_is["hearings"] if h["request"] == request]
    held = [h for h in mine if h["type"] in HELD_TYPES]
    pending = [h for h in held if h["status"] == "pending"]
    if not pending:
        states = sorted({h["status"] for h in held}) or ["not held (the request earned no hearing)"]
        raise _refuse(
            "request",
            f"request {request!r} has no pending CDP or equivalent hearing on {as_is['as_of']} "
            f"(its hearings are {', '.join(states)}); only a pending hearing can be withdrawn",
        )
    if periods is not None:
        seen: set[str] = set()
        for k, pid in enumerate(periods):
            if pid in seen:
                raise _refuse(f"periods[{k}]", f"period {pid!r} is named twice")
            seen.add(pid)
            if pid not in ev.periods:
                raise _refuse(f"periods[{k}]", f"period {pid!r} is not covered by request {request!r}")
            if not any(h["period"] == pid for h in pending):
                states = sorted({h["status"] for h in mine if h["period"] == pid})
                raise _refuse(
                    f"periods[{k}]",
                    f"the hearing for period {pid!r} is not pending ({', '.join(states) or 'none'})",
                )
        pending = [h for h in pending if h["period"] in seen]
    notices: list[str] | None = None
    if part is not None:
        statute = PART_STATUTE[part]
        pending = [h for h in pending if h["statute"] == statute]
        if not pending:
            raise _refuse(
                "part",
                f"request {request!r} has no pending hearing on a {part} notice"
                + (f" for {', '.join(periods)}" if periods else ""),
            )
        notices = list(dict.fromkeys(h["notice"] for h in pending))
    chosen = list(dict.fromkeys(h["period"] for h in pending))
    # All of the request (no periods field) only when every hearing it holds is pending and
    # every one of its periods is withdrawn: a withdrawal naming a determined period would be
    # refused (law.md 5), and one naming an already withdrawn period would repeat it.
    whole = len(held) == len([h for h in held if h["status"] == "pending"]) and set(chosen) == set(ev.periods)
    event = HearingWithdrawal.model_validate(
        {
            "id": _fresh_id(case),
            "type": "hearing_withdrawal",
            "received": on,
            "request": request,
            "periods": None if whole else chosen,
            "notices": notices,
            "written": True,
        }
    )
    return event, pending


def with_withdrawal(case: CaseFile, event: HearingWithdrawal, as_of: date) -> CaseFile:
    """The case with the withdrawal added (and ``as_of`` moved up to it when it is later)."""
    return case.model_copy(update={"events": [*case.events, event], "as_of": as_of})


def whatif_withdraw(
    case: CaseFile,
    request: str,
    on: date,
    *,
    periods: list[str] | None = None,
    part: Literal["lien", "levy"] | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """``cdpdesk.whatif/1`` for a written withdrawal of ``request`` received on ``on``.

    Both analyses speak from ``as_of`` (default the case's), or from ``on`` when that is
    later: a withdrawal still to come is analysed on the day it would arrive."""
    base = as_of or case.as_of
    if base is None:
        raise _refuse("as_of", "is required (the engine has no clock)")
    day = max(base, on)
    as_is = analyze(case, day)
    event, ending = withdrawal_event(case, as_is, request, on, periods, part)
    withdrawn = analyze(with_withdrawal(case, event, day), day)
    return {
        "format": WHATIF_FORMAT,
        "as_of": as_is["as_of"],
        "request": request,
        "part": part,
        "periods": list(dict.fromkeys(h["period"] for h in ending)),
        "withdrawal": event.model_dump(mode="json", exclude_none=True),
        "as_is": as_is,
        "withdrawn": withdrawn,
        "changes": changes(case, as_is, withdrawn, request, on),
    }


# --- Comparing the two analyses --------------------------------------------------------------


def _key(h: dict[str, Any]) -> tuple[str, str | None, str]:
    return (h["request"], h["notice"], h["period"])


def _d(value: str | None) -> str:
    return plain_date(value) if value else ""


def _why(entry: dict[str, Any], *fields: str) -> list[dict[str, Any]]:
    return [w for w in entry["why"] if w.get("field") in fields]


def _change(kind: str, period: str, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": kind,
        "period": period,
        "request": None,
        "notice": None,
        "statute": None,
        "hearing": None,
        "assessment": None,
        "as_is": None,
        "withdrawn": None,
        "as_is_open": None,
        "withdrawn_open": None,
        "days": None,
        "floor": None,
        "floor_binding": None,
        "changed": True,
    }
    out.update(fields)
    return out


def changes(
    case: CaseFile, as_is: dict[str, Any], withdrawn: dict[str, Any], request: str, on: date
) -> list[dict[str, Any]]:
    """What differs between the two analyses, period by period in file order."""
    by_period: dict[str, list[dict[str, Any]]] = {p.id: [] for p in case.periods}
    after = {_key(h): h for h in withdrawn["hearings"]}
    for h in as_is["hearings"]:
        if h["request"] != request or h["type"] not in HELD_TYPES:
            continue
        w = after[_key(h)]
        by_period.setdefault(h["period"], []).extend(_hearing_changes(h, w, on))
    old = {(a["period"], a["assessment"]): a for a in as_is["assessments"]}
    for a in withdrawn["assessments"]:
        b = old[(a["period"], a["assessment"])]
        by_period.setdefault(a["period"], []).extend(_assessment_changes(b, a))
    return [c for items in by_period.values() for c in items]


def _hearing_changes(h: dict[str, Any], w: dict[str, Any], on: date) -> list[dict[str, Any]]:
    part = _PART_WORD.get(h["statute"] or "", "")
    word = _HEARING_WORD[h["type"]]
    what = f"the {word} on the {part} notice {h['notice']} for {h['period']}"
    common = {
        "request": h["request"],
        "notice": h["notice"],
        "statute": h["statute"],
        "hearing": h["type"],
    }
    if h["status"] == w["status"]:
        if h["status"] != "pending":
            return []
        return [
            _change(
                "hearing",
                h["period"],
                **common,
                as_is="pending",
                withdrawn="pending",
                changed=False,
                says=f"This withdrawal does not cover {what}: it stays open.",
                why=[],
            )
        ]
    out = [
        _change(
            "hearing",
            h["period"],
            **common,
            as_is=h["status"],
            withdrawn=w["status"],
            says=(
                f"{what[0].upper()}{what[1:]} would end on {_d(w['withdrawn'])}, the day Appeals "
                "receives the written withdrawal; Appeals would make no determination and would not "
                "check that the IRS met the legal and administrative requirements. The Collection "
                "Appeals Program and other appeal rights stay open."
            ),
            why=_why(w, "withdrawn"),
        )
    ]
    if h["type"] == "cdp":
        out.append(
            _change(
                "tax_court",
                h["period"],
                **common,
                as_is="kept",
                withdrawn="lost",
                says=(
                    "As it stands, a Notice of Determination on this CDP hearing could be taken to "
                    "the U.S. Tax Court within 30 days. With the withdrawal there is no "
                    "determination, so that right to Tax Court review is given up."
                ),
                why=_why(w, "withdrawn"),
            )
        )
    if h["statute"] == LEVY_STATUTE:
        before, now = h["levy_allowed_from"], w["levy_allowed_from"]
        if before != now:
            lead = (
                "As it stands, the IRS may not levy for this period while the CDP hearing is open."
                if before is None
                else f"As it stands, a levy may begin {_d(before)}."
            )
            tail = (
                f" With the withdrawal, a levy may begin {_d(now)}."
                if now is not None
                else " With the withdrawal, the levy date is not yet known."
            )
            says = lead + tail
        else:
            # An equivalent hearing never barred levy by law (IRC 6330(e)(1) covers timely
            # requests only); the IRS's own policy hold while it is open (IRM 8.22.4.3) ends.
            says = (
                f"The law allowed a levy from {_d(now)} all along (an equivalent hearing does not bar "
                "it), but the IRS usually holds off while the hearing is open; that hold ends with "
                "the withdrawal (IRM 8.22.4.3)."
            )
        out.append(
            _change(
                "levy",
                h["period"],
                **common,
                as_is=before,
                withdrawn=now,
                says=says,
                why=_why(w, "levy_allowed_from"),
            )
        )
    return out


def _assessment_changes(b: dict[str, Any], a: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    period, assessment = a["period"], a["assessment"]
    before = {(s["cause"], s["event"], s["from"]): s for s in b["suspensions"]}
    # The lien and levy parts of one request pause the statute once; when only one part is
    # withdrawn the other's pause (the same run as before) goes on, and nothing ends.
    still = {(s["cause"], s["event"], s["from"], s["until"], s["open"]) for s in a["suspensions"]}
    for s in a["suspensions"]:
        key = (s["cause"], s["event"], s["from"])
        was = before.get(key)
        if was is None or (*key, was["until"], was["open"]) in still:
            continue
        cause = _CAUSE_WORD.get(s["cause"], s["cause"].replace("_", " "))
        if was["open"]:
            lead = (
                f"As it stands, the pause of the collection statute for the {cause} (since "
                f"{_d(s['from'])}) is still running; on {_d(was['until'])} it has lasted {was['days']} days."
            )
        else:
            lead = f"As it stands, the pause for the {cause} runs to {_d(was['until'])} ({was['days']} days)."
        out.append(
            _change(
                "suspension",
                period,
                request=s["event"],
                assessment=assessment,
                as_is=was["until"],
                withdrawn=s["until"],
                as_is_open=was["open"],
                withdrawn_open=s["open"],
                days=was["days"] - s["days"],
                says=lead
                + f" With the withdrawal it ends {_d(s['until'])}, after {s['days']} days"
                + ("." if not s["open"] else ", and its end is still not known."),
                why=[
                    {
                        "rule": s["rule"],
                        "field": "until",
                        "date": s["until"],
                        "authority": list(s["authority"]),
                        "says": s["says"],
                    }
                ],
            )
        )
    floor = next((f for f in a["floors"] if f["cause"] == "cdp_90_day"), None)
    old_floor = next((f for f in b["floors"] if f["cause"] == "cdp_90_day"), None)
    if (b["csed"], b["open"]) == (a["csed"], a["open"]) and floor == old_floor:
        return out
    moved = (date.fromisoformat(a["csed"]) - date.fromisoformat(b["csed"])).days
    if moved == 0 and b["open"] == a["open"]:
        lead = f"The collection statute for {period} (assessment {assessment}) does not move: "
        lead += f"it ends {_d(a['csed'])}" + (" or later, as another pause still runs." if a["open"] else ".")
        tail = ""
    else:
        lead = f"As it stands, the collection statute for {period} (assessment {assessment}) ends {_d(b['csed'])}"
        lead += " or later: the date still moves while the hearing is open." if b["open"] else "."
        tail = f" With the withdrawal it ends {_d(a['csed'])}"
        tail += " or later (another pause is still running)." if a["open"] else "."
    if floor is not None and floor["binding"]:
        tail += (
            f" That date is the 90-day floor: the IRS keeps at least 90 days after the hearing ends "
            f"to collect ({_d(floor['date'])})."
        )
    elif floor is not None:
        tail += f" The 90-day floor ({_d(floor['date'])}) is earlier, so it does not set the date."
    why = [w for w in a["why"] if w.get("field") == "csed" or w["rule"] == "cdp-90-day-floor"]
    out.append(
        _change(
            "csed",
            period,
            assessment=assessment,
            as_is=b["csed"],
            withdrawn=a["csed"],
            as_is_open=b["open"],
            withdrawn_open=a["open"],
            days=moved,
            floor=None if floor is None else floor["date"],
            floor_binding=None if floor is None else floor["binding"],
            says=lead + tail,
            why=why,
        )
    )
    return out


# --- The words pages and the command line show for a change ---------------------------------

KIND_TITLES = {
    "hearing": "Hearing",
    "tax_court": "Tax Court review",
    "levy": "Levy may begin",
    "suspension": "Collection statute paused until",
    "csed": "Collection statute ends (CSED)",
}
_VALUE_WORDS = {"pending": "pending", "withdrawn": "withdrawn", "kept": "kept", "lost": "given up"}


def change_label(change: dict[str, Any]) -> str:
    """What a change is about, in a few words: "Levy may begin (levy notice n1)"."""
    label = KIND_TITLES[change["kind"]]
    if change["assessment"]:
        return f"{label} (assessment {change['assessment']})"
    if change["notice"]:
        return f"{label} ({_PART_WORD.get(change['statute'] or '', '')} notice {change['notice']})"
    return label


def change_value(change: dict[str, Any], side: Literal["as_is", "withdrawn"]) -> str:
    """One side of a change in plain words: "July 4, 2029 or later", "given up"."""
    value = change[side]
    if change["kind"] in ("hearing", "tax_court"):
        return _VALUE_WORDS.get(value, str(value))
    if change["kind"] == "levy" and value is None:
        return "not while the hearing is open"
    text = _d(value) or "not yet known"
    if change[f"{side}_open"]:
        text += " or later" if change["kind"] == "csed" else " (still running)"
    return text
