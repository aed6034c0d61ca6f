"""The record: read and write stored cases within one session (no commits here).

A case is its rows (taxpayer, periods, assessments) plus its event log. The case file the
engine sees is rebuilt from them: each event id's newest entry that is not retracted, in
the order the event was first recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Insert, insert, select, update
from sqlalchemy.orm import Session

from cdpdesk.contract import CaseError, CaseFile, load_case_dict
from cdpdesk.contract.errors import ErrorItem
from cdpdesk.desk.models import Case, CaseAssessment, CaseEvent, CasePeriod, Taxpayer
from cdpdesk.privacy import has_tin

CASE_FORMAT = "cdpdesk.case/1"


class DeskError(ValueError):
    """A request the desk cannot carry out; the message is one clear line. ``items`` holds
    the engine's field-level errors when the case itself is at fault (the web layer shows
    them as ``cdpdesk.error/1`` without validating again)."""

    def __init__(self, message: str, items: Sequence[ErrorItem] = ()) -> None:
        super().__init__(message)
        self.items: tuple[ErrorItem, ...] = tuple(items)

    def __reduce__(self) -> Any:  # across processes (letters issue-pending --workers) intact
        return (type(self), (str(self), self.items))

    def case_error(self) -> CaseError | None:
        """The field-level errors as the engine raised them, or None."""
        return CaseError(list(self.items)) if self.items else None


def case_error(exc: CaseError, where: str = "") -> DeskError:
    """The engine's refusal as a desk error: one line, and every item kept."""
    return DeskError(f"{where}{exc.one_line()}", exc.items)


class NotFoundError(DeskError):
    pass


class StaleCaseError(DeskError):
    """The case changed since it was read (another clerk's edit): nothing was stored."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


@dataclass(slots=True)
class LogEntry:
    entry: CaseEvent
    payload: dict[str, Any]


@dataclass(slots=True)
class StoredCase:
    row: Case
    data: dict[str, Any]  # the cdpdesk.case/1 document, full TIN included
    active: dict[str, LogEntry]  # event id -> its current entry
    log: list[CaseEvent]

    @property
    def version(self) -> int:
        return self.row.version

    def case_file(self) -> CaseFile:
        return load_case_dict(self.data)


# Row ids are database integers: PostgreSQL's run to 2^31 - 1 (SQLite's to 2^63 - 1). An id
# outside that range names no row; asking the database would fail with an overflow.
ID_MAX = 2**31 - 1


def check_id(value: int, what: str) -> int:
    """Refuse an id no row can have (a clear "no such" error instead of an overflow)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ID_MAX:
        raise NotFoundError(f"no {what} {value} in this database (ids run from 1 to {ID_MAX})")
    return value


def check_text(value: str, what: str, max_length: int) -> str:
    """A name or note for a column: not too long, no control character but tab and line
    break (PostgreSQL stores no NUL), and nothing shaped like a TIN."""
    if len(value) > max_length:
        raise DeskError(f"{what}: too long (at most {max_length} characters)")
    if any((ord(ch) < 32 and ch not in "\t\n\r") or 0x7F <= ord(ch) <= 0x9F for ch in value):
        raise DeskError(f"{what}: contains a control character (such as NUL)")
    if has_tin(value):  # it would be shown on pages and in logs
        raise DeskError(
            f"{what}: must not hold a taxpayer identification number (write its last four digits)"
        )
    return value


def get_case(session: Session, case_id: int, *, fresh: bool = False) -> Case:
    """The case's row (``fresh``: read again even if the session holds it already, as a
    request's shared read session may, from before another writer's commit)."""
    check_id(case_id, "case")
    row = session.get(Case, case_id, populate_existing=fresh)
    if row is None:
        raise NotFoundError(f"no case {case_id} in this database")
    return row


def event_log(session: Session, case_id: int) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def active_events(log: list[CaseEvent]) -> dict[str, LogEntry]:
    """Event id -> current entry, in first-recorded order (a correction keeps its place)."""
    active: dict[str, LogEntry] = {}
    for entry in log:
        if entry.kind == "retraction":
            active.pop(entry.event_key, None)
        elif entry.kind == "correction" and entry.event_key in active:
            active[entry.event_key] = LogEntry(entry, orjson.loads(entry.payload or "{}"))
        else:
            active[entry.event_key] = LogEntry(entry, orjson.loads(entry.payload or "{}"))
    return active


def load_stored(session: Session, case_id: int, *, fresh: bool = False) -> StoredCase:
    """The case, its document (``documents.case_data``: the shape of ``documents.build``,
    the one builder of a case's document, with the case's own ``as_of`` second, where it
    always stood) and its event log. The document's events are the current entries of the
    log read here, the case's one read of its events, so that ``data`` and ``active`` agree
    whatever was committed between the reads (``fresh``: the case's row read again, see
    :func:`get_case`)."""
    from cdpdesk.desk import documents  # (it builds on this module)

    row = get_case(session, case_id, fresh=fresh)
    log = event_log(session, case_id)
    active = active_events(log)
    session.flush()  # case_data reads through the connection: rows added in this session first
    as_of = None if row.as_of is None else row.as_of.isoformat()
    data = documents.case_data(session, case_id, as_of, [e.payload for e in active.values()])
    if data is None:  # removed since get_case (PostgreSQL, another transaction)
        raise NotFoundError(f"no case {case_id} in this database")
    return StoredCase(row, data, active, log)


def bump_version(session: Session, case_id: int, seen: int) -> int:
    """The optimistic lock: move the case from version ``seen`` to ``seen + 1``, or raise
    :class:`StaleCaseError` when someone else changed it first."""
    result = session.execute(
        update(Case).where(Case.id == case_id, Case.version == seen).values(version=seen + 1)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise StaleCaseError(
            f"case {case_id} changed since version {seen} was read (another edit came first); "
            "nothing was stored: read the case again and retry"
        )
    return seen + 1


def insert_cases(
    session: Session,
    items: Sequence[tuple[dict[str, Any], CaseFile, str, tuple[str, str] | None]],
    by: str,
    now: dt.datetime,
) -> list[int]:
    """Store validated case files (raw JSON, case file, source, fingerprints): rows for who
    and what, one log entry per event; a few multi-row INSERTs per table, not a round trip
    per row (a bulk import's speed is here). Returns the new case ids in order."""
    if not items:
        return []
    # who: a taxpayer with a TIN is shared by the cases that name them alike
    keys: dict[tuple[Any, ...], int] = {}
    tins = sorted({c.taxpayer.tin for _, c, _, _ in items if c.taxpayer is not None and c.taxpayer.tin})
    for i in range(0, len(tins), 500):
        found = session.execute(
            select(Taxpayer.id, Taxpayer.name, Taxpayer.tin, Taxpayer.address)
            .where(Taxpayer.tin.in_(tins[i : i + 500]))
            .order_by(Taxpayer.id)
        )
        for tid, name, tin, address in found:
            keys.setdefault((name, tin, address), tid)
    new_people: list[dict[str, Any]] = []
    wants: list[tuple[Any, ...] | int | None] = []  # a key, a new row's index, or none
    pending_keys: dict[tuple[Any, ...], int] = {}
    for _raw, case, _src, _fp in items:
        tp = case.taxpayer
        if tp is None:
            wants.append(None)
            continue
        address = dumps(list(tp.address))
        if tp.tin is not None:
            key = (tp.name, tp.tin, address)
            if key in keys:
                wants.append(key)
                continue
            if key in pending_keys:
                wants.append(pending_keys[key])
                continue
            pending_keys[key] = len(new_people)
        wants.append(len(new_people))
        new_people.append({"name": tp.name, "tin": tp.tin, "address": address, "created_at": now})
    people = _insert_ids(session, Taxpayer, new_people)
    case_rows = []
    for (raw, case, source, fp), want in zip(items, wants, strict=True):
        taxpayer_id = None if want is None else keys[want] if isinstance(want, tuple) else people[want]
        case_rows.append(
            {
                "taxpayer_id": taxpayer_id,
                "as_of": case.as_of,
                "policies": dumps(raw["policies"]) if "policies" in raw else None,
                "language": case.taxpayer.language if case.taxpayer else None,
                "version": 1,
                "created_at": now,
                "created_by": by,
                "source": source,
                "fingerprint": None if fp is None else fp[0],
                "near_key": None if fp is None else fp[1],
            }
        )
    case_ids = _insert_ids(session, Case, case_rows)
    period_rows: list[dict[str, Any]] = []
    period_assessments = []
    event_rows: list[dict[str, Any]] = []
    for case_id, (raw, case, source, _fp) in zip(case_ids, items, strict=True):
        for i, p in enumerate(case.periods):
            period_rows.append(
                {
                    "case_id": case_id,
                    "period_key": p.id,
                    "form": p.form,
                    "period_end": p.period_end,
                    "position": i,
                }
            )
            period_assessments.append(p.assessments)
        for ev in raw.get("events", []):
            event_rows.append(
                {
                    "case_id": case_id,
                    "event_key": ev["id"],
                    "kind": "record",
                    "payload": dumps(ev),
                    "supersedes": None,
                    "case_version": 1,
                    "recorded_by": by,
                    "recorded_at": now,
                    "source": source,
                    "note": None,
                }
            )
    period_ids = _insert_ids(session, CasePeriod, period_rows)
    assessment_rows = [
        {
            "period_id": pid,
            "assessment_key": a.id,
            "assessed": a.date,
            "amount": a.amount,
            "position": k,
            "irs_csed": a.irs_csed,
        }
        for pid, assessments in zip(period_ids, period_assessments, strict=True)
        for k, a in enumerate(assessments)
    ]
    # Core's executemany (no ORM bookkeeping per row): most of an import's write time was there
    if assessment_rows:
        session.execute(table_insert(CaseAssessment), assessment_rows)
    if event_rows:
        session.execute(table_insert(CaseEvent), event_rows)
    return case_ids


def table_insert(model: Any) -> Insert:
    """A Core INSERT into the model's table: run with a list of rows it is one executemany,
    without the ORM's bookkeeping per row (most of a bulk import's write time before)."""
    return insert(model.__table__)


def _insert_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows; their new ids, in the rows' order."""
    if not rows:
        return []
    table = model.__table__
    result = session.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), rows)
    ids: list[Any] = list(result.scalars())
    return [int(x) for x in ids]
