"""The four answers of roadmap.md, in plain language, for one case: what this means, how you
got here, what to do next (with dates), and where you are on the road; plus the help block.

Built from the case and its analysis only, so the web pages and letters can use it too.
Each sentence is one message id with ``{named}`` values, read through the ``Words`` port
the caller passes (cdpdesk.engine.words; English by default): a language is a catalog,
never a change here. Functions take ``w`` and call ``_ = w.gettext``, so the extraction
(``make messages``) finds every ``_("...")``.
"""

from __future__ import annotations

from datetime import date, timedelta
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
from cdpdesk.engine.roadmap import STAGE_BY_ID, STAGES
from cdpdesk.engine.words import ENGLISH, N_, Words, english_money

HELP: tuple[dict[str, str], ...] = (
    {
        "name": N_("Taxpayer Advocate Service (TAS)"),
        "text": N_(
            "An independent part of the IRS that helps for free when a tax problem causes "
            "financial difficulty, or when the usual IRS channels have not solved it."
        ),
        "contact": "taxpayeradvocate.irs.gov, 1-877-777-4778",
        "phone": "1-877-777-4778",
        "tel": "+18777774778",
        "web": "https://www.taxpayeradvocate.irs.gov",
    },
    {
        "name": N_("Low Income Taxpayer Clinics (LITCs)"),
        "text": N_(
            "Independent of the IRS. They represent eligible taxpayers before the IRS and in "
            "court for free or a small fee, and many serve people in several languages."
        ),
        "contact": N_("IRS Publication 4134 lists the clinics"),
        "phone": "",
        "tel": "",
        "web": "https://www.irs.gov/pub/irs-pdf/p4134.pdf",
    },
)

_HEARING_NAME = {"cdp": N_("Collection Due Process (CDP) hearing"), "equivalent": N_("equivalent hearing")}
_ABOUT = {"IRC 6330": N_("the proposed levy"), "IRC 6320": N_("the lien filing")}
_TRANSLATED_HELP = ("name", "text", "contact")


def _d(iso_day: str | None, w: Words = ENGLISH) -> str:
    if not iso_day:
        return w.gettext("an unknown date")
    return w.date(iso_day)


def _join(items: list[str], w: Words = ENGLISH) -> str:
    return w.join(items)


def _period_names(case: CaseFile, w: Words = ENGLISH) -> dict[str, str]:
    _ = w.gettext
    return {
        p.id: _("Form {form}, period ending {end}").format(form=p.form, end=_d(p.period_end.isoformat(), w))
        for p in case.periods
    }


def explain(case: CaseFile, analysis: dict[str, Any], words: Words = ENGLISH) -> dict[str, Any]:
    """The explainer for one case: a dict of plain-language answers with dates, in the
    language of ``words`` (the analysis's own fields, such as ``stage``, stay as they are
    except the stage's title)."""
    w = words
    stage = dict(analysis["stage"])
    stage["title"] = w.gettext(STAGE_BY_ID[stage["id"]].title)
    names = _period_names(case, w)
    return {
        "lang": w.lang,
        "stage": stage,
        "means": _means(stage["id"], analysis, names, w),
        "how": _how(case, analysis, names, w),
        "next_steps": _next_steps(stage["id"], case, analysis, w),
        "where": {
            "current": stage["id"],
            "stages": [
                {
                    "id": s.id,
                    "title": w.gettext(s.title),
                    "letters": list(s.letters),
                    "about": w.gettext(s.about),
                    "current": s.id == stage["id"],
                    "state": _stage_state(s.id, stage),
                }
                for s in STAGES
            ],
        },
        "help": [{k: (w.gettext(v) if k in _TRANSLATED_HELP else v) for k, v in h.items()} for h in HELP],
        "irs_csed": irs_csed_lines(analysis, names, w),
    }


def money(amount: str) -> str:
    """``"12900.00"`` -> ``$12,900.00``: amounts as people write them (English)."""
    return english_money(amount)


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
    analysis: dict[str, Any], names: dict[str, str], periods: set[str] | None = None, w: Words = ENGLISH
) -> list[str]:
    _ = w.gettext
    out = []
    for a in analysis["assessments"]:
        if periods is not None and a["period"] not in periods:
            continue
        values = {
            "period": names.get(a["period"], a["period"]),
            "assessed": _d(a["assessed"], w),
            "csed": _d(a["csed"], w),
        }
        if a["open"]:
            text = _(
                "For {period}, the IRS can collect the tax assessed on {assessed} until {csed} at the "
                "earliest (a pause is still running)."
            )
        else:
            text = _("For {period}, the IRS can collect the tax assessed on {assessed} until {csed}.")
        out.append(text.format(**values))
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


def _letter_words(h: dict[str, Any], w: Words = ENGLISH) -> str:
    """Before and after Letter 4383: the letter is a fact only once Appeals has issued it."""
    _ = w.gettext
    if h.get("acknowledged"):
        return _("Appeals confirmed it with Letter 4383 on {date}.").format(date=_d(h["acknowledged"], w))
    return _("Appeals will confirm it with Letter 4383; the withdrawal took effect the day they received it.")


def _withdrawn_lines(analysis: dict[str, Any], names: dict[str, str], w: Words = ENGLISH) -> list[str]:
    """Each written withdrawal, period by period: what ended, on which day, and what runs
    again (law.md 5), from the analysis's own dates."""
    _ = w.gettext
    hs = analysis["hearings"]
    out: list[str] = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for h in hs:
        if h["status"] == "withdrawn" and h["type"] in HELD_TYPES:
            groups.setdefault((h.get("withdrawn_by") or "", h["type"]), []).append(h)
    for (_w, kind), mine in groups.items():
        about = _join([_(_ABOUT[h["statute"]]) for h in mine], w)
        periods = _join([names.get(h["period"], h["period"]) for h in mine], w)
        out.append(
            _(
                "Appeals received your written withdrawal of your {hearing} about {about} on {date}, "
                "for {periods}."
            ).format(
                hearing=_(_HEARING_NAME[kind]), about=about, date=_d(mine[0]["withdrawn"], w), periods=periods
            )
            + " "
            + _letter_words(mine[0], w)
        )
        if kind == "equivalent":
            h0 = mine[0]
            if h0.get("cdp_deadline"):
                out.append(
                    _(
                        "It was an equivalent hearing, not a CDP hearing, because your request arrived "
                        "on {filed}, after the CDP deadline of {deadline}."
                    ).format(filed=_d(h0["filed"], w), deadline=_d(h0["cdp_deadline"], w))
                )
            out.append(
                _(
                    "Because you withdrew, Appeals will not send a decision letter and will not check "
                    "whether the IRS met the legal and administrative requirements."
                )
            )
            out.append(
                _(
                    "The IRS's usual hold on levy during the hearing ended on {date}. An equivalent hearing "
                    "never paused the time the IRS has to collect, and its outcome could not have gone to "
                    "the U.S. Tax Court."
                ).format(date=_d(h0["withdrawn"], w))
            )
            continue
        out.append(
            _(
                "Because you withdrew, Appeals will not make a determination and will not check whether "
                "the IRS met the legal and administrative requirements. You gave up the right to ask the "
                "U.S. Tax Court to review this hearing."
            )
        )
        for h in mine:
            what = names.get(h["period"], h["period"])
            if h["statute"] == "IRC 6330" and h.get("levy_allowed_from"):
                out.append(
                    _("For {period}, the hold on levy ended: the IRS may levy from {date}.").format(
                        period=what, date=_d(h["levy_allowed_from"], w)
                    )
                )
            pause = _cdp_pause(analysis, h)
            if pause is None:
                continue
            if not pause["open"] and pause["until"] == h["withdrawn"]:
                out.append(
                    _(
                        "For {period}, the time the IRS has to collect was paused from {start} and runs "
                        "again from {end}."
                    ).format(period=what, start=_d(pause["from"], w), end=_d(pause["until"], w))
                )
            else:
                out.append(
                    _(
                        "For {period}, the time the IRS has to collect stays paused while your other "
                        "hearing for that period goes on."
                    ).format(period=what)
                )
        out.extend(_csed_lines(analysis, names, {h["period"] for h in mine}, w))
    return list(dict.fromkeys(out))


def _continuing_lines(analysis: dict[str, Any], names: dict[str, str], w: Words = ENGLISH) -> list[str]:
    _ = w.gettext
    out: list[str] = []
    for h in analysis["hearings"]:
        if h["status"] != "pending" or h["type"] not in HELD_TYPES:
            continue
        values = {
            "filed": _d(h["filed"], w),
            "about": _(_ABOUT[h["statute"]]),
            "period": names.get(h["period"], h["period"]),
        }
        if h["type"] == "cdp":
            text = _(
                "Your request received {filed} was on time, so you have a Collection Due Process (CDP) "
                "hearing about {about} for {period}, and it continues. While it lasts, the IRS cannot "
                "levy for that period and the time it has to collect is paused."
            )
        else:
            values["deadline"] = _d(h["cdp_deadline"], w)
            text = _(
                "Your request received {filed} came after the CDP deadline of {deadline} but within one "
                "year, so you have an equivalent hearing about {about} for {period}, and it continues. "
                "It does not pause the time the IRS has to collect, and its decision cannot be taken to "
                "the U.S. Tax Court."
            )
        out.append(text.format(**values))
    return out


# What Letter 4383's situation means beyond the dates, in our own words (roadmap.md: the
# consequences of law.md 5, keeping IA/OIC terms, CAP, help).
WITHDRAWN_POINTS = (
    N_(
        "People usually withdraw when they have reached an agreement with the IRS or no longer need a hearing."
    ),
    N_("You keep your other appeal rights, such as the Collection Appeals Program (CAP)."),
    N_(
        "Your case goes back to IRS Collection. For the periods you withdrew, Collection can again "
        "take enforcement action, such as a levy."
    ),
)


def _means(sid: str, analysis: dict[str, Any], names: dict[str, str], w: Words = ENGLISH) -> list[str]:
    _ = w.gettext
    hs = analysis["hearings"]
    # The stage's general words, except where they would name both hearing types: the lines
    # below say which one this case had.
    out: list[str] = [] if sid == "determination" else [_(STAGE_BY_ID[sid].about)]
    withdrawn = _withdrawn_lines(analysis, names, w)
    points = [_(p) for p in WITHDRAWN_POINTS]
    if sid == "withdrawn":
        out.extend(withdrawn)
        out.extend(points)
    elif sid == "in_appeals":
        out.extend(_continuing_lines(analysis, names, w))
        if withdrawn:
            out.append(_("You withdrew part of your hearing request:"))
            out.extend(withdrawn)
            out.extend(points[1:])
    elif sid == "hearing_requested":
        out.append(
            _(
                "Your request did not earn a hearing on a CDP notice (it came too early, too late, or "
                "was treated as frivolous). The Collection Appeals Program may still be open to you."
            )
        )
    elif sid in ("lien_filed", "levy_notice"):
        for d in analysis["deadlines"]:
            if d["what"].startswith("Last day to request"):
                out.append(
                    _("{what}: {date}.").format(
                        what=_deadline_words(d, analysis, names, w), date=_d(d["date"], w)
                    )
                )
    elif sid == "determination":
        for h in hs:
            values = {
                "date": _d(h["determination"], w),
                "about": _(_ABOUT[h["statute"]]),
                "period": names.get(h["period"], h["period"]),
            }
            if h["determination"] and h["type"] == "cdp" and h["status"] == "determined":
                out.append(
                    _(
                        "Appeals issued a Notice of Determination (Letter 3193) on {date} after your CDP "
                        "hearing about {about} for {period}. If you disagree, you can ask the U.S. Tax Court "
                        "to review it: the court must receive your petition by {deadline}. You file it with "
                        "the Tax Court, not the IRS (ustaxcourt.gov explains how)."
                    ).format(deadline=_d(h["petition_deadline"], w), **values)
                )
            elif h["determination"] and h["type"] == "equivalent":
                out.append(
                    _(
                        "Appeals issued a decision letter (Letter 3210) on {date} after your equivalent "
                        "hearing about {about} for {period}. A decision after an equivalent hearing cannot "
                        "be taken to the U.S. Tax Court."
                    ).format(**values)
                )
        out.extend(withdrawn)
    elif sid == "tax_court":
        out.append(
            _(
                "The Tax Court case is open. Collection by levy and the collection statute stay paused "
                "for the periods in the case until the court's decision is final."
            )
        )
    elif sid in ("collection", "alternative", "csed_passed"):
        out.extend(withdrawn)
        out.extend(_csed_lines(analysis, names, None, w))
    return list(dict.fromkeys(out))


def _deadline_words(
    d: dict[str, Any], analysis: dict[str, Any], names: dict[str, str], w: Words = ENGLISH
) -> str:
    """A deadline in plain words, with the taxpayer's period names, never internal ids.
    ``d["what"]`` is the engine's English deadline name (contract); it picks the sentence."""
    _ = w.gettext
    what: str = d["what"]
    periods = _join([names.get(p, p) for p in d.get("periods") or ()], w)
    for_periods = _(" for {periods}").format(periods=periods) if periods else ""
    levy = "levy notice" in what
    if what.startswith("Last day to request a CDP hearing"):
        if levy:
            text = _("Last day to ask for a CDP hearing about the levy notice{for_periods} (send Form 12153)")
        else:
            text = _("Last day to ask for a CDP hearing about the lien notice{for_periods} (send Form 12153)")
        return text.format(for_periods=for_periods) + _earliest(what, w)
    if what.startswith("Last day to request an equivalent hearing"):
        if levy:
            text = _("Last day to ask for an equivalent hearing about the levy notice{for_periods}")
        else:
            text = _("Last day to ask for an equivalent hearing about the lien notice{for_periods}")
        return text.format(for_periods=for_periods) + _earliest(what, w)
    if what.startswith("Last day to petition"):
        return _("Last day for the U.S. Tax Court to receive your petition{for_periods}").format(
            for_periods=for_periods
        ) + _earliest(what, w)
    if what.startswith("The Notice of Determination becomes final"):
        return _(
            "Appeals' determination{for_periods} becomes final if you do not petition the Tax Court"
        ).format(for_periods=for_periods)
    if what.startswith("The Tax Court decision becomes final"):
        return _("The Tax Court's decision{for_periods} becomes final if no appeal is filed").format(
            for_periods=for_periods
        )
    if what.startswith("Collection statute ends"):
        assessed = [
            a["assessed"]
            for a in analysis["assessments"]
            if a["csed"] == d["date"] and a["period"] in (d.get("periods") or ())
        ]
        on = _(" (assessed {date})").format(date=_d(assessed[0], w)) if assessed else ""
        if "lower bound" in what:
            text = _("The IRS's time to collect the tax{for_periods}{assessed} ends at the earliest")
        else:
            text = _("The IRS's time to collect the tax{for_periods}{assessed} ends")
        return text.format(for_periods=for_periods, assessed=on)
    return what


def deadline_words(d: dict[str, Any], w: Words = ENGLISH) -> str:
    """One deadline of the analysis (``date``, ``what``, ``periods``) in the taxpayer's
    words without the rest of the case (a list of cases): periods by their ids."""
    return _deadline_words(d, {"assessments": []}, {}, w)


def _how(
    case: CaseFile, analysis: dict[str, Any], names: dict[str, str], w: Words = ENGLISH
) -> list[dict[str, str]]:
    _ = w.gettext
    steps: list[tuple[str, str]] = []
    for p in case.periods:
        for a in p.assessments:
            if a.amount:
                text = _("The IRS assessed tax of {amount} for {period}.").format(
                    amount=w.money(a.amount), period=names[p.id]
                )
            else:
                text = _("The IRS assessed tax for {period}.").format(period=names[p.id])
            steps.append((a.date.isoformat(), text))
    types: dict[str, set[str]] = {}
    for h in analysis["hearings"]:
        types.setdefault(h["request"], set()).add(h["type"])
    for ev in case.events:
        text, day = _event_text(ev, types, names, w)
        if text:
            steps.append((day.isoformat(), text))
    steps.sort(key=lambda s: s[0])
    return [{"date": d, "text": t} for d, t in steps]


def _event_text(
    ev: Any, types: dict[str, set[str]], names: dict[str, str], w: Words = ENGLISH
) -> tuple[str, date]:
    """The event in plain words, and the day it happened (its type's ``DAY`` field, declared
    on the contract model)."""
    return _event_words(ev, types, names, w), getattr(ev, ev.DAY)


# Installment agreement and offer events, in words (the event type names the change).
_IA_WORDS = {
    "ia_requested": N_("Installment agreement requested for {periods}."),
    "ia_rejected": N_("Installment agreement rejected for {periods}."),
    "ia_accepted": N_("Installment agreement accepted for {periods}."),
    "ia_terminated": N_("Installment agreement terminated for {periods}."),
}
_OIC_WORDS = {
    "oic_pending": N_("Offer in compromise pending for {periods}."),
    "oic_rejected": N_("Offer in compromise rejected for {periods}."),
    "oic_returned": N_("Offer in compromise returned for {periods}."),
    "oic_withdrawn": N_("Offer in compromise withdrawn for {periods}."),
    "oic_accepted": N_("Offer in compromise accepted for {periods}."),
}


def _event_words(ev: Any, types: dict[str, set[str]], names: dict[str, str], w: Words = ENGLISH) -> str:
    _ = w.gettext
    periods = _join([names.get(p, p) for p in getattr(ev, "periods", None) or ()], w)
    if isinstance(ev, LevyNotice):
        if ev.letter:
            return _("The IRS sent a final notice of intent to levy ({letter}) for {periods}.").format(
                letter=ev.letter, periods=periods
            )
        return _("The IRS sent a final notice of intent to levy for {periods}.").format(periods=periods)
    if isinstance(ev, LienNotice):
        return _(
            "The IRS filed a Notice of Federal Tax Lien on {date} and sent the lien notice (Letter {letter}) "
            "for {periods}."
        ).format(date=_d(ev.nftl_filed.isoformat(), w), letter=ev.letter or "3172", periods=periods)
    if isinstance(ev, HearingRequest):
        kinds = types.get(ev.id, set())
        article = {
            "cdp": N_("a Collection Due Process (CDP) hearing"),
            "equivalent": N_("an equivalent hearing"),
        }
        got = _join([_(article[k]) for k in HELD_TYPES if k in kinds], w) or _("no hearing")
        return _("Appeals received your hearing request (Form 12153) for {periods}: it earned {got}.").format(
            periods=periods, got=got
        )
    if isinstance(ev, HearingWithdrawal):
        if not ev.written:
            return _("You withdrew your hearing request orally; it counts only once confirmed in writing.")
        if periods:
            return _(
                "Appeals received your written withdrawal of the hearing request (Form 12256) for {periods}."
            ).format(periods=periods)
        return _("Appeals received your written withdrawal of the hearing request (Form 12256).")
    if isinstance(ev, WithdrawalAcknowledged):
        return _("Appeals confirmed your withdrawal with Letter 4383.")
    if isinstance(ev, Determination):
        return _("Appeals issued its determination on your hearing.")
    if isinstance(ev, TaxCourtPetition):
        return _("You petitioned the U.S. Tax Court.")
    if isinstance(ev, TaxCourtDecision):
        return _("The Tax Court entered its decision.")
    if isinstance(ev, InstallmentAgreementEvent):
        return _(_IA_WORDS[ev.type]).format(periods=periods)
    if isinstance(ev, OfferEvent):
        return _(_OIC_WORDS[ev.type]).format(periods=periods)
    if isinstance(ev, AlternativeAppeal):
        return _("You appealed the decision on your payment plan or offer for {periods}.").format(
            periods=periods
        )
    if isinstance(ev, Bankruptcy):
        return _("You filed for bankruptcy ({periods} affected).").format(periods=periods)
    if isinstance(ev, OutsideUS):
        return _("You left the United States.")
    if isinstance(ev, TasApplication):
        return _("You asked the Taxpayer Advocate for help (Form 911).")
    if isinstance(ev, InnocentSpouseClaim):
        return _("You asked for innocent spouse relief.")
    return relief_event_words(ev, w)


# What to do at each stage, in our words (roadmap.md: "what to do next").
ADVICE: dict[str, tuple[str, ...]] = {
    "assessed": (N_("Pay what you owe, or ask for a payment plan (installment agreement)."),),
    "balance_due": (N_("Pay what you can now; look at payment plans and other options."),),
    "lien_filed": (N_("To keep all your rights, send Form 12153 before the CDP deadline above."),),
    "levy_notice": (
        N_(
            "To stop a levy while Appeals looks at your case, send Form 12153 before the CDP "
            "deadline above. A levy can take wages, bank accounts and other property."
        ),
    ),
    "hearing_requested": (
        N_(
            "If no hearing is available, you may still use the Collection Appeals "
            "Program (Form 9423) or contact Collection about payment options."
        ),
    ),
    "in_appeals": (
        N_(
            "Prepare for the Appeals conference: gather financial information (Form 433-A "
            "or 433-F) and think about a payment plan or an offer."
        ),
    ),
    "determination": (
        N_(
            "Read the determination carefully; for a CDP determination, the Tax Court "
            "deadline above is strict."
        ),
    ),
    "tax_court": (N_("Follow the Tax Court's orders and deadlines; consider getting help from a clinic."),),
    "collection": (
        N_(
            "Contact Collection about payment options; the Collection Appeals Program and the "
            "Taxpayer Advocate Service remain open."
        ),
    ),
    "alternative": (
        N_(
            "Stay current on the plan or offer and file and pay every return on time "
            "(for an offer, for five years after it is accepted)."
        ),
    ),
    "csed_passed": (N_("The IRS can no longer collect these assessments; keep this record."),),
}


def _next_steps(
    sid: str, case: CaseFile, analysis: dict[str, Any], w: Words = ENGLISH
) -> list[dict[str, str | None]]:
    _ = w.gettext
    names = _period_names(case, w)
    out: list[dict[str, str | None]] = []
    for d in analysis["deadlines"]:
        text = _("{what}: {date}.").format(what=_deadline_words(d, analysis, names, w), date=_d(d["date"], w))
        out.append({"date": d["date"], "text": text})
    advice = _withdrawn_steps(analysis, w) if sid == "withdrawn" else [_(t) for t in ADVICE[sid]]
    out.extend({"date": None, "text": t} for t in advice)
    return out


WITHDRAWN_STEPS = (
    N_(
        "If you made a payment plan (installment agreement) or an offer in compromise, keep to its "
        "terms, and keep filing your returns and paying your taxes on time while it lasts. For an "
        "accepted offer, that means for five years after the IRS accepts it."
    ),
    N_(
        "If you have not settled the balance, Collection can still discuss a payment plan or an "
        "offer in compromise. If paying now would leave you unable to meet basic living costs, you "
        "can ask Collection to delay collection because of hardship (the account is then marked "
        '"currently not collectible").'
    ),
    N_(
        "If Collection takes an action you disagree with, you can ask for a Collection Appeals "
        "Program review (Form 9423)."
    ),
)


def _withdrawn_steps(analysis: dict[str, Any], w: Words = ENGLISH) -> list[str]:
    """What to do after a withdrawal: the IRS's own advice on Letter 4383, in our words."""
    _ = w.gettext
    letter = any(h.get("acknowledged") for h in analysis["hearings"] if h["status"] == "withdrawn")
    call = (
        _("If you have questions, call the Appeals contact named at the top of your Letter 4383.")
        if letter
        else _(
            "If you have questions before your Letter 4383 arrives, call the Appeals office that "
            "has your hearing request (its number is on the letters Appeals sent you)."
        )
    )
    return [call, *[_(t) for t in WITHDRAWN_STEPS]]


def explain_text(case: CaseFile, analysis: dict[str, Any], words: Words = ENGLISH) -> str:
    """The explainer as plain text, for the terminal. The engine's warnings are for staff
    and stay in English."""
    w = words
    _ = w.gettext
    ex = explain(case, analysis, w)
    lines: list[str] = []
    lines.append(_("Where you are: {stage}").format(stage=ex["stage"]["title"]))
    lines.append("")
    lines.append(_("What this means for you"))
    lines.extend(f"  {t}" for t in ex["means"])
    lines.append("")
    lines.append(_("How you got here"))
    lines.extend(f"  {_d(s['date'], w)}: {s['text']}" for s in ex["how"])
    lines.append("")
    lines.append(_("Your next steps"))
    lines.extend(f"  - {s['text']}" for s in ex["next_steps"])
    lines.append("")
    lines.append(_("Where you are on the collection road"))
    here = _("<- you are here")
    for s in ex["where"]["stages"]:
        mark = ">>" if s["current"] else "  "
        lines.append(f"  {mark} {s['title']}" + (f"   {here}" if s["current"] else ""))
    lines.append("")
    if ex["irs_csed"]:
        lines.append(_("The IRS's own collection date, checked"))
        lines.extend(f"  {t}" for t in ex["irs_csed"])
        lines.append("")
    lines.append(_("Where to get help"))
    for h in ex["help"]:
        lines.append(f"  {h['name']}: {h['text']} ({h['contact']})")
    for warning in analysis["warnings"]:
        lines.append(_("Note: {message}").format(message=warning["message"]))
    return "\n".join(lines) + "\n"


# --- Issue 15: relief events and the IRS's own CSED, in plain words --------------------------


def _earliest(what: str, w: Words = ENGLISH) -> str:
    """A deadline a relief still running can push later (law.md 3.4) says so."""
    return (
        w.gettext(" (at the earliest: it can still move later)") if what.endswith("(at the earliest)") else ""
    )


def relief_event_words(ev: Any, w: Words = ENGLISH) -> str:
    """Disaster relief and combat-zone service in the "how you got here" steps."""
    _ = w.gettext
    if isinstance(ev, DisasterRelief):
        return _(
            "The IRS gave disaster relief ({relief}): deadlines from {first} to {last} move to {last}."
        ).format(relief=ev.relief, first=_d(ev.first_day.isoformat(), w), last=_d(ev.last_day.isoformat(), w))
    if isinstance(ev, CombatZone):
        return _(
            "Your service in a combat zone began; that time and 180 days after it do not count against you."
        )
    return ""


# Known IRS practices, in plain words (law.md 4.6).
_PRACTICE_WORDS = {
    "ia_rejection_45_days": N_(
        "The difference is a known IRS practice: after turning down a payment plan request, the IRS "
        "keeps the pause on its clock for 45 days, while the law gives 30. By law the date we worked "
        "out is the right one, and you can ask the IRS to correct its record."
    ),
}
# The other single readings of the check (engine/irs_csed.py ``_readings``), by code.
_READING_WORDS = {
    "floor_not_applied": N_(
        "The IRS's date is what you get if the minimum time the law leaves the IRS after a pause "
        "(90 days after a CDP hearing, 6 months after a return to the United States) is not "
        "applied. That minimum is part of the law, so our date is the right one."
    ),
    "both_end_days_counted": N_(
        "The IRS's date is what you get if each pause is counted one day longer (its last day "
        "counted too). By law a pause runs from its first day up to the day it ends, so if the "
        "facts here are right, our date is the right one."
    ),
    "leap_day": N_(
        "The tax was assessed on February 29, and the IRS's date is what you get if the 10 years "
        "end on the other possible day (February 28 or March 1). Which of the two ends them is a "
        "choice set for this case."
    ),
}
_TWO_READINGS = N_(
    "The IRS's date is what you get if two things are counted differently from the facts "
    "recorded here. If those facts are right, our date is the right one; ask the IRS to compare "
    "its record with them."
)

_PAUSE_WORDS = {
    "cdp_hearing": N_("your CDP hearing"),
    "ia_pending": N_("your payment plan request"),
    "ia_terminated": N_("your ended payment plan"),
    "oic_pending": N_("your offer in compromise"),
    "bankruptcy": N_("your bankruptcy"),
    "outside_us": N_("your time outside the United States"),
    "tas_application": N_("your request to the Taxpayer Advocate"),
    "innocent_spouse": N_("your innocent spouse claim"),
    "combat_zone": N_("your combat-zone service"),
}
_OTHER_PAUSE = N_("this event")


def _reading_words(first: dict[str, Any], a: dict[str, Any], w: Words = ENGLISH) -> str:
    """One explanation of the check in plain words, by the reading's code."""
    _ = w.gettext
    code: str = first["code"]
    if code in _PRACTICE_WORDS:
        return _(_PRACTICE_WORDS[code])
    if "+" in code:
        return _(_TWO_READINGS)
    kind, _sep, event = code.partition(":")
    pause = next((s for s in a["suspensions"] if s["event"] == event), None)
    if pause is not None:
        what = _(_PAUSE_WORDS.get(pause["cause"], _OTHER_PAUSE))
        if kind == "suspension_not_counted":
            return _(
                "The IRS's date is what you get if the pause for {what} ({start} to {end}) is not "
                "counted. The IRS's records may be missing it; if the facts here are right, our date "
                "is the right one."
            ).format(what=what, start=_d(pause["from"], w), end=_d(pause["until"], w))
        if kind == "tail_not_counted":
            return _(
                "The IRS's date is what you get if the pause for {what} stops without the extra time "
                "the law adds after it. If the facts here are right, our date is the right one."
            ).format(what=what)
    if kind in _READING_WORDS:
        return _(_READING_WORDS[kind])
    return _(
        "The IRS may have counted a pause differently. If the facts recorded here are right, our "
        "date is the right one."
    )


def _look_for_lines(a: dict[str, Any], check: dict[str, Any], w: Words = ENGLISH) -> list[str]:
    """What to look for when nothing recorded explains the difference: the check's own list
    (engine/irs_csed.py ``_look_for``) in a taxpayer's words, from the same facts."""
    _ = w.gettext
    diff = int(check["difference_days"])
    n = abs(diff)
    days = w.ngettext("{n} day", "{n} days", n).format(n=n)
    out: list[str] = []
    if any(t.startswith("A known IRS practice") for t in check["look_for"]):
        out.append(
            _(
                "A known IRS practice (keeping a pause 45 days after turning down a payment plan "
                "request, where the law gives 30) accounts for part of the difference, not all of it."
            )
        )
    if diff > 0:
        if a["open"]:
            out.append(
                _(
                    "A pause is still running: our date counts it only up to today, so a later IRS "
                    "date may simply count further. Check again once it ends."
                )
            )
        out.append(
            _(
                "A pause this case does not record, of about {days}, or a recorded one the IRS shows "
                "as ending later. Your account transcript would show it: a bankruptcy or other court "
                "case (TC 520), a pending offer in compromise (TC 480), a pending payment plan "
                "request (TC 971 AC 043), combat-zone service (TC 500), an agreement to extend the "
                "time to collect (TC 550), time outside the United States, a request to the "
                "Taxpayer Advocate, or an innocent spouse claim."
            ).format(days=days)
        )
    else:
        out.append(
            _(
                "A pause the IRS's records do not show, or show as ending sooner. Check that your "
                "account transcript shows each pause recorded in this case: our date rests on them."
            )
        )
    moved = (date.fromisoformat(a["assessed"]) + timedelta(days=diff)).isoformat()
    out.append(
        _(
            "The assessment date: tax assessed on {moved} instead of {assessed} would give about "
            "the IRS's date. Compare it with the assessment date on your account transcript (TC "
            "150, 290 or 300)."
        ).format(moved=_d(moved, w), assessed=_d(a["assessed"], w))
    )
    out.append(_("A date typed wrongly in this case (a notice, a request or an end date)."))
    return out


def irs_csed_lines(analysis: dict[str, Any], names: dict[str, str], w: Words = ENGLISH) -> list[str]:
    """For each assessment with the IRS's posted CSED (``irs_csed`` in the analysis): the two
    dates, the difference, and what explains it or what to look for. Read from the analysis
    only; the check itself is the engine's (engine/irs_csed.py)."""
    _ = w.gettext
    out: list[str] = []
    for a in analysis["assessments"]:
        check = a.get("irs_csed")
        if not check:
            continue
        values = {
            "period": names.get(a["period"], a["period"]),
            "assessed": _d(a["assessed"], w),
            "irs": _d(check["date"], w),
            "ours": _d(a["csed"], w),
        }
        n = abs(check["difference_days"])
        if check["result"] == "matches":
            out.append(
                _(
                    "For {period} (tax assessed {assessed}), the IRS's records show {irs}, the same "
                    "date we worked out."
                ).format(**values)
            )
            continue
        if check["result"] == "later":
            text = w.ngettext(
                "For {period} (tax assessed {assessed}), the IRS's records show {irs}, {n} day later "
                "than the date we worked out, {ours}.",
                "For {period} (tax assessed {assessed}), the IRS's records show {irs}, {n} days later "
                "than the date we worked out, {ours}.",
                n,
            )
        else:
            text = w.ngettext(
                "For {period} (tax assessed {assessed}), the IRS's records show {irs}, {n} day earlier "
                "than the date we worked out, {ours}.",
                "For {period} (tax assessed {assessed}), the IRS's records show {irs}, {n} days earlier "
                "than the date we worked out, {ours}.",
                n,
            )
        out.append(text.format(n=n, **values))
        if check["explained"]:
            out.append(_reading_words(check["explanations"][0], a, w))
        else:
            out.append(
                _("The facts recorded in this case do not explain the difference. Things to look for:")
            )
            out.extend("- " + t for t in _look_for_lines(a, check, w))
    return out
