"""Structured citations and the reason every computed date carries.

A :class:`Rule` names what a rule decides and the authorities behind it (in the manner
of PolicyEngine's ``reference`` lists). A :class:`Why` ties one computed date to the
rule that produced it, the labelled exceptions that applied (in the manner of Catala)
and one plain sentence with the dates. A :class:`Dated` is a date with its why and a
flag saying whether it is complete or only a lower bound (in the manner of the IRS Fact
Graph).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule of law.md: a stable id, its authorities, and what it decides."""

    id: str
    authority: tuple[str, ...]
    decides: str
    section: str = ""  # the section of law.md that states it

    @property
    def cited(self) -> list[str]:
        """The authorities as a JSON list: a fresh one for each output (no shared lists)."""
        return [*self.authority]


F = TypeVar("F", bound=Callable[..., Any])

# The rule registry: for each rule id, the functions that decide it ("module.qualname"), in
# the order they were defined. Filled by :func:`implements` as the engine's modules load;
# ``cdpdesk.engine.rules`` reads it to write docs/rules.md.
IMPLEMENTED_BY: dict[str, list[str]] = {}


def implements(*rules: Rule) -> Callable[[F], F]:
    """Mark a function as the one that decides ``rules``. Returns the function itself, so a
    rule costs nothing more to call for being registered."""

    def mark(fn: F) -> F:
        name = f"{fn.__module__}.{fn.__qualname__}"
        for r in rules:
            IMPLEMENTED_BY.setdefault(r.id, []).append(name)
        return fn

    return mark


@dataclass(slots=True, eq=False)
class Why:
    """The reason for one computed value."""

    rule: Rule
    says: str
    field: str = ""
    date: date | None = None
    exceptions: tuple[str, ...] = ()

    _json: dict[str, Any] | None = dataclasses.field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON form: a fresh dict, with fresh lists, each time, so that no two outputs
        share a mutable object. Its strings are worked out once (cached rules share their
        Why) and the dict is copied from that template."""
        j = self._json
        if j is None:
            j = {"rule": self.rule.id}
            if self.field:
                j["field"] = self.field
            if self.date is not None:
                j["date"] = iso_day(self.date)
            j["authority"] = None
            if self.exceptions:
                j["exceptions"] = None
            j["says"] = self.says
            self._json = j
        out = j.copy()
        out["authority"] = [*self.rule.authority]
        if self.exceptions:
            out["exceptions"] = [*self.exceptions]
        return out


@dataclass(slots=True, eq=False)
class Dated:
    """A computed date with its reason. ``complete`` is False for a lower bound."""

    value: date
    why: Why
    complete: bool = True


class _IsoDays(dict[date, str]):
    """``d.isoformat()``, remembered: the same few thousand dates recur across a caseload."""

    def __missing__(self, d: date) -> str:
        s = self[d] = d.isoformat()
        return s


# ``iso_day(d) == d.isoformat()``. A bound ``dict.__getitem__`` is called from C, with no
# Python frame: the engine turns about fifty dates a case into strings, so that counts.
iso_day: Callable[[date], str] = _IsoDays().__getitem__


def iso(d: date | None) -> str | None:
    return None if d is None else iso_day(d)


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def plain_date(value: str | date) -> str:
    """``2024-06-10`` -> ``June 10, 2024``: how letters and pages write a date (no locale)."""
    d = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def long_date(d: date) -> str:
    """2024-03-31 -> 'Sunday 2024-03-31' (weekday helps a reader check a roll)."""
    return f"{WEEKDAYS[d.weekday()]} {d.isoformat()}"


# --- The rules of law.md, by what they decide ------------------------------------------

R = Rule

LEGAL_HOLIDAY_ROLL = R(
    "weekend-holiday-roll",
    ("IRC 7503", "Reg. 301.7503-1(b)"),
    "a last day on a Saturday, Sunday or DC legal holiday moves to the next day that is none",
    "2",
)
TIMELY_MAILING = R(
    "timely-mailing",
    ("IRC 7502(a)", "IRC 7502(f)", "Reg. 301.7502-1(c)"),
    "a U.S. postmark or designated-PDS date inside the period makes a late-delivered request timely",
    "2",
)
BUSINESS_DAYS = R(
    "business-days",
    ("IRC 6320(a)(2)", "IRC 7503", "Reg. 301.7503-1(b)"),
    "a business day is a day that is not a Saturday, Sunday or legal holiday (DC, or the office's state)",
    "2",
)
ADDING_YEARS = R(
    "adding-years",
    ("IRC 6502(a)(1)",),
    "N years after a date is the same calendar date; February 29 maps to February 28 (policy "
    "leap_day, default feb28; or March 1)",
    "2",
)
ONE_YEAR_PERIOD = R(
    "one-year-period",
    ("Reg. 301.6330-1(i)(2) Q&A-I7", "Reg. 301.6320-1(i)(2)"),
    "a one-year period ends the day before the first anniversary of its first day (that of "
    "February 29 being March 1), whatever leap_day says",
    "2",
)
LEVY_CDP_WINDOW = R(
    "levy-cdp-window",
    ("IRC 6330(a)(3)(B)", "Reg. 301.6330-1(c)(2) Q&A-C3", "IRC 7503"),
    "the last day to ask for a CDP hearing on a levy notice",
    "3.1",
)
LEVY_EH_WINDOW = R(
    "levy-eh-window",
    (
        "Reg. 301.6330-1(i)(2) Q&A-I7",
        "Reg. 301.6330-1(i)(2) Q&A-I9",
        "Reg. 301.6330-1(i)(2) Q&A-I8",
        "IRC 7503",
    ),
    "the last day to ask for an equivalent hearing on a levy notice",
    "3.1",
)
LIEN_FIVE_BUSINESS_DAYS = R(
    "lien-five-business-days",
    ("IRC 6320(a)(2)", "Reg. 301.6320-1(c)(2) Q&A-C3"),
    "the end of the 5-business-day period after the NFTL filing",
    "3.2",
)
LIEN_CDP_WINDOW = R(
    "lien-cdp-window",
    ("IRC 6320(a)(3)(B)", "Reg. 301.6320-1(c)(2) Q&A-C3", "IRC 7503"),
    "the last day to ask for a CDP hearing on a lien notice",
    "3.2",
)
LIEN_EH_WINDOW = R(
    "lien-eh-window",
    ("Reg. 301.6320-1(i)(2)", "Reg. 301.6320-1(i)(2) Q&A-I8", "IRC 7503"),
    "the last day to ask for an equivalent hearing on a lien notice",
    "3.2",
)
LIEN_REQUEST_IN_FIVE_DAYS = R(
    "lien-request-in-five-days",
    ("Reg. 301.6320-1(c)(2) Q&A-C3",),
    "a request received during the 5 business days is deemed made on day 1 of the window",
    "3.2",
)
HEARING_CLASSIFICATION = R(
    "hearing-classification",
    (
        "IRC 6320(a)(3)(B)",
        "IRC 6330(a)(3)(B)",
        "Reg. 301.6330-1(i)(1)",
        "Andre v. Commissioner, 127 T.C. 68 (2006)",
    ),
    "which hearing a request earned on a notice for a period",
    "3.3",
)
ONE_HEARING_PER_PERIOD = R(
    "one-hearing-per-period",
    ("IRC 6320(b)(2)", "IRC 6330(b)(2)"),
    "a repeated notice for a period carries no new CDP right",
    "3.3",
)
FRIVOLOUS_REQUEST = R(
    "frivolous-request",
    ("IRC 6330(g)", "IRC 6320(c)"),
    "a frivolous portion of a request may be treated as never submitted",
    "3.3",
)
EQUITABLE_TOLLING = R(
    "equitable-tolling",
    ("Organic Cannabis Foundation v. Commissioner, 161 T.C. No. 4 (2023)",),
    "a recorded tolling finding makes a late request a CDP request",
    "3.3",
)
LEVY_PROHIBITION = R(
    "levy-prohibition",
    ("IRC 6330(a)(2)", "IRC 6330(e)(1)", "IRC 6330(f)"),
    "the first day a levy is allowed for the period as far as this hearing goes",
    "3.1",
)
WITHDRAWAL = R(
    "hearing-withdrawal",
    ("IRC 6330(e)(1)", "Reg. 301.6330-1(g)", "IRM 8.22.9.5.1"),
    "a written withdrawal ends the hearing on the day Appeals receives it",
    "5",
)
WITHDRAWAL_ACKNOWLEDGED = R(
    "withdrawal-acknowledged",
    ("IRM 8.22.9.5.1", "IRM Exhibit 8.22.4-2"),
    "Appeals confirms a written withdrawal with Letter 4383; the letter's date moves nothing, "
    "the withdrawal's effects date from its receipt",
    "5",
)
DETERMINATION_ISSUED = R(
    "determination-issued",
    ("IRC 6330(c)(3)", "Reg. 301.6330-1(e)(3) Q&A-E8", "Reg. 301.6330-1(i)(1)"),
    "Appeals ends a hearing it has held with a Notice of Determination (CDP) or a decision letter (EH)",
    "4.5",
)
PETITION_WINDOW = R(
    "petition-window",
    (
        "IRC 6330(d)(1)",
        "Reg. 301.6330-1(i)(2) Q&A-I8",
        "IRC 7503",
        "Gray v. Commissioner, 138 T.C. 295 (2012)",
    ),
    "the last day to petition the Tax Court from a Notice of Determination",
    "4.5",
)
DETERMINATION_FINAL_NO_PETITION = R(
    "determination-final-no-petition",
    ("IRC 6330(d)(1)", "IRC 6330(e)(1)", "United States v. Kollman, 774 F.3d 592 (9th Cir. 2014)"),
    "a Notice of Determination not petitioned is final once the petition window has run",
    "4.5",
)
DECISION_FINAL = R(
    "tax-court-decision-final",
    ("IRC 7481(a)(1)", "IRC 7483", "IRC 7503"),
    "a Tax Court decision not appealed is final when the 90-day appeal period has run",
    "4.5",
)
EH_DECISION_FINAL = R(
    "eh-decision-final",
    (
        "Reg. 301.6330-1(i)(1)",
        "Reg. 301.6330-1(i)(2) Q&A-I5",
        "Moorhous v. Commissioner, 116 T.C. 263 (2001)",
    ),
    "an equivalent-hearing decision letter is final on its date and cannot be petitioned",
    "4.5",
)
UNTIMELY_PETITION = R(
    "untimely-petition",
    ("IRC 6330(d)(1)", "Chief Counsel memo POSTF-156487-01"),
    "a petition filed after the window does not extend the suspension",
    "4.5",
)
BASE_CSED = R(
    "base-csed",
    ("IRC 6502(a)(1)", "IRM 5.1.19.1"),
    "each assessment may be collected for 10 years after it is made",
    "4.1",
)
CSED_WALK = R(
    "csed-walk",
    ("IRM 5.1.19.3.7.4(4)(b)", "IRC 6502(a)"),
    "the base CSED extended by each merged run of suspended days, in date order",
    "4.2",
)
CDP_SUSPENSION = R(
    "cdp-hearing-suspension",
    (
        "IRC 6330(e)(1)",
        "IRC 6320(c)",
        "Reg. 301.6330-1(g)",
        "United States v. Kollman, 774 F.3d 592 (9th Cir. 2014)",
    ),
    "a timely CDP request suspends the collection statute while the hearing lasts",
    "4.3",
)
CDP_FLOOR = R(
    "cdp-90-day-floor",
    ("IRC 6330(e)(1)",),
    "the CSED is never earlier than 90 days after the CDP hearing ends (IRC 6330(e)(1), last "
    "sentence); policy floor_after_withdrawal: after a withdrawal too",
    "4.4",
)
IA_PENDING = R(
    "ia-pending-suspension",
    ("IRC 6331(k)(2)", "IRC 6331(k)(3)", "IRC 6331(i)(5)", "CCA 2017-04-04"),
    "a pending installment agreement request suspends the CSED",
    "4.3",
)
IA_TERMINATED = R(
    "ia-terminated-suspension",
    ("IRC 6331(k)(2)(D)", "IRC 6331(k)(3)", "IRC 6331(i)(5)"),
    "a terminated installment agreement suspends the CSED for 30 days and any appeal",
    "4.3",
)
OIC_PENDING = R(
    "oic-pending-suspension",
    ("IRC 6331(k)(1)", "IRC 6331(k)(3)", "IRC 6331(i)(5)"),
    "a pending offer in compromise suspends the CSED",
    "4.3",
)
BANKRUPTCY = R(
    "bankruptcy-suspension",
    ("IRC 6503(h)",),
    "a bankruptcy case suspends the CSED during the automatic stay and 6 months after",
    "4.3",
)
OUTSIDE_US = R(
    "outside-us-suspension",
    ("IRC 6503(c)",),
    "a continuous absence from the U.S. of 6 months or more suspends the CSED",
    "4.3",
)
RETURN_FLOOR = R(
    "return-from-abroad-floor",
    ("IRC 6503(c)",),
    "the CSED is never earlier than 6 months after the taxpayer returns",
    "4.4",
)
TAS_APPLICATION = R(
    "tas-application-suspension",
    ("IRC 7811(b)", "IRC 7811(d)"),
    "an application for a Taxpayer Assistance Order suspends the CSED until decided",
    "4.3",
)
INNOCENT_SPOUSE = R(
    "innocent-spouse-suspension",
    ("IRC 6015(e)(2)",),
    "an innocent spouse claim suspends the CSED for the requesting spouse, plus 60 days",
    "4.3",
)
RRA_EFFECTIVE = R(
    "cdp-effective-date",
    ("RRA 1998 section 3401(d)",),
    "CDP rights exist for liens filed and levies made on or after January 19, 1999",
    "3.3",
)
CAP_AVAILABLE = R(
    "collection-appeals-program",
    ("IRM 8.24", "Publication 1660"),
    "the Collection Appeals Program stays open when no CDP or equivalent hearing is",
    "3.3",
)
CSED_PASSED = R(
    "csed-passed",
    ("IRC 6502(a)",),
    "the collection period is over",
    "4.1",
)

# --- Issue 15: relief from deadlines, the rest of the CSED law, the IRS's posted CSED ------

DISASTER_POSTPONEMENT = R(
    "disaster-postponement",
    ("IRC 7508A(a)", "Reg. 301.7508A-1(c)(1)", "Rev. Proc. 2018-58", "IRC 7503"),
    "a hearing-request or Tax Court petition deadline that falls inside a disaster relief period "
    "moves to the period's last day (rolled)",
    "3.4",
)
COMBAT_ZONE_DEADLINE = R(
    "combat-zone-deadline",
    ("IRC 7508(a)(1)", "Rev. Proc. 2018-58", "IRM 5.1.19.3.8", "IRC 7503"),
    "combat-zone service, a continuous qualified hospitalization after it and the next 180 days "
    "are not counted in a hearing-request or petition window",
    "3.4",
)
PETITION_WINDOW_BANKRUPTCY = R(
    "petition-window-bankruptcy",
    ("IRC 6330(d)(2)", "11 U.S.C. 362(a)(8)", "Prevo v. Commissioner, 123 T.C. 326 (2004)", "IRC 7503"),
    "the 30-day petition window does not run while a bankruptcy stay bars a Tax Court petition, "
    "nor for 30 days after",
    "3.4",
)
PETITION_EQUITABLE_TOLLING = R(
    "petition-equitable-tolling",
    ("Boechler, P.C. v. Commissioner, 596 U.S. 199 (2022)", "IRC 6330(d)(1)"),
    "a recorded court finding that the petition window was equitably tolled makes a late petition timely",
    "4.5",
)
FORM_12257 = R(
    "form-12257-summary-determination",
    ("IRC 6330(c)(3)", "IRC 6330(d)(1)", "IRC 6330(e)(1)", "IRM 8.22.9.5.3", "Form 12257"),
    "a CDP hearing closed by Form 12257 (with waivers of Tax Court review and of the levy "
    "suspension) is final on the form's date: no petition window; levy and the CSED run again",
    "4.5",
)
COMBAT_ZONE_SUSPENSION = R(
    "combat-zone-suspension",
    ("IRC 7508(a)(1)(I)", "IRM 5.1.19.3.8"),
    "combat-zone service, a continuous qualified hospitalization after it and the next 180 days "
    "suspend the CSED",
    "4.3",
)
IRS_CSED_CHECK = R(
    "irs-csed-check",
    ("IRC 6502(a)", "IRM 5.1.19.2.2", "IRM 5.1.19.3"),
    "whether the CSED the IRS posted agrees with the computed one, and which recorded facts "
    "account for a difference",
    "4.6",
)
IRS_IA_REJECTION_45_DAYS = R(
    "irs-ia-rejection-45-days",
    ("CCA 2017-04-04", "IRC 6331(k)(2)", "IRC 6331(k)(3)"),
    "a known IRS practice: the IA-pending suspension reversed 45 days after a rejection instead "
    "of 30, so the posted CSED runs 15 days late",
    "4.6",
)
