"""The desk's cases: import (with the duplicate rule), read, show and analyse them, and
append events (record, correct, retract) with a version check.

Every write of a case version is one transaction that also writes the version's derived
facts (desk/facts.py) from the one analysis the write ran to check the case, and caches that
analysis: posting an event runs the engine once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from importlib.metadata import version as _dist_version
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from cdpdesk.contract import CaseError, CaseFile, load_case_dict
from cdpdesk.contract.case import HearingRequest
from cdpdesk.desk import db, documents, facts, intake
from cdpdesk.desk.base import _RETRIES, DeskBase, _case_error, _day, _event_id, _source
from cdpdesk.desk.models import AnalysisCache, Case, CaseEvent
from cdpdesk.desk.record import (
    DeskError,
    NotFoundError,
    StaleCaseError,
    StoredCase,
    bump_version,
    check_text,
    dumps,
    load_stored,
    utcnow,
)
from cdpdesk.desk.resting import refusal
from cdpdesk.engine import ENGINE_VERSION, analyze
from cdpdesk.letters.facts import as_of_for

log = logging.getLogger("cdpdesk.desk")

#: What an analysis depends on besides the case: the engine, and the holiday table that
#: decides every IRC 7503 roll (holidays is pinned exactly; a new one means new analyses).
#: The analysis cache is keyed on it. (The column holds 40 characters.)
ANALYSIS_KEY = f"{ENGINE_VERSION}+holidays-{_dist_version('holidays')}"


class CaseWork(DeskBase):
    """Cases and their event logs."""

    def import_case(
        self, text: str | bytes, *, by: str | None = None, source: str = "api", allow_duplicate: bool = False
    ) -> int:
        """Validate a ``cdpdesk.case/1`` text as ``cdpdesk analyze`` would and store it;
        refused (:class:`DuplicateCaseError`) if it is already stored, unless
        ``allow_duplicate``. Near duplicates are logged as warnings (see :meth:`import_one`)."""
        case_id = self.import_one(text, by=by, source=source, allow_duplicate=allow_duplicate).case
        assert case_id is not None
        return case_id

    def import_one(
        self, text: str | bytes, *, by: str | None = None, source: str = "api", allow_duplicate: bool = False
    ) -> intake.Imported:
        """:meth:`import_case`, returning the stored case with its warnings."""
        item = intake.validate(text, _source(source))
        (result,) = self.import_many([item], by=by, allow_duplicate=allow_duplicate)
        if result.case is None:
            if result.duplicate_of is not None:
                raise intake.DuplicateCaseError(result.refused or "", result.duplicate_of)
            raise DeskError(result.refused or "not stored")
        return result

    def import_many(
        self, items: list[intake.Incoming], *, by: str | None = None, allow_duplicate: bool = False
    ) -> list[intake.Imported]:
        """Store validated cases (``intake.validate``) in one transaction; one result each."""
        who = self._by(by)
        results = intake.store(self, items, who, allow_duplicate)
        for item, result in zip(items, results, strict=True):
            if result.case is not None:
                log.info(
                    "case %s imported from %s by %s (%d events)",
                    result.case,
                    item.source,
                    who,
                    len(item.case.events),
                )
            for warning in result.warnings:
                log.warning("%s: %s", item.source, warning)
        return results

    def stored(self, case_id: int) -> StoredCase:
        """The case as stored now, read in a read session (a page's, in a web request: its
        one session; on SQLite no write lock). A write after it checks the version it read
        (``bump_version``), so a read session is enough for the writes that start here."""
        with self._reads() as s:
            return load_stored(s, case_id, fresh=True)

    def export_case(self, case_id: int) -> dict[str, Any]:
        """The case as a ``cdpdesk.case/1`` document (its ``as_of`` moved up to the latest
        event when events were added after it, so that the file stays valid)."""
        doc = self.stored(case_id).data
        if "as_of" in doc:
            latest = as_of_for(load_case_dict(doc | {"as_of": None}), dt.date.fromisoformat(doc["as_of"]))
            doc["as_of"] = latest.isoformat()
        return doc

    def _default_as_of(self, stored: StoredCase) -> dt.date:
        today = dt.date.today()
        return max(today, stored.row.as_of) if stored.row.as_of else today

    def analysis(self, case_id: int, as_of: dt.date | None = None) -> dict[str, Any]:
        _day(as_of, "as_of")
        stored = self.stored(case_id)
        return self._analysis(stored, as_of or self._default_as_of(stored))

    def _analysis(self, stored: StoredCase, as_of: dt.date) -> dict[str, Any]:
        """The engine's analysis of this case version; cached by (version, ANALYSIS_KEY, as_of)."""
        key = (stored.row.id, stored.version, ANALYSIS_KEY, as_of)
        with self._reads() as s:
            hit = s.get(AnalysisCache, key)
            if hit is not None:
                cached: dict[str, Any] = orjson.loads(hit.analysis)
                return cached
        try:
            result = analyze(stored.case_file(), as_of)
        except CaseError as exc:
            raise _case_error(exc, f"case {stored.row.id}: ") from None
        try:
            with self._tx() as s:
                s.add(
                    AnalysisCache(
                        case_id=key[0],
                        case_version=key[1],
                        engine_version=key[2],
                        as_of=key[3],
                        analysis=dumps(result),
                    )
                )
        except IntegrityError:
            pass  # another process cached the same analysis first
        return result

    def _store_facts(
        self,
        s: Session,
        case_id: int,
        version: int,
        case: CaseFile,
        analysis: dict[str, Any],
        entries: dict[str, int],
        *,
        acknowledged: set[str] | None = None,
        cache: bool = True,
    ) -> None:
        """Within the version's transaction: its derived facts, and (``cache``) its analysis
        in the cache, so that the next read of the case runs no engine."""
        done = facts.acknowledged_in(s, [case_id]).get(case_id, set()) | (acknowledged or set())
        derived = facts.derive(case, analysis, done)
        facts.write(s, [facts.Write(case_id, version, derived, entries)], ANALYSIS_KEY, utcnow())
        documents.store(s, [case_id])
        if cache:
            s.add(
                AnalysisCache(
                    case_id=case_id,
                    case_version=version,
                    engine_version=ANALYSIS_KEY,
                    as_of=derived.as_of,
                    analysis=dumps(analysis),
                )
            )

    def refresh_facts(self, case_id: int, as_of: dt.date | None = None) -> bool:
        """Write the case's derived facts again from its analysis as of ``as_of`` (default:
        the desk's day). False when the case changed meanwhile (its new version has its own)."""
        stored = self.stored(case_id)
        day = max(as_of, stored.row.as_of) if as_of and stored.row.as_of else as_of
        analysis = self._analysis(stored, day or self._default_as_of(stored))
        entries = {k: e.entry.id for k, e in stored.active.items()}
        with self._tx() as s:
            current = s.scalar(select(Case.version).where(Case.id == case_id))
            if current != stored.version:
                return False
            self._store_facts(s, case_id, stored.version, stored.case_file(), analysis, entries, cache=False)
        return True

    def _append(
        self,
        case_id: int,
        kind: str,
        event_key: str,
        make: Callable[[StoredCase], tuple[list[dict[str, Any]], dict[str, Any] | None, int | None]],
        by: str | None,
        source: str,
        expected_version: int | None,
        note: str | None,
    ) -> dict[str, Any]:
        """Validate the case as it would be after the change, then store the change with a
        version check; retry on a concurrent edit unless the caller named a version."""
        source = _source(source)
        if note is not None:
            check_text(note, "note", 4000)
        for _attempt in range(_RETRIES):
            stored = self.stored(case_id)
            if expected_version is not None and stored.version != expected_version:
                raise StaleCaseError(
                    f"case {case_id} is at version {stored.version}, not {expected_version} "
                    "(another edit came first); nothing was stored: read the case again and retry"
                )
            events, payload, supersedes = make(stored)
            as_of = self._default_as_of(stored)
            try:
                after = load_case_dict(stored.data | {"events": events})
                result = analyze(after, as_of)  # the one analysis: it checks, and gives the facts
            except CaseError as exc:
                raise _case_error(exc) from None
            try:
                with self._tx() as s:
                    version = bump_version(s, case_id, stored.version)
                    intake.refresh(self, s, case_id, after)
                    entry = CaseEvent(
                        case_id=case_id,
                        event_key=event_key,
                        kind=kind,
                        payload=None if payload is None else dumps(payload),
                        supersedes=supersedes,
                        case_version=version,
                        recorded_by=self._by(by),
                        recorded_at=utcnow(),
                        source=source,
                        note=note,
                    )
                    s.add(entry)
                    s.flush()
                    entry_id = entry.id
                    entries = {k: e.entry.id for k, e in stored.active.items()}
                    if kind == "retraction":
                        entries.pop(event_key, None)
                    else:
                        entries[event_key] = entry_id
                    self._store_facts(s, case_id, version, after, result, entries)
            except StaleCaseError:
                if expected_version is not None:
                    raise
                continue
            except (IntegrityError, OperationalError) as exc:
                # only a race lost to another writer (by the driver's code) is worth a retry
                if not (db.is_unique_violation(exc) or db.is_conflict(exc)):
                    raise DeskError(f"case {case_id}: nothing was stored: {db._reason(exc)}") from None
                if expected_version is not None:
                    raise StaleCaseError(
                        f"case {case_id}: event {event_key!r} was changed by another edit first; "
                        "nothing was stored"
                    ) from None
                continue
            log.info(
                "case %s: %s of event %s by %s (version %s)", case_id, kind, event_key, self._by(by), version
            )
            return {"case": case_id, "entry": entry_id, "event": event_key, "kind": kind, "version": version}
        raise StaleCaseError(f"case {case_id} kept changing under this edit; nothing was stored: try again")

    def add_event(
        self,
        case_id: int,
        event: dict[str, Any],
        *,
        by: str | None = None,
        source: str = "api",
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Append a new event, validated by the engine on the case with it added."""
        key = _event_id(event)

        def make(stored: StoredCase) -> tuple[list[dict[str, Any]], dict[str, Any] | None, int | None]:
            if key in stored.active:
                raise DeskError(
                    f"case {case_id} already has an event {key!r}; to change it, record a correction "
                    "(cdpdesk event correct)"
                )
            return [e.payload for e in stored.active.values()] + [event], event, None

        return self._append(case_id, "record", key, make, by, source, expected_version, None)

    def correct_event(
        self,
        case_id: int,
        event: dict[str, Any],
        *,
        note: str | None = None,
        by: str | None = None,
        source: str = "api",
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Record a corrected version of an event: a new entry superseding the current one."""
        key = _event_id(event)

        def make(stored: StoredCase) -> tuple[list[dict[str, Any]], dict[str, Any] | None, int | None]:
            current = stored.active.get(key)
            if current is None:
                raise NotFoundError(f"case {case_id} has no current event {key!r} to correct")
            self._refuse_if_acknowledged(case_id, key)
            events = [event if k == key else e.payload for k, e in stored.active.items()]
            return events, event, current.entry.id

        return self._append(case_id, "correction", key, make, by, source, expected_version, note)

    def retract_event(
        self,
        case_id: int,
        event_id: str,
        *,
        note: str | None = None,
        by: str | None = None,
        source: str = "api",
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Record that an event was entered in error (the entry stays in the log)."""

        def make(stored: StoredCase) -> tuple[list[dict[str, Any]], dict[str, Any] | None, int | None]:
            current = stored.active.get(event_id)
            if current is None:
                raise NotFoundError(f"case {case_id} has no current event {event_id!r} to retract")
            self._refuse_if_acknowledged(case_id, event_id)
            events = [e.payload for k, e in stored.active.items() if k != event_id]
            return events, None, current.entry.id

        return self._append(case_id, "retraction", event_id, make, by, source, expected_version, note)

    def _refuse_if_acknowledged(self, case_id: int, event_id: str) -> None:
        """Refuse to change an event an issued letter rests on (desk/resting.py)."""
        why = refusal(self, case_id, event_id)
        if why is not None:
            raise DeskError(why)


def request_of(case: CaseFile, event_id: str) -> HearingRequest | None:
    for ev in case.events:
        if ev.id == event_id and isinstance(ev, HearingRequest):
            return ev
    return None
