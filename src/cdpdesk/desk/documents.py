"""Each case version's ``cdpdesk.case/1`` document, stored beside it (table
``case_documents``, migration 0018), so that a refresh's workers read one row per case.

Put together from the case, its taxpayer, its periods and assessments, and the current
entry of each event in its log, a document cost a worker about as much as a fifth of the
analysis (four queries and the Python that joins them); read from here, a few microseconds
(docs/decisions.md, issue 11, session 8). Every write of a case version stores its document
in the same transaction (``store``: the import, an event, its correction or retraction, a
Letter 4383, a change of the preferred language); a row of another version than the case's
is never read (``refresh.read_batch`` builds that case's document as before, and the refresh
stores it).

:func:`build` is the one builder of a case's document: the refresh's workers and the export
through a file (``refresh.export_all``) take theirs from it, without ``as_of``; each puts in
its day (:func:`with_day`, :func:`as_exported`). A single case's read (``record.load_stored``)
takes its values from :func:`case_data`, which puts the same shape together (``_document``,
``_periods``) with the case's own ``as_of`` and the events of the log that read has in hand:
its events read once, and no JSON written only to be read back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from cdpdesk.desk.id_batch import in_batch
from cdpdesk.desk.models import Case, CaseAssessment, CaseDocument, CaseEvent, CasePeriod, Taxpayer
from cdpdesk.desk.record import CASE_FORMAT, table_insert

#: ids per ``IN (...)``
_CHUNK = 500

#: A case's document as :func:`build` gives it: (its version, its JSON text without
#: ``as_of``, the entry id of each current event)
Built = tuple[int, bytes, dict[str, int]]

#: :func:`build`'s queries, built once (building a statement and its ``IN`` list of
#: literals was a fifth of the reading), each with the ids one parameter (desk/id_batch.py)
_CASES = (
    select(
        Case.id,
        Case.version,
        Case.policies,
        Case.language,
        Taxpayer.name,
        Taxpayer.tin,
        Taxpayer.address,
    )
    .outerjoin(Taxpayer, Taxpayer.id == Case.taxpayer_id)
    .where(in_batch(Case.id))
    .order_by(Case.id)
)
_PERIODS = (
    select(
        CasePeriod.case_id,
        CasePeriod.id,
        CasePeriod.period_key,
        CasePeriod.form,
        CasePeriod.period_end,
        CaseAssessment.assessment_key,
        CaseAssessment.assessed,
        CaseAssessment.amount,
        CaseAssessment.irs_csed,
    )
    .outerjoin(CaseAssessment, CaseAssessment.period_id == CasePeriod.id)
    .where(in_batch(CasePeriod.case_id))
    .order_by(CasePeriod.case_id, CasePeriod.position, CaseAssessment.position)
)
_EVENTS = (
    select(CaseEvent.case_id, CaseEvent.id, CaseEvent.event_key, CaseEvent.kind, CaseEvent.payload)
    .where(in_batch(CaseEvent.case_id))
    .order_by(CaseEvent.id)
)


def build(s: Session | Connection, ids: Sequence[int]) -> dict[int, Built]:
    """The documents of these cases (without ``as_of``): the format, the policies, the
    taxpayer (name, TIN, address, language), the periods with their assessments in their
    positions, and each event's current entry in first-recorded order (``record.active_events``),
    from three Core queries (no ORM objects: their handling was a third of the reading). The
    stored JSON texts (policies, address, event payloads) go in as they are
    (``orjson.Fragment``), parsed once, by ``load_case``."""
    conn = s.connection() if isinstance(s, Session) else s
    params = {"ids": list(ids)}
    periods = _periods(conn, params)
    # the current entry of each event, in first-recorded order (record.active_events)
    active: dict[int, dict[str, tuple[int, str | None]]] = {}
    for cid, eid, key, kind, payload in conn.execute(_EVENTS, params).all():
        events = active.setdefault(cid, {})
        if kind == "retraction":
            events.pop(key, None)
        else:
            events[key] = (eid, payload)
    out: dict[int, Built] = {}
    for cid, version, *case in conn.execute(_CASES, params).all():
        case_events = active.get(cid, {})
        doc = _document(
            case,
            periods.get(cid, []),
            [orjson.Fragment(payload or "{}") for _eid, payload in case_events.values()],
            orjson.Fragment,
        )
        out[cid] = (version, orjson.dumps(doc), {key: eid for key, (eid, _p) in case_events.items()})
    return out


def case_data(
    s: Session, case_id: int, as_of: str | None, events: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """One case's document as values (``record.load_stored``), None when the case is gone:
    what :func:`build` gives, parsed, with ``as_of`` (an ISO day, or None for none) second
    and these events, the current entries of the log the caller has read (so that the
    document and the caller's log agree, and the events are read once). Two queries
    (periods, the case with its taxpayer); the stored JSON texts are parsed once, nothing
    is serialised (docs/decisions.md, issue 11, session 11)."""
    conn = s.connection()
    params = {"ids": [case_id]}
    row = conn.execute(_CASES, params).first()
    if row is None:
        return None
    periods = _periods(conn, params)
    return _document(tuple(row[2:]), periods.get(case_id, []), events, orjson.loads, as_of)


def _periods(conn: Connection, params: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    """Each case's periods, with their assessments, in their positions (one query)."""
    periods: dict[int, list[dict[str, Any]]] = {}
    last_pid = None
    assessments: list[dict[str, Any]] = []
    for cid, pid, key, form, end, a_key, assessed, amount, irs_csed in conn.execute(_PERIODS, params).all():
        if pid != last_pid:
            last_pid, assessments = pid, []
            periods.setdefault(cid, []).append(
                {"id": key, "form": form, "period_end": end.isoformat(), "assessments": assessments}
            )
        if a_key is None:
            continue  # a period without assessments
        item: dict[str, Any] = {"id": a_key, "date": assessed.isoformat()}
        if amount is not None:
            item["amount"] = amount
        if irs_csed is not None:
            item["irs_csed"] = irs_csed.isoformat()
        assessments.append(item)
    return periods


def _document(
    case: Sequence[Any],
    periods: list[dict[str, Any]],
    events: list[Any],
    stored_json: Callable[[str], Any],
    as_of: str | None = None,
) -> dict[str, Any]:
    """The document's keys in their order, from a ``_CASES`` row past its id and version
    (policies, language, the taxpayer's name, TIN and address): the one shape of a case's
    document. ``stored_json`` takes in a stored JSON text (``orjson.Fragment``, to write it
    as it is; ``orjson.loads``, for its value)."""
    policies_text, language, name, tin, address = case
    doc: dict[str, Any] = {"format": CASE_FORMAT}
    if as_of is not None:
        doc["as_of"] = as_of
    if policies_text is not None:
        doc["policies"] = stored_json(policies_text)
    if name is not None:
        taxpayer: dict[str, Any] = {"name": name}
        if tin is not None:
            taxpayer["tin"] = tin
        taxpayer["address"] = stored_json(address)
        if language is not None:
            taxpayer["language"] = language
        doc["taxpayer"] = taxpayer
    doc["periods"] = periods
    doc["events"] = events
    return doc


def store(s: Session, ids: Sequence[int]) -> None:
    """Store the documents of these cases' current versions, inside the caller's transaction
    (the one that writes the version): one DELETE, three queries and one INSERT per 500."""
    docs = _table()
    s.flush()  # the version's own rows, added through the session, are read here
    for i in range(0, len(ids), _CHUNK):
        part = list(ids[i : i + _CHUNK])
        built = build(s, part)
        s.execute(delete(docs).where(docs.c.case_id.in_(part)))
        if built:
            s.execute(
                table_insert(CaseDocument),
                [
                    {
                        "case_id": cid,
                        "case_version": version,
                        "document": text.decode(),
                        "entries": orjson.dumps(entries).decode(),
                    }
                    for cid, (version, text, entries) in built.items()
                ],
            )


def with_day(document: bytes, day: str) -> bytes:
    """The document's line as of ``day`` (an ISO day): ``as_of`` first, then the rest."""
    return b'{"as_of":"' + day.encode() + b'",' + document[1:]


#: how every document :func:`build` gives begins
_HEAD = b'{"format":"' + CASE_FORMAT.encode() + b'"'


def as_exported(document: bytes, day: str, own_as_of: bool) -> bytes:
    """The document's line as the export through a file writes it (``refresh.export_all``):
    ``as_of`` (an ISO day) second when the case has an as_of of its own, last when it has
    none. That is where the export always put it (the case's own ``as_of`` came second in
    the document, a missing one was added at the end); its lines stay byte for byte what
    they were (docs/decisions.md, issue 11, session 9). :func:`with_day` puts it first."""
    if not document.startswith(_HEAD):
        raise ValueError("not a document of documents.build")
    stamp = b'"as_of":"' + day.encode() + b'"'
    if own_as_of:
        return _HEAD + b"," + stamp + document[len(_HEAD) :]
    return document[:-1] + b"," + stamp + b"}"


def _table() -> Any:
    return CaseDocument.__table__
