"""The nightly refresh: every case's derived facts recomputed as of a day, on the bulk
runner (a process pool or Dask), written back in batches, resumable.

Stages, deadlines and "lower bound" flags move as days pass; the facts the lists read are as
of the day they were written. ``cdpdesk desk refresh --as-of DAY`` brings them all to DAY:

1. **export**: the cases whose facts are not yet as of DAY (for this engine and holiday
   table, ``ANALYSIS_KEY``, and this facts format, ``facts.FACTS_FORMAT``) are written as ``cdpdesk.case/1`` lines, each with its as-of
   (DAY, or the case's own later as_of), beside an index line (case id, version, entries);
2. **analyse**: the bulk runner (cdpdesk/bulk/runner.py, handed over by the caller)
   analyses the file, resumable;
3. **write back**: batches of facts in one transaction each; a case that changed since the
   export is left alone (its new version wrote its own facts). A state file records how far
   the write-back got.

An interrupted refresh resumes where it stopped (same DAY); a refresh with nothing left to
do exports nothing. The work folder (var/refresh/DAY/) is removed at the end.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cdpdesk.contract import CaseError, load_case
from cdpdesk.desk import facts
from cdpdesk.desk.models import Case, CaseEvent, CaseFacts, CasePeriod
from cdpdesk.desk.record import active_events, case_document, utcnow

if TYPE_CHECKING:
    from cdpdesk.desk.cases import CaseWork

log = logging.getLogger("cdpdesk.desk")

BATCH = 500


@dataclass(frozen=True, slots=True)
class RefreshStats:
    as_of: dt.date
    cases: int  # stored cases
    todo: int  # cases this run had to refresh
    written: int  # facts written back
    changed: int  # left alone: the case changed since the export
    errors: int  # the engine refused the stored case
    seconds: float
    analysis_seconds: float
    workers: int

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "cases": self.cases,
            "todo": self.todo,
            "written": self.written,
            "changed": self.changed,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "analysis_seconds": round(self.analysis_seconds, 3),
            "workers": self.workers,
        }


def _day_for(case_as_of: dt.date | None, day: dt.date) -> dt.date:
    return max(day, case_as_of) if case_as_of else day


def _todo(desk: CaseWork, day: dt.date, key: str) -> tuple[int, list[int]]:
    """(stored cases, the ids whose facts are not as of ``day`` for ``key`` and their version)."""
    total, todo = 0, []
    with desk._sessions() as s:
        rows = s.execute(
            select(
                Case.id,
                Case.version,
                Case.as_of,
                CaseFacts.case_version,
                CaseFacts.as_of,
                CaseFacts.analysis_key,
            )
            .outerjoin(CaseFacts, CaseFacts.case_id == Case.id)
            .order_by(Case.id)
            .execution_options(yield_per=5000)
        )
        current = facts.facts_key(key)  # facts of an older format are redone too
        for cid, version, case_as_of, f_version, f_as_of, f_key in rows:
            total += 1
            if f_version != version or f_key != current or f_as_of != _day_for(case_as_of, day):
                todo.append(cid)
    return total, todo


def _documents(desk: CaseWork, ids: list[int]) -> Iterator[tuple[int, int, dict[str, Any], dict[str, int]]]:
    """(id, version, case document, current entry ids) of each case, a few queries per batch."""
    with desk._sessions() as s:
        q = (
            select(Case)
            .where(Case.id.in_(ids))
            .options(
                selectinload(Case.taxpayer), selectinload(Case.periods).selectinload(CasePeriod.assessments)
            )
        )
        rows = {c.id: c for c in s.scalars(q)}
        logs: dict[int, list[CaseEvent]] = {}
        for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(ids)).order_by(CaseEvent.id)):
            logs.setdefault(e.case_id, []).append(e)
        for cid in ids:
            row = rows.get(cid)
            if row is None:
                continue  # removed meanwhile
            active = active_events(logs.get(cid, []))
            doc = case_document(s, row, [e.payload for e in active.values()])
            yield cid, row.version, doc, {k: e.entry.id for k, e in active.items()}


#: The bulk runner, as the caller hands it over (``cdpdesk.bulk.runner.run_bulk`` with its
#: workers or Dask address bound): analyse the JSONL file IN into OUT, as of the day, and
#: write bad records to ERRORS. The desk does not import the bulk layer itself.
Analyse = Callable[[Path, Path, dt.date, Path], object]


def refresh(
    desk: CaseWork,
    day: dt.date,
    analyse: Analyse,
    *,
    workers: int = 1,
    written: Callable[[int, int], None] | None = None,
    notice: Callable[[str], None] = lambda message: None,
) -> RefreshStats:
    """Bring every case's facts to ``day`` (see the module's text) with ``analyse`` (the
    bulk runner); ``written(done, total)`` is told after each batch written back."""
    from cdpdesk.desk.cases import ANALYSIS_KEY

    t0 = time.perf_counter()
    work = desk.settings.var_dir / "refresh" / day.isoformat()
    cases_path, index_path, out_path = work / "cases.jsonl", work / "index.jsonl", work / "analyses.jsonl"
    state_path = work / "state.json"
    total, todo = _todo(desk, day, ANALYSIS_KEY)
    state = _read_state(state_path, ANALYSIS_KEY)
    if state is None or not cases_path.is_file() or not index_path.is_file():
        if not todo:
            return RefreshStats(day, total, 0, 0, 0, 0, time.perf_counter() - t0, 0.0, workers)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, mode=0o700)
        _export(desk, todo, day, cases_path, index_path)
        state = {"key": ANALYSIS_KEY, "exported": len(todo), "written_lines": 0}
        _save_state(state_path, state)
    else:
        notice(
            f"resuming the refresh as of {day}: {state['written_lines']} of {state['exported']} written back"
        )
    t1 = time.perf_counter()
    if not out_path.is_file():
        analyse(cases_path, out_path, day, work / "errors.jsonl")
    analysis_seconds = time.perf_counter() - t1
    done, changed, bad = _write_back(desk, cases_path, index_path, out_path, state, state_path, written)
    shutil.rmtree(work, ignore_errors=True)
    desk._facts_complete = False  # the next list checks again for cases left without facts
    return RefreshStats(
        day,
        total,
        int(state["exported"]),
        done,
        changed,
        bad,
        time.perf_counter() - t0,
        analysis_seconds,
        workers,
    )


def export_all(desk: CaseWork, day: dt.date, cases_path: Path, index_path: Path) -> int:
    """Every stored case as a ``cdpdesk.case/1`` line as of ``day`` (or its own later as_of),
    with the Letter 4383 events the desk recorded: what ``cdpdesk bulk report --desk`` rolls up."""
    with desk._sessions() as s:
        ids = list(s.scalars(select(Case.id).order_by(Case.id)))
    _export(desk, ids, day, cases_path, index_path)
    return len(ids)


def _export(desk: CaseWork, todo: list[int], day: dt.date, cases_path: Path, index_path: Path) -> None:
    with cases_path.open("wb") as cases_out, index_path.open("wb") as index_out:
        for i in range(0, len(todo), BATCH):
            for cid, version, doc, entries in _documents(desk, todo[i : i + BATCH]):
                case_as_of = dt.date.fromisoformat(doc["as_of"]) if "as_of" in doc else None
                doc["as_of"] = _day_for(case_as_of, day).isoformat()
                cases_out.write(orjson.dumps(doc) + b"\n")
                index_out.write(orjson.dumps([cid, version, entries]) + b"\n")
    for path in (cases_path, index_path):
        path.chmod(0o600)  # the case lines hold full TINs


def _write_back(
    desk: CaseWork,
    cases_path: Path,
    index_path: Path,
    out_path: Path,
    state: dict[str, Any],
    state_path: Path,
    written: Callable[[int, int], None] | None,
) -> tuple[int, int, int]:
    from cdpdesk.desk.cases import ANALYSIS_KEY

    skip = int(state["written_lines"])
    total = int(state["exported"])
    done = changed = bad = 0
    batch: list[tuple[int, int, bytes, bytes, dict[str, int]]] = []

    def flush() -> None:
        nonlocal done, changed, bad
        if not batch:
            return
        ids = [b[0] for b in batch]
        with desk._tx() as s:
            current = dict(s.execute(select(Case.id, Case.version).where(Case.id.in_(ids))).all())
            acked = facts.acknowledged_in(s, ids)
            writes = []
            for cid, version, case_line, analysis_line, entries in batch:
                if current.get(cid) != version:
                    changed += 1
                    continue
                analysis = orjson.loads(analysis_line)
                if analysis.get("format") != "cdpdesk.analysis/1":
                    bad += 1
                    log.warning("case %s: not refreshed: the engine refused the stored case", cid)
                    continue
                try:
                    case = load_case(case_line)
                except CaseError:
                    bad += 1
                    continue
                writes.append(
                    facts.Write(cid, version, facts.derive(case, analysis, acked.get(cid, ())), entries)
                )
            facts.write(s, writes, ANALYSIS_KEY, utcnow())
            done += len(writes)
        state["written_lines"] = int(state["written_lines"]) + len(batch)
        _save_state(state_path, state)
        batch.clear()
        if written is not None:
            written(int(state["written_lines"]), total)

    with cases_path.open("rb") as cases_in, index_path.open("rb") as index_in, out_path.open("rb") as out_in:
        for n, (case_line, index_line, analysis_line) in enumerate(
            zip(cases_in, index_in, out_in, strict=True)
        ):
            if n < skip:
                continue
            cid, version, entries = orjson.loads(index_line)
            batch.append((cid, version, case_line, analysis_line, entries))
            if len(batch) >= BATCH:
                flush()
        flush()
    return done, changed, bad


def _read_state(path: Path, key: str) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return state if state.get("key") == key else None


def _save_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(state))
    tmp.replace(path)
