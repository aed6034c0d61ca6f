"""Derived facts: the indexed summary of each case's analysis, stored with its version.

The engine's analysis is the truth; what is here is read off it (never worked out again) and
kept in indexed tables (models ``CaseFacts`` and the rest, migration 0005) so that the case
list, the search, the withdrawal queue and the deadlines across cases are a few indexed
queries, whatever the number of cases:

- the stage, the next deadline to act by (a hearing request or a petition) and the earliest
  CSED (and whether it is a lower bound);
- each hearing's type and status; each assessment's CSED and lower-bound flag;
- each coming deadline (date, kind as ``cdpdesk.engine.coming`` names it, rule, why);
- the withdrawals waiting for Appeals (written and not yet acknowledged; oral ones while
  their hearing is pending), with the date each was received;
- the folded words of the taxpayer's name (search) and the TIN's last four digits.

Every write of a case version (import, event, correction, retraction, Letter 4383) writes
its facts in the same transaction, from the analysis it already ran. Facts are as of a day
(``as_of``): the desk's day when written, or the day of the last ``cdpdesk desk refresh``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import orjson
from sqlalchemy import Delete, Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from cdpdesk.contract.analysis import CDP, EQUIVALENT, HELD_TYPES, LIEN_STATUTE
from cdpdesk.contract.case import CaseFile, HearingWithdrawal
from cdpdesk.desk.id_batch import IDS, in_batch
from cdpdesk.desk.models import (
    AssessmentFact,
    Case,
    CaseFacts,
    DeadlineFact,
    HearingFact,
    Letter,
    NameTerm,
    WithdrawalFact,
)
from cdpdesk.desk.record import table_insert
from cdpdesk.desk.row_batch import ROW_ID, update_rows
from cdpdesk.engine.coming import ACT_BY, kind_of
from cdpdesk.engine.holds import dated_text, holds_through
from cdpdesk.letters.facts import withdrawal_scope

if TYPE_CHECKING:
    from cdpdesk.desk.cases import CaseWork as Desk

log = logging.getLogger("cdpdesk.desk")

PENDING = "pending"
WAITING = "waiting_for_writing"
#: ids per ``IN (...)`` and rows per multi-row INSERT
_CHUNK = 500

#: What ``case_facts.analysis_key`` ends with for facts written by this code. Facts whose
#: key ends otherwise were written by an older ``derive`` (issue 11's kinds, read off the
#: event type, and a CSED as the "next deadline"): ``fill_missing`` and ``cdpdesk desk
#: refresh`` write them again (docs/decisions.md, "Deadlines from the derived facts").
FACTS_FORMAT = "+facts-2"


def facts_key(analysis_key: str) -> str:
    """The key stored with the facts: the analysis they were read from, and their format."""
    return f"{analysis_key}{FACTS_FORMAT}"


def fold(text: str) -> list[str]:
    """The words of a name as the search compares them: accents dropped, case folded, split
    at anything that is not a letter or a digit ("Núñez-Ruiz LLC" -> nunez, ruiz, llc)."""
    plain = unicodedata.normalize("NFKD", text)
    if not plain.isascii():
        plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    # a word: a run of what str.isalnum() takes (\w but the underscore)
    return _WORD.findall(plain.casefold())


_WORD = re.compile(r"[^\W_]+")


def _sort_name(name: str) -> str:
    return _sort_words(fold(name))


def _sort_words(words: list[str]) -> str:
    return " ".join(words)[:300]


@dataclass(slots=True)
class Derived:
    """One case version's facts, before they have a case id (pure data)."""

    as_of: dt.date
    stage: str
    stage_title: str
    stage_since: dt.date | None
    next_deadline: dt.date | None
    csed: dt.date | None
    csed_lower_bound: bool
    taxpayer: str | None
    tin_last4: str | None
    terms: list[str]
    hearings: list[dict[str, Any]] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    withdrawals: list[dict[str, Any]] = field(default_factory=list)
    #: the name as the list sorts it (``write`` works it out when None)
    taxpayer_sort: str | None = None
    #: the last day these facts are sure to hold (``cdpdesk.engine.holds.holds_through``;
    #: None: not known). Like ``as_of``, not part of the digest: it is about the facts' day
    holds_through: dt.date | None = None
    #: what these facts were read from (:func:`analysis_digest`); like ``holds_through``,
    #: not part of the digest
    analysis_digest: str | None = None


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def analysis_digest(case: CaseFile, text: bytes, acknowledged: Iterable[str]) -> str:
    """A digest of everything :func:`derive` reads its facts off but the day and the case
    version: the analysis (``text``: its ``engine.holds.dated_text``, every field but its
    day, engine and format), the taxpayer's name and TIN, the withdrawals with a Letter 4383,
    and this code's facts format. The same digest for the same case version: the same facts
    (those that ``digest`` covers); ``holds_through`` then follows from the day alone
    (``refresh.derive_batch``). The engine's version is left out on purpose: a new engine
    that reaches the same analysis gives the same facts."""
    tp = case.taxpayer
    h = hashlib.sha256(
        orjson.dumps([FACTS_FORMAT, None if tp is None else [tp.name, tp.tin], sorted(set(acknowledged))])
    )
    # SHA-256, not BLAKE2 as ``digest``: over the analysis' 6 KB of text OpenSSL's SHA-256
    # (the CPU's SHA instructions) took half the time of hashlib's BLAKE2b
    h.update(text)
    return h.hexdigest()[:32]


def derive(
    case: CaseFile,
    analysis: dict[str, Any],
    acknowledged: Iterable[str] = (),
    *,
    read: tuple[bytes, str] | None = None,
) -> Derived:
    """The facts of ``case`` from its ``analysis``; ``acknowledged``: the withdrawals the
    desk has issued a Letter 4383 for (they wait no more). ``read``: the analysis's
    ``dated_text`` and :func:`analysis_digest`, when the caller has them already."""
    done = set(acknowledged)
    if read is None:
        text = dated_text(analysis)
        read = text, analysis_digest(case, text, done)
    tp = case.taxpayer
    digits = "".join(ch for ch in tp.tin if ch.isdigit()) if tp is not None and tp.tin else ""
    stage = analysis["stage"]
    assessments = [
        {
            "period": a["period"],
            "assessment": a["assessment"],
            "csed": _day(a["csed"]),
            "lower_bound": a["open"],
        }
        for a in analysis["assessments"]
    ]
    earliest = min(assessments, key=lambda a: (a["csed"], not a["lower_bound"])) if assessments else None
    deadlines = analysis["deadlines"]
    kinds = [kind_of(d) for d in deadlines]  # the engine's kind (cdpdesk.engine.coming), one vocabulary
    # the next day someone must act by (a request or a petition), never a CSED
    act_by = next((d for d, kind in zip(deadlines, kinds, strict=True) if kind in ACT_BY), None)
    words = fold(tp.name) if tp is not None else []
    out = Derived(
        as_of=_day(analysis["as_of"]) or dt.date.min,
        stage=stage["id"],
        stage_title=stage["title"],
        stage_since=_day(stage.get("since")),
        next_deadline=_day(act_by["date"]) if act_by else None,
        csed=earliest["csed"] if earliest else None,
        csed_lower_bound=bool(earliest["lower_bound"]) if earliest else False,
        taxpayer=tp.name if tp is not None else None,
        tin_last4=digits[-4:] if len(digits) >= 4 else None,
        terms=sorted({w[:100] for w in words}),
        taxpayer_sort=_sort_words(words) if tp is not None else None,
        holds_through=holds_through(case, analysis, read[0]),
        analysis_digest=read[1],
    )
    out.hearings = [
        {
            "position": i,
            "request": h["request"],
            "notice": h["notice"],
            "period": h["period"],
            "statute": h["statute"],
            "type": h["type"],
            "status": h["status"],
        }
        for i, h in enumerate(analysis["hearings"])
    ]
    out.assessments = assessments
    out.deadlines = [
        {
            "position": i,
            "date": _day(d["date"]),
            "kind": kind,
            "rule": d["rule"],
            "what": d["what"][:400],
            "event": d["event"],
            "periods": orjson.dumps(d.get("periods") or []).decode(),
            "authority": orjson.dumps(d["authority"]).decode(),
            "says": d["says"],
        }
        for i, (d, kind) in enumerate(zip(deadlines, kinds, strict=True))
    ]
    out.withdrawals = _waiting(case, analysis, done)
    return out


def _waiting(case: CaseFile, analysis: dict[str, Any], done: set[str]) -> list[dict[str, Any]]:
    """The withdrawals Appeals has to act on, as the engine published their hearings."""
    rows: list[dict[str, Any]] = []
    for ev in case.events:
        if not isinstance(ev, HearingWithdrawal) or ev.id in done:
            continue
        base = {"event_key": ev.id, "received": ev.received, "request": ev.request}
        if not ev.written:
            covered = [
                h for h in analysis["hearings"] if ev.id in h["withdrawals"] and h["type"] in HELD_TYPES
            ]
            if any(h["status"] == "pending" for h in covered):
                rows.append(
                    base
                    | {
                        "status": WAITING,
                        "periods": _json(sorted({h["period"] for h in covered})),
                        "hearing": ends(covered),
                        "kinds": "[]",
                        "parts": "[]",
                        "partial": False,
                    }
                )
            continue
        scope = withdrawal_scope(case, analysis, ev.id)
        if not scope.ended or all(h["acknowledged"] for h in scope.ended):
            continue  # a repeat, one that ends no hearing, or one the file says was acknowledged
        rows.append(
            base
            | {
                "status": PENDING,
                "periods": _json(sorted({h["period"] for h in scope.ended})),
                "hearing": ends(scope.ended),
                "kinds": _json(scope.kinds),
                "parts": _json(scope.parts),
                "partial": bool(scope.partial),
            }
        )
    return rows


def ends(hearings: list[dict[str, Any]]) -> str:
    """'CDP hearing (levy)', 'equivalent hearing (lien and levy)', ... for a list."""
    out = []
    for kind, label in ((CDP, "CDP hearing"), (EQUIVALENT, "equivalent hearing")):
        found = {"lien" if h["statute"] == LIEN_STATUTE else "levy" for h in hearings if h["type"] == kind}
        parts = [p for p in ("lien", "levy") if p in found]
        if parts:
            out.append(f"{label} ({' and '.join(parts)})")
    return "; ".join(out)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


@dataclass(frozen=True, slots=True)
class Write:
    """One case version's facts to store: the entry id of each current event (the queue
    links a withdrawal to its log entry)."""

    case_id: int
    version: int
    derived: Derived
    entries: dict[str, int]
    #: ``digest(self)`` when the caller already has it (a pool worker worked it out)
    digest: str | None = None
    #: the stored hearing, withdrawal and name-term rows are already these facts' (the
    #: second half of the stored digest is this one's: :func:`same_lasting_rows`): ``write``
    #: leaves them as they are and replaces only the rows a day's passing changes
    lasting_stored: bool = False


_ACKNOWLEDGED = select(Letter.case_id, Letter.withdrawal_key).where(in_batch(Letter.case_id))


def acknowledged_in(s: Session, case_ids: Sequence[int]) -> dict[int, set[str]]:
    """The withdrawals each case has a Letter 4383 for."""
    out: dict[int, set[str]] = {}
    for i in range(0, len(case_ids), _CHUNK):
        for cid, key in s.execute(_ACKNOWLEDGED, {IDS: list(case_ids[i : i + _CHUNK])}):
            out.setdefault(cid, set()).add(key)
    return out


def _table(model: Any) -> Table:
    return cast("Table", model.__table__)


_FACTS_TABLE = _table(CaseFacts)


#: the fact tables, in the order ``_rows`` gives their rows
_TABLES = (CaseFacts, HearingFact, AssessmentFact, DeadlineFact, WithdrawalFact, NameTerm)
#: the tables whose rows a day's passing alone changes (the stage, next deadline and
#: earliest CSED; each CSED and its lower-bound flag; the coming deadlines), and the ones it
#: does not (measured: on a day-to-day refresh the changed cases changed only the first
#: three); ``digest`` has one half for each group
_DAILY = (CaseFacts, AssessmentFact, DeadlineFact)
_LASTING = (HearingFact, WithdrawalFact, NameTerm)
#: for each of ``_rows``'s child tables, whether it is one of ``_LASTING``
_IS_LASTING = tuple(model in _LASTING for model in _TABLES[1:])
#: the facts each half of the digest is taken over (every field but ``as_of``, the day, and
#: ``holds_through``, how long the facts stay as they are from it)
_DAILY_FIELDS = (
    "stage",
    "stage_title",
    "stage_since",
    "next_deadline",
    "csed",
    "csed_lower_bound",
    "taxpayer",
    "tin_last4",
    "taxpayer_sort",
    "assessments",
    "deadlines",
)
_LASTING_FIELDS = ("hearings", "withdrawals", "terms")
assert {*_DAILY_FIELDS, *_LASTING_FIELDS} == {f.name for f in fields(Derived)} - {
    "as_of",
    "holds_through",
    "analysis_digest",
}, "every field of Derived is in one half of the digest"


def _rows(w: Write) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    """The case's ``case_facts`` row without its day (``as_of``, ``analysis_key``,
    ``refreshed_at``: ``write`` adds them) and the rows of the other fact tables."""
    d = w.derived
    row = {
        "case_id": w.case_id,
        "case_version": w.version,
        "stage": d.stage,
        "stage_title": d.stage_title,
        "stage_since": d.stage_since,
        "next_deadline": d.next_deadline,
        "csed": d.csed,
        "csed_lower_bound": d.csed_lower_bound,
        "taxpayer": d.taxpayer,
        "taxpayer_sort": d.taxpayer_sort or (None if d.taxpayer is None else _sort_name(d.taxpayer)),
        "tin_last4": d.tin_last4,
        # what the case list's deadline filter narrows by (desk/listing.py): the earliest
        # of the deadline rows written beside it, so always on or before each of them
        "earliest_date": min((x["date"] for x in d.deadlines), default=None),
    }
    children = [
        [{"case_id": w.case_id} | h for h in d.hearings],
        [{"case_id": w.case_id} | a for a in d.assessments],
        [{"case_id": w.case_id} | x for x in d.deadlines],
        [
            {"case_id": w.case_id, "entry_id": w.entries[x["event_key"]]} | x
            for x in d.withdrawals
            if x["event_key"] in w.entries
        ],
        [{"case_id": w.case_id, "term": t} for t in d.terms],
    ]
    return row, children


def digest(w: Write) -> str:
    """A digest of what every row ``write`` stores for this case version is made of, except
    the day they are as of: equal digests, equal rows (the refresh then only moves the day).
    Two halves of 32 hex digits: the rows a day's passing changes (``_DAILY``), then the
    others (``_LASTING``), so that a refresh rewrites only the half that changed.

    It is taken over the facts as derived (their fields, and the log entry of each waiting
    withdrawal), not over the rows built from them: the same rows follow from the same
    facts, and building them for every case cost a nightly refresh more than the digest
    itself. The facts format, the case and its version are in both halves, so facts read
    off by other code, or of another version, are never taken for equal."""
    d = w.derived
    head = [FACTS_FORMAT, w.case_id, w.version]
    daily = orjson.dumps([*head, [getattr(d, name) for name in _DAILY_FIELDS]])
    lasting = orjson.dumps(
        [
            *head,
            [getattr(d, name) for name in _LASTING_FIELDS],
            [w.entries.get(x["event_key"]) for x in d.withdrawals],
        ]
    )
    return (
        hashlib.blake2b(daily, digest_size=16).hexdigest()
        + hashlib.blake2b(lasting, digest_size=16).hexdigest()
    )


def same_lasting_rows(stored: str | None, new: str) -> bool:
    """Whether the stored hearing, withdrawal and name-term rows are the ones facts with
    digest ``new`` would write (the second halves are equal)."""
    return stored is not None and len(stored) == len(new) == 64 and stored[32:] == new[32:]


#: each fact table's DELETE of a batch of cases, built once (desk/id_batch.py)
_DELETE: dict[Any, Delete] = {m: delete(_table(m)).where(in_batch(_table(m).c.case_id)) for m in _TABLES}
#: all of them, the case_facts row's last
_DELETES = tuple(_DELETE[m] for m in _TABLES[::-1])


def write(s: Session, items: Sequence[Write], analysis_key: str, now: dt.datetime) -> None:
    """Replace the facts of these cases (inside the caller's transaction): one DELETE per
    table per 500 cases and one executemany per table. An item whose ``lasting_stored`` is
    set (a refresh of the same case version) keeps its hearing, withdrawal and name-term
    rows, and its other rows are brought to the new facts in place (:func:`_write_in_place`)."""
    if not items:
        return
    key = facts_key(analysis_key)
    whole = [w for w in items if not w.lasting_stored]
    ids = [w.case_id for w in whole]
    for i in range(0, len(ids), _CHUNK):
        part = ids[i : i + _CHUNK]
        for stmt in _DELETES:
            s.execute(stmt, {IDS: part})
    tables: list[list[dict[str, Any]]] = [[] for _ in _TABLES]
    for w in whole:
        row, children = _rows(w)
        tables[0].append(row | _stamp(w, key, now))
        for rows, more in zip(tables[1:], children, strict=True):
            rows += more
    _write_in_place(s, [w for w in items if w.lasting_stored], key, now, tables)
    for table, rows in zip(_TABLES, tables, strict=True):
        if rows:
            # Core's executemany, not the ORM's bulk insert: the ORM's per-row bookkeeping
            # was most of a bulk import's and a refresh's write time (docs/decisions.md, issue 11)
            s.execute(table_insert(table), rows)


def _stamp(w: Write, key: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "as_of": w.derived.as_of,
        "holds_through": w.derived.holds_through,
        "analysis_digest": w.derived.analysis_digest,
        "analysis_key": key,
        "refreshed_at": now,
        "facts_digest": w.digest or digest(w),
    }


#: the daily tables ``_write_in_place`` updates, with the columns it compares (all but the
#: row's own id, its case and the time of writing), in ``_rows``'s order of child tables
_IN_PLACE = (
    (AssessmentFact, 1, ("period", "assessment", "csed", "lower_bound")),
    (DeadlineFact, 2, ("position", "date", "kind", "rule", "what", "event", "periods", "authority", "says")),
)
_FACT_COLUMNS = (
    "case_version",
    "stage",
    "stage_title",
    "stage_since",
    "next_deadline",
    "csed",
    "csed_lower_bound",
    "taxpayer",
    "taxpayer_sort",
    "tin_last4",
    "earliest_date",
    "as_of",
    "holds_through",
    "analysis_digest",
    "analysis_key",
    "facts_digest",
)


def _write_in_place(
    s: Session, items: Sequence[Write], key: str, now: dt.datetime, inserts: list[list[dict[str, Any]]]
) -> None:
    """The facts of cases whose hearing, withdrawal and name-term rows are already these
    facts' (``lasting_stored``): the stored ``case_facts``, assessment and deadline rows
    are read and compared with the new ones, and only the columns that differ are set, one
    executemany of an UPDATE per set of columns. A DELETE and an INSERT rewrote every index
    of every row (nine on ``case_facts``, five on ``case_deadlines``); from one day to the
    next a changed case's stage and next deadline stay, its open CSEDs move, and so do the
    dates and words of the deadline rows for them, not the others (docs/decisions.md,
    issue 11, round 2). A case whose number of assessment or deadline rows changed has
    those rows replaced (deleted, and added to ``inserts``)."""
    if not items:
        return
    facts_t = _FACTS_TABLE
    ids = [w.case_id for w in items]
    stored: dict[int, Any] = {}
    children: list[dict[int, list[Any]]] = [{} for _ in _IN_PLACE]
    for i in range(0, len(ids), _CHUNK):
        part = {IDS: ids[i : i + _CHUNK]}
        stored.update((r[0], r[1:]) for r in s.execute(_STORED_FACTS, part))
        for q, found in zip(_STORED_CHILDREN, children, strict=True):
            for r in s.execute(q, part):
                found.setdefault(r[1], []).append(r)
    updates: dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]] = {}
    replaced: list[list[int]] = [[] for _ in _IN_PLACE]
    for w in items:
        row, rows = _rows(w)
        row |= _stamp(w, key, now)
        old = stored.get(w.case_id)
        if old is None:  # no row (taken away since the digest was read): written anew
            for child in _TABLES[1:]:
                s.execute(_DELETE[child], {IDS: [w.case_id]})
            inserts[0].append(row)
            for into, more in zip(inserts[1:], rows, strict=True):
                into += more
            continue
        diff = tuple(c for c, was in zip(_FACT_COLUMNS, old, strict=True) if row[c] != was)
        updates.setdefault((facts_t, (*diff, "refreshed_at")), []).append(
            {ROW_ID: w.case_id} | {c: row[c] for c in diff} | {"refreshed_at": now}
        )
        for (model, n, columns), found, gone in zip(_IN_PLACE, children, replaced, strict=True):
            new, was_rows = rows[n], found.get(w.case_id, [])
            if len(new) != len(was_rows):
                gone.append(w.case_id)
                inserts[n + 1] += new
                continue
            t = _table(model)
            for was, now_row in zip(was_rows, new, strict=True):
                changed = tuple(c for c, v in zip(columns, was[2:], strict=True) if now_row[c] != v)
                if changed:
                    updates.setdefault((t, changed), []).append(
                        {ROW_ID: was[0]} | {c: now_row[c] for c in changed}
                    )
    for (model, _n, _columns), gone in zip(_IN_PLACE, replaced, strict=True):
        for i in range(0, len(gone), _CHUNK):
            s.execute(_DELETE[model], {IDS: gone[i : i + _CHUNK]})
    for (t, _changed), params in updates.items():
        # the columns each row's keys name (the same for every row of the list): on
        # PostgreSQL one statement per 1,000 rows (desk/row_batch.py)
        update_rows(s, t, "case_id" if t is facts_t else "id", params)


#: ``_write_in_place``'s reads of a batch's stored rows, built once (desk/id_batch.py)
_STORED_FACTS = select(_FACTS_TABLE.c.case_id, *(_FACTS_TABLE.c[c] for c in _FACT_COLUMNS)).where(
    in_batch(_FACTS_TABLE.c.case_id)
)
_STORED_CHILDREN = tuple(
    select(_table(m).c.id, _table(m).c.case_id, *(_table(m).c[c] for c in columns))
    .where(in_batch(_table(m).c.case_id))
    .order_by(_table(m).c.case_id, _table(m).c.id)
    for m, _n, columns in _IN_PLACE
)


class StoredFacts(NamedTuple):
    """What the write-back of a refresh compares with: a case's current version, and of its
    stored facts (all None: none stored) their digest (None too for facts written before
    migration 0012), the day they hold through and the digest of what they were read from."""

    version: int
    digest: str | None
    holds_through: dt.date | None
    analysis_digest: str | None


#: the refresh's write-back statements, built once, the ids one parameter (desk/id_batch.py):
#: a statement built with an ``IN`` list of 500 literals coerced each one (a third of the
#: write-back's time per unchanged case)
_STORED = (
    select(Case.id, Case.version, CaseFacts.facts_digest, CaseFacts.holds_through, CaseFacts.analysis_digest)
    .outerjoin(CaseFacts, CaseFacts.case_id == Case.id)
    .where(in_batch(Case.id))
)
_MOVE_DAY = (
    update(_FACTS_TABLE)
    .where(in_batch(_FACTS_TABLE.c.case_id))
    .values(as_of=bindparam("new_day"), analysis_key=bindparam("new_key"), refreshed_at=bindparam("new_now"))
)


def stored_digests(s: Session, case_ids: Sequence[int]) -> dict[int, StoredFacts]:
    """Each case's current version and what is stored of its facts (:class:`StoredFacts`),
    one query per 500 cases (``move_day`` takes it from here, not from a query of its own)."""
    out: dict[int, StoredFacts] = {}
    for i in range(0, len(case_ids), _CHUNK):
        rows = s.execute(_STORED, {IDS: list(case_ids[i : i + _CHUNK])})
        for cid, version, digest, holds, read_off in rows:
            out[cid] = StoredFacts(version, digest, holds, read_off)
    return out


#: a case whose facts are the stored ones: (case id, their new day, the day they hold
#: through from it, the digest of the analysis they were read off)
SameFacts = tuple[int, dt.date, "dt.date | None", "str | None"]


def move_day(
    s: Session,
    days: Sequence[SameFacts],
    analysis_key: str,
    now: dt.datetime,
    stored: Mapping[int, StoredFacts],
) -> None:
    """Cases whose facts did not change (same digest): only their day, the day they hold
    through (``Derived.holds_through``), the digest of their analysis, key and time of
    refresh move (inside the caller's transaction; ``stored``: what ``stored_digests`` read
    in it). The cases whose hold-through day and analysis digest are the stored ones (nearly
    all of them): one UPDATE per day and 500 cases; the others, one executemany."""
    key = facts_key(analysis_key)
    by_day: dict[dt.date, list[int]] = {}
    moved: list[dict[str, Any]] = []
    for cid, day, holds, read_off in days:
        was = stored.get(cid)
        if was is not None and was.holds_through == holds and was.analysis_digest == read_off:
            by_day.setdefault(day, []).append(cid)
        else:
            moved.append(
                {ROW_ID: cid, "as_of": day, "holds_through": holds, "analysis_digest": read_off}
                | {"analysis_key": key, "refreshed_at": now}
            )
    for day, ids in sorted(by_day.items()):
        for i in range(0, len(ids), _CHUNK):
            s.execute(_MOVE_DAY, {"ids": ids[i : i + _CHUNK], "new_day": day, "new_key": key, "new_now": now})
    update_rows(s, _FACTS_TABLE, "case_id", moved)


_CASES_TABLE = _table(Case)
#: :func:`move_held`'s UPDATE, built once (as ``_MOVE_DAY``)
_MOVE_HELD = (
    update(_FACTS_TABLE)
    .where(
        in_batch(_FACTS_TABLE.c.case_id),
        _FACTS_TABLE.c.analysis_key == bindparam("key"),
        _FACTS_TABLE.c.holds_through >= bindparam("day"),
        _FACTS_TABLE.c.as_of <= bindparam("day"),
        _FACTS_TABLE.c.case_version
        == select(_CASES_TABLE.c.version)
        .where(_CASES_TABLE.c.id == _FACTS_TABLE.c.case_id)
        .scalar_subquery(),
    )
    .values(as_of=bindparam("new_day"), refreshed_at=bindparam("new_now"))
)


def move_held(s: Session, ids: Sequence[int], day: dt.date, analysis_key: str, now: dt.datetime) -> int:
    """Cases whose stored facts hold on ``day`` (``holds_through`` on or after it, as of a
    day on or before it, for this key and the case's current version): only their day and
    time of refresh move, in SQL, one UPDATE per 500 cases, no analysis (the nightly
    refresh's skip, docs/decisions.md, issue 11, session 7). The conditions are in the
    UPDATE itself, so a case whose facts changed since it was picked is left alone (the
    next refresh finds it). Returns how many moved (inside the caller's transaction)."""
    key = facts_key(analysis_key)
    moved = 0
    for i in range(0, len(ids), _CHUNK):
        params = {"ids": list(ids[i : i + _CHUNK]), "key": key, "day": day, "new_day": day, "new_now": now}
        result = s.execute(_MOVE_HELD, params)
        moved += int(getattr(result, "rowcount", 0) or 0)
    return moved


def stale_cases(s: Session, after: int = 0, limit: int = _CHUNK) -> list[int]:
    """Cases (with an id above ``after``) whose facts are missing, belong to another version
    (stored before migration 0005, or written by code that did not write them) or are of an
    older format (``FACTS_FORMAT``). A new engine or holidays release alone does not make
    facts stale here: the nightly refresh recomputes those."""
    q = (
        select(Case.id)
        .outerjoin(CaseFacts, CaseFacts.case_id == Case.id)
        .where(Case.id > after)
        .where(
            (CaseFacts.case_id.is_(None))
            | (CaseFacts.case_version != Case.version)
            | ~CaseFacts.analysis_key.endswith(FACTS_FORMAT, autoescape=True)
        )
        .order_by(Case.id)
        .limit(limit)
    )
    return list(s.scalars(q))


def fill_missing(desk: Desk) -> int:
    """Give every case without current facts its facts, as of the desk's day (once per desk
    object; cheap when there is nothing to do). Returns how many cases were filled."""
    if desk._facts_complete:
        return 0
    from cdpdesk.desk.record import DeskError

    filled, after = 0, 0
    while True:
        with desk._sessions() as s:
            todo = stale_cases(s, after)
        if not todo:
            break
        for cid in todo:
            try:
                desk.refresh_facts(cid)
                filled += 1
            except DeskError as exc:  # the engine refuses the stored case: leave it, say so
                log.warning("case %s: no derived facts: %s", cid, exc)
        after = todo[-1]
    if filled:
        log.info("derived facts written for %d cases that had none (or old ones)", filled)
    desk._facts_complete = True
    return filled
