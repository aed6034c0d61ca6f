"""The record: read and write stored cases within one session (no commits here).

A case is its rows (taxpayer, periods, assessments) plus its event log. The case file the
engine sees is rebuilt from them: each event id's newest entry that is not retracted, in
the order the event was first recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cdpdesk.contract import CaseFile, load_case_dict
from cdpdesk.desk.models import Case, CaseAssessment, CaseEvent, CasePeriod, Taxpayer
from cdpdesk.privacy import has_tin

CASE_FORMAT = "cdpdesk.case/1"


class DeskError(ValueError):
    """A request the desk cannot carry out; the message is one clear line."""


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


def get_case(session: Session, case_id: int) -> Case:
    check_id(case_id, "case")
    row = session.get(Case, case_id)
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


def case_document(session: Session, row: Case, events: list[dict[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": CASE_FORMAT}
    if row.as_of is not None:
        doc["as_of"] = row.as_of.isoformat()
    if row.policies is not None:
        doc["policies"] = orjson.loads(row.policies)
    tp = row.taxpayer
    if tp is not None:
        taxpayer: dict[str, Any] = {"name": tp.name}
        if tp.tin is not None:
            taxpayer["tin"] = tp.tin
        taxpayer["address"] = orjson.loads(tp.address)
        doc["taxpayer"] = taxpayer
    periods = []
    for p in row.periods:
        assessments = []
        for a in p.assessments:
            item: dict[str, Any] = {"id": a.assessment_key, "date": a.assessed.isoformat()}
            if a.amount is not None:
                item["amount"] = a.amount
            assessments.append(item)
        periods.append(
            {
                "id": p.period_key,
                "form": p.form,
                "period_end": p.period_end.isoformat(),
                "assessments": assessments,
            }
        )
    doc["periods"] = periods
    doc["events"] = events
    return doc


def load_stored(session: Session, case_id: int) -> StoredCase:
    row = get_case(session, case_id)
    log = event_log(session, case_id)
    active = active_events(log)
    data = case_document(session, row, [e.payload for e in active.values()])
    return StoredCase(row, data, active, log)


def insert_case(
    session: Session, raw: dict[str, Any], case: CaseFile, by: str, source: str, now: dt.datetime
) -> Case:
    """Store a validated case file: rows for who and what, one log entry per event."""
    taxpayer_id: int | None = None
    if case.taxpayer is not None:
        tp = case.taxpayer
        address = dumps(list(tp.address))
        existing = session.scalars(
            select(Taxpayer).where(
                Taxpayer.name == tp.name, Taxpayer.tin == tp.tin, Taxpayer.address == address
            )
            if tp.tin is not None
            else select(Taxpayer).where(Taxpayer.id == -1)
        ).first()
        if existing is None:
            existing = Taxpayer(name=tp.name, tin=tp.tin, address=address, created_at=now)
            session.add(existing)
            session.flush()
        taxpayer_id = existing.id
    row = Case(
        taxpayer_id=taxpayer_id,
        as_of=case.as_of,
        policies=dumps(raw["policies"]) if "policies" in raw else None,
        version=1,
        created_at=now,
        created_by=by,
        source=source,
    )
    session.add(row)
    session.flush()
    for i, p in enumerate(case.periods):
        prow = CasePeriod(case_id=row.id, period_key=p.id, form=p.form, period_end=p.period_end, position=i)
        session.add(prow)
        session.flush()
        for k, a in enumerate(p.assessments):
            session.add(
                CaseAssessment(
                    period_id=prow.id, assessment_key=a.id, assessed=a.date, amount=a.amount, position=k
                )
            )
    for ev in raw.get("events", []):
        session.add(
            CaseEvent(
                case_id=row.id,
                event_key=ev["id"],
                kind="record",
                payload=dumps(ev),
                supersedes=None,
                case_version=1,
                recorded_by=by,
                recorded_at=now,
                source=source,
            )
        )
    session.flush()
    return row


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
