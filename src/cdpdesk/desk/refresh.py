"""The nightly refresh: every case's derived facts recomputed as of a day, on the bulk
runner (a process pool or Dask), written back in batches, resumable.

Stages, deadlines and "lower bound" flags move as days pass; the facts the lists read are as
of the day they were written. ``cdpdesk desk refresh --as-of DAY`` brings them all to DAY:

0. **skip**: the cases whose stored facts are sure to hold on DAY (``case_facts.holds_through``,
   ``cdpdesk.engine.holds``: no date of the case or its analysis falls between) only have
   their day moved, in SQL, not read nor analysed (``--all``: none skipped);
1. **export**: the other cases whose facts are not yet as of DAY (for this engine and holiday
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
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, Date, case, func, literal, select
from sqlalchemy.orm import Session

from cdpdesk.contract import CaseError, load_case
from cdpdesk.desk import documents, facts
from cdpdesk.desk.id_batch import in_batch
from cdpdesk.desk.models import (
    Case,
    CaseDocument,
    CaseFacts,
    Letter,
)
from cdpdesk.desk.record import (
    utcnow,
)
from cdpdesk.engine import analyze
from cdpdesk.engine.holds import dated_text, holds_through

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from cdpdesk.desk.cases import CaseWork

log = logging.getLogger("cdpdesk.desk")

BATCH = 500
#: Cases per task on the pool: small enough that the workers start at once and that the
#: write-back of one task overlaps the analysis of the next ones; large enough that a
#: batch's four queries and the task's round trip are a small part of its work (100 was)
POOL_BATCH = 250


@dataclass(frozen=True, slots=True)
class RefreshStats:
    as_of: dt.date
    cases: int  # stored cases
    todo: int  # cases this run had to refresh
    written: int  # cases brought to the day (their facts rewritten, or only their day moved)
    changed: int  # left alone: the case changed since the export
    errors: int  # the engine refused the stored case
    seconds: float
    analysis_seconds: float
    workers: int
    #: of ``written``, the cases whose facts were the same as stored (``facts.digest``):
    #: only their day moved, no fact row written
    unchanged: int = 0
    #: of ``written``, the cases whose stored facts hold on the day (``holds_through``):
    #: their day moved in SQL, not analysed (``unchanged`` counts none of them)
    held: int = 0
    #: every case was analysed, whether its facts held or not (``--all``)
    everything: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "cases": self.cases,
            "todo": self.todo,
            "written": self.written,
            "unchanged": self.unchanged,
            "held": self.held,
            "analysed": self.todo - self.held,
            "all": self.everything,
            "changed": self.changed,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "analysis_seconds": round(self.analysis_seconds, 3),
            "workers": self.workers,
        }


def _day_for(case_as_of: dt.date | None, day: dt.date) -> dt.date:
    return max(day, case_as_of) if case_as_of else day


def _todo(
    desk: CaseWork, day: dt.date, key: str, everything: bool = False
) -> tuple[int, list[int], dict[dt.date, list[int]]]:
    """(stored cases, the ids to analyse, the ids whose facts hold on their day, by that day).

    A case is to be done when its facts are not as of its day (``day``, or its own later
    as_of) for ``key``: missing, of another version, key or format, or of another day. Of
    those, the ones whose facts are of this version and key, as of a day on or before theirs,
    and hold through it (``holds_through``, engine/holds.py) need no analysis: their day is
    moved in SQL (:func:`_move_held`). ``everything`` (``--all``): every case is analysed,
    the ones already as of the day too.

    The database picks them (a count, then the cases that need it): at 100,000 cases,
    reading six columns of every case and comparing them here kept the workers waiting
    for their first batch."""
    current = facts.facts_key(key)  # facts of an older format are redone too
    their_day = case((Case.as_of > day, Case.as_of), else_=literal(day, Date))  # _day_for
    holds = (
        (CaseFacts.case_version == Case.version)
        & (CaseFacts.analysis_key == current)
        & CaseFacts.holds_through.is_not(None)
        & (CaseFacts.as_of <= their_day)
        & (CaseFacts.holds_through >= their_day)
    )
    with desk._sessions() as s:
        total = s.scalar(select(func.count()).select_from(Case)) or 0
        if everything:
            return total, list(s.scalars(select(Case.id).order_by(Case.id))), {}
        rows = s.execute(
            select(Case.id, case((holds, their_day), else_=None))
            .outerjoin(CaseFacts, CaseFacts.case_id == Case.id)
            .where(
                CaseFacts.case_id.is_(None)
                | (CaseFacts.case_version != Case.version)
                | (CaseFacts.analysis_key != current)
                | (CaseFacts.as_of != their_day)
            )
            .order_by(Case.id)
        ).all()
    todo: list[int] = []
    held: dict[dt.date, list[int]] = {}
    for cid, held_day in rows:
        if held_day is None:
            todo.append(cid)
        else:
            held.setdefault(_as_date(held_day), []).append(cid)
    return total, todo, held


def _as_date(value: Any) -> dt.date:
    # a CASE of two dates comes back as a date (PostgreSQL) or as its ISO text (SQLite)
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


#: cases whose day one transaction of :func:`_move_held` moves
HELD_BATCH = 5000


def _move_held(
    desk: CaseWork,
    held: dict[dt.date, list[int]],
    key: str,
    written: Callable[[int, int], None] | None,
    total: int,
) -> tuple[int, int]:
    """The cases whose facts hold on their day: their day moved in SQL (``facts.move_held``),
    a transaction per ``HELD_BATCH`` cases (an interrupted run keeps what it committed).
    Returns (moved, left: changed since they were picked; the next refresh analyses them)."""
    moved = left = 0
    for day, ids in sorted(held.items()):
        for i in range(0, len(ids), HELD_BATCH):
            part = ids[i : i + HELD_BATCH]
            with desk._tx() as s:
                n = facts.move_held(s, part, day, key, utcnow())
            moved += n
            left += len(part) - n
            if written is not None:
                written(moved + left, total)
    return moved, left


@dataclass(frozen=True, slots=True)
class _Start:
    """Where a refresh stands after its first steps (:func:`_begin`)."""

    t0: float
    total: int  # stored cases
    todo: list[int]  # the cases to analyse
    held: int  # the cases whose facts hold on their day
    moved: int  # of those, moved in SQL
    left: int  # of those, changed since they were picked


def _begin(
    desk: CaseWork, day: dt.date, key: str, everything: bool, written: Callable[[int, int], None] | None
) -> _Start:
    """The first steps of every refresh: pick the cases (:func:`_todo`) and move the day of
    those whose facts hold on it (:func:`_move_held`)."""
    t0 = time.perf_counter()
    total, todo, held = _todo(desk, day, key, everything)
    n_held = sum(len(ids) for ids in held.values())
    moved, left = _move_held(desk, held, key, written, n_held + len(todo))
    return _Start(t0, total, todo, n_held, moved, left)


def _stats(
    start: _Start,
    day: dt.date,
    *,
    analysed: int,
    done: int,
    changed: int,
    bad: int,
    same: int,
    analysis_seconds: float,
    workers: int,
    everything: bool,
) -> RefreshStats:
    """The statistics of a refresh that analysed ``analysed`` cases after its start."""
    return RefreshStats(
        as_of=day,
        cases=start.total,
        todo=analysed + start.held,
        written=done + start.moved,
        changed=changed + start.left,
        errors=bad,
        seconds=time.perf_counter() - start.t0,
        analysis_seconds=analysis_seconds,
        workers=workers,
        unchanged=same,
        held=start.moved,
        everything=everything,
    )


#: the export's query, built once, the batch's ids one parameter (desk/id_batch.py): each
#: case with its stored document (desk/documents.py)
_EXPORT_CASES = (
    select(
        Case.id,
        Case.version,
        Case.as_of,
        CaseDocument.case_version,
        CaseDocument.document,
        CaseDocument.entries,
    )
    .outerjoin(CaseDocument, CaseDocument.case_id == Case.id)
    .where(in_batch(Case.id))
    .order_by(Case.id)
)


def _documents(
    desk: CaseWork, ids: list[int]
) -> Iterator[tuple[int, int, dt.date | None, bytes, orjson.Fragment, bool]]:
    """(id, version, its own as_of, its document without as_of, the entry id of each current
    event as JSON, whether the document was built, not read) of each case, in the order of
    ``ids`` (ascending): the documents as stored, and, as ``read_batch`` does, the ones
    missing or of another version built (``documents.build``)."""
    with desk._sessions() as s:
        conn = s.connection()
        rows = conn.execute(_EXPORT_CASES, {"ids": ids}).all()
        missing = [r[0] for r in rows if r[3] != r[1]]
        built = documents.build(conn, missing) if missing else {}
    for cid, version, case_as_of, doc_version, text, entries in rows:
        if doc_version == version:
            yield cid, version, case_as_of, text.encode(), orjson.Fragment(entries), False
        elif cid in built:  # (a version written between the two reads is the one exported)
            version, document, current = built[cid]
            yield cid, version, case_as_of, document, orjson.Fragment(orjson.dumps(current)), True
        # else: no longer stored


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
    pool: Executor | None = None,
    worker_url: str | None = None,
    everything: bool = False,
) -> RefreshStats:
    """Bring every case's facts to ``day`` (see the module's text) with ``analyse`` (the
    bulk runner); ``written(done, total)`` is told after each batch written back. With a
    ``pool`` (the bulk runner's process pool, ``workers`` processes) the cases go there in
    batches instead of through a file: :func:`refresh_pooled` (``worker_url``: the database
    URL the workers are given, default the desk's own). Cases whose stored facts hold on the
    day are not analysed, only their day moves (:func:`_todo`); ``everything``: every case
    is analysed (``--all``)."""
    from cdpdesk.desk.cases import ANALYSIS_KEY

    if pool is not None:
        return refresh_pooled(
            desk, day, pool, workers=workers, written=written, worker_url=worker_url, everything=everything
        )
    work = desk.settings.var_dir / "refresh" / day.isoformat()
    cases_path, index_path, out_path = work / "cases.jsonl", work / "index.jsonl", work / "analyses.jsonl"
    state_path = work / "state.json"
    start = _begin(desk, day, ANALYSIS_KEY, everything, written)
    todo = start.todo
    state = _read_state(state_path, ANALYSIS_KEY)
    if state is not None and bool(state.get("all")) != everything:
        state = None  # a run with or without --all does not resume the other's
    if state is None or not cases_path.is_file() or not index_path.is_file():
        if not todo:
            return _stats(
                start,
                day,
                analysed=0,
                done=0,
                changed=0,
                bad=0,
                same=0,
                analysis_seconds=0.0,
                workers=workers,
                everything=everything,
            )
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, mode=0o700)
        _export(desk, todo, day, cases_path, index_path)
        state = {"key": ANALYSIS_KEY, "exported": len(todo), "written_lines": 0, "all": everything}
        _save_state(state_path, state)
    else:
        notice(
            f"resuming the refresh as of {day}: {state['written_lines']} of {state['exported']} written back"
        )
    t1 = time.perf_counter()
    if not out_path.is_file():
        analyse(cases_path, out_path, day, work / "errors.jsonl")
    analysis_seconds = time.perf_counter() - t1
    after_held = None if written is None else _offset(written, start.moved + start.left)
    done, changed, bad, same = _write_back(
        desk, cases_path, index_path, out_path, state, state_path, after_held
    )
    shutil.rmtree(work, ignore_errors=True)
    desk._facts_complete = False  # the next list checks again for cases left without facts
    return _stats(
        start,
        day,
        analysed=int(state["exported"]),
        done=done,
        changed=changed,
        bad=bad,
        same=same,
        analysis_seconds=analysis_seconds,
        workers=workers,
        everything=everything,
    )


def _offset(written: Callable[[int, int], None], ahead: int) -> Callable[[int, int], None]:
    """``written`` told of the analysed cases after the ``ahead`` ones whose day moved."""
    return lambda done, total: written(done + ahead, total + ahead)


def export_all(desk: CaseWork, day: dt.date, cases_path: Path, index_path: Path) -> int:
    """Every stored case as a ``cdpdesk.case/1`` line as of ``day`` (or its own later as_of),
    with the Letter 4383 events the desk recorded: what ``cdpdesk bulk report --desk`` rolls up."""
    with desk._sessions() as s:
        ids = list(s.scalars(select(Case.id).order_by(Case.id)))
    _export(desk, ids, day, cases_path, index_path)
    return len(ids)


def _export(desk: CaseWork, todo: list[int], day: dt.date, cases_path: Path, index_path: Path) -> None:
    """The cases' lines (``documents.as_exported``) and index lines, from their stored
    documents; a document that was built (none of the case's version was stored) is stored,
    a transaction per batch, as the pooled refresh stores the ones it built."""
    with cases_path.open("wb") as cases_out, index_path.open("wb") as index_out:
        for i in range(0, len(todo), BATCH):
            unstored = []
            for cid, version, case_as_of, document, entries, was_built in _documents(
                desk, todo[i : i + BATCH]
            ):
                when = _day_for(case_as_of, day).isoformat()
                cases_out.write(documents.as_exported(document, when, case_as_of is not None) + b"\n")
                index_out.write(orjson.dumps([cid, version, entries]) + b"\n")
                if was_built:
                    unstored.append(cid)
            if unstored:
                with desk._tx() as s:
                    documents.store(s, unstored)
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
) -> tuple[int, int, int, int]:
    from cdpdesk.desk.cases import ANALYSIS_KEY

    skip = int(state["written_lines"])
    total = int(state["exported"])
    done = changed = bad = same = 0
    batch: list[tuple[int, int, bytes, bytes, dict[str, int]]] = []

    def flush() -> None:
        nonlocal done, changed, bad, same
        if not batch:
            return
        ids = [b[0] for b in batch]
        with desk._tx() as s:
            current = facts.stored_digests(s, ids)
            acked = facts.acknowledged_in(s, ids)
            writes, days = [], []
            for cid, version, case_line, analysis_line, entries in batch:
                stored = current.get(cid)
                if stored is None or stored.version != version:
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
                w = facts.Write(cid, version, facts.derive(case, analysis, acked.get(cid, ())), entries)
                new = facts.digest(w)
                if new == stored.digest:
                    days.append((cid, w.derived.as_of, w.derived.holds_through, w.derived.analysis_digest))
                else:
                    writes.append(
                        facts.Write(
                            cid, version, w.derived, entries, new, facts.same_lasting_rows(stored.digest, new)
                        )
                    )
            now = utcnow()
            facts.write(s, writes, ANALYSIS_KEY, now)
            facts.move_day(s, days, ANALYSIS_KEY, now, current)
            done += len(writes) + len(days)
            same += len(days)
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
    return done, changed, bad, same


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


# --- the pooled refresh --------------------------------------------------------------------
#
# A refresh through a file (above) reads every case, then analyses them all, then writes
# them all back: three passes one after the other, so its rate was a third of `bulk
# analyze`'s. On the pool the three overlap: this process hands 100 case ids at a time to a
# worker, which reads them (plain Core queries, no ORM objects, on its own connection),
# parses, analyses and reads the facts off the analysis (`facts.derive`, pure) and their
# digest; meanwhile this process writes back the ones done, in their order, one transaction
# each, and only the cases whose facts changed (`facts.digest`). The
# database is the only state: an interrupted refresh, run again, finds the cases already
# as of the day (`_todo`) and does the rest.


def refresh_pooled(
    desk: CaseWork,
    day: dt.date,
    pool: Executor,
    *,
    workers: int = 1,
    written: Callable[[int, int], None] | None = None,
    worker_url: str | None = None,
    everything: bool = False,
) -> RefreshStats:
    """:func:`refresh` on a process pool, read, analysis and write-back overlapping; the
    workers open ``worker_url`` (default: the desk's database URL). The cases whose facts
    hold on the day have their day moved first, in SQL (:func:`_move_held`)."""
    from cdpdesk.desk.cases import ANALYSIS_KEY

    start = _begin(desk, day, ANALYSIS_KEY, everything, written)
    todo = start.todo
    # a refresh through a file interrupted on the same day: its cases are in ``todo`` anyway
    shutil.rmtree(desk.settings.var_dir / "refresh" / day.isoformat(), ignore_errors=True)
    done = changed = bad = same = 0
    waited = 0.0
    ahead: deque[Future[list[Derivation]]] = deque()

    failed: list[BaseException] = []

    def write_back(results: list[Derivation]) -> None:
        if failed:
            return  # a write-back before this one failed: the refresh stops there
        try:
            _write(results)
        except BaseException as exc:
            failed.append(exc)
            raise

    def _write(results: list[Derivation]) -> None:
        nonlocal done, changed, bad, same
        ids = [r[0] for r in results]
        with desk._tx() as s:
            current = facts.stored_digests(s, ids)
            writes, days, unstored = [], [], []
            for cid, version, as_of, holds, digest, read_off, write, no_document in results:
                stored = current.get(cid)
                if stored is None or stored.version != version:
                    changed += 1  # changed since it was read: its new version wrote its facts
                    continue
                if no_document:
                    unstored.append(cid)  # its document is stored from now on (desk/documents.py)
                if as_of is None:
                    bad += 1
                    log.warning("case %s: not refreshed: the engine refused the stored case", cid)
                elif digest == stored.digest:
                    days.append((cid, as_of, holds, read_off))  # the same facts: only their day moves
                elif write is None or digest is None:
                    # the facts the worker found the same were rewritten since (another
                    # refresh): left for the next run, which finds them not as of the day
                    changed += 1
                else:
                    derived, entries = write
                    lasting = facts.same_lasting_rows(stored.digest, digest)
                    writes.append(facts.Write(cid, version, derived, entries, digest, lasting))
            now = utcnow()
            facts.write(s, writes, ANALYSIS_KEY, now)
            facts.move_day(s, days, ANALYSIS_KEY, now, current)
            documents.store(s, unstored)
        done += len(writes) + len(days)
        same += len(days)
        if written is not None:
            written(start.moved + start.left + done + changed + bad, start.held + len(todo))

    held: list[Derivation] = []
    # one writer thread, so the write-backs keep their order: the database's own work (the
    # driver lets go of the GIL) overlaps this thread's reading of the next batches
    writer = ThreadPoolExecutor(1, thread_name_prefix="cdpdesk-refresh-write")
    writes: deque[Future[None]] = deque()

    def take() -> None:
        nonlocal waited
        t = time.perf_counter()
        held.extend(ahead.popleft().result())
        waited += time.perf_counter() - t
        if len(held) >= BATCH or not ahead:  # written back BATCH at a time
            writes.append(writer.submit(write_back, list(held)))
            held.clear()
            while len(writes) > 1 or (writes and writes[0].done()):
                writes.popleft().result()  # a failed write-back stops the refresh here

    # one worker on a local pool: this process, which otherwise waits for it nearly all the
    # run, reads the batches and the worker only analyses (docs/decisions.md, issue 11,
    # session 11); more workers read their own, so the reading grows with them
    reads_here = workers == 1 and worker_url is None
    try:
        url = worker_url or desk.settings.database_url
        for i in range(0, len(todo), POOL_BATCH):
            ids = todo[i : i + POOL_BATCH]
            if reads_here:
                with desk._reads() as rs:
                    batch = read_batch(rs, ids, day)
                ahead.append(pool.submit(derive_batch, batch))
            else:
                ahead.append(pool.submit(read_and_derive, url, ids, day))
            if len(ahead) > 2 * workers + 1:
                take()
        while ahead:
            take()
        while writes:
            writes.popleft().result()
    finally:
        for fut in ahead:
            fut.cancel()
        writer.shutdown(wait=True, cancel_futures=True)
    desk._facts_complete = False
    return _stats(
        start,
        day,
        analysed=len(todo),
        done=done,
        changed=changed,
        bad=bad,
        same=same,
        analysis_seconds=waited,
        workers=workers,
        everything=everything,
    )


#: What a worker compares with, of a case's stored facts: (their digest, the case version
#: they are of, their day, the day they hold through, the digest of the analysis they were
#: read off); None when the case has no facts
Prior = tuple[str | None, int, dt.date, "dt.date | None", str | None]
#: One case for a worker: (id, version, its cdpdesk.case/1 line as of the day, the entry id
#: of each current event, the withdrawals it has a Letter 4383 for, its stored facts, whether
#: its document was built, not read: none of this version was stored)
Exported = tuple[int, int, bytes, dict[str, int], list[str], Prior | None, bool]
#: A worker's answer for one case: (id, version, the day its facts are as of, the day they
#: hold through, their ``facts.digest``, the digest of the analysis they were read off, the
#: facts to write and the entry id of each current event, whether the case's document is to
#: be stored: ``Exported``'s last field). The days and digests are None if
#: the engine refused the case; the facts are None when their digest is the stored one (only
#: the day moves), so that most answers carry a few numbers back, not the facts
#: (docs/decisions.md, issue 11). Plain tuples: a frozen dataclass such as ``facts.Write``
#: is unpickled in Python, field by field.
Derivation = tuple[
    int,
    int,
    "dt.date | None",
    "dt.date | None",
    str | None,
    str | None,
    "tuple[facts.Derived, dict[str, int]] | None",
    bool,
]


#: each pool worker's engine, by database URL (opened on its first batch)
_ENGINES: dict[str, Any] = {}


def read_and_derive(url: str, ids: list[int], day: dt.date) -> list[Derivation]:
    """In a pool worker: the cases read from the database (:func:`read_batch`, on the
    worker's own connection) and their facts derived (:func:`derive_batch`). Reading in the
    workers, not in the refreshing process, lets the reading grow with the workers: it cost
    that one process as much CPU as the analysis (docs/decisions.md, issue 11)."""
    from cdpdesk.desk import db

    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = db.make_engine(url, reads_only=True)
    with engine.connect() as conn:
        batch = read_batch(conn, ids, day)
    return derive_batch(batch)


def derive_batch(batch: list[Exported]) -> list[Derivation]:
    """In a pool worker: each case parsed, analysed as of its line's as_of, its facts read
    off the analysis and their digest (pure work: no database here). Facts whose digest is
    the stored one stay here: only (id, version, day, digests) goes back.

    An analysis with the digest of the one the stored facts of this version were read off
    (``facts.analysis_digest``) gives those facts: they are not read off it again, and only
    the day they hold through is worked out, when the new day is past the stored one. That
    is what a full recompute (``--all``) does for most cases: the engine's analysis, and
    little else (docs/decisions.md, issue 11, session 8)."""
    out: list[Derivation] = []
    for cid, version, line, entries, acked, prior, unstored in batch:
        try:
            case = load_case(line)
            analysis = analyze(case, case.as_of)
        except CaseError:
            out.append((cid, version, None, None, None, None, None, unstored))
            continue
        text = dated_text(analysis)
        read_off = facts.analysis_digest(case, text, acked)
        if prior is not None and prior[0] is not None and prior[1] == version and prior[4] == read_off:
            day = dt.date.fromisoformat(analysis["as_of"])
            held = prior[3]
            if held is None or not prior[2] <= day <= held:
                held = holds_through(case, analysis, text)
            out.append((cid, version, day, held, prior[0], read_off, None, unstored))
            continue
        derived = facts.derive(case, analysis, acked, read=(text, read_off))
        digest = facts.digest(facts.Write(cid, version, derived, entries))
        write = None if prior is not None and digest == prior[0] else (derived, entries)
        out.append((cid, version, derived.as_of, derived.holds_through, digest, read_off, write, unstored))
    return out


#: :func:`read_batch`'s queries, built once, the batch's ids one parameter (desk/id_batch.py):
#: each case with its stored document (the export's query) and what is stored of its facts
_READ_CASES = _EXPORT_CASES.add_columns(
    CaseFacts.facts_digest,
    CaseFacts.case_version,
    CaseFacts.as_of,
    CaseFacts.holds_through,
    CaseFacts.analysis_digest,
).outerjoin(CaseFacts, CaseFacts.case_id == Case.id)
_READ_LETTERS = select(Letter.case_id, Letter.withdrawal_key).where(in_batch(Letter.case_id))


def read_batch(s: Session | Connection, ids: list[int], day: dt.date) -> list[Exported]:
    """The cases' ``cdpdesk.case/1`` lines as of ``day`` (or their own later as_of), as
    :func:`documents.build` gives them, in the order of ``ids`` (ascending), with
    what is stored of their facts: two Core queries on the connection (no ORM objects),
    the documents as stored (desk/documents.py); a case whose stored document is missing or
    of another version has it built (``documents.build``), and ``Exported``'s last field says
    so (the refresh then stores it)."""
    conn = s.connection() if isinstance(s, Session) else s
    rows = conn.execute(_READ_CASES, {"ids": ids}).all()
    acked: dict[int, list[str]] = {}
    for cid, key in conn.execute(_READ_LETTERS, {"ids": ids}).all():
        acked.setdefault(cid, []).append(key)
    missing = [r[0] for r in rows if r[3] != r[1]]
    built = documents.build(conn, missing) if missing else {}
    out: list[Exported] = []
    for cid, version, case_as_of, doc_version, text, entries_text, *stored in rows:
        if doc_version == version:
            document, entries = text.encode(), orjson.loads(entries_text)
        elif cid in built:
            # (a version written between the two reads is the one analysed: its own write
            # wrote its facts, and the write-back finds them the same or newer)
            version, document, entries = built[cid]
        else:
            continue  # no longer stored
        prior: Prior | None = (
            None if stored[1] is None else (stored[0], stored[1], stored[2], stored[3], stored[4])
        )
        line = documents.with_day(document, _day_for(case_as_of, day).isoformat())
        out.append(
            (cid, version, line, entries, sorted(set(acked.get(cid, ()))), prior, doc_version != version)
        )
    return out
