"""Cases coming in: validated once, refused when already stored, stored in batches.

``case import`` (one file), ``case import --jsonl`` (many) and ``POST /api/cases`` all come
through here, so that the duplicate rule (desk/duplicates.py) is the same for all three.

A batch of cases is one transaction (500 by default: one commit per case is the slow part of
a bulk import). Every case in it is validated before the transaction opens; should the
database still refuse one, the batch rolls back whole and is stored again one case per
transaction, so each case is either stored with all its rows or not at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cdpdesk.contract import CaseError, CaseFile, load_case
from cdpdesk.desk import db, documents, facts
from cdpdesk.desk.duplicates import fingerprints, load_key
from cdpdesk.desk.models import Case, CaseEvent
from cdpdesk.desk.record import DeskError, insert_cases, load_stored, utcnow
from cdpdesk.engine import analyze
from cdpdesk.privacy import mask_tin

if TYPE_CHECKING:
    from cdpdesk.desk.base import DeskBase as Desk

log = logging.getLogger("cdpdesk.desk")

#: Cases per transaction in a bulk import.
BATCH = 500
#: PostgreSQL advisory lock taken by every import transaction: the duplicate check and the
#: insert are one step for concurrent importers (SQLite's BEGIN IMMEDIATE does the same).
IMPORT_LOCK = 4384
_IN_CHUNK = 500  # bound parameters per IN (...) query

ALLOW_HINT = "to store it again anyway: --allow-duplicate, or allow_duplicate=true in the API"


class DuplicateCaseError(DeskError):
    """The case is already stored (same taxpayer, periods and events): nothing was stored."""

    def __init__(self, message: str, existing: int) -> None:
        super().__init__(message)
        self.existing = existing

    def __reduce__(self) -> Any:
        return (type(self), (str(self), self.existing))


@dataclass(frozen=True, slots=True)
class Incoming:
    """A validated case file, ready to store, with its analysis as of the desk's day (its
    derived facts are written from it: desk/facts.py)."""

    raw: dict[str, Any]
    case: CaseFile
    source: str
    analysis: dict[str, Any] | None = None
    #: the facts read off ``analysis`` (set by :func:`validate`; a pool worker hands back
    #: these and not the analysis, a tenth of the bytes to send back)
    derived: facts.Derived | None = None


@dataclass(frozen=True, slots=True)
class Imported:
    """What became of one incoming case: stored as ``case``, or refused (``refused`` says
    why; ``duplicate_of`` names the stored case it repeats)."""

    case: int | None
    duplicate_of: int | None = None
    refused: str | None = None
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "duplicate_of": self.duplicate_of,
            "refused": self.refused,
            "warnings": list(self.warnings),
        }


def validate(data: str | bytes, source: str) -> Incoming:
    """Check a ``cdpdesk.case/1`` text as ``cdpdesk analyze`` would; a :class:`DeskError`
    carrying the engine's field-level items if it is not a valid case."""
    from cdpdesk.desk.record import case_error

    today = dt.date.today()
    try:
        case = load_case(data)
        checked = analyze(case, case.as_of or today)
        # the desk speaks from its own day (today, or the file's later as_of)
        analysis = checked if case.as_of is None or case.as_of >= today else analyze(case, today)
    except CaseError as exc:
        raise case_error(exc) from None
    return Incoming(orjson.loads(data), case, source, analysis, facts.derive(case, analysis))


def validate_lines(lines: Sequence[tuple[bytes, str]]) -> list[Incoming | DeskError]:
    """:func:`validate` for each (text, source): the engine's part of a bulk import, run in a
    pool worker (``case import --jsonl --workers N``); a refusal comes back as its error."""
    out: list[Incoming | DeskError] = []
    for data, source in lines:
        try:
            item = validate(data, source)
        except DeskError as exc:
            out.append(exc)
            continue
        out.append(dataclasses.replace(item, analysis=None))
    return out


def store(desk: Desk, batch: list[Incoming], by: str, allow_duplicate: bool) -> list[Imported]:
    """Store the batch in one transaction (refusing duplicates one by one); if the database
    refuses the transaction, again one case per transaction."""
    if not batch:
        return []
    try:
        with desk._tx() as s:
            return _store(desk, s, batch, by, allow_duplicate)
    except DBAPIError as exc:
        desk._fingerprints_complete = False  # the backfill, if any, rolled back with it
        if len(batch) == 1:
            raise DeskError(f"{batch[0].source}: not stored: {db._reason(exc)}") from None
    out: list[Imported] = []
    for item in batch:
        try:
            out += store(desk, [item], by, allow_duplicate)
        except DeskError as exc:
            out.append(Imported(None, refused=str(exc)))
    return out


def _store(desk: Desk, s: Session, batch: list[Incoming], by: str, allow_duplicate: bool) -> list[Imported]:
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": IMPORT_LOCK})
    key = _key(desk, s)
    _backfill(desk, s, key)
    prints = [fingerprints(item.case, key) for item in batch]
    stored: dict[str, list[tuple[int, str]]] = {}
    nears = sorted({near for _, near in prints})
    for i in range(0, len(nears), _IN_CHUNK):
        rows = s.execute(
            select(Case.id, Case.fingerprint, Case.near_key)
            .where(Case.near_key.in_(nears[i : i + _IN_CHUNK]))
            .order_by(Case.id)
        )
        for cid, fp, near in rows:
            if near is not None and fp is not None:
                stored.setdefault(near, []).append((cid, fp))
    # decide first (a case may repeat an earlier line of the same batch), then insert all
    # the stored ones at once; a reference is a stored id, or -(k + 1) for the batch's k-th
    plan: list[tuple[int | None, list[int]] | Imported] = []
    fresh: list[tuple[dict[str, Any], CaseFile, str, tuple[str, str]]] = []
    for item, (fp, near) in zip(batch, prints, strict=True):
        alike = stored.setdefault(near, [])
        same = next((ref for ref, f in alike if f == fp), None)
        if same is not None and same > 0 and not allow_duplicate:
            plan.append(Imported(None, duplicate_of=same, refused=_refusal(same)))
            continue
        if same is not None and not allow_duplicate:
            plan.append(Imported(None, duplicate_of=same, refused=""))  # resolved below
            continue
        plan.append((same, [ref for ref, _ in alike]))
        alike.append((-(len(fresh) + 1), fp))
        fresh.append((item.raw, item.case, item.source, (fp, near)))
    ids = insert_cases(s, fresh, by, utcnow())
    _store_facts(
        s, ids, [item for item, step in zip(batch, plan, strict=True) if not isinstance(step, Imported)]
    )

    def resolve(ref: int) -> int:
        return ref if ref > 0 else ids[-ref - 1]

    out: list[Imported] = []
    k = 0
    for item, step in zip(batch, plan, strict=True):
        if isinstance(step, Imported):
            if step.duplicate_of is not None and step.duplicate_of < 0:
                same = resolve(step.duplicate_of)
                step = Imported(None, duplicate_of=same, refused=_refusal(same))
            out.append(step)
            continue
        new, (same_ref, alike_refs) = ids[k], step
        k += 1
        warnings: list[str] = []
        if same_ref is not None:
            same = resolve(same_ref)
            warnings.append(f"case {new} repeats case {same} (same taxpayer, periods and events)")
            out.append(Imported(new, duplicate_of=same, warnings=tuple(warnings)))
            continue
        if alike_refs:
            warnings.append(_near_warning(item.case, new, [resolve(r) for r in alike_refs]))
        out.append(Imported(new, warnings=tuple(warnings)))
    return out


def _store_facts(s: Session, ids: list[int], items: list[Incoming]) -> None:
    """The new cases' derived facts, in their import's transaction."""
    from cdpdesk.desk.cases import ANALYSIS_KEY

    entries: dict[int, dict[str, int]] = {}
    for i in range(0, len(ids), _IN_CHUNK):
        rows = s.execute(
            select(CaseEvent.case_id, CaseEvent.event_key, CaseEvent.id).where(
                CaseEvent.case_id.in_(ids[i : i + _IN_CHUNK])
            )
        )
        for cid, key, eid in rows:
            entries.setdefault(cid, {})[key] = eid
    writes = []
    for cid, item in zip(ids, items, strict=True):
        derived = item.derived
        if derived is None:
            analysis = item.analysis
            if analysis is None:  # built by hand, not by validate(): analyse it now
                analysis = analyze(item.case, max(item.case.as_of or dt.date.min, dt.date.today()))
            derived = facts.derive(item.case, analysis)
        writes.append(facts.Write(cid, 1, derived, entries.get(cid, {})))
    facts.write(s, writes, ANALYSIS_KEY, utcnow())
    documents.store(s, ids)


def _refusal(same: int) -> str:
    return f"already stored as case {same} (same taxpayer, periods and events); nothing was stored ({ALLOW_HINT})"


def _near_warning(case: CaseFile, new: int, others: list[int]) -> str:
    tp = case.taxpayer
    who = "no taxpayer" if tp is None else f"TIN {mask_tin(tp.tin)}" if tp.tin else f"taxpayer {tp.name!r}"
    names = ", ".join(f"case {c}" for c in others[:5]) + (
        f" and {len(others) - 5} more" if len(others) > 5 else ""
    )
    periods = ", ".join(p.id for p in case.periods)
    return (
        f"case {new} has the same taxpayer ({who}) and periods ({periods}) as {names}, with other "
        "events: a near duplicate; check that it is not the same case"
    )


def refresh(desk: Desk, s: Session, case_id: int, case: CaseFile) -> None:
    """Keep a case's fingerprints in step with its events (called with each new entry)."""
    fp, near = fingerprints(case, _key(desk, s))
    s.execute(update(Case).where(Case.id == case_id).values(fingerprint=fp, near_key=near))


def _key(desk: Desk, s: Session) -> bytes:
    if desk._fingerprint_key is None:
        desk._fingerprint_key = load_key(s)
    return desk._fingerprint_key


def _backfill(desk: Desk, s: Session, key: bytes) -> None:
    """Cases stored before migration 0004 get their fingerprints (once per desk object)."""
    if desk._fingerprints_complete:
        return
    missing = list(s.scalars(select(Case.id).where(Case.near_key.is_(None)).order_by(Case.id)))
    for cid in missing:
        fp, near = fingerprints(load_stored(s, cid).case_file(), key)
        s.execute(update(Case).where(Case.id == cid).values(fingerprint=fp, near_key=near))
    if missing:
        log.info("fingerprinted %d cases stored before duplicates were checked", len(missing))
    desk._fingerprints_complete = True
