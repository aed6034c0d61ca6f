"""``cdpdesk.case/1``: the case file, as pydantic models (docs/contract.md).

Dates are strict ISO ``YYYY-MM-DD`` strings, amounts are decimal strings, and unknown keys
are errors, so that a typo never silently drops a fact.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any, ClassVar, Literal, get_args

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    ValidationError,
)
from pydantic_core import CoreSchema

from cdpdesk.contract.errors import CaseError, ErrorItem

CASE_FORMAT = "cdpdesk.case/1"

# Ids travel in addresses (/cases/7/withdrawals/e3), file names and logs: ASCII letters and
# digits, then also '.', '_', ':' and '-'; no '/', no space, and never the shape of a TIN
# (docs/decisions.md; checked in load_case: an id that refers to one is checked by the
# engine, which knows only the ids defined).
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
TIN_PATTERN = r"^([0-9]{3}-?[0-9]{2}-?[0-9]{4}|[0-9]{2}-?[0-9]{7})$"
_TIN_LIKE = re.compile(TIN_PATTERN)
# A defined id is always the value of an "id" key: one quick scan of the text finds a file
# that may hold a TIN-shaped one (a Python check per id would cost more than the parse).
_TIN_ID = r'"id"\s*:\s*"(?:[0-9]{3}-?[0-9]{2}-?[0-9]{4}|[0-9]{2}-?[0-9]{7})"'
_TIN_ID_TEXT, _TIN_ID_BYTES = re.compile(_TIN_ID), re.compile(_TIN_ID.encode())
Id = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=ID_PATTERN)]
Amount = Annotated[str, StringConstraints(max_length=40, pattern=r"^-?[0-9]+(\.[0-9]+)?$")]
# SSN (123-45-6789), ITIN, or EIN (12-3456789); dashes optional.
Tin = Annotated[str, StringConstraints(pattern=TIN_PATTERN)]
State = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


def _known_language(value: str) -> str:
    """A language the desk has catalogs for (cdpdesk/locale/<code>/): read from the package's
    own folders, so a new language needs no change here (docs/translating.md)."""
    from cdpdesk.locale import LanguageError, check_language

    try:
        return check_language(value)
    except LanguageError as exc:
        raise ValueError(str(exc)) from None


# "en", "es" (a region such as "es-US" is accepted and stored as "es"); any other value is
# refused naming the languages there are.
Language = Annotated[str, StringConstraints(min_length=1, max_length=35), AfterValidator(_known_language)]
PeriodIds = Annotated[list[Id], Field(min_length=1)]
PostLevy = Literal["jeopardy", "state_refund", "federal_contractor", "employment_tax"]


# Every date runs from 1900 to 2199: the engine adds at most ten years and the suspensions
# (merged, so at most the span of the case's own dates) to a date of the file, and this keeps
# all of them far inside the calendar (docs/decisions.md). Every string without a pattern of
# its own holds no control character (PostgreSQL stores no NUL; a name has no line break).
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)
PLAIN_TEXT = r"^[^\x00-\x1f\x7f-\x9f]*$"


def _limit(schema: Any) -> None:
    """Put the limits on every date and string of a model's core schema: checked natively,
    on each field a model has now or gains later."""
    if isinstance(schema, dict):
        if schema.get("type") == "date":
            schema.setdefault("ge", DATE_MIN)
            schema.setdefault("le", DATE_MAX)
        elif schema.get("type") == "str":
            schema.setdefault("pattern", PLAIN_TEXT)
        for value in schema.values():
            _limit(value)
    elif isinstance(schema, list):
        for value in schema:
            _limit(value)


def date_problem(value: dt.date) -> str | None:
    """Why a date (an option, a query) is outside what CDP Desk reads, or None."""
    if DATE_MIN <= value <= DATE_MAX:
        return None
    return f"{value.isoformat()} is out of range (dates run from {DATE_MIN} to {DATE_MAX})"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        _limit(schema)
        return schema


class Policies(_Model):
    """The open points of law.md section 6 that a caller may switch."""

    floor_after_withdrawal: bool = True
    """Apply the 90-day CSED floor of IRC 6330(e)(1) when a CDP hearing ends by withdrawal as well as by determination (default true)."""
    leap_day: Literal["feb28", "mar1"] = "feb28"
    """Where N years after February 29 lands in a year without one: 'feb28' (default) or 'mar1'. Moves the base CSED only, never the one-year hearing windows."""


# Policies are frozen, so every case that sets none can share one default: building a fresh
# model per case would cost a Python-level validation each time.
DEFAULT_POLICIES = Policies()


class Taxpayer(_Model):
    name: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    """The taxpayer's name as a letter prints it."""
    tin: Tin | None = None
    """SSN, ITIN or EIN (nine digits, dashes optional). Kept for the signed withdrawal request; shown elsewhere as the last four digits only."""
    address: list[Annotated[str, StringConstraints(max_length=300)]] = Field(default_factory=list)
    """Mailing address, one string per line."""
    language: Language | None = None
    """The language the taxpayer reads: "en" (English, the default) or "es" (Spanish). The desk issues Letter 4383 in it."""


class Assessment(_Model):
    id: Id
    """Your id for the assessment, unique within its period."""
    date: dt.date
    """Assessment date: the 10-year collection period (IRC 6502(a)) runs from it."""
    amount: Amount | None = None
    """Amount assessed, as a decimal string such as "8412.00"; shown on letters and pages, never used in a date."""
    irs_csed: dt.date | None = None
    """The CSED as the IRS's own records show it (an account transcript or IDRS). Optional: the analysis checks it against the computed CSED and explains any difference; it never changes the computed date."""


class Period(_Model):
    id: Id
    """Your id for the tax period, used by events to refer to it."""
    form: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    """The return form of the period, such as "1040" or "941"."""
    period_end: dt.date
    """Last day of the tax period."""
    assessments: list[Assessment] = Field(default_factory=list)
    """The assessments made for the period; each has its own CSED."""


class _Event(_Model):
    id: Id
    """Your id for the event, unique in the file; other events refer to it."""

    # Each event type's date fields, declared once here and read by the checks, the roadmap,
    # the explainer and the letters: ``DAY`` is the date it happened, ``END`` (for events with
    # an end) the date that ends it, and ``DATE_FIELDS`` every date field, in declaration
    # order, read from the model's own fields.
    DAY: ClassVar[str] = "date"
    END: ClassVar[str | None] = None
    DATE_FIELDS: ClassVar[tuple[str, ...]] = ()
    # Date fields that are announced ahead rather than happened (the last day of a disaster
    # relief period): they may fall after ``as_of`` and are left out of ``DATE_FIELDS``.
    ANNOUNCED: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.DATE_FIELDS = tuple(
            name
            for name, f in cls.model_fields.items()
            if f.annotation in (dt.date, dt.date | None) and name not in cls.ANNOUNCED
        )


class LevyNotice(_Event):
    """CDP notice under IRC 6330 (LT11, Letter 1058, CP90)."""

    type: Literal["levy_notice"]
    """A notice of intent to levy with CDP rights (IRC 6330): LT11, Letter 1058 or CP90."""
    date: dt.date
    """The date printed on the notice; both hearing windows run from the day after it."""
    periods: PeriodIds
    """Ids of the tax periods the notice lists."""
    mailed: dt.date | None = None
    """The day the notice was actually mailed, if not its printed date. A later mailing moves the windows to run from it; an earlier one changes nothing."""
    letter: str | None = None
    """The letter or notice number as printed (LT11, 1058, CP90); for display only."""
    post_levy: PostLevy | None = None
    """Marks a notice given after the levy (IRC 6330(f)): jeopardy, state_refund, federal_contractor or employment_tax. No pre-levy wait applies."""
    office_state: State | None = None
    """Two-letter state of the IRS office that must receive the request; that state's legal holidays then also extend the windows."""
    new_liability: bool = False
    """True when the notice covers a liability no earlier notice of this kind covered, so it carries its own CDP right."""


class LienNotice(_Event):
    """CDP notice under IRC 6320 (Letter 3172); ``nftl_filed`` is the NFTL filing date."""

    type: Literal["lien_notice"]
    """The notice of an NFTL filing with CDP rights (IRC 6320): Letter 3172."""
    date: dt.date
    """The date printed on the notice; more than 5 business days after the filing draws a warning."""
    nftl_filed: dt.date
    """The day the Notice of Federal Tax Lien was filed; the lien windows run from it, not from the notice's date."""
    periods: PeriodIds
    """Ids of the tax periods the notice lists."""
    letter: str | None = None
    """The letter number as printed (3172); for display only."""
    office_state: State | None = None
    """Two-letter state of the IRS office that must receive the request; that state's legal holidays then also extend the windows."""
    new_liability: bool = False
    """True when the notice covers a liability no earlier notice of this kind covered, so it carries its own CDP right."""


class HearingRequest(_Event):
    """A written request for a CDP or equivalent hearing (Form 12153)."""

    type: Literal["hearing_request"]
    """A written request for a hearing (Form 12153 or a signed letter)."""
    DAY: ClassVar[str] = "received"
    received: dt.date
    """The day the IRS received the request; it decides timeliness and starts the CDP suspension."""
    periods: PeriodIds
    """Ids of the tax periods the request asks about."""
    postmark: dt.date | None = None
    """A U.S. postmark or designated private delivery service date; it can make a late-arriving request timely (IRC 7502)."""
    notices: Annotated[list[Id], Field(min_length=1)] | None = None
    """Ids of the notices the request answers. Default: every levy notice for its periods dated on or before received, and every lien notice for them whose NFTL was filed by then."""
    frivolous: bool | Annotated[list[Id], Field(min_length=1)] | None = None
    """True when the whole request was found frivolous, or the ids of the periods for which it was (IRC 6330(g)); those get no hearing."""
    equitable_tolling: bool | None = None
    """True records a finding that the 30-day window was tolled, which makes a late request a CDP request. Never presumed."""


class HearingWithdrawal(_Event):
    """A withdrawal of a hearing request (Form 12256 or a signed letter)."""

    type: Literal["hearing_withdrawal"]
    """The taxpayer withdraws a hearing request (Form 12256 or a signed letter)."""
    DAY: ClassVar[str] = "received"
    received: dt.date
    """The day Appeals received the withdrawal; a written one ends the hearing and the CDP suspension that day."""
    request: Id
    """Id of the hearing_request event withdrawn."""
    signed: dt.date | None = None
    """The day the taxpayer or representative signed the withdrawal (Form 12256), when written; for the record only: it takes effect when Appeals receives it."""
    periods: Annotated[list[Id], Field(min_length=1)] | None = None
    """Ids of the periods withdrawn, when fewer than the request's (default: all of them)."""
    notices: Annotated[list[Id], Field(min_length=1)] | None = None
    """Ids of the notices whose hearings are withdrawn (default: all the request covered)."""
    written: bool = True
    """False records an oral withdrawal: noted with a warning, it changes nothing until one in writing follows (default true)."""


class WithdrawalAcknowledged(_Event):
    """Appeals' Letter 4383, acknowledging a written withdrawal. A fact of the case for the
    taxpayer's pages; the withdrawal's legal effects still date from its receipt (law.md 5)."""

    type: Literal["withdrawal_acknowledged"]
    """Appeals issued Letter 4383, confirming a written withdrawal of a hearing request."""
    date: dt.date
    """The day Letter 4383 was issued; never before the withdrawal was received. It moves no deadline and no CSED."""
    withdrawal: Id
    """Id of the written hearing_withdrawal event the letter acknowledges."""


class Determination(_Event):
    """Notice of Determination (CDP, Letter 3193) or decision letter (EH, Letter 3210)."""

    type: Literal["determination"]
    """Appeals' decision on a hearing: a Notice of Determination after a CDP hearing, a decision letter after an equivalent hearing."""
    date: dt.date
    """Date of the Notice of Determination or decision letter; the petition window runs from the day after it."""
    request: Id
    """Id of the hearing_request event decided."""
    periods: Annotated[list[Id], Field(min_length=1)] | None = None
    """Ids of the periods decided, when fewer than the request's."""
    form_12257: bool = False
    """True when Appeals closed the CDP hearing with Form 12257 (summary notice of determination, with the taxpayer's waivers of Tax Court review and of the levy suspension) instead of a Notice of Determination: final on its date, no petition window."""


class TaxCourtPetition(_Event):
    type: Literal["tax_court_petition"]
    """A petition to the U.S. Tax Court from a Notice of Determination."""
    DAY: ClassVar[str] = "filed"
    filed: dt.date
    """The day the Tax Court received the petition."""
    request: Id
    """Id of the hearing_request event whose determination is petitioned."""
    postmark: dt.date | None = None
    """A U.S. postmark or designated private delivery service date that can make a late-arriving petition timely."""
    equitable_tolling: bool | None = None
    """True records the Tax Court's finding that the 30-day petition window was equitably tolled (Boechler, P.C. v. Commissioner, 596 U.S. 199 (2022)), which makes a late petition timely. Never presumed."""


class TaxCourtDecision(_Event):
    type: Literal["tax_court_decision"]
    """The Tax Court's decision on a petition."""
    DAY: ClassVar[str] = "entered"
    END: ClassVar[str | None] = "final"
    entered: dt.date
    """The day the decision was entered; with no appeal it is final after the 90-day appeal period."""
    request: Id
    """Id of the hearing_request event whose determination was petitioned."""
    final: dt.date | None = None
    """The day the decision became final, when known (after an appeal, or a dismissal you choose to count); overrides the 90-day reckoning."""


class InstallmentAgreementEvent(_Event):
    type: Literal["ia_requested", "ia_rejected", "ia_accepted", "ia_terminated"]
    """An installment agreement step: requested, rejected, accepted or terminated (IRC 6331(k)(2))."""
    date: dt.date
    """The day of that step."""
    periods: PeriodIds
    """Ids of the tax periods the agreement covers."""


class OfferEvent(_Event):
    type: Literal["oic_pending", "oic_rejected", "oic_returned", "oic_withdrawn", "oic_accepted"]
    """An offer in compromise step: pending (accepted for processing), rejected, returned, withdrawn or accepted (IRC 6331(k)(1))."""
    date: dt.date
    """The day of that step."""
    periods: PeriodIds
    """Ids of the tax periods the offer covers."""


class AlternativeAppeal(_Event):
    """Appeal (CAP or Appeals) of an IA rejection or termination, or an OIC rejection."""

    type: Literal["ia_appeal", "oic_appeal"]
    """An appeal (CAP or Appeals) of an installment agreement rejection or termination, or of an offer's rejection."""
    DAY: ClassVar[str] = "filed"
    END: ClassVar[str | None] = "closed"
    filed: dt.date
    """The day the appeal was filed; within 30 days of the rejection or termination it extends the suspension."""
    closed: dt.date | None = None
    """The day the appeal ended; absent while it is still open (the suspension then runs to as_of and the CSED is a lower bound)."""
    periods: PeriodIds
    """Ids of the tax periods concerned."""


class Bankruptcy(_Event):
    type: Literal["bankruptcy"]
    """A bankruptcy case under title 11 (IRC 6503(h))."""
    DAY: ClassVar[str] = "filed"
    END: ClassVar[str | None] = "stay_ended"
    filed: dt.date
    """The petition date; the suspension starts on it."""
    periods: PeriodIds
    """Ids of the tax periods the automatic stay covers."""
    stay_ended: dt.date | None = None
    """The day the automatic stay ended (discharge, dismissal or closing); absent while the stay is in force."""


class OutsideUS(_Event):
    type: Literal["outside_us"]
    """An absence from the United States (IRC 6503(c)); it suspends when it lasts 6 months without a break."""
    DAY: ClassVar[str] = "left"
    END: ClassVar[str | None] = "returned"
    left: dt.date
    """The day the taxpayer left the United States."""
    periods: PeriodIds
    """Ids of the tax periods concerned."""
    returned: dt.date | None = None
    """The day the taxpayer came back; absent while still away."""


class TasApplication(_Event):
    type: Literal["tas_application"]
    """An application for a Taxpayer Assistance Order, Form 911 (IRC 7811(b))."""
    DAY: ClassVar[str] = "filed"
    END: ClassVar[str | None] = "decided"
    filed: dt.date
    """The day the application was filed."""
    periods: PeriodIds
    """Ids of the tax periods concerned."""
    decided: dt.date | None = None
    """The day the National Taxpayer Advocate decided; absent while pending."""


class InnocentSpouseClaim(_Event):
    type: Literal["innocent_spouse_claim"]
    """A claim for relief under IRC 6015 by the requesting spouse."""
    DAY: ClassVar[str] = "filed"
    END: ClassVar[str | None] = "bar_ended"
    filed: dt.date
    """The day the claim was filed."""
    periods: PeriodIds
    """Ids of the tax periods the claim covers."""
    bar_ended: dt.date | None = None
    """The day the bar on collection ended; the suspension runs 60 days more. Absent while it lasts."""


class DisasterRelief(_Event):
    """A postponement of deadlines for a federally declared disaster (IRC 7508A)."""

    type: Literal["disaster_relief"]
    """Disaster relief the IRS announced under IRC 7508A: acts due inside the relief period may be done by its last day."""
    DAY: ClassVar[str] = "first_day"
    END: ClassVar[str | None] = "last_day"
    ANNOUNCED: ClassVar[tuple[str, ...]] = ("last_day",)
    first_day: dt.date
    """The first day of the relief period (usually the disaster's incident date)."""
    last_day: dt.date
    """The last day of the relief period, to which deadlines falling inside it move. It may be after as_of: the IRS announces it ahead."""
    relief: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    """The relief's identifier as published, as free text (for example the IRS news release number or the FEMA declaration); shown in the reasons."""
    periods: Annotated[list[Id], Field(min_length=1)] | None = None
    """Ids of the tax periods the relief covers; absent for all of the case's periods (the usual case: relief goes to the affected taxpayer)."""


class CombatZone(_Event):
    """Service in a combat zone or a contingency operation (IRC 7508)."""

    type: Literal["combat_zone"]
    """Service in a combat zone (or a contingency operation, or a qualified hazardous duty area): the time is disregarded for the hearing and petition deadlines and the collection statute (IRC 7508)."""
    DAY: ClassVar[str] = "entered"
    END: ClassVar[str | None] = "departed"
    entered: dt.date
    """The first day of service in the combat zone."""
    departed: dt.date | None = None
    """The last day of service there; absent while the service (or a continuous qualified hospitalization after it) goes on."""
    hospitalized_until: dt.date | None = None
    """The last day of a continuous qualified hospitalization for an injury from that service, when it ran past departed; the 180 days then run from it."""
    periods: Annotated[list[Id], Field(min_length=1)] | None = None
    """Ids of the tax periods concerned; absent for all of the case's periods (the relief is the taxpayer's, whatever the period)."""


Event = Annotated[
    LevyNotice
    | LienNotice
    | HearingRequest
    | HearingWithdrawal
    | WithdrawalAcknowledged
    | Determination
    | TaxCourtPetition
    | TaxCourtDecision
    | InstallmentAgreementEvent
    | OfferEvent
    | AlternativeAppeal
    | Bankruptcy
    | OutsideUS
    | TasApplication
    | InnocentSpouseClaim
    | DisasterRelief
    | CombatZone,
    Field(discriminator="type"),
]


def _type_names(*models: type[_Event]) -> tuple[str, ...]:
    """The ``type`` tags the models accept, read from their Literal annotations."""
    return tuple(name for model in models for name in get_args(model.model_fields["type"].annotation))


# Event types by family, from the models themselves so the lists cannot drift apart.
IA_TYPES = _type_names(InstallmentAgreementEvent)
OIC_TYPES = _type_names(OfferEvent)
APPEAL_TYPES = _type_names(AlternativeAppeal)
ALTERNATIVE_TYPES = frozenset(IA_TYPES + OIC_TYPES + APPEAL_TYPES)  # IRC 6331(k) events
STATUTE_EVENT_TYPES = _type_names(
    Bankruptcy, OutsideUS, TasApplication, InnocentSpouseClaim, CombatZone, DisasterRelief
)  # they suspend the collection statute or the taxpayer's deadlines
EVENT_TYPES: tuple[str, ...] = _type_names(
    LevyNotice,
    LienNotice,
    HearingRequest,
    HearingWithdrawal,
    WithdrawalAcknowledged,
    Determination,
    TaxCourtPetition,
    TaxCourtDecision,
    InstallmentAgreementEvent,
    OfferEvent,
    AlternativeAppeal,
    Bankruptcy,
    OutsideUS,
    TasApplication,
    InnocentSpouseClaim,
    DisasterRelief,
    CombatZone,
)

Notice = LevyNotice | LienNotice
EVENT_MODELS: tuple[type[_Event], ...] = get_args(get_args(Event)[0])
# Every date field any event type has (for the latest date a case records).
EVENT_DATE_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(n for m in EVENT_MODELS for n in m.DATE_FIELDS))
# The field holding the day each event type happened (its model's ``DAY``), for readers of
# event JSON such as the web timeline.
EVENT_DAY: dict[str, str] = {name: m.DAY for m in EVENT_MODELS for name in _type_names(m)}


class CaseFile(_Model):
    """A ``cdpdesk.case/1`` document."""

    format: Literal["cdpdesk.case/1"]
    """Always "cdpdesk.case/1": the version of this layout."""
    as_of: dt.date | None = None
    """The day the analysis speaks from (default: today). Deadlines before it are past, open suspensions run to it, and events after it are refused."""
    policies: Policies = Field(default_factory=lambda: DEFAULT_POLICIES)
    """Switches for the points of law settled by a chosen default (docs/law.md section 6)."""
    taxpayer: Taxpayer | None = None
    """Who the case is about; not needed for an analysis, needed for letters."""
    periods: list[Period] = Field(default_factory=list)
    """The tax periods and their assessments."""
    events: list[Event] = Field(default_factory=list)
    """What happened, in any order: notices, requests, withdrawals, decisions, and the events that suspend the collection statute."""


# --- Loading, with errors a person can act on -------------------------------------------


def load_case(text: str | bytes) -> CaseFile:
    """Parse and validate a case file's JSON text. Raises :class:`CaseError`."""
    try:
        case = CaseFile.model_validate_json(text)
    except ValidationError as exc:
        raise _translate(exc, text) from None
    scan = _TIN_ID_BYTES if isinstance(text, bytes) else _TIN_ID_TEXT
    if scan.search(text):  # type: ignore[arg-type]
        _refuse_tin_shaped_ids(case)
    return case


def _refuse_tin_shaped_ids(case: CaseFile) -> None:
    ids: list[tuple[str, str, str | None]] = [
        (f"periods[{i}].id", p.id, None) for i, p in enumerate(case.periods)
    ]
    ids += [(f"events[{i}].id", e.id, e.id) for i, e in enumerate(case.events)]
    for i, p in enumerate(case.periods):
        ids += [(f"periods[{i}].assessments[{k}].id", a.id, None) for k, a in enumerate(p.assessments)]
    why = "must not look like a taxpayer identification number (ids appear in addresses and logs)"
    items = [ErrorItem(field, why, event) for field, value, event in ids if _TIN_LIKE.match(value)]
    if items:
        raise CaseError(items)


def load_case_dict(data: Any) -> CaseFile:
    """Validate an already-parsed case (a dict), with the same rules as the JSON text."""
    try:
        text = orjson.dumps(data)
    except TypeError:
        try:  # orjson stops at integers past 64 bits; the schema names where they are
            text = json.dumps(data, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise CaseError([ErrorItem("", f"not a JSON document: {exc}")]) from None
    return load_case(text)


def _raw(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        try:  # integers past 64 bits
            return json.loads(text)
        except ValueError:
            return None


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    skip_tag = False
    for i, part in enumerate(loc):
        if skip_tag:
            skip_tag = False
            continue
        if isinstance(part, int):
            out += f"[{part}]"
            # inside events[i] pydantic adds the union tag; it is not part of the path
            if i >= 1 and loc[0] == "events" and i == 1:
                skip_tag = True
        elif part in ("bool", "list[str]", "list[constrained-str]", "constrained-str"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _show(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return orjson.dumps(shown).decode()
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return "a number past 64 bits"
    if isinstance(value, bool | int | float) or value is None:
        return orjson.dumps(value).decode()
    if isinstance(value, dict):
        return "a JSON object"
    if isinstance(value, list):
        return "a JSON array"
    return f"a {type(value).__name__}"


def _message(err: Any, field: str) -> str:
    kind = err["type"]
    value = err.get("input")
    secret = field.endswith("tin")
    shown = "the value" if secret else _show(value)
    if isinstance(value, int) and not isinstance(value, bool) and _show(value) == "a number past 64 bits":
        return "is a number past 64 bits: no field of cdpdesk.case/1 takes one"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown key (not part of cdpdesk.case/1)"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        reason = err["msg"].split(",", 1)[1].strip() if "," in err["msg"] else "not a date"
        return f"{shown} is not a valid date (YYYY-MM-DD): {reason}"
    if kind == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag")
        return f"unknown event type {_show(tag)}; known types: {', '.join(EVENT_TYPES)}"
    if kind == "union_tag_not_found":
        return 'event has no "type"'
    if kind == "literal_error":
        if field == "format":
            return f'unknown format {shown}; expected "{CASE_FORMAT}"'
        return f"{shown} is not allowed; expected {err.get('ctx', {}).get('expected', '')}"
    if kind == "string_pattern_mismatch":
        if secret:
            return "must be a 9-digit identification number (NNN-NN-NNNN or NN-NNNNNNN)"
        if field.endswith("amount"):
            return f'{shown} is not a decimal amount (write it as a string like "8412.00")'
        if field.endswith("office_state"):
            return f"{shown} is not a two-letter state code"
        if err.get("ctx", {}).get("pattern") == PLAIN_TEXT:
            return "contains a control character (such as NUL, a tab or a line break)"
        if err.get("ctx", {}).get("pattern") == ID_PATTERN:
            return f"{shown} is not a valid id (ASCII letters, digits, '.', '_', ':', '-'; first a letter or digit)"
        return f"{shown} has the wrong form"
    if kind == "string_type":
        if field.endswith("amount"):
            return f'{shown} is not a decimal string (write amounts as strings like "8412.00")'
        return f"{shown} must be a string"
    if kind in ("string_too_short", "too_short"):
        return "must not be empty"
    if kind in ("greater_than_equal", "less_than_equal") and isinstance(value, str):
        return f"{shown} is out of range (dates run from {DATE_MIN} to {DATE_MAX})"
    if kind == "string_too_long":
        return f"is too long (at most {err.get('ctx', {}).get('max_length')} characters)"
    if field.endswith("frivolous"):
        return f"{shown} must be true or a list of period ids"
    if kind == "bool_type":
        return f"{shown} must be true or false"
    if kind in ("list_type", "model_type", "dict_type", "model_attributes_type"):
        want = "a list" if kind == "list_type" else "an object"
        if not field:
            return f"the case file must be a JSON object, not {shown}"
        return f"{shown} must be {want}"
    if kind == "json_invalid":
        return f"not valid JSON: {err.get('ctx', {}).get('error', err['msg'])}"
    if kind == "json_type":
        return "not a JSON document"
    if kind == "value_error" and field.endswith("language"):
        return str(err.get("ctx", {}).get("error", err["msg"]))  # names the value and the choices
    return f"{shown}: {err['msg']}" if not secret else err["msg"]


def _translate(exc: ValidationError, text: str | bytes) -> CaseError:
    raw = None
    items: list[ErrorItem] = []
    seen: set[str] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        field = _field_path(loc)
        event_id: str | None = None
        if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
            if raw is None:
                raw = _raw(text)
            try:
                candidate = raw["events"][loc[1]].get("id")
                event_id = candidate if isinstance(candidate, str) else None
            except (TypeError, KeyError, IndexError, AttributeError):
                event_id = None
        if field in seen:  # a bool-or-list value reports once per branch; keep the first
            continue
        seen.add(field)
        items.append(ErrorItem(field, _message(err, field), event_id))
    return CaseError(items)
