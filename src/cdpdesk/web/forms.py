"""Event forms generated from the contract's own models (contract/case.py).

One form per event type: its fields, their order, which are required, which are dates and
the help under each come from the pydantic model (the help is the attribute's docstring);
this module adds only the plain-word labels and the widget a field needs (a tick box per
period of the case, a choice of the case's hearing requests...). A submitted form becomes
the event's JSON exactly as a case file would carry it, and the desk has the engine check
it: nothing here decides whether an event is valid.
"""

from __future__ import annotations

import datetime as dt
import re
import types
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

from cdpdesk.contract.case import (
    EVENT_MODELS,
    HearingWithdrawal,
    WithdrawalAcknowledged,
    _Event,
    _type_names,
)
from cdpdesk.contract.errors import ErrorItem

#: An oral withdrawal is a ``hearing_withdrawal`` with ``written: false``; it has a form of
#: its own because a clerk records it from a call, not from a signed Form 12256.
ORAL = "oral_withdrawal"

#: The event types a form can record, in the order the picker offers them: the common
#: work first. ``withdrawal_acknowledged`` has no form: only issuing Letter 4383 writes it.
COMMON = ("hearing_request", "hearing_withdrawal", ORAL, "determination", "tax_court_petition")

TYPE_WORDS: dict[str, str] = {
    "hearing_request": "Hearing request (Form 12153)",
    "hearing_withdrawal": "Written withdrawal (Form 12256 or a signed letter)",
    ORAL: "Oral withdrawal (by phone or in person)",
    "determination": "Determination (Notice of Determination or decision letter)",
    "tax_court_petition": "Tax Court petition",
    "levy_notice": "Levy notice with hearing rights (LT11, Letter 1058, CP90)",
    "lien_notice": "Lien notice with hearing rights (Letter 3172)",
    "tax_court_decision": "Tax Court decision",
    "ia_requested": "Installment agreement requested",
    "ia_rejected": "Installment agreement rejected",
    "ia_accepted": "Installment agreement accepted",
    "ia_terminated": "Installment agreement terminated",
    "oic_pending": "Offer in compromise pending",
    "oic_rejected": "Offer in compromise rejected",
    "oic_returned": "Offer in compromise returned",
    "oic_withdrawn": "Offer in compromise withdrawn",
    "oic_accepted": "Offer in compromise accepted",
    "ia_appeal": "Appeal of an installment agreement rejection or termination",
    "oic_appeal": "Appeal of an offer's rejection",
    "bankruptcy": "Bankruptcy case",
    "outside_us": "Taxpayer outside the United States",
    "tas_application": "Taxpayer Advocate application (Form 911)",
    "innocent_spouse_claim": "Innocent spouse claim",
    "disaster_relief": "Disaster relief postponing deadlines (IRC 7508A)",
    "combat_zone": "Combat-zone service (IRC 7508)",
    "withdrawal_acknowledged": "Letter 4383 issued",
}

#: Plain-word labels by field name, then by (type, field) where one type means otherwise.
LABELS: dict[str, str] = {
    "id": "Event id",
    "date": "Date",
    "received": "Date received",
    "postmark": "Postmark date",
    "periods": "Tax periods",
    "notices": "Notices it answers",
    "frivolous": "Found frivolous",
    "equitable_tolling": "Late request made timely by equitable tolling",
    "request": "Hearing request",
    "signed": "Date signed",
    "mailed": "Date mailed",
    "letter": "Letter or notice number",
    "post_levy": "Notice given after a levy",
    "office_state": "State of the IRS office",
    "new_liability": "Covers a new liability",
    "nftl_filed": "Date the lien (NFTL) was filed",
    "filed": "Date filed",
    "entered": "Date entered",
    "final": "Date it became final",
    "closed": "Date the appeal closed",
    "stay_ended": "Date the stay ended",
    "left": "Date the taxpayer left",
    "returned": "Date the taxpayer returned",
    "decided": "Date decided",
    "bar_ended": "Date the bar on collection ended",
    "withdrawal": "Withdrawal acknowledged",
    "written": "In writing",
    "first_day": "First day of the relief period",
    "last_day": "Last day of the relief period",
    "relief": "Which relief (the IRS announcement or FEMA number)",
    "departed": "Date service in the combat zone ended",
    "hospitalized_until": "Hospitalized until",
    "form_12257": "Summary notice with waivers (Form 12257)",
}
TYPE_LABELS: dict[tuple[str, str], str] = {
    ("levy_notice", "date"): "Date printed on the notice",
    ("lien_notice", "date"): "Date printed on the notice",
    ("determination", "date"): "Date of the determination",
    ("hearing_withdrawal", "notices"): "Which hearings are withdrawn",
    ("hearing_withdrawal", "periods"): "Which tax periods are withdrawn",
    ("determination", "periods"): "Which tax periods were decided",
    ("hearing_withdrawal", "request"): "Hearing request withdrawn",
    ("determination", "request"): "Hearing request decided",
    ("tax_court_petition", "request"): "Hearing request whose determination is petitioned",
    ("tax_court_decision", "request"): "Hearing request whose determination was petitioned",
}
#: What a widget adds to the model's help, where the form differs from the file.
HINTS: dict[str, str] = {
    "optional_periods": "Leave every box clear for all of them.",
    "optional_notices": "Leave every box clear for all of them.",
    "frivolous": "Tick the whole request, or only the periods found frivolous.",
}

Kind = Literal["date", "text", "bool", "choice", "periods", "notices", "request", "withdrawal", "frivolous"]


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    help: str
    kind: Kind
    required: bool
    options: tuple[Option, ...] = ()
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class EventForm:
    key: str  # the form's key: an event type, or ORAL
    type: str  # the event type it records
    title: str
    summary: str  # the model's docstring for the type
    fields: tuple[FormField, ...]
    fixed: dict[str, Any] = field(default_factory=dict)  # values the form sets itself

    @property
    def dates(self) -> list[FormField]:
        return [f for f in self.fields if f.kind == "date"]


def _model_for(type_name: str) -> type[_Event]:
    for model in EVENT_MODELS:
        if type_name in _type_names(model):
            return model
    raise KeyError(type_name)


def _strip_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _literal_values(annotation: Any) -> tuple[str, ...] | None:
    inner = _strip_none(annotation)
    if get_origin(inner) is Literal:
        return tuple(str(v) for v in get_args(inner))
    return None


def form_keys() -> list[str]:
    """Every form, common work first."""
    others = [
        t for m in EVENT_MODELS for t in _type_names(m) if t not in COMMON and m is not WithdrawalAcknowledged
    ]
    return [*COMMON, *others]


def event_form(key: str, case: dict[str, Any]) -> EventForm:
    """The form for ``key`` (an event type, or ORAL) over this case (``Desk.export_case``
    shape: its periods and events give the choices). KeyError for an unknown key."""
    type_name = "hearing_withdrawal" if key == ORAL else key
    if type_name == "withdrawal_acknowledged" or key not in TYPE_WORDS:
        raise KeyError(key)
    model = _model_for(type_name)
    fixed: dict[str, Any] = {}
    if model is HearingWithdrawal:
        fixed["written"] = key != ORAL
    out: list[FormField] = []
    for name, info in model.model_fields.items():
        if name == "type" or name in fixed:
            continue
        label = TYPE_LABELS.get((type_name, name)) or LABELS.get(name) or name.replace("_", " ").capitalize()
        help_text = (info.description or "").strip()
        required = info.is_required()
        annotation = info.annotation
        options: tuple[Option, ...] = ()
        pattern = None
        kind: Kind
        if _strip_none(annotation) is dt.date:
            kind = "date"
        elif name == "periods":
            kind = "periods"
            options = _period_options(case)
            if not required:
                help_text += " " + HINTS["optional_periods"]
        elif name == "notices":
            kind = "notices"
            options = _notice_options(case)
            help_text += " " + HINTS["optional_notices"]
        elif name == "frivolous":
            kind = "frivolous"
            options = (Option("__all__", "The whole request"), *_period_options(case))
            help_text += " " + HINTS["frivolous"]
        elif name == "request":
            kind = "request"
            options = _event_options(case, ("hearing_request",))
        elif name == "withdrawal":
            kind = "withdrawal"
            options = _event_options(case, ("hearing_withdrawal",))
        elif _strip_none(annotation) is bool:
            kind = "bool"
        elif (values := _literal_values(annotation)) is not None:
            kind = "choice"
            options = tuple(Option(v, v.replace("_", " ")) for v in values)
        else:
            kind = "text"
            meta = [m for m in getattr(_strip_none(annotation), "__metadata__", ())]
            pattern = next((getattr(m, "pattern", None) for m in meta if getattr(m, "pattern", None)), None)
        out.append(FormField(name, label, help_text, kind, required, options, pattern))
    return EventForm(key, type_name, TYPE_WORDS[key], (model.__doc__ or "").strip(), tuple(out), fixed)


def _period_options(case: dict[str, Any]) -> tuple[Option, ...]:
    return tuple(
        Option(p["id"], f"{p['id']} (Form {p['form']}, ending {p['period_end']})") for p in case["periods"]
    )


def _notice_options(case: dict[str, Any]) -> tuple[Option, ...]:
    out = []
    for e in case["events"]:
        if e.get("type") == "levy_notice":
            what = f"Levy: {e.get('letter') or 'notice'} of {e['date']}"
        elif e.get("type") == "lien_notice":
            what = f"Lien: {e.get('letter') or 'notice'} of {e['date']} (NFTL filed {e['nftl_filed']})"
        else:
            continue
        out.append(Option(e["id"], f"{what}, periods {', '.join(e['periods'])} [{e['id']}]"))
    return tuple(out)


def _event_options(case: dict[str, Any], kinds: tuple[str, ...]) -> tuple[Option, ...]:
    out = []
    for e in case["events"]:
        if e.get("type") not in kinds:
            continue
        if e["type"] == "hearing_request":
            label = f"{e['id']}: received {e['received']}, periods {', '.join(e['periods'])}"
        else:
            how = "written" if e.get("written", True) else "oral"
            label = f"{e['id']}: {how} withdrawal received {e['received']}"
        out.append(Option(e["id"], label))
    return tuple(out)


def suggest_id(case: dict[str, Any]) -> str:
    """The next free ``eN`` id of the case."""
    taken = {e["id"] for e in case["events"]}
    n = len(taken) + 1
    while f"e{n}" in taken:
        n += 1
    return f"e{n}"


def form_key_of(event: dict[str, Any]) -> str:
    """The form that records (and corrects) this event."""
    if event.get("type") == "hearing_withdrawal" and event.get("written") is False:
        return ORAL
    return str(event.get("type"))


# --- Submitted values -> the event, and back -------------------------------------------------


def event_from(form: EventForm, values: Any) -> dict[str, Any]:
    """The event a submitted form describes (``values``: a multi-dict with ``getlist``).
    Blank optional fields are left out, as a case file leaves them out; blank required ones
    are sent as given so that the engine names them."""
    event: dict[str, Any] = {"id": str(values.get("id", "")).strip(), "type": form.type}
    for f in form.fields:
        if f.name == "id":
            continue
        if f.kind in ("periods", "notices"):
            picked = [str(v) for v in values.getlist(f.name)]
            if picked or f.required:
                event[f.name] = picked
        elif f.kind == "frivolous":
            picked = [str(v) for v in values.getlist(f.name)]
            if "__all__" in picked:
                event[f.name] = True
            elif picked:
                event[f.name] = picked
        elif f.kind == "bool":
            if values.get(f.name):
                event[f.name] = True
        else:
            raw = str(values.get(f.name, "")).strip()
            if raw or f.required:
                event[f.name] = raw
    event.update(form.fixed)
    return event


def values_of(event: dict[str, Any]) -> dict[str, Any]:
    """The form's values for an event (to fill a correction form)."""
    out: dict[str, Any] = {}
    for key, value in event.items():
        if key == "frivolous" and value is True:
            out[key] = ["__all__"]
        else:
            out[key] = value
    return out


_PREFIX = re.compile(r"^events\[[0-9]+\]\.?")


def split_errors(
    items: tuple[ErrorItem, ...] | list[ErrorItem], event_id: str
) -> tuple[dict[str, str], list[str]]:
    """The engine's items for this event by form field (``received``, ``periods``...), and
    the rest as lines (a problem another event now has with it)."""
    by_field: dict[str, str] = {}
    other: list[str] = []
    for item in items:
        if item.event == event_id and _PREFIX.match(item.field):
            rest = _PREFIX.sub("", item.field)
            name = re.split(r"[.\[]", rest, maxsplit=1)[0] or "id"
            by_field[name] = f"{by_field[name]}; {item.message}" if name in by_field else item.message
        else:
            other.append(item.line())
    return by_field, other
