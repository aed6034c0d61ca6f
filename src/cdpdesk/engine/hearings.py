"""Which hearing a request earned, and how that hearing ended (law.md sections 3.3, 4.5, 5).

Classification is per (request, notice, period). The labelled exceptions are written out
beside the rule: ``frivolous``, ``premature``, ``repeat-notice``, ``equitable-tolling``,
``timely-mailing`` and ``lien-request-in-five-days``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from cdpdesk.contract.analysis import CDP, EQUIVALENT, LEVY_STATUTE, NONE, PREMATURE, HearingType, Statute
from cdpdesk.engine import authority as A
from cdpdesk.engine.authority import Dated, Why, iso_day
from cdpdesk.engine.calendar import ONE_DAY, Calendar

PETITION_DAYS = 30
APPEAL_DAYS = 90  # IRC 7483: notice of appeal within 90 days after the decision is entered


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    event: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "event": self.event, "message": self.message}


class WarningLog:
    """The analysis's warnings, in the order found, each once."""

    __slots__ = ("items", "_seen")

    def __init__(self) -> None:
        self.items: list[Warning] = []
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, w: Warning) -> None:
        key = (w.code, w.event, w.message)
        if key not in self._seen:
            self._seen.add(key)
            self.items.append(w)

    def to_json(self) -> list[dict[str, str]]:
        return [w.to_json() for w in self.items]


@dataclass(slots=True)
class Classification:
    """The hearing type a request earned on one notice for one period, and why."""

    type: HearingType
    filed: date | None
    why: list[Why] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)


@A.implements(A.TIMELY_MAILING)
def timely_by(deadline: date, received: date, postmark: date | None) -> tuple[bool, date, bool]:
    """Timely if received by the deadline, or U.S.-postmarked by it (IRC 7502).

    Returns (timely, the date that decided it, whether the postmark decided it).
    """
    if received <= deadline:
        return True, received, False
    if postmark is not None and postmark <= deadline:
        return True, postmark, True
    return False, received, False


@A.implements(A.HEARING_CLASSIFICATION)
def is_premature(received: date, trigger: date) -> bool:
    """Andre v. Commissioner, 127 T.C. 68 (2006): a request before the notice exists earns no
    hearing on it. A request on the notice's own date is timely (law.md section 6)."""
    return received < trigger


@A.implements(
    A.HEARING_CLASSIFICATION,
    A.FRIVOLOUS_REQUEST,
    A.EQUITABLE_TOLLING,
    A.LIEN_REQUEST_IN_FIVE_DAYS,
    A.ONE_HEARING_PER_PERIOD,
    A.CAP_AVAILABLE,
)
def classify_hearing(
    *,
    request_id: str,
    received: date,
    postmark: date | None,
    frivolous: bool,
    equitable_tolling: bool,
    statute: Statute,
    trigger: date,
    cdp_deadline: Dated | None,
    eh_deadline: Dated,
    fifth_business_day: date | None,
    repeat_of: str | None,
) -> Classification:
    """Law.md 3.3, in its order: frivolous, premature, CDP, equivalent, none."""
    rule = A.HEARING_CLASSIFICATION
    # Exception ``frivolous`` (IRC 6330(g)): the portion may be treated as never submitted.
    if frivolous:
        says = "The request (or this period of it) was marked frivolous and is treated as never made."
        return Classification(
            NONE,
            received,
            [Why(A.FRIVOLOUS_REQUEST, says, "filed", received, ("frivolous",))],
            [
                Warning(
                    "frivolous",
                    request_id,
                    "Part of this request was marked frivolous (IRC 6330(g)); it earns no hearing.",
                )
            ],
        )
    # Exception ``premature``: before the notice date (levy) or the NFTL filing (lien).
    if is_premature(received, trigger):
        what = "notice's date" if statute == LEVY_STATUTE else "NFTL filing date"
        says = (
            f"The request was received {iso_day(received)}, before the {what} "
            f"{iso_day(trigger)}; it earns no hearing on this notice (Andre)."
        )
        return Classification(PREMATURE, received, [Why(rule, says, "filed", received, ("premature",))])

    out = Classification(NONE, received)
    if repeat_of is not None:
        # Exception ``repeat-notice``: one CDP hearing per period (IRC 6320(b)(2), 6330(b)(2)).
        out.warnings.append(
            Warning(
                "repeat_notice",
                request_id,
                f"Notice repeats notice {repeat_of} for this period; it carries no new CDP right "
                "(IRC 6320(b)(2), 6330(b)(2)).",
            )
        )
    elif equitable_tolling:
        says = (
            "A finding of equitable tolling is recorded on the request, so it is treated as a "
            f"timely CDP request filed {iso_day(received)}."
        )
        out.type = CDP
        out.why.append(Why(A.EQUITABLE_TOLLING, says, "filed", received, ("equitable-tolling",)))
        out.warnings.append(
            Warning(
                "equitable_tolling",
                request_id,
                "Equitable tolling of the 30-day window is recorded for this request (Organic "
                "Cannabis Foundation v. Commissioner, 161 T.C. No. 4 (2023)).",
            )
        )
        return out
    elif cdp_deadline is not None:
        ok, filed, by_postmark = timely_by(cdp_deadline.value, received, postmark)
        if ok:
            out.type = CDP
            if fifth_business_day is not None and received <= fifth_business_day:
                # Exception ``lien-request-in-five-days`` (Reg. 301.6320-1(c)(2) Q&A-C3).
                day1 = fifth_business_day + ONE_DAY
                says = (
                    f"Received {iso_day(received)}, inside the 5 business days after the NFTL "
                    f"filing; it is deemed made on day 1 of the window, {iso_day(day1)}."
                )
                out.filed = day1
                out.why.append(
                    Why(
                        A.LIEN_REQUEST_IN_FIVE_DAYS,
                        says,
                        "filed",
                        day1,
                        ("lien-request-in-five-days",),
                    )
                )
            else:
                out.filed = filed
                out.why.append(_timely_why(filed, received, by_postmark, cdp_deadline.value, "CDP"))
            return out
    ok, filed, by_postmark = timely_by(eh_deadline.value, received, postmark)
    if ok:
        out.type = EQUIVALENT
        out.filed = filed
        out.why.append(_timely_why(filed, received, by_postmark, eh_deadline.value, "equivalent-hearing"))
        return out
    says = (
        f"Received {iso_day(received)}, after the equivalent-hearing deadline "
        f"{iso_day(eh_deadline.value)}: no hearing; the Collection Appeals Program may still be open."
    )
    out.why.append(Why(A.CAP_AVAILABLE, says, "filed", received))
    return out


def _timely_why(filed: date, received: date, by_postmark: bool, deadline: date, kind: str) -> Why:
    if by_postmark:
        says = (
            f"Received {iso_day(received)}, after the {kind} deadline {iso_day(deadline)}, but "
            f"postmarked {iso_day(filed)}, within it; the postmark date counts as the filing date "
            f"(IRC 7502): {'a CDP hearing' if kind == 'CDP' else 'an equivalent hearing'}."
        )
        return Why(A.TIMELY_MAILING, says, "filed", filed, ("timely-mailing",))
    says = (
        f"Received {iso_day(received)}, on or before the {kind} deadline {iso_day(deadline)}: "
        f"{'a CDP hearing' if kind == 'CDP' else 'an equivalent hearing'}."
    )
    return Why(A.HEARING_CLASSIFICATION, says, "filed", filed)


# --- How a hearing ends -----------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
@A.implements(A.DETERMINATION_ISSUED)
def determination_issued(issued: date, event: str, cdp: bool) -> Why:
    """IRC 6330(c)(3): Appeals ends a hearing it held with a Notice of Determination (CDP) or
    a decision letter (equivalent hearing)."""
    letter = "a Notice of Determination (Letter 3193)" if cdp else "a decision letter (Letter 3210)"
    says = f"Appeals issued {letter} on {iso_day(issued)} (event {event})."
    return Why(A.DETERMINATION_ISSUED, says, "determination", issued)


@lru_cache(maxsize=1 << 16)
@A.implements(A.PETITION_WINDOW)
def petition_deadline(cal: Calendar, determination: date) -> Dated:
    """IRC 6330(d)(1): 30 days beginning the day after the Notice of Determination, rolled."""
    last = determination + timedelta(days=PETITION_DAYS)
    rolled, phrase = cal.roll_explained(last)
    says = (
        f"The Notice of Determination is dated {iso_day(determination)}; the 30-day petition "
        f"window began {iso_day(determination + ONE_DAY)}; {phrase}."
    )
    return Dated(rolled, Why(A.PETITION_WINDOW, says, "petition_deadline", rolled))


@lru_cache(maxsize=1 << 16)
@A.implements(A.DETERMINATION_FINAL_NO_PETITION)
def final_without_petition(deadline: Dated, reached: bool) -> Dated:
    """Kollman: with no (timely) petition the determination is final once the window has run,
    the day after its (rolled) last day. ``reached``: that day has come on ``as_of``; until it
    does the determination is not final (law.md 4.5; case-format ``final``) and this date is
    only the one it will become final on if no petition is filed."""
    day = deadline.value + ONE_DAY
    if reached:
        says = (
            f"No timely petition: the determination became final when the petition window closed "
            f"{iso_day(deadline.value)}, so the hearing ended {iso_day(day)}."
        )
    else:
        says = (
            f"If no petition is filed by {iso_day(deadline.value)}, the determination becomes "
            f"final and the hearing ends {iso_day(day)}."
        )
    return Dated(day, Why(A.DETERMINATION_FINAL_NO_PETITION, says, "final", day))


@lru_cache(maxsize=1 << 16)
@A.implements(A.DECISION_FINAL)
def final_after_decision(cal: Calendar, entered: date, reached: bool) -> Dated:
    """IRC 7481(a)(1), 7483: final when the 90-day appeal period has run (rolled) + 1 day.
    ``reached`` as in :func:`final_without_petition`."""
    last = entered + timedelta(days=APPEAL_DAYS)
    rolled, phrase = cal.roll_explained(last)
    day = rolled + ONE_DAY
    if reached:
        end = f"the decision became final {iso_day(day)}."
    else:
        end = f"if no notice of appeal is filed by then, the decision becomes final {iso_day(day)}."
    says = (
        f"The Tax Court decision was entered {iso_day(entered)}; the 90-day appeal period's "
        f"{phrase.removeprefix('its ')}; {end}"
    )
    return Dated(day, Why(A.DECISION_FINAL, says, "final", day))


@A.implements(A.DECISION_FINAL)
def final_reached(cal: Calendar, entered: date, as_of: date) -> bool:
    """Whether a Tax Court decision entered on ``entered`` is final on ``as_of`` (IRC 7483)."""
    return cal.roll(entered + timedelta(days=APPEAL_DAYS)) + ONE_DAY <= as_of


@lru_cache(maxsize=1 << 16)
@A.implements(A.DECISION_FINAL)
def final_as_recorded(final: date) -> Dated:
    says = f"The Tax Court decision became final {iso_day(final)}, as recorded (after an appeal)."
    return Dated(final, Why(A.DECISION_FINAL, says, "final", final, ("final-date-recorded",)))


@lru_cache(maxsize=1 << 16)
@A.implements(A.EH_DECISION_FINAL)
def eh_decision_final(decided: date) -> Dated:
    """An equivalent-hearing decision letter is final on its date; no Tax Court review."""
    says = (
        f"The equivalent-hearing decision letter dated {iso_day(decided)} is final that day; "
        "it cannot be taken to the Tax Court."
    )
    return Dated(decided, Why(A.EH_DECISION_FINAL, says, "final", decided))


@A.implements(A.UNTIMELY_PETITION)
def untimely_petition(petition: str, filed: date, deadline: date) -> Warning:
    """Law.md 4.5: a petition filed after the window (by receipt and by postmark) is reported,
    and the suspension ends as if no petition had been filed. Exception: a caller who records
    the dismissal's final date as a ``tax_court_decision`` with ``final`` gets that date
    (Chief Counsel memo POSTF-156487-01)."""
    return Warning(
        "untimely_petition",
        petition,
        f"The Tax Court petition filed {iso_day(filed)} came after the deadline "
        f"{iso_day(deadline)}; the suspension ends as if no petition had been filed.",
    )


@lru_cache(maxsize=1 << 16)
@A.implements(A.FORM_12257)
def form_12257_final(signed: date) -> Dated:
    """Form 12257: Appeals' summary notice of determination, with the taxpayer's waivers of
    Tax Court review (IRC 6330(d)(1)) and of the levy suspension (IRC 6330(e)(1)). Our
    reading (docs/decisions.md): the determination is final on the form's date, the day
    Appeals accepted the signed waivers; there is no petition window, the CDP suspension of
    levy and of the CSED ends that day, and the 90-day floor of IRC 6330(e)(1) runs from it
    as after any final determination."""
    says = (
        f"Appeals closed the hearing with Form 12257 dated {iso_day(signed)}: the taxpayer waived "
        "Tax Court review and the levy suspension, so the determination is final that day, with "
        "no petition window."
    )
    return Dated(signed, Why(A.FORM_12257, says, "final", signed, ("form-12257",)))


@A.implements(A.FORM_12257)
def petition_after_form_12257(petition: str, filed: date, determination: str, signed: date) -> Warning:
    """A petition against a Form 12257 determination: the waiver gave up Tax Court review, so
    the petition is reported and changes no date."""
    return Warning(
        "petition_after_form_12257",
        petition,
        f"The Tax Court petition filed {iso_day(filed)} answers determination {determination}, a "
        f"Form 12257 dated {iso_day(signed)} whose waiver gave up Tax Court review; the petition "
        "changes no date.",
    )


@A.implements(A.PETITION_EQUITABLE_TOLLING)
def petition_tolled(filed: date, deadline: date) -> Why:
    """Boechler, P.C. v. Commissioner, 596 U.S. 199 (2022): the 30-day petition deadline of
    IRC 6330(d)(1) is not jurisdictional and can be equitably tolled. The engine never
    presumes it; a finding recorded on the petition makes a late one timely, and the hearing
    then stays under review until the Tax Court's decision is final."""
    says = (
        f"The petition was filed {iso_day(filed)}, after the deadline {iso_day(deadline)}, but the "
        "Tax Court found the deadline equitably tolled (Boechler), so it counts as timely."
    )
    return Why(A.PETITION_EQUITABLE_TOLLING, says, "petition_deadline", deadline, ("equitable-tolling",))


@A.implements(A.PETITION_EQUITABLE_TOLLING)
def petition_tolling_warning(petition: str, filed: date, deadline: date) -> Warning:
    return Warning(
        "petition_equitable_tolling",
        petition,
        f"Equitable tolling is recorded for the petition filed {iso_day(filed)} after the deadline "
        f"{iso_day(deadline)} (Boechler, P.C. v. Commissioner, 596 U.S. 199 (2022)).",
    )


@A.implements(A.EH_DECISION_FINAL)
def petition_from_eh_decision(petition: str, filed: date, decision: str, decided: date) -> Warning:
    """Reg. 301.6330-1(i)(2) Q&A-I5 (and 301.6320-1(i)(2)); Moorhous v. Commissioner, 116 T.C.
    263 (2001): an equivalent-hearing decision letter cannot be taken to the Tax Court. A
    petition against one is reported; it suspends nothing and changes no date."""
    return Warning(
        "petition_from_eh_decision",
        petition,
        f"The Tax Court petition filed {iso_day(filed)} answers the equivalent-hearing decision "
        f"letter {decision} of {iso_day(decided)}, which the Tax Court cannot review; the petition "
        "changes no date.",
    )


@A.implements(A.WITHDRAWAL)
def withdrawal_covers(
    periods: list[str] | None, notices: list[str] | None, period: str, notice: str | None
) -> bool:
    """Law.md 5: a withdrawal covers all or some of a request's periods, and its lien part,
    its levy part or both; left out, each means all. Of the written withdrawals covering a
    hearing, the first received ends it (``withdrawn_by``); later ones repeat it."""
    return (periods is None or period in periods) and (
        notices is None or (notice is not None and notice in notices)
    )


@A.implements(A.WITHDRAWAL_ACKNOWLEDGED)
def withdrawal_acknowledged(received: date, letter: date) -> Why:
    """Letter 4383 is a fact for the taxpayer, not a legal step: the hearing ended on
    ``received`` whatever the letter's date (law.md 5)."""
    says = (
        f"Appeals confirmed the withdrawal with Letter 4383 dated {iso_day(letter)}; the hearing "
        f"ended when the withdrawal was received, {iso_day(received)}."
    )
    return Why(A.WITHDRAWAL_ACKNOWLEDGED, says, "acknowledged", letter)


@lru_cache(maxsize=1 << 16)
@A.implements(A.WITHDRAWAL)
def withdrawal_ends_hearing(received: date, kind: str) -> Why:
    says = (
        f"Appeals received the written withdrawal {iso_day(received)}; the {kind} hearing ends "
        "that day with no determination."
    )
    return Why(A.WITHDRAWAL, says, "withdrawn", received)


# --- When levy is allowed, as far as one hearing goes (IRC 6330(a)(2), (e)(1), (f)) --------


@lru_cache(maxsize=1 << 16)
@A.implements(A.LEVY_PROHIBITION)
def levy_allowed_post_levy(kind: str, notice_date: date) -> Dated:
    """IRC 6330(f): after a post-levy notice the levy may come before the hearing."""
    says = (
        f"A post-levy notice ({kind}, IRC 6330(f)): the levy may come before the "
        f"hearing; no pre-levy bar applies from {iso_day(notice_date)}."
    )
    return Dated(
        notice_date,
        Why(A.LEVY_PROHIBITION, says, "levy_allowed_from", notice_date, ("post-levy-notice",)),
    )


@lru_cache(maxsize=1 << 16)
@A.implements(A.LEVY_PROHIBITION)
def levy_allowed_equivalent(pre_levy: Dated) -> Dated:
    """An equivalent hearing does not bar levy by statute: the 30-day notice period governs."""
    says = (
        pre_levy.why.says + " An equivalent hearing does not bar levy by statute; Appeals policy "
        "(IRM 8.22.4.3) usually holds levy while it is open."
    )
    return Dated(pre_levy.value, Why(A.LEVY_PROHIBITION, says, "levy_allowed_from", pre_levy.value))


@A.implements(A.LEVY_PROHIBITION)
def levy_allowed_after_cdp(pre_levy: date, ended: date, how: str) -> Dated:
    """IRC 6330(e)(1): levy is barred while the CDP hearing lasts, and before the 30-day
    notice period has run."""
    day = max(pre_levy, ended)
    says = (
        f"Levy is barred while the CDP hearing lasts (IRC 6330(e)(1)); it ended {iso_day(ended)} "
        f"({how}); the 30-day notice period allowed levy from {iso_day(pre_levy)}; so "
        f"levy is allowed from {iso_day(day)}."
    )
    return Dated(day, Why(A.LEVY_PROHIBITION, says, "levy_allowed_from", day))
