"""``cdpdesk.case/1``: the case file, as pydantic models (shared/spec/case-format.md).

Dates are strict ISO ``YYYY-MM-DD`` strings, amounts are decimal strings, and unknown keys
are errors, so that a typo never silently drops a fact.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any, Literal, get_args

import orjson
from pydantic import (
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
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        _limit(schema)
        return schema


class Policies(_Model):
    """The open points of law.md section 6 that a caller may switch."""

    floor_after_withdrawal: bool = True
    leap_day: Literal["feb28", "mar1"] = "feb28"


# Policies are frozen, so every case that sets none can share one default: building a fresh
# model per case would cost a Python-level validation each time.
DEFAULT_POLICIES = Policies()


class Taxpayer(_Model):
    name: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    tin: Tin | None = None
    address: list[Annotated[str, StringConstraints(max_length=300)]] = Field(default_factory=list)


class Assessment(_Model):
    id: Id
    date: dt.date
    amount: Amount | None = None


class Period(_Model):
    id: Id
    form: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    period_end: dt.date
    assessments: list[Assessment] = Field(default_factory=list)


class _Event(_Model):
    id: Id


class LevyNotice(_Event):
    """CDP notice under IRC 6330 (LT11, Letter 1058, CP90)."""

    type: Literal["levy_notice"]
    date: dt.date
    periods: PeriodIds
    mailed: dt.date | None = None
    letter: str | None = None
    post_levy: PostLevy | None = None
    office_state: State | None = None
    new_liability: bool = False


class LienNotice(_Event):
    """CDP notice under IRC 6320 (Letter 3172); ``nftl_filed`` is the NFTL filing date."""

    type: Literal["lien_notice"]
    date: dt.date
    nftl_filed: dt.date
    periods: PeriodIds
    letter: str | None = None
    office_state: State | None = None
    new_liability: bool = False


class HearingRequest(_Event):
    """A written request for a CDP or equivalent hearing (Form 12153)."""

    type: Literal["hearing_request"]
    received: dt.date
    periods: PeriodIds
    postmark: dt.date | None = None
    notices: Annotated[list[Id], Field(min_length=1)] | None = None
    frivolous: bool | Annotated[list[Id], Field(min_length=1)] | None = None
    equitable_tolling: bool | None = None


class HearingWithdrawal(_Event):
    """A withdrawal of a hearing request (Form 12256 or a signed letter)."""

    type: Literal["hearing_withdrawal"]
    received: dt.date
    request: Id
    periods: Annotated[list[Id], Field(min_length=1)] | None = None
    notices: Annotated[list[Id], Field(min_length=1)] | None = None
    written: bool = True


class Determination(_Event):
    """Notice of Determination (CDP, Letter 3193) or decision letter (EH, Letter 3210)."""

    type: Literal["determination"]
    date: dt.date
    request: Id
    periods: Annotated[list[Id], Field(min_length=1)] | None = None


class TaxCourtPetition(_Event):
    type: Literal["tax_court_petition"]
    filed: dt.date
    request: Id
    postmark: dt.date | None = None


class TaxCourtDecision(_Event):
    type: Literal["tax_court_decision"]
    entered: dt.date
    request: Id
    final: dt.date | None = None


class InstallmentAgreementEvent(_Event):
    type: Literal["ia_requested", "ia_rejected", "ia_accepted", "ia_terminated"]
    date: dt.date
    periods: PeriodIds


class OfferEvent(_Event):
    type: Literal["oic_pending", "oic_rejected", "oic_returned", "oic_withdrawn", "oic_accepted"]
    date: dt.date
    periods: PeriodIds


class AlternativeAppeal(_Event):
    """Appeal (CAP or Appeals) of an IA rejection or termination, or an OIC rejection."""

    type: Literal["ia_appeal", "oic_appeal"]
    filed: dt.date
    closed: dt.date
    periods: PeriodIds


class Bankruptcy(_Event):
    type: Literal["bankruptcy"]
    filed: dt.date
    periods: PeriodIds
    stay_ended: dt.date | None = None


class OutsideUS(_Event):
    type: Literal["outside_us"]
    left: dt.date
    periods: PeriodIds
    returned: dt.date | None = None


class TasApplication(_Event):
    type: Literal["tas_application"]
    filed: dt.date
    periods: PeriodIds
    decided: dt.date | None = None


class InnocentSpouseClaim(_Event):
    type: Literal["innocent_spouse_claim"]
    filed: dt.date
    periods: PeriodIds
    bar_ended: dt.date | None = None


Event = Annotated[
    LevyNotice
    | LienNotice
    | HearingRequest
    | HearingWithdrawal
    | Determination
    | TaxCourtPetition
    | TaxCourtDecision
    | InstallmentAgreementEvent
    | OfferEvent
    | AlternativeAppeal
    | Bankruptcy
    | OutsideUS
    | TasApplication
    | InnocentSpouseClaim,
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
STATUTE_EVENT_TYPES = _type_names(Bankruptcy, OutsideUS, TasApplication, InnocentSpouseClaim)
EVENT_TYPES: tuple[str, ...] = _type_names(
    LevyNotice,
    LienNotice,
    HearingRequest,
    HearingWithdrawal,
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
)

Notice = LevyNotice | LienNotice


class CaseFile(_Model):
    """A ``cdpdesk.case/1`` document."""

    format: Literal["cdpdesk.case/1"]
    as_of: dt.date | None = None
    policies: Policies = Field(default_factory=lambda: DEFAULT_POLICIES)
    taxpayer: Taxpayer | None = None
    periods: list[Period] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)


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
