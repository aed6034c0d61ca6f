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
from cdpdesk.engine.words import ENGLISH, N_, Words

WITHDRAWAL_ID = "whatif-withdrawal"
PART_STATUTE = {"lien": LIEN_STATUTE, "levy": LEVY_STATUTE}
_PART_WORD = {LIEN_STATUTE: "lien", LEVY_STATUTE: "levy"}
# A pause's cause, with its article (the sentences say "the pause for {cause}").
_CAUSE_WORD = {
    "cdp_hearing": N_("the CDP hearing"),
    "ia_pending": N_("the payment plan request"),
    "oic_pending": N_("the offer"),
}
# The hearing a change is about, by (hearing type, part): one message each, so a language
# can agree its words ("the CDP hearing on the levy notice n1 for 1040-2021").
_WHAT_WORDS = {
    ("cdp", "levy"): N_("the CDP hearing on the levy notice {notice} for {period}"),
    ("cdp", "lien"): N_("the CDP hearing on the lien notice {notice} for {period}"),
    ("equivalent", "levy"): N_("the equivalent hearing on the levy notice {notice} for {period}"),
    ("equivalent", "lien"): N_("the equivalent hearing on the lien notice {notice} for {period}"),
}


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
    words: Words = ENGLISH,
) -> dict[str, Any]:
    """``cdpdesk.whatif/1`` for a written withdrawal of ``request`` received on ``on``.

    Both analyses speak from ``as_of`` (default the case's), or from ``on`` when that is
    later: a withdrawal still to come is analysed on the day it would arrive. ``words``: the
    language of each change's ``says`` (English by default; the page passes the reader's)."""
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
        "changes": changes(case, as_is, withdrawn, request, on, words),
    }


# --- Comparing the two analyses --------------------------------------------------------------


def _key(h: dict[str, Any]) -> tuple[str, str | None, str]:
    return (h["request"], h["notice"], h["period"])


def _d(value: str | None, w: Words = ENGLISH) -> str:
    if not value:
        return ""
    return plain_date(value) if w is ENGLISH else w.date(value)


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
    case: CaseFile,
    as_is: dict[str, Any],
    withdrawn: dict[str, Any],
    request: str,
    on: date,
    words: Words = ENGLISH,
) -> list[dict[str, Any]]:
    """What differs between the two analyses, period by period in file order."""
    by_period: dict[str, list[dict[str, Any]]] = {p.id: [] for p in case.periods}
    after = {_key(h): h for h in withdrawn["hearings"]}
    for h in as_is["hearings"]:
        if h["request"] != request or h["type"] not in HELD_TYPES:
            continue
        w = after[_key(h)]
        by_period.setdefault(h["period"], []).extend(_hearing_changes(h, w, on, words))
    old = {(a["period"], a["assessment"]): a for a in as_is["assessments"]}
    for a in withdrawn["assessments"]:
        b = old[(a["period"], a["assessment"])]
        by_period.setdefault(a["period"], []).extend(_assessment_changes(b, a, words))
    return [c for items in by_period.values() for c in items]


def _hearing_changes(
    h: dict[str, Any], w: dict[str, Any], on: date, words: Words = ENGLISH
) -> list[dict[str, Any]]:
    _ = words.gettext
    part = _PART_WORD.get(h["statute"] or "", "lien")
    what = _(_WHAT_WORDS[(h["type"], part)]).format(notice=h["notice"], period=h["period"])
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
                says=_("This withdrawal does not cover {what}: it stays open.").format(what=what),
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
            says=_(
                "{what} would end on {date}, the day Appeals receives the written withdrawal; Appeals "
                "would make no determination and would not check that the IRS met the legal and "
                "administrative requirements. The Collection Appeals Program and other appeal rights "
                "stay open."
            ).format(what=what[:1].upper() + what[1:], date=_d(w["withdrawn"], words)),
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
                says=_(
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
                _("As it stands, the IRS may not levy for this period while the CDP hearing is open.")
                if before is None
                else _("As it stands, a levy may begin {date}.").format(date=_d(before, words))
            )
            tail = (
                _("With the withdrawal, a levy may begin {date}.").format(date=_d(now, words))
                if now is not None
                else _("With the withdrawal, the levy date is not yet known.")
            )
            says = lead + " " + tail
        else:
            # An equivalent hearing never barred levy by law (IRC 6330(e)(1) covers timely
            # requests only); the IRS's own policy hold while it is open (IRM 8.22.4.3) ends.
            says = _(
                "The law allowed a levy from {date} all along (an equivalent hearing does not bar "
                "it), but the IRS usually holds off while the hearing is open; that hold ends with "
                "the withdrawal (IRM 8.22.4.3)."
            ).format(date=_d(now, words))
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


def _assessment_changes(b: dict[str, Any], a: dict[str, Any], words: Words = ENGLISH) -> list[dict[str, Any]]:
    _ = words.gettext
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
        cause = (
            _(_CAUSE_WORD[s["cause"]]) if s["cause"] in _CAUSE_WORD else "the " + s["cause"].replace("_", " ")
        )
        if was["open"]:
            lead = words.ngettext(
                "As it stands, the pause of the collection statute for {cause} (since {start}) is "
                "still running; on {until} it has lasted {days} day.",
                "As it stands, the pause of the collection statute for {cause} (since {start}) is "
                "still running; on {until} it has lasted {days} days.",
                was["days"],
            ).format(cause=cause, start=_d(s["from"], words), until=_d(was["until"], words), days=was["days"])
        else:
            lead = words.ngettext(
                "As it stands, the pause for {cause} runs to {until} ({days} day).",
                "As it stands, the pause for {cause} runs to {until} ({days} days).",
                was["days"],
            ).format(cause=cause, until=_d(was["until"], words), days=was["days"])
        if s["open"]:
            tail = words.ngettext(
                "With the withdrawal it ends {date}, after {days} day, and its end is still not known.",
                "With the withdrawal it ends {date}, after {days} days, and its end is still not known.",
                s["days"],
            )
        else:
            tail = words.ngettext(
                "With the withdrawal it ends {date}, after {days} day.",
                "With the withdrawal it ends {date}, after {days} days.",
                s["days"],
            )
        tail = tail.format(date=_d(s["until"], words), days=s["days"])
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
                says=lead + " " + tail,
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
    where = {"period": period, "assessment": assessment}
    if moved == 0 and b["open"] == a["open"]:
        if a["open"]:
            lead = _(
                "The collection statute for {period} (assessment {assessment}) does not move: it ends "
                "{date} or later, as another pause still runs."
            )
        else:
            lead = _(
                "The collection statute for {period} (assessment {assessment}) does not move: it ends {date}."
            )
        lead = lead.format(date=_d(a["csed"], words), **where)
        tail = ""
    else:
        if b["open"]:
            lead = _(
                "As it stands, the collection statute for {period} (assessment {assessment}) ends {date} "
                "or later: the date still moves while the hearing is open."
            )
        else:
            lead = _(
                "As it stands, the collection statute for {period} (assessment {assessment}) ends {date}."
            )
        lead = lead.format(date=_d(b["csed"], words), **where)
        if a["open"]:
            tail = _("With the withdrawal it ends {date} or later (another pause is still running).")
        else:
            tail = _("With the withdrawal it ends {date}.")
        tail = " " + tail.format(date=_d(a["csed"], words))
    if floor is not None and floor["binding"]:
        tail += " " + _(
            "That date is the 90-day floor: the IRS keeps at least 90 days after the hearing ends to "
            "collect ({date})."
        ).format(date=_d(floor["date"], words))
    elif floor is not None:
        tail += " " + _("The 90-day floor ({date}) is earlier, so it does not set the date.").format(
            date=_d(floor["date"], words)
        )
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
    "hearing": N_("Hearing"),
    "tax_court": N_("Tax Court review"),
    "levy": N_("Levy may begin"),
    "suspension": N_("Collection statute paused until"),
    "csed": N_("Collection statute ends (CSED)"),
}
_VALUE_WORDS = {
    "pending": N_("pending"),
    "withdrawn": N_("withdrawn"),
    "kept": N_("kept"),
    "lost": N_("given up"),
}
_NOTICE_LABEL = {"lien": N_("{label} (lien notice {notice})"), "levy": N_("{label} (levy notice {notice})")}


def change_label(change: dict[str, Any], w: Words = ENGLISH) -> str:
    """What a change is about, in a few words: "Levy may begin (levy notice n1)"."""
    _ = w.gettext
    label = _(KIND_TITLES[change["kind"]])
    if change["assessment"]:
        return _("{label} (assessment {assessment})").format(label=label, assessment=change["assessment"])
    if change["notice"]:
        part = _PART_WORD.get(change["statute"] or "", "lien")
        return _(_NOTICE_LABEL[part]).format(label=label, notice=change["notice"])
    return label


def change_value(change: dict[str, Any], side: Literal["as_is", "withdrawn"], w: Words = ENGLISH) -> str:
    """One side of a change in plain words: "July 4, 2029 or later", "given up"."""
    _ = w.gettext
    value = change[side]
    if change["kind"] in ("hearing", "tax_court"):
        return _(_VALUE_WORDS[value]) if value in _VALUE_WORDS else str(value)
    if change["kind"] == "levy" and value is None:
        return _("not while the hearing is open")
    if not value:
        return _("not yet known")
    if change[f"{side}_open"]:
        text = _("{date} or later") if change["kind"] == "csed" else _("{date} (still running)")
        return text.format(date=_d(value, w))
    return _d(value, w)
