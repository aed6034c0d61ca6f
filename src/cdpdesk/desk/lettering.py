"""Letter 4383: acknowledge written withdrawals, exactly once each, and keep the letters'
files in step with their rows.

Every write is one transaction. Letters are rendered *before* the transaction opens and
inserted with their period returns in it, so a failure leaves no half-issued letter; the
unique key (case, letter number, withdrawal) and the case's version make two clerks who
acknowledge the same withdrawal at the same moment get one letter between them.

A letter's files (var/letters/case-N/letter-ID-4383.html and .pdf) are written, flushed and
checked against their sha256 *inside* that transaction, before it commits; a failed commit
removes them. A crash can therefore leave only stray files with no row (removed by the next
repair, once they are old enough not to be another clerk's letter in flight), never a row
without its files. Should a file still go missing or change (a disk restored, a hand
edit), every read (``letters``, ``letter``, ``letter_files``, ``show``) and
``issue_pending`` write it again from the database, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version as _dist_version
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from cdpdesk.contract import CaseError, load_case_dict
from cdpdesk.contract.case import ID_PATTERN
from cdpdesk.desk import db, intake
from cdpdesk.desk.base import _RETRIES, _case_error, _day
from cdpdesk.desk.cases import ANALYSIS_KEY
from cdpdesk.desk.files import sha256_of, write_checked
from cdpdesk.desk.models import CaseEvent, CollectionReturn, Letter
from cdpdesk.desk.queue import QueueWork
from cdpdesk.desk.record import (
    DeskError,
    NotFoundError,
    StaleCaseError,
    StoredCase,
    bump_version,
    check_id,
    dumps,
    utcnow,
)
from cdpdesk.engine import analyze
from cdpdesk.letters.facts import (
    LETTER_4383,
    LetterError,
    as_of_for,
    letter_4383_snapshot,
)
from cdpdesk.privacy import mask_tin

log = logging.getLogger("cdpdesk.desk")

#: What a letter's bytes depend on: that, and the PDF engine. Recorded on each letter.
LETTER_KEY = f"{ANALYSIS_KEY}+weasyprint-{_dist_version('weasyprint')}"
#: Files with no letter row younger than this may be a letter another process is issuing.
ORPHAN_GRACE_SECONDS = 600
_LETTER_FILE = re.compile(r"^\.?letter-([0-9]+)-([0-9A-Za-z]+)\.(html|pdf)(\.[0-9]+\.tmp)?$")


@dataclass(frozen=True, slots=True)
class LetterInfo:
    id: int
    case: int
    number: str
    withdrawal: str
    date: dt.date
    issued_by: str
    issued_at: dt.datetime
    sha256: str
    html: Path
    pdf: Path

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "html": str(self.html),
            "pdf": str(self.pdf),
            "sha256": self.sha256,
            "case": self.case,
            "withdrawal": self.withdrawal,
            "date": self.date.isoformat(),
            "issued_by": self.issued_by,
            "issued_at": self.issued_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    letter: LetterInfo
    created: bool

    def to_json(self) -> dict[str, Any]:
        return {"letter": self.letter.to_json(), "created": self.created}


class LetterWork(QueueWork):
    """Letter 4383 and the letters' files."""

    def show(self, case_id: int, as_of: dt.date | None = None) -> dict[str, Any]:
        """The case, its log, its letters and returns, and its analysis (TIN masked)."""
        _day(as_of, "as_of")
        return self.show_stored(self.stored(case_id), as_of)

    def show_stored(self, stored: StoredCase, as_of: dt.date | None = None) -> dict[str, Any]:
        """:meth:`show` of a case already read (``stored``): a page that needs the stored
        case as well reads it once."""
        case_id = stored.row.id
        analysis = self._analysis(stored, as_of or self._default_as_of(stored))
        with self._reads() as s:
            letters = [self._materialize(row) for row in s.scalars(self._letters_q(case_id))]
            returns = list(
                s.scalars(
                    select(CollectionReturn)
                    .where(CollectionReturn.case_id == case_id)
                    .order_by(CollectionReturn.id)
                )
            )
        row = stored.row
        taxpayer = stored.data.get("taxpayer")
        superseded = {e.supersedes for e in stored.log if e.supersedes is not None}
        return {
            "case": {
                "id": row.id,
                "version": row.version,
                "created_at": row.created_at.isoformat(),
                "created_by": row.created_by,
                "source": row.source,
                "language": row.language,  # the taxpayer's preferred language (migration 0009)
                "taxpayer": None
                if taxpayer is None
                else {
                    "name": taxpayer["name"],
                    "tin": mask_tin(taxpayer.get("tin")),
                    "address": taxpayer["address"],
                },
                "periods": stored.data["periods"],
                "log": [
                    {
                        "entry": e.id,
                        "event": e.event_key,
                        "kind": e.kind,
                        "payload": orjson.loads(e.payload) if e.payload else None,
                        "supersedes": e.supersedes,
                        "superseded": e.id in superseded,
                        "current": e.event_key in stored.active
                        and stored.active[e.event_key].entry.id == e.id,
                        "version": e.case_version,
                        "recorded_by": e.recorded_by,
                        "recorded_at": e.recorded_at.isoformat(),
                        "source": e.source,
                        "note": e.note,
                    }
                    for e in stored.log
                ],
                "letters": [info.to_json() for info in letters],
                "returned_to_collection": [
                    {
                        "period": r.period_key,
                        "parts": r.parts,
                        "on": r.returned_on.isoformat(),
                        "letter": r.letter_id,
                    }
                    for r in returns
                ],
            },
            "analysis": analysis,
        }

    def acknowledge(
        self,
        case_id: int,
        event_id: str,
        *,
        by: str | None = None,
        letter_date: dt.date | None = None,
        enclosures: list[str] | None = None,
    ) -> Acknowledgement:
        """Issue Letter 4383 for a written withdrawal and mark its periods returned to
        Collection; if the letter exists already, return it (``created`` false)."""
        check_id(case_id, "case")
        if not isinstance(event_id, str) or not re.match(ID_PATTERN, event_id) or len(event_id) > 200:
            raise NotFoundError(f"case {case_id} has no event {event_id!r}")
        _day(letter_date, "the letter's date")
        existing = self._existing_letter(case_id, event_id)
        if existing is not None:
            return Acknowledgement(self._materialize(existing), created=False)
        when = letter_date or dt.date.today()
        issuer = self._by(by)
        for _attempt in range(_RETRIES):
            stored = self.stored(case_id)
            case = stored.case_file()
            if event_id not in stored.active:
                raise NotFoundError(f"case {case_id} has no event {event_id!r}")
            try:
                analysis = analyze(case, as_of_for(case, when))
                snapshot = letter_4383_snapshot(
                    case,
                    analysis,
                    event_id,
                    when,
                    self.settings.contact.to_json(),
                    case_ref=f"CDP Desk case {case_id}",
                    enclosures=enclosures,
                    language=stored.row.language,  # the case's column (migration 0009); None: English
                )
            except CaseError as exc:
                raise _case_error(exc, f"case {case_id}: ") from None
            except LetterError as exc:
                raise DeskError(f"case {case_id}: {exc}") from None
            # The letter becomes a fact of the case (law.md 5: its effects still date from the
            # withdrawal's receipt), checked by the engine before anything is stored.
            ack_key = f"{event_id}-letter-4383"
            while ack_key in stored.active:
                ack_key += "-1"
            ack = {
                "id": ack_key,
                "type": "withdrawal_acknowledged",
                "date": when.isoformat(),
                "withdrawal": event_id,
            }
            try:
                events = [e.payload for e in stored.active.values()] + [ack]
                after = load_case_dict(stored.data | {"events": events})
                letter_day = as_of_for(case, when)
                checked = analyze(after, letter_day)
                desk_day = self._default_as_of(stored)  # the facts speak from the desk's day
                derived = checked if desk_day == letter_day else analyze(after, desk_day)
            except CaseError as exc:
                raise _case_error(exc, f"case {case_id}: ") from None
            from cdpdesk.letters.render import render_4383

            rendered = render_4383(snapshot)  # before the transaction: nothing half-issued
            self._step("rendered")
            written: list[Path] = []
            try:
                with self._tx() as s:
                    version = bump_version(s, case_id, stored.version)
                    intake.refresh(self, s, case_id, after)  # the export now carries the letter
                    letter = Letter(
                        case_id=case_id,
                        number=LETTER_4383,
                        withdrawal_key=event_id,
                        withdrawal_entry=stored.active[event_id].entry.id,
                        case_version=version,
                        letter_date=when,
                        template_rev=snapshot["letter"]["rev"],
                        engine_version=LETTER_KEY,
                        snapshot=dumps(snapshot),
                        html=rendered.html,
                        pdf=rendered.pdf,
                        sha256=rendered.sha256,
                        html_sha256=rendered.html_sha256,
                        issued_by=issuer,
                        issued_at=utcnow(),
                    )
                    s.add(letter)
                    s.flush()
                    ack_entry = CaseEvent(
                        case_id=case_id,
                        event_key=ack_key,
                        kind="record",
                        payload=dumps(ack),
                        supersedes=None,
                        case_version=version,
                        recorded_by=issuer,
                        recorded_at=utcnow(),
                        source="letter",
                        note=f"Letter 4383 {letter.id}",
                    )
                    s.add(ack_entry)
                    s.flush()
                    entries = {k: e.entry.id for k, e in stored.active.items()} | {ack_key: ack_entry.id}
                    self._store_facts(s, case_id, version, after, derived, entries, acknowledged={event_id})
                    for row in snapshot["withdrawn"]:
                        s.add(
                            CollectionReturn(
                                case_id=case_id,
                                letter_id=letter.id,
                                period_key=row["period"],
                                parts=" and ".join(row["parts"]),
                                returned_on=when,
                            )
                        )
                    s.flush()
                    self._step("row added")
                    # the files first, checked: the row commits only once they are on disk
                    html_path, pdf_path = self._paths(letter)
                    written = [html_path, pdf_path]
                    write_checked(html_path, rendered.html, rendered.html_sha256, self._step)
                    write_checked(pdf_path, rendered.pdf, rendered.sha256, self._step)
                    self._step("files written")
                    if self.before_letter_commit is not None:
                        self.before_letter_commit(s, letter)
            except (StaleCaseError, IntegrityError, OperationalError) as exc:
                _remove(written)
                existing = self._existing_letter(case_id, event_id)
                if existing is not None:
                    log.info(
                        "case %s: withdrawal %s was acknowledged by another clerk first", case_id, event_id
                    )
                    return Acknowledgement(self._materialize(existing), created=False)
                if isinstance(exc, OperationalError) and not _is_conflict(exc):
                    raise DeskError(f"case {case_id}: the letter was not issued: {db._reason(exc)}") from None
                continue  # the case changed under us: read it again and redo the letter
            except OSError as exc:
                _remove(written)
                raise DeskError(
                    f"case {case_id}: the letter was not issued: its files could not be written "
                    f"({exc.strerror or exc})"
                ) from None
            except BaseException:
                _remove(written)
                raise
            self._step("committed")
            log.info(
                "case %s: Letter 4383 %s issued for withdrawal %s by %s (sha256 %s)",
                case_id,
                letter.id,
                event_id,
                issuer,
                rendered.sha256[:16],
            )
            return Acknowledgement(self._letter_info(letter), created=True)
        raise DeskError(
            f"case {case_id} kept changing while the letter was issued; nothing was issued: try again"
        )

    def issue_pending(
        self,
        *,
        by: str | None = None,
        letter_date: dt.date | None = None,
        progress: Callable[[int, int, dict[str, Any]], None] | None = None,
        repair: bool = True,
        workers: int = 1,
    ) -> list[Acknowledgement]:
        """Repair the letters' files, then acknowledge every pending written withdrawal,
        oldest first; on ``workers`` processes when more than one (desk/issuing.py)."""
        if repair:
            self.repair_letters()
        todo = self.pending_withdrawals()["pending"]
        if workers > 1 and len(todo) > 1:
            from cdpdesk.desk.issuing import issue_in_parallel

            return issue_in_parallel(
                self, todo, workers=workers, by=self._by(by), letter_date=letter_date, progress=progress
            )
        done: list[Acknowledgement] = []
        for i, item in enumerate(todo):
            done.append(self.acknowledge(item["case"], item["event"], by=by, letter_date=letter_date))
            if progress is not None:
                progress(i + 1, len(todo), item)
        return done

    def issue_next(
        self, limit: int, *, by: str | None = None, letter_date: dt.date | None = None
    ) -> tuple[list[Acknowledgement], int]:
        """Acknowledge the ``limit`` oldest pending written withdrawals (one small batch of
        "issue all" from the web queue) and say how many still wait. Each letter is issued
        once: a withdrawal another clerk acknowledged meanwhile returns its letter."""
        from cdpdesk.desk.facts import PENDING
        from cdpdesk.desk.listing import withdrawals

        todo, _ = withdrawals(self, PENDING, per_page=max(1, limit))
        done = [self.acknowledge(w["case"], w["event"], by=by, letter_date=letter_date) for w in todo]
        _, left = withdrawals(self, PENDING, per_page=1)
        return done, left

    def _letters_q(self, case_id: int | None) -> Any:
        q = select(Letter).order_by(Letter.id)
        return q if case_id is None else q.where(Letter.case_id == case_id)

    def letters(self, case_id: int | None = None) -> list[LetterInfo]:
        """The issued letters (of one case), each file checked and repaired if need be."""
        if case_id is not None:
            check_id(case_id, "case")
        with self._reads() as s:
            return [self._materialize(row) for row in s.scalars(self._letters_q(case_id))]

    def letter(self, letter_id: int) -> Letter:
        """One issued letter's row, its bytes checked against their sha256 and its files
        repaired if need be."""
        check_id(letter_id, "letter")
        with self._sessions() as s:
            row = s.get(Letter, letter_id)
        if row is None:
            raise NotFoundError(f"no letter {letter_id} in this database")
        self._materialize(row)
        return row

    def repair_letters(self) -> list[str]:
        """Write again every letter file that is missing or does not match its sha256, and
        remove stray files that belong to no letter (older than ``ORPHAN_GRACE_SECONDS``).
        Returns one line per file repaired or removed."""
        done: list[str] = []
        known: set[tuple[int, int, str]] = set()
        with self._sessions() as s:
            for row in s.scalars(select(Letter).order_by(Letter.id).execution_options(yield_per=50)):
                known.add((row.id, row.case_id, row.number))
                done += self._repair(row)
        root = self.settings.letters_dir
        cutoff = time.time() - ORPHAN_GRACE_SECONDS
        for folder in sorted(root.glob("case-*")) if root.is_dir() else []:
            for path in sorted(folder.iterdir()):
                m = _LETTER_FILE.match(path.name)
                if m is None or not path.is_file():
                    continue
                key = (int(m.group(1)), _case_of(folder), m.group(2))
                if (key in known and not m.group(4)) or path.stat().st_mtime > cutoff:
                    continue
                path.unlink(missing_ok=True)
                done.append(f"removed {path}: it belongs to no issued letter")
        for line in done:
            log.warning("letters: %s", line)
        return done

    def letter_files(self, letter_id: int) -> LetterInfo:
        """The letter's stored files under var/letters/ (written again if missing)."""
        return self._materialize(self.letter(letter_id))

    def _existing_letter(self, case_id: int, event_id: str) -> Letter | None:
        with self._sessions() as s:
            return s.scalars(
                select(Letter).where(
                    Letter.case_id == case_id, Letter.number == LETTER_4383, Letter.withdrawal_key == event_id
                )
            ).first()

    def _paths(self, row: Letter) -> tuple[Path, Path]:
        folder = self.settings.letters_dir / f"case-{row.case_id}"
        stem = f"letter-{row.id}-{row.number}"
        return folder / f"{stem}.html", folder / f"{stem}.pdf"

    def _letter_info(self, row: Letter) -> LetterInfo:
        html, pdf = self._paths(row)
        return LetterInfo(
            id=row.id,
            case=row.case_id,
            number=row.number,
            withdrawal=row.withdrawal_key,
            date=row.letter_date,
            issued_by=row.issued_by,
            issued_at=row.issued_at,
            sha256=row.sha256,
            html=html.resolve(),
            pdf=pdf.resolve(),
        )

    def _materialize(self, row: Letter) -> LetterInfo:
        for line in self._repair(row):
            log.warning("letters: %s", line)
        return self._letter_info(row)

    def _repair(self, row: Letter) -> list[str]:
        """Make the letter's files match its sha256s, from the row's bytes (or, should those
        no longer match, from its snapshot rendered again)."""
        done: list[str] = []
        html, pdf = self._paths(row)
        for kind, path, digest in (("html", html, row.html_sha256), ("pdf", pdf, row.sha256)):
            found = sha256_of(path)
            if found == digest:
                continue
            data = self._good_bytes(row, kind, digest)
            try:
                write_checked(path, data, digest)
            except OSError as exc:
                raise DeskError(f"letter {row.id}: cannot write {path} ({exc.strerror or exc})") from None
            done.append(
                f"letter {row.id}: {path} was {'missing' if found is None else 'changed'}; written again"
            )
        return done

    def _good_bytes(self, row: Letter, kind: str, digest: str) -> bytes:
        data: bytes = row.html if kind == "html" else row.pdf
        if hashlib.sha256(data).hexdigest() == digest:
            return data
        from cdpdesk.letters.render import render_4383

        again = render_4383(orjson.loads(row.snapshot))
        data = again.html if kind == "html" else again.pdf
        if hashlib.sha256(data).hexdigest() != digest:
            raise DeskError(
                f"letter {row.id}: the stored {kind.upper()} does not match its sha256, and rendering "
                "its snapshot again gives other bytes: restore the database from a backup"
            )
        # the row is detached: the good bytes serve this read, and nothing is written back
        if kind == "html":
            row.html = data
        else:
            row.pdf = data
        return data

    def _step(self, name: str) -> None:
        if self.on_letter_step is not None:
            self.on_letter_step(name)


def _remove(paths: list[Path]) -> None:
    """Take back the files of a letter whose row did not commit."""
    for path in paths:
        path.unlink(missing_ok=True)


def _case_of(folder: Path) -> int:
    tail = folder.name.removeprefix("case-")
    return int(tail) if tail.isdigit() else -1


def _is_conflict(exc: OperationalError) -> bool:
    return db.is_conflict(exc)
