"""The stored record (SQLAlchemy 2). The schema itself is built by the Alembic migrations
in ``cdpdesk/desk/migrations``; these classes map onto it.

- ``Taxpayer``, ``Case``, ``CasePeriod``, ``CaseAssessment``: who, which periods, which
  assessments. ``Case.version`` counts every change to the case (optimistic lock).
- ``CaseEvent``: the append-only log. A correction or a retraction is a new row that
  ``supersedes`` an older one; rows are never updated or deleted (database triggers refuse).
- ``Letter``: an issued letter, frozen at issue (data snapshot, HTML, PDF, hash, who, when);
  one per (case, letter number, withdrawal event).
- ``CollectionReturn``: a period handed back to Collection by an issued letter.
- ``DeskKey``: the desk's own secrets (the HMAC key of the duplicate fingerprints).
- ``AnalysisCache``: the engine's analysis of one case version, keyed by engine version and
  as-of date. A cache only: the log is the truth.
- ``CaseFacts``, ``HearingFact``, ``AssessmentFact``, ``DeadlineFact``, ``WithdrawalFact``,
  ``NameTerm``: the indexed summary of each case's current analysis (desk/facts.py), written
  with every case version; what lists, searches and the queue read.
- ``QueueAssignment``: which clerk works a queued withdrawal (the queue's "mine").
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and read back as an aware UTC datetime (SQLite keeps no
    time zone; PostgreSQL does)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class Taxpayer(Base):
    __tablename__ = "taxpayers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    tin: Mapped[str | None] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of lines
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taxpayer_id: Mapped[int | None] = mapped_column(ForeignKey("taxpayers.id"))
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    policies: Mapped[str | None] = mapped_column(Text)  # JSON object as given, or null
    #: the taxpayer's preferred language for this case (taxpayer.language; migration 0009)
    language: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500))
    #: keyed hashes (desk/duplicates.py): taxpayer, periods and events; taxpayer and periods
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    near_key: Mapped[str | None] = mapped_column(String(64), index=True)

    taxpayer: Mapped[Taxpayer | None] = relationship()
    periods: Mapped[list[CasePeriod]] = relationship(order_by="CasePeriod.position")


class CaseDocument(Base):
    """A case version's ``cdpdesk.case/1`` document as the refresh's workers read it
    (desk/documents.py, migration 0018): one row read instead of four tables put together."""

    __tablename__ = "case_documents"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    #: the case version the document is of: a row of another version is not read
    case_version: Mapped[int] = mapped_column(Integer)
    #: the document's JSON text, without ``as_of`` (the refresh puts in its day)
    document: Mapped[str] = mapped_column(Text)
    #: the entry id of each current event, a JSON object (event key -> entry id)
    entries: Mapped[str] = mapped_column(Text)


class CasePeriod(Base):
    __tablename__ = "case_periods"
    __table_args__ = (UniqueConstraint("case_id", "period_key", name="uq_case_periods_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    period_key: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(40))
    period_end: Mapped[dt.date] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer)

    assessments: Mapped[list[CaseAssessment]] = relationship(order_by="CaseAssessment.position")


class CaseAssessment(Base):
    __tablename__ = "case_assessments"
    __table_args__ = (UniqueConstraint("period_id", "assessment_key", name="uq_case_assessments_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("case_periods.id"))
    assessment_key: Mapped[str] = mapped_column(String(200))
    assessed: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    irs_csed: Mapped[dt.date | None] = mapped_column(Date)  # the IRS's posted CSED (migration 0007)


class CaseEvent(Base):
    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # record | correction | retraction
    payload: Mapped[str | None] = mapped_column(Text)  # the event's JSON; null for a retraction
    supersedes: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"), unique=True)
    case_version: Mapped[int] = mapped_column(Integer)  # the case version this entry made
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)


class Letter(Base):
    __tablename__ = "letters"
    __table_args__ = (
        UniqueConstraint("case_id", "number", "withdrawal_key", name="uq_letters_once_per_withdrawal"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    withdrawal_key: Mapped[str] = mapped_column(String(200))
    withdrawal_entry: Mapped[int] = mapped_column(ForeignKey("case_events.id"))
    case_version: Mapped[int] = mapped_column(Integer)  # the version the letter was issued from
    letter_date: Mapped[dt.date] = mapped_column(Date)
    template_rev: Mapped[str] = mapped_column(String(40))
    engine_version: Mapped[str] = mapped_column(String(40))
    snapshot: Mapped[str] = mapped_column(Text)  # JSON the letter was rendered from
    html: Mapped[bytes] = mapped_column(LargeBinary)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))  # of the PDF
    html_sha256: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CollectionReturn(Base):
    __tablename__ = "collection_returns"
    __table_args__ = (UniqueConstraint("letter_id", "period_key", name="uq_collection_returns"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"))
    period_key: Mapped[str] = mapped_column(String(200))
    parts: Mapped[str] = mapped_column(String(20))  # lien | levy | lien and levy
    returned_on: Mapped[dt.date] = mapped_column(Date)


class DeskKey(Base):
    """A secret the desk keeps with its data (the fingerprints' HMAC key)."""

    __tablename__ = "desk_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class AnalysisCache(Base):
    __tablename__ = "analysis_cache"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    case_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    engine_version: Mapped[str] = mapped_column(String(40), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    analysis: Mapped[str] = mapped_column(Text)


class CaseFacts(Base):
    """One case's analysis in a row: stage, next deadline, earliest CSED, who (for search)."""

    __tablename__ = "case_facts"
    #: room on each page for a row's next version (migration 0019: the nightly day move
    #: updates rows in place, without touching the indexes)
    __table_args__ = {"postgresql_with": {"fillfactor": 50}}

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    case_version: Mapped[int] = mapped_column(Integer)
    #: the day the facts are as of (not indexed: migration 0014)
    as_of: Mapped[dt.date] = mapped_column(Date)
    analysis_key: Mapped[str] = mapped_column(String(120))
    stage: Mapped[str] = mapped_column(String(40))
    stage_title: Mapped[str] = mapped_column(String(200))
    stage_since: Mapped[dt.date | None] = mapped_column(Date)
    next_deadline: Mapped[dt.date | None] = mapped_column(Date)
    csed: Mapped[dt.date | None] = mapped_column(Date)  # the earliest of the case's CSEDs
    #: the earliest date of the case's ``case_deadlines`` rows, any kind (None: no rows); a
    #: deadline in a window ends on or after it (migration 0016, desk/listing.py)
    earliest_date: Mapped[dt.date | None] = mapped_column(Date)
    csed_lower_bound: Mapped[bool] = mapped_column(Boolean)  # that CSED is a lower bound
    taxpayer: Mapped[str | None] = mapped_column(String(300))
    taxpayer_sort: Mapped[str | None] = mapped_column(String(300))
    tin_last4: Mapped[str | None] = mapped_column(String(4))
    refreshed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: a digest of all this case's fact rows but their day (facts.digest, migration 0012):
    #: the nightly refresh rewrites a case's facts only when it differs
    facts_digest: Mapped[str | None] = mapped_column(String(64))
    #: the last day these facts are sure to hold (engine.holds.holds_through, migration
    #: 0015): a refresh to a day up to it only moves ``as_of``; NULL: not known
    holds_through: Mapped[dt.date | None] = mapped_column(Date)
    #: a digest of what these facts were read from (facts.analysis_digest, migration 0017):
    #: a refresh whose analysis has the same one does not read the facts off it again
    analysis_digest: Mapped[str | None] = mapped_column(String(32))


class HearingFact(Base):
    __tablename__ = "case_hearing_facts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    position: Mapped[int] = mapped_column(Integer)
    request: Mapped[str] = mapped_column(String(200))
    notice: Mapped[str | None] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(200))
    statute: Mapped[str | None] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))


class AssessmentFact(Base):
    __tablename__ = "case_assessment_facts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    period: Mapped[str] = mapped_column(String(200))
    assessment: Mapped[str] = mapped_column(String(200))
    csed: Mapped[dt.date] = mapped_column(Date)
    lower_bound: Mapped[bool] = mapped_column(Boolean)


class DeadlineFact(Base):
    """One of the case's coming dates, as the analysis listed them (soonest first)."""

    __tablename__ = "case_deadlines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    position: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(80))
    what: Mapped[str] = mapped_column(String(400))
    event: Mapped[str | None] = mapped_column(String(200))
    periods: Mapped[str] = mapped_column(Text)  # JSON list
    authority: Mapped[str] = mapped_column(Text)  # JSON list
    says: Mapped[str] = mapped_column(Text)


class WithdrawalFact(Base):
    """A withdrawal waiting for Appeals: written and not yet acknowledged (``pending``), or
    oral while its hearing is still pending (``waiting_for_writing``)."""

    __tablename__ = "case_withdrawal_facts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    event_key: Mapped[str] = mapped_column(String(200))
    entry_id: Mapped[int] = mapped_column(ForeignKey("case_events.id"))
    status: Mapped[str] = mapped_column(String(30))
    received: Mapped[dt.date] = mapped_column(Date)
    request: Mapped[str] = mapped_column(String(200))
    periods: Mapped[str] = mapped_column(Text)  # JSON list
    hearing: Mapped[str] = mapped_column(String(200))
    kinds: Mapped[str] = mapped_column(Text)  # JSON list
    parts: Mapped[str] = mapped_column(Text)  # JSON list
    partial: Mapped[bool] = mapped_column(Boolean)


class NameTerm(Base):
    """A word of the taxpayer's name, folded (search by name: an indexed prefix range)."""

    __tablename__ = "case_name_terms"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    term: Mapped[str] = mapped_column(String(100), primary_key=True)


class QueueAssignment(Base):
    """A queued withdrawal assigned to an Appeals clerk (migration 0008): keyed by case and
    the withdrawal's event id; one clerk at a time. Not part of the case log: who works a
    withdrawal is office work, not a fact of the case."""

    __tablename__ = "queue_assignments"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    event_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
