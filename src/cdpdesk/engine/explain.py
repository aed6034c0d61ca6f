"""The four answers of roadmap.md, in plain language, for one case: what this means, how you
got here, what to do next (with dates), and where you are on the road; plus the help block.

Built from the case and its analysis only, so the web pages and letters can use it too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cdpdesk.contract.analysis import HELD_TYPES
from cdpdesk.contract.case import (
    AlternativeAppeal,
    Bankruptcy,
    CaseFile,
    Determination,
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
)
from cdpdesk.engine.authority import plain_date
from cdpdesk.engine.roadmap import STAGE_BY_ID, STAGES

HELP: tuple[dict[str, str], ...] = (
    {
        "name": "Taxpayer Advocate Service (TAS)",
        "text": "An independent part of the IRS that helps for free when a tax problem causes "
        "financial difficulty, or when the usual IRS channels have not solved it.",
        "contact": "taxpayeradvocate.irs.gov, 1-877-777-4778",
    },
    {
        "name": "Low Income Taxpayer Clinics (LITCs)",
        "text": "Independent of the IRS. They represent eligible taxpayers before the IRS and in "
        "court for free or a small fee, and many serve people in several languages.",
        "contact": "IRS Publication 4134 lists the clinics",
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
                }
                for s in STAGES
            ],
        },
        "help": [dict(h) for h in HELP],
    }


def _csed_lines(analysis: dict[str, Any], names: dict[str, str]) -> list[str]:
    out = []
    for a in analysis["assessments"]:
        bound = " at the earliest (a suspension is still running)" if a["open"] else ""
        out.append(
            f"For {names.get(a['period'], a['period'])}, the IRS can collect the tax assessed on "
            f"{_d(a['assessed'])} until {_d(a['csed'])}{bound}."
        )
    return out


def _means(sid: str, analysis: dict[str, Any], names: dict[str, str]) -> list[str]:
    hs = analysis["hearings"]
    out: list[str] = [STAGE_BY_ID[sid].about]
    if sid == "withdrawn":
        for kind in HELD_TYPES:
            mine = [h for h in hs if h["type"] == kind and h["status"] == "withdrawn"]
            if not mine:
                continue
            about = _join([_ABOUT[h["statute"]] for h in mine])
            periods = _join([names.get(h["period"], h["period"]) for h in mine])
            out.append(
                f"Appeals received your written withdrawal of your {_HEARING_NAME[kind]} about "
                f"{about} on {_d(mine[0]['withdrawn'])}, for {periods}."
            )
            out.append(
                "Because you withdrew, Appeals will not make a determination and will not check "
                "whether the IRS met the legal and administrative requirements."
            )
            if kind == "cdp":
                out.append("You gave up the right to ask the U.S. Tax Court to review this hearing.")
                levy = [h["levy_allowed_from"] for h in mine if h.get("levy_allowed_from")]
                if levy:
                    out.append(f"The hold on levy ended: the IRS may levy from {_d(min(levy))}.")
                out.append("The time the IRS has to collect (the collection statute) is running again.")
            else:
                out.append(
                    "You will not get a decision letter. An equivalent hearing never paused the "
                    "collection statute, and the IRS's usual hold on levy during it has ended."
                )
        out.append("You keep your other appeal rights, such as the Collection Appeals Program (CAP).")
        out.extend(_csed_lines(analysis, names))
    elif sid == "in_appeals":
        for h in hs:
            if h["status"] != "pending":
                continue
            what = names.get(h["period"], h["period"])
            if h["type"] == "cdp":
                out.append(
                    f"Your request filed {_d(h['filed'])} was on time, so you have a "
                    f"{_HEARING_NAME['cdp']} about {_ABOUT[h['statute']]} for {what}. While it "
                    "lasts, the IRS cannot levy for that period and the collection statute is paused."
                )
            else:
                out.append(
                    f"Your request filed {_d(h['filed'])} came after the 30-day deadline but within "
                    f"one year, so you have an {_HEARING_NAME['equivalent']} about "
                    f"{_ABOUT[h['statute']]} for {what}. It does not pause the collection statute, "
                    "and its decision cannot be taken to the Tax Court."
                )
    elif sid == "hearing_requested":
        out.append(
            "Your request did not earn a hearing on a CDP notice (it came too early, too late, or "
            "was treated as frivolous). The Collection Appeals Program may still be open to you."
        )
    elif sid in ("lien_filed", "levy_notice"):
        for d in analysis["deadlines"]:
            if "hearing" in d["what"]:
                out.append(f"{d['what']}: {_d(d['date'])}.")
    elif sid == "determination":
        for h in hs:
            if h["determination"] and h["type"] == "cdp" and h["status"] == "determined":
                out.append(
                    f"Appeals issued a Notice of Determination on {_d(h['determination'])}. You can "
                    f"petition the U.S. Tax Court until {_d(h['petition_deadline'])}."
                )
            elif h["determination"] and h["type"] == "equivalent":
                out.append(
                    f"Appeals issued a decision letter on {_d(h['determination'])} after your "
                    "equivalent hearing. It cannot be taken to the U.S. Tax Court."
                )
    elif sid == "tax_court":
        out.append(
            "The Tax Court case is open. Collection by levy and the collection statute stay paused "
            "for the periods in the case until the court's decision is final."
        )
    elif sid in ("collection", "alternative", "csed_passed"):
        out.extend(_csed_lines(analysis, names))
    return list(dict.fromkeys(out))


def _how(case: CaseFile, analysis: dict[str, Any], names: dict[str, str]) -> list[dict[str, str]]:
    steps: list[tuple[str, str]] = []
    for p in case.periods:
        for a in p.assessments:
            amount = f" of ${a.amount}" if a.amount else ""
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
        return "Appeals received your written withdrawal of the hearing request (Form 12256)."
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
    return ""


def _next_steps(sid: str, case: CaseFile, analysis: dict[str, Any]) -> list[dict[str, str | None]]:
    out: list[dict[str, str | None]] = []
    for d in analysis["deadlines"]:
        out.append({"date": d["date"], "text": f"{d['what']}: {_d(d['date'])}."})
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
        "withdrawn": [
            "Call the Appeals contact on your Letter 4383 if you have questions.",
            "If you agreed to a payment plan or an offer, pay as agreed and keep filing and "
            "paying on time (for an offer, for five years after it is accepted).",
            "You can still use the Collection Appeals Program (Form 9423).",
        ],
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
    lines.append("Where to get help")
    for h in ex["help"]:
        lines.append(f"  {h['name']}: {h['text']} ({h['contact']})")
    for w in analysis["warnings"]:
        lines.append(f"Note: {w['message']}")
    return "\n".join(lines) + "\n"
