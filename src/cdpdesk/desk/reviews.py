"""The review list stored with a case taken in from IRS account transcripts (issue 17).

Every transcript line the importer did not map, and every mapping a person must check,
is a review item with the line it came from. When such a case is stored (``cdpdesk
transcript import --store`` or the web), its items are stored with it in the same
transaction (migration 0010), each with a ``listed`` entry in the review log. Staff and
the case's representatives then confirm an item (it was read right, or it does not
matter) or resolve it (the case was put right, for example by recording the event the
transcript could not give); each of those is a log entry with who, when and a note.
The items are not case facts: they never change the analysis or the case version.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column

from cdpdesk.desk import db, intake
from cdpdesk.desk.accounts import CaseLink, User
from cdpdesk.desk.base import _source
from cdpdesk.desk.models import Base, UTCDateTime
from cdpdesk.desk.record import DeskError, NotFoundError, check_text, get_case, utcnow
from cdpdesk.desk.workflow import Desk
from cdpdesk.privacy import redact

log = logging.getLogger(__name__)

#: What a person may do with an item, and the state it leaves the item in.
ACTIONS = {"confirm": "confirmed", "resolve": "resolved"}
STATES = ("open", "confirmed", "resolved")
KINDS = ("unmapped", "not_imported", "check", "unpaired", "conflict")
MAX_ITEMS = 2000
MAX_NOTE = 1000


class CaseReview(Base):
    """One review item of a stored case (migration 0010)."""

    __tablename__ = "case_reviews"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'confirmed', 'resolved')", name="ck_case_reviews_status"),
        UniqueConstraint("case_id", "position", name="uq_case_reviews_position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(500))
    line: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CaseReviewLog(Base):
    """What was done with a review item: listed (at intake), confirmed or resolved."""

    __tablename__ = "case_review_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("case_reviews.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    action: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    action: str
    by: str
    at: dt.datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class StoredReview:
    id: int
    case_id: int
    position: int
    source: str
    line: int
    kind: str
    code: str | None
    reason: str
    text: str
    status: str
    history: list[ReviewEntry] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "line": self.line,
            "kind": self.kind,
            "code": self.code,
            "reason": self.reason,
            "text": self.text,
            "status": self.status,
            "history": [
                {"action": h.action, "by": h.by, "at": h.at.isoformat(), "note": h.note} for h in self.history
            ],
        }


def _items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items as the importer gives them (ReviewItem.to_json), checked for the columns;
    every text masked again (a review item must never hold a full TIN)."""
    if len(items) > MAX_ITEMS:
        raise DeskError(f"review: too many items ({len(items)}; at most {MAX_ITEMS})")
    out = []
    for n, item in enumerate(items):
        kind = item.get("kind")
        if kind not in KINDS:
            raise DeskError(f"review[{n}].kind: expected one of {', '.join(KINDS)}")
        line = item.get("line")
        if not isinstance(line, int) or isinstance(line, bool) or not 0 <= line < 10**9:
            raise DeskError(f"review[{n}].line: expected a line number")
        code = item.get("code")
        out.append(
            {
                "source": redact(str(item.get("source") or ""))[:500],
                "line": line,
                "kind": kind,
                "code": None if code is None else redact(str(code))[:20],
                "reason": redact(str(item.get("reason") or "")),
                "text": redact(str(item.get("text") or "")),
            }
        )
    return out


def store_with_review(
    desk: Desk,
    text: str | bytes,
    review: list[dict[str, Any]],
    *,
    by: str | None = None,
    source: str = "transcripts",
    allow_duplicate: bool = False,
    link_to: str | None = None,
) -> intake.Imported:
    """Store the case and its review list in one transaction (both or neither); with
    ``link_to``, the representative who took it in is linked to it in the same transaction.
    Raises what ``Desk.import_one`` raises (DuplicateCaseError, DeskError)."""
    who = desk._by(by)
    rows = _items(review)
    item = intake.validate(text, _source(source))
    now = utcnow()
    try:
        with desk._tx() as s:
            (result,) = intake._store(desk, s, [item], who, allow_duplicate)
            if result.case is None:
                if result.duplicate_of is not None:
                    raise intake.DuplicateCaseError(result.refused or "", result.duplicate_of)
                raise DeskError(result.refused or "not stored")
            case_id = result.case
            reviews = [
                CaseReview(case_id=case_id, position=n, status="open", created_at=now, **row)
                for n, row in enumerate(rows)
            ]
            s.add_all(reviews)
            s.flush()
            s.add_all(
                CaseReviewLog(review_id=r.id, case_id=case_id, action="listed", by=who, at=now, note=None)
                for r in reviews
            )
            if link_to is not None:
                user = s.scalars(select(User).where(User.username == link_to)).first()
                if user is None:
                    raise NotFoundError(f"no user {link_to!r}")
                s.add(CaseLink(user_id=user.id, case_id=case_id, created_at=now))
    except DBAPIError as exc:
        desk._fingerprints_complete = False
        raise DeskError(f"{item.source}: not stored: {db._reason(exc)}") from None
    log.info(
        "case %s imported from %s by %s (%d events, %d review items)",
        case_id,
        item.source,
        who,
        len(item.case.events),
        len(rows),
    )
    for warning in result.warnings:
        log.warning("%s: %s", item.source, warning)
    return result


def reviews_for(desk: Desk, case_id: int) -> list[StoredReview]:
    """The case's review items in their order, each with its log (two queries, in a read
    session: the case page's own, in a web request)."""
    with desk._reads() as s:
        rows = list(
            s.scalars(select(CaseReview).where(CaseReview.case_id == case_id).order_by(CaseReview.position))
        )
        if not rows:
            return []
        history: dict[int, list[ReviewEntry]] = {}
        for entry in s.scalars(
            select(CaseReviewLog).where(CaseReviewLog.case_id == case_id).order_by(CaseReviewLog.id)
        ):
            history.setdefault(entry.review_id, []).append(
                ReviewEntry(entry.action, entry.by, entry.at, entry.note)
            )
    return [
        StoredReview(
            r.id,
            r.case_id,
            r.position,
            r.source,
            r.line,
            r.kind,
            r.code,
            r.reason,
            r.text,
            r.status,
            history.get(r.id, []),
        )
        for r in rows
    ]


def act_on_review(
    desk: Desk, case_id: int, review_id: int, action: str, *, by: str | None = None, note: str | None = None
) -> StoredReview:
    """Confirm or resolve one item; logged with who, when and the note. A resolved item is
    done; a confirmed one may still be resolved."""
    if action not in ACTIONS:
        raise DeskError(f"action: expected one of {', '.join(ACTIONS)}")
    who = desk._by(by)
    note = note.strip() if note and note.strip() else None
    if note is not None:
        note = check_text(note, "note", MAX_NOTE)
    with desk._tx() as s:
        get_case(s, case_id)
        row = s.get(CaseReview, review_id, with_for_update=True)
        if row is None or row.case_id != case_id:
            raise NotFoundError(f"case {case_id} has no review item {review_id}")
        state = ACTIONS[action]
        if row.status == "resolved":
            raise DeskError(f"review item {review_id} is already resolved")
        if row.status == state:
            raise DeskError(f"review item {review_id} is already {state}")
        row.status = state
        s.add(CaseReviewLog(review_id=row.id, case_id=case_id, action=state, by=who, at=utcnow(), note=note))
    log.info("case %s review item %s %s by %s", case_id, review_id, state, who)
    (done,) = [r for r in reviews_for(desk, case_id) if r.id == review_id]
    return done


__all__ = [
    "ACTIONS",
    "CaseReview",
    "CaseReviewLog",
    "StoredReview",
    "act_on_review",
    "reviews_for",
    "store_with_review",
]
