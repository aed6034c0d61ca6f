"""The four answers of roadmap.md, in plain language, for one case: what this means, how you
got here, what to do next (with dates), and where you are on the road; plus the help block.

Built from the case and its analysis only, so the web pages and letters can use it too.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from cdpdesk.contract.analysis import HELD_TYPES
from cdpdesk.contract.case import (
    AlternativeAppeal,
    Bankruptcy,
    CaseFile,
    CombatZone,
    Determination,
    DisasterRelief,
    HearingRequest,
    HearingWithdrawal,
    InnocentSpouseClaim,
    InstallmentAgreementEvent,
    LevyNotice,
    LienNotice,
    OfferEvent,
    OutsideUS,
    TasApplication,
    TaxCourtDecision,
    TaxCourtPetition,
    WithdrawalAcknowledged,
)
from cdpdesk.engine.authority import plain_date
from cdpdesk.engine.roadmap import STAGE_BY_ID, STAGES

HELP: tuple[dict[str, str], ...] = (
    {
        "name": "Taxpayer Advocate Service (TAS)",
        "text": "An independent part of the IRS that helps for free when a tax problem causes "
        "financial difficulty, or when the usual IRS channels have not solved it.",
        "contact": "taxpayeradvocate.irs.gov, 1-877-777-4778",
        "phone": "1-877-777-4778",
        "tel": "+18777774778",
        "web": "https://www.taxpayeradvocate.irs.gov",
    },
    {
        "name": "Low Income Taxpayer Clinics (LITCs)",
        "text": "Independent of the IRS. They represent eligible taxpayers before the IRS and in "
        "court for free or a small fee, and many serve people in several languages.",
        "contact": "IRS Publication 4134 lists the clinics",
        "phone": "",
        "tel": "",
        "web": "https://www.irs.gov/pub/irs-pdf/p4134.pdf",
    },
)

_HEARING_NAME = {"cdp": "Collection Due Process (CDP) hearing", "equivalent": "equivalent hearing"}
_ABOUT = {"IRC 6330": "the proposed levy", "IRC 6320": "the lien filing"}


def _d(iso_day: str | None) -> str:
    if not iso_day:
        return "an unknown date"
    return plain_date(iso_day)


def _join(items: list[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _period_names(case: CaseFile) -> dict[str, str]:
    return {p.id: f"Form {p.form}, period ending {_d(p.period_end.isoformat())}" for p in case.periods}


def explain(case: CaseFile, analysis: dict[str, Any]) -> dict[str, Any]:
    """The explainer for one case: a dict of plain-language answers with dates."""
    stage = analysis["stage"]
    names = _period_names(case)
    return {
        "stage": stage,
        "means": _means(stage["id"], analysis, names),
        "how": _how(case, analysis, names),
        "next_steps": _next_steps(stage["id"], case, analysis),
        "where": {
            "current": stage["id"],
            "stages": [
                {
                    "id": s.id,
                    "title": s.title,
                    "letters": list(s.letters),
                    "about": s.about,
                    "current": s.id == stage["id"],
                    "state": _stage_state(s.id, stage),
                }
                for s in STAGES
            ],
        },
        "help": [dict(h) for h in HELP],
        "irs_csed": irs_csed_lines(analysis, names),
    }


def money(amount: str) -> str:
    """``"12900.00"`` -> ``$12,900.00``: amounts as people write them."""
    value = Decimal(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def _stage_state(sid: str, stage: dict[str, Any]) -> str:
    """``current``, ``passed`` (the case went through it), ``off_road`` (before the current
    stage on the road but not on this case's: a levy case with no lien) or ``ahead``."""
    if sid == stage["id"]:
        return "current"
    if sid in stage.get("passed", ()):
        return "passed"
    order = [s.id for s in STAGES]
    return "off_road" if order.index(sid) < order.index(stage["id"]) else "ahead"


def _csed_lines(
    analysis: dict[str, Any], names: dict[str, str], periods: set[str] | None = None
) -> list[str]:
    out = []
    for a in analysis["assessments"]:
        if periods is not None and a["period"] not in periods:
            continue
        bound = " at the earliest (a pause is still running)" if a["open"] else ""
        out.append(
            f"For {names.get(a['period'], a['period'])}, the IRS can collect the tax assessed on "
            f"{_d(a['assessed'])} until {_d(a['csed'])}{bound}."
        )
    return out


def _cdp_pause(analysis: dict[str, Any], h: dict[str, Any]) -> dict[str, Any] | None:
    """The CDP suspension this hearing's request put on its period's collection statute."""
    for a in analysis["assessments"]:
        if a["period"] != h["period"]:
            continue
        for sp in a["suspensions"]:
            if sp["cause"] == "cdp_hearing" and sp["event"] == h["request"]:
                return dict(sp)
    return None


def _letter_words(h: dict[str, Any]) -> str:
    """Before and after Letter 4383: the letter is a fact only once Appeals has issued it."""
    if h.get("acknowledged"):
        return f"Appeals confirmed it with Letter 4383 on {_d(h['acknowledged'])}."
    return "Appeals will confirm it with Letter 4383; the withdrawal took effect the day they received it."


def _withdrawn_lines(analysis: dict[str, Any], names: dict[str, str]) -> list[str]:
    """Each written withdrawal, period by period: what ended, on which day, and what runs
    again (law.md 5), from the analysis's own dates."""
    hs = analysis["hearings"]
    out: list[str] = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for h in hs:
        if h["status"] == "withdrawn" and h["type"] in HELD_TYPES:
            groups.setdefault((h.get("withdrawn_by") or "", h["type"]), []).append(h)
    for (_w, kind), mine in groups.items():
        about = _join([_ABOUT[h["statute"]] for h in mine])
        periods = _join([names.get(h["period"], h["period"]) for h in mine])
        out.append(
            f"Appeals received your written withdrawal of your {_HEARING_NAME[kind]} about {about} "
            f"on {_d(mine[0]['withdrawn'])}, for {periods}. {_letter_words(mine[0])}"
        )
        if kind == "equivalent":
            h0 = mine[0]
            if h0.get("cdp_deadline"):
                out.append(
                    f"It was an equivalent hearing, not a CDP hearing, because your request arrived "
                    f"on {_d(h0['filed'])}, after the CDP deadline of {_d(h0['cdp_deadline'])}."
                )
            out.append(
                "Because you withdrew, Appeals will not send a decision letter and will not check "
                "whether the IRS met the legal and administrative requirements."
            )
            out.append(
                f"The IRS's usual hold on levy during the hearing ended on {_d(h0['withdrawn'])}. An "
                "equivalent hearing never paused the time the IRS has to collect, and its outcome "
                "could not have gone to the U.S. Tax Court."
            )
            continue
        out.append(
            "Because you withdrew, Appeals will not make a determination and will not check whether "
            "the IRS met the legal and administrative requirements. You gave up the right to ask the "
            "U.S. Tax Court to review this hearing."
        )
        for h in mine:
            what = names.get(h["period"], h["period"])
            if h["statute"] == "IRC 6330" and h.get("levy_allowed_from"):
                out.append(
                    f"For {what}, the hold on levy ended: the IRS may levy from {_d(h['levy_allowed_from'])}."
                )
            pause = _cdp_pause(analysis, h)
            if pause is None:
                continue
            if not pause["open"] and pause["until"] == h["withdrawn"]:
                out.append(
                    f"For {what}, the time the IRS has to collect was paused from {_d(pause['from'])} "
                    f"and runs again from {_d(pause['until'])}."
                )
            else:
                out.append(
                    f"For {what}, the time the IRS has to collect stays paused while your other "
                    "hearing for that period goes on."
                )
        out.extend(_csed_lines(analysis, names, {h["period"] for h in mine}))
    return list(dict.fromkeys(out))


def _continuing_lines(analysis: dict[str, Any], names: dict[str, str]) -> list[str]:
    out: list[str] = []
    for h in analysis["hearings"]:
        if h["status"] != "pending" or h["type"] not in HELD_TYPES:
            continue
        what = names.get(h["period"], h["period"])
        if h["type"] == "cdp":
            out.append(
                f"Your request received {_d(h['filed'])} was on time, so you have a "
                f"{_HEARING_NAME['cdp']} about {_ABOUT[h['statute']]} for {what}, and it continues. While "
                "it lasts, the IRS cannot levy for that period and the time it has to collect is paused."
            )
        else:
            out.append(
                f"Your request received {_d(h['filed'])} came after the CDP deadline of "
                f"{_d(h['cdp_deadline'])} but within one year, so you have an "
                f"{_HEARING_NAME['equivalent']} about {_ABOUT[h['statute']]} for {what}, and it continues. "
                "It does not pause the time the IRS has to collect, and its decision cannot be taken to "
                "the U.S. Tax Court."
            )
    return out


# What Letter 4383's situation means beyond the dates, in our own words (roadmap.md: the
# consequences of law.md 5, keeping IA/OIC terms, CAP, help).
WITHDRAWN_POINTS = (
    "People usually withdraw when they have reached an agreement with the IRS or no longer need a hearing.",
    "You keep your other appeal rights, such as the Collection Appeals Program (CAP).",
    "Your case goes back to IRS Collection. For the periods you withdrew, Collection can again "
    "take enforcement action, such as a levy.",
)


def _means(sid: str, analysis: dict[str, Any], names: dict[str, str]) -> list[str]:
    hs = analysis["hearings"]
    # The stage's general words, except where they would name both hearing types: the lines
    # below say which one this case had.
    out: list[str] = [] if sid == "determination" else [STAGE_BY_ID[sid].about]
    withdrawn = _withdrawn_lines(analysis, names)
    if sid == "withdrawn":
        out.extend(withdrawn)
        out.extend(WITHDRAWN_POINTS)
    elif sid == "in_appeals":
        out.extend(_continuing_lines(analysis, names))
        if withdrawn:
            out.append("You withdrew part of your hearing request:")
            out.extend(withdrawn)
            out.extend(WITHDRAWN_POINTS[1:])
    elif sid == "hearing_requested":
        out.append(
            "Your request did not earn a hearing on a CDP notice (it came too early, too late, or "
            "was treated as frivolous). The Collection Appeals Program may still be open to you."
        )
    elif sid in ("lien_filed", "levy_notice"):
        for d in analysis["deadlines"]:
            if d["what"].startswith("Last day to request"):
                out.append(f"{_deadline_words(d, analysis, names)}: {_d(d['date'])}.")
    elif sid == "determination":
        for h in hs:
            if h["determination"] and h["type"] == "cdp" and h["status"] == "determined":
                out.append(
                    f"Appeals issued a Notice of Determination (Letter 3193) on {_d(h['determination'])} "
                    f"after your CDP hearing about {_ABOUT[h['statute']]} for "
                    f"{names.get(h['period'], h['period'])}. If you disagree, you can ask the U.S. Tax Court "
                    f"to review it: the court must receive your petition by {_d(h['petition_deadline'])}. "
                    "You file it with the Tax Court, not the IRS (ustaxcourt.gov explains how)."
                )
            elif h["determination"] and h["type"] == "equivalent":
                out.append(
                    f"Appeals issued a decision letter (Letter 3210) on {_d(h['determination'])} after your "
                    f"equivalent hearing about {_ABOUT[h['statute']]} for "
                    f"{names.get(h['period'], h['period'])}. A decision after an equivalent hearing cannot "
                    "be taken to the U.S. Tax Court."
                )
        out.extend(withdrawn)
    elif sid == "tax_court":
        out.append(
            "The Tax Court case is open. Collection by levy and the collection statute stay paused "
            "for the periods in the case until the court's decision is final."
        )
    elif sid in ("collection", "alternative", "csed_passed"):
        out.extend(withdrawn)
        out.extend(_csed_lines(analysis, names))
    return list(dict.fromkeys(out))


def _deadline_words(d: dict[str, Any], analysis: dict[str, Any], names: dict[str, str]) -> str:
    """A deadline in plain words, with the taxpayer's period names, never internal ids."""
    what: str = d["what"]
    periods = _join([names.get(p, p) for p in d.get("periods") or ()])
    for_periods = f" for {periods}" if periods else ""
    kind = "levy" if "levy notice" in what else "lien"
    if what.startswith("Last day to request a CDP hearing"):
        return f"Last day to ask for a CDP hearing about the {kind} notice{for_periods} (send Form 12153){_earliest(what)}"
    if what.startswith("Last day to request an equivalent hearing"):
        return (
            f"Last day to ask for an equivalent hearing about the {kind} notice{for_periods}{_earliest(what)}"
        )
    if what.startswith("Last day to petition"):
        return f"Last day for the U.S. Tax Court to receive your petition{for_periods}{_earliest(what)}"
    if what.startswith("The Notice of Determination becomes final"):
        return f"Appeals' determination{for_periods} becomes final if you do not petition the Tax Court"
    if what.startswith("The Tax Court decision becomes final"):
        return f"The Tax Court's decision{for_periods} becomes final if no appeal is filed"
    if what.startswith("Collection statute ends"):
        assessed = [
            a["assessed"]
            for a in analysis["assessments"]
            if a["csed"] == d["date"] and a["period"] in (d.get("periods") or ())
        ]
        on = f" (assessed {_d(assessed[0])})" if assessed else ""
        bound = " at the earliest" if "lower bound" in what else ""
        return f"The IRS's time to collect the tax{for_periods}{on} ends{bound}"
    return what


def _how(case: CaseFile, analysis: dict[str, Any], names: dict[str, str]) -> list[dict[str, str]]:
    steps: list[tuple[str, str]] = []
    for p in case.periods:
        for a in p.assessments:
            amount = f" of {money(a.amount)}" if a.amount else ""
            steps.append((a.date.isoformat(), f"The IRS assessed tax{amount} for {names[p.id]}."))
    types: dict[str, set[str]] = {}
    for h in analysis["hearings"]:
        types.setdefault(h["request"], set()).add(h["type"])
    for ev in case.events:
        text, day = _event_text(ev, types, names)
        if text:
            steps.append((day.isoformat(), text))
    steps.sort(key=lambda s: s[0])
    return [{"date": d, "text": t} for d, t in steps]


def _event_text(ev: Any, types: dict[str, set[str]], names: dict[str, str]) -> tuple[str, date]:
    """The event in plain words, and the day it happened (its type's ``DAY`` field, declared
    on the contract model)."""
    return _event_words(ev, types, names), getattr(ev, ev.DAY)


def _event_words(ev: Any, types: dict[str, set[str]], names: dict[str, str]) -> str:
    periods = _join([names.get(p, p) for p in getattr(ev, "periods", None) or ()])
    if isinstance(ev, LevyNotice):
        letter = f" ({ev.letter})" if ev.letter else ""
        return f"The IRS sent a final notice of intent to levy{letter} for {periods}."
    if isinstance(ev, LienNotice):
        return (
            f"The IRS filed a Notice of Federal Tax Lien on {_d(ev.nftl_filed.isoformat())} and sent "
            f"the lien notice (Letter {ev.letter or '3172'}) for {periods}."
        )
    if isinstance(ev, HearingRequest):
        kinds = types.get(ev.id, set())
        article = {"cdp": "a ", "equivalent": "an "}
        got = _join([article[k] + _HEARING_NAME[k] for k in HELD_TYPES if k in kinds]) or "no hearing"
        return f"Appeals received your hearing request (Form 12153) for {periods}: it earned {got}."
    if isinstance(ev, HearingWithdrawal):
        if not ev.written:
            return "You withdrew your hearing request orally; it counts only once confirmed in writing."
        scope = f" for {periods}" if periods else ""
        return f"Appeals received your written withdrawal of the hearing request (Form 12256){scope}."
    if isinstance(ev, WithdrawalAcknowledged):
        return "Appeals confirmed your withdrawal with Letter 4383."
    if isinstance(ev, Determination):
        return "Appeals issued its determination on your hearing."
    if isinstance(ev, TaxCourtPetition):
        return "You petitioned the U.S. Tax Court."
    if isinstance(ev, TaxCourtDecision):
        return "The Tax Court entered its decision."
    if isinstance(ev, InstallmentAgreementEvent):
        word = ev.type.removeprefix("ia_")
        return f"Installment agreement {word} for {periods}."
    if isinstance(ev, OfferEvent):
        word = ev.type.removeprefix("oic_")
        return f"Offer in compromise {word} for {periods}."
    if isinstance(ev, AlternativeAppeal):
        return f"You appealed the decision on your payment plan or offer for {periods}."
    if isinstance(ev, Bankruptcy):
        return f"You filed for bankruptcy ({periods} affected)."
    if isinstance(ev, OutsideUS):
        return "You left the United States."
    if isinstance(ev, TasApplication):
        return "You asked the Taxpayer Advocate for help (Form 911)."
    if isinstance(ev, InnocentSpouseClaim):
        return "You asked for innocent spouse relief."
    return relief_event_words(ev)


def _next_steps(sid: str, case: CaseFile, analysis: dict[str, Any]) -> list[dict[str, str | None]]:
    names = _period_names(case)
    out: list[dict[str, str | None]] = []
    for d in analysis["deadlines"]:
        out.append({"date": d["date"], "text": f"{_deadline_words(d, analysis, names)}: {_d(d['date'])}."})
    advice = {
        "assessed": ["Pay what you owe, or ask for a payment plan (installment agreement)."],
        "balance_due": ["Pay what you can now; look at payment plans and other options."],
        "lien_filed": ["To keep all your rights, send Form 12153 before the CDP deadline above."],
        "levy_notice": [
            "To stop a levy while Appeals looks at your case, send Form 12153 before the CDP "
            "deadline above. A levy can take wages, bank accounts and other property."
        ],
        "hearing_requested": [
            "If no hearing is available, you may still use the Collection Appeals "
            "Program (Form 9423) or contact Collection about payment options."
        ],
        "in_appeals": [
            "Prepare for the Appeals conference: gather financial information (Form 433-A "
            "or 433-F) and think about a payment plan or an offer."
        ],
        "withdrawn": _withdrawn_steps(analysis),
        "determination": [
            "Read the determination carefully; for a CDP determination, the Tax Court "
            "deadline above is strict."
        ],
        "tax_court": ["Follow the Tax Court's orders and deadlines; consider getting help from a clinic."],
        "collection": [
            "Contact Collection about payment options; the Collection Appeals Program and the "
            "Taxpayer Advocate Service remain open."
        ],
        "alternative": [
            "Stay current on the plan or offer and file and pay every return on time "
            "(for an offer, for five years after it is accepted)."
        ],
        "csed_passed": ["The IRS can no longer collect these assessments; keep this record."],
    }
    out.extend({"date": None, "text": t} for t in advice[sid])
    return out


def _withdrawn_steps(analysis: dict[str, Any]) -> list[str]:
    """What to do after a withdrawal: the IRS's own advice on Letter 4383, in our words."""
    letter = any(h.get("acknowledged") for h in analysis["hearings"] if h["status"] == "withdrawn")
    call = (
        "If you have questions, call the Appeals contact named at the top of your Letter 4383."
        if letter
        else "If you have questions before your Letter 4383 arrives, call the Appeals office that "
        "has your hearing request (its number is on the letters Appeals sent you)."
    )
    return [
        call,
        "If you made a payment plan (installment agreement) or an offer in compromise, keep to its "
        "terms, and keep filing your returns and paying your taxes on time while it lasts. For an "
        "accepted offer, that means for five years after the IRS accepts it.",
        "If you have not settled the balance, Collection can still discuss a payment plan or an "
        "offer in compromise. If paying now would leave you unable to meet basic living costs, you "
        "can ask Collection to delay collection because of hardship (the account is then marked "
        '"currently not collectible").',
        "If Collection takes an action you disagree with, you can ask for a Collection Appeals "
        "Program review (Form 9423).",
    ]


def explain_text(case: CaseFile, analysis: dict[str, Any]) -> str:
    """The explainer as plain text, for the terminal."""
    ex = explain(case, analysis)
    lines: list[str] = []
    lines.append(f"Where you are: {ex['stage']['title']}")
    lines.append("")
    lines.append("What this means for you")
    lines.extend(f"  {t}" for t in ex["means"])
    lines.append("")
    lines.append("How you got here")
    lines.extend(f"  {_d(s['date'])}: {s['text']}" for s in ex["how"])
    lines.append("")
    lines.append("Your next steps")
    lines.extend(f"  - {s['text']}" for s in ex["next_steps"])
    lines.append("")
    lines.append("Where you are on the collection road")
    for s in ex["where"]["stages"]:
        mark = ">>" if s["current"] else "  "
        lines.append(f"  {mark} {s['title']}" + ("   <- you are here" if s["current"] else ""))
    lines.append("")
    if ex["irs_csed"]:
        lines.append("The IRS's own collection date, checked")
        lines.extend(f"  {t}" for t in ex["irs_csed"])
        lines.append("")
    lines.append("Where to get help")
    for h in ex["help"]:
        lines.append(f"  {h['name']}: {h['text']} ({h['contact']})")
    for w in analysis["warnings"]:
        lines.append(f"Note: {w['message']}")
    return "\n".join(lines) + "\n"


# --- Issue 15: relief events and the IRS's own CSED, in plain words --------------------------


def _earliest(what: str) -> str:
    """A deadline a relief still running can push later (law.md 3.4) says so."""
    return " (at the earliest: it can still move later)" if what.endswith("(at the earliest)") else ""


def relief_event_words(ev: Any) -> str:
    """Disaster relief and combat-zone service in the "how you got here" steps."""
    if isinstance(ev, DisasterRelief):
        return (
            f"The IRS gave disaster relief ({ev.relief}): deadlines from {_d(ev.first_day.isoformat())} "
            f"to {_d(ev.last_day.isoformat())} move to {_d(ev.last_day.isoformat())}."
        )
    if isinstance(ev, CombatZone):
        return (
            "Your service in a combat zone began; that time and 180 days after it do not count against you."
        )
    return ""


# Known IRS practices, in plain words (law.md 4.6); other readings use the analysis's sentence.
_PRACTICE_WORDS = {
    "ia_rejection_45_days": (
        "The difference is a known IRS practice: after turning down a payment plan request, the IRS "
        "keeps the pause on its clock for 45 days, while the law gives 30. By law the date we worked "
        "out is the right one, and you can ask the IRS to correct its record."
    ),
}


_PAUSE_WORDS = {
    "cdp_hearing": "your CDP hearing",
    "ia_pending": "your payment plan request",
    "ia_terminated": "your ended payment plan",
    "oic_pending": "your offer in compromise",
    "bankruptcy": "your bankruptcy",
    "outside_us": "your time outside the United States",
    "tas_application": "your request to the Taxpayer Advocate",
    "innocent_spouse": "your innocent spouse claim",
    "combat_zone": "your combat-zone service",
}


def _reading_words(first: dict[str, Any], a: dict[str, Any]) -> str:
    """One explanation of the check in plain words; the analysis's own sentence otherwise."""
    code: str = first["code"]
    if code in _PRACTICE_WORDS:
        return _PRACTICE_WORDS[code]
    kind, _, event = code.partition(":")
    pause = next((s for s in a["suspensions"] if s["event"] == event), None)
    if kind == "suspension_not_counted" and pause is not None:
        return (
            f"The IRS's date is what you get if the pause for {_PAUSE_WORDS.get(pause['cause'], 'this event')} "
            f"({_d(pause['from'])} to {_d(pause['until'])}) is not counted. The IRS's records may be "
            "missing it; if the facts here are right, our date is the right one."
        )
    if kind == "tail_not_counted" and pause is not None:
        return (
            f"The IRS's date is what you get if the pause for {_PAUSE_WORDS.get(pause['cause'], 'this event')} "
            "stops without the extra time the law adds after it. If the facts here are right, our date "
            "is the right one."
        )
    return str(first["says"])


def irs_csed_lines(analysis: dict[str, Any], names: dict[str, str]) -> list[str]:
    """For each assessment with the IRS's posted CSED (``irs_csed`` in the analysis): the two
    dates, the difference, and what explains it or what to look for. Read from the analysis
    only; the check itself is the engine's (engine/irs_csed.py)."""
    out: list[str] = []
    for a in analysis["assessments"]:
        check = a.get("irs_csed")
        if not check:
            continue
        what = f"For {names.get(a['period'], a['period'])} (tax assessed {_d(a['assessed'])})"
        days = abs(check["difference_days"])
        n = f"{days} day{'' if days == 1 else 's'}"
        if check["result"] == "matches":
            out.append(f"{what}, the IRS's records show {_d(check['date'])}, the same date we worked out.")
            continue
        out.append(
            f"{what}, the IRS's records show {_d(check['date'])}, {n} {check['result']} than the date we "
            f"worked out, {_d(a['csed'])}."
        )
        if check["explained"]:
            out.append(_reading_words(check["explanations"][0], a))
        else:
            out.append("The facts recorded in this case do not explain the difference. Things to look for:")
            out.extend(f"- {t}" for t in check["look_for"])
    return out
