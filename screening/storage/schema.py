"""Tables of the screening database (SQLAlchemy 2 typed ORM).

JSON is kept as canonical text (see `values.canonical_json`) in TEXT columns rather than in a
database JSON type: the text read back is byte for byte what was hashed into the audit trail, on
SQLite and PostgreSQL alike. Times are stored in UTC and read back as aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Mapped, mapped_column

from screening.storage.records import LIFECYCLES, SCREENING_STATUSES
from screening.storage.values import LISTED_TEXT_LENGTH

SCHEMA_VERSION = 4
"""Bump with every change to the tables, together with a migration step in `database.py`
(`MIGRATIONS`) and a test that upgrades a database of the previous version."""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC; SQLite keeps it without zone, PostgreSQL as timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Storage times must be timezone-aware.")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class SchemaVersionRow(Base):
    """A single row: the schema version the database was created or last migrated with."""

    __tablename__ = "schema_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DefinitionRow(Base):
    """A questionnaire definition as it was when screenings were taken with it, keyed by the
    engine's SHA-256 so screenings taken with the same files share one copy."""

    __tablename__ = "questionnaire_definitions"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    # canonical JSON list of [file name, YAML text] pairs, in the engine's order
    files_json: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime)


_STATUS_LIST = ", ".join(f"'{status}'" for status in SCREENING_STATUSES)
_LIFECYCLE_LIST = ", ".join(f"'{lifecycle}'" for lifecycle in LIFECYCLES)


class ScreeningRow(Base):
    __tablename__ = "screenings"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_LIST})", name="ck_screenings_status"),
        CheckConstraint(f"lifecycle IN ({_LIFECYCLE_LIST})", name="ck_screenings_lifecycle"),
        # every screening, discarded ones included, for `screening_ids` (the audit walk)
        Index("ix_screenings_updated_at", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(200))
    questionnaire_version: Mapped[str] = mapped_column(String(100))
    questionnaire_sha256: Mapped[str] = mapped_column(ForeignKey("questionnaire_definitions.sha256"))
    assessed_on: Mapped[date] = mapped_column(Date)
    assessed_on_revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[str] = mapped_column(String(200))
    created_by_name: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # denormalised from the answers `patient_name` and `mrn` for the list page, with folded copies
    # (values.search_key) for accent- and case-insensitive search
    patient_name: Mapped[str | None] = mapped_column(Text)
    mrn: Mapped[str | None] = mapped_column(String(200))
    patient_name_key: Mapped[str | None] = mapped_column(Text)
    mrn_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    # the content revision the status was computed at; stale when content_revision is newer
    status_revision: Mapped[int] = mapped_column(Integer)
    # revision = number of audit events; content_revision = revision of the last change to
    # answers, review, assessment date or signature (document events do not count)
    revision: Mapped[int] = mapped_column(Integer)
    content_revision: Mapped[int] = mapped_column(Integer)
    audit_head: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[str | None] = mapped_column(String(200))
    signed_by_name: Mapped[str | None] = mapped_column(String(200))
    signed_by_credentials: Mapped[str | None] = mapped_column(String(200))
    signed_by_authenticated: Mapped[bool | None] = mapped_column(Boolean)
    # schema version 2: the lifecycle (draft, signed, reopened), the review's decision for the list,
    # why the screening was last reopened (JSON: {at, by, reason, because, changes}), discarding
    lifecycle: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    decision: Mapped[str | None] = mapped_column(String(20))
    reopened_json: Mapped[str | None] = mapped_column(Text)
    discarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # schema version 3: the anchor, an HMAC of (id, revision, audit_head) with the server's audit
    # key `anchor_key_id` (see `audit.anchor_mac`); a row edited without the key no longer matches
    anchor: Mapped[str | None] = mapped_column(String(64))
    anchor_key_id: Mapped[str | None] = mapped_column(String(40))


LIVE_SCREENING = ScreeningRow.discarded_at.is_(None)
"""The list's condition on every query (discarded drafts are never listed); the list's indexes are
partial indexes on it, so the query must spell it exactly like this."""


def _list_index(name: str, *leading: InstrumentedAttribute[Any]) -> Index:
    """A partial index of the live screenings in the list's order (most recently updated first,
    then by id), after the `leading` columns a filter compares with `=` (schema version 4)."""
    return Index(
        name,
        *leading,
        ScreeningRow.updated_at.desc(),
        ScreeningRow.id,
        sqlite_where=LIVE_SCREENING,
        postgresql_where=LIVE_SCREENING,
    )


LIST_INDEXES = (
    _list_index("ix_screenings_live_order"),
    _list_index("ix_screenings_live_status", ScreeningRow.status),
    _list_index("ix_screenings_live_lifecycle", ScreeningRow.lifecycle),
    Index(
        "ix_screenings_live_assessed_on",
        ScreeningRow.assessed_on,
        sqlite_where=LIVE_SCREENING,
        postgresql_where=LIVE_SCREENING,
    ),
    Index("ix_screenings_id_discarded", ScreeningRow.id, ScreeningRow.discarded_at),
)
"""The indexes of the screenings list (schema version 4): its default order, the status and
lifecycle filters (the list page's usual filters, in the list's order), the screening date, and
whether a screening found by a search is live (answered from the index, without the row)."""


class SearchTermRow(Base):
    """The words the list's search finds a screening by (schema version 4): derived from the
    folded patient name and MRN (`patient_name_key`, `mrn_key`) by `search.search_terms`, and
    rewritten by `search.replace_search_terms` wherever those are set.

    Each screening has numbered slots; a change rewrites them in place and empties (NULL) the ones
    no longer needed, since the application's database role never deletes a row. The term column
    compares by code point on both databases (SQLite's BINARY collation; "C" on PostgreSQL), so
    the prefix ranges of `search.py` select the same rows on both and use the index on each.
    Derived data: not in the audit trail nor in the row's anchor; `verify_audit` checks it against
    the name and MRN."""

    __tablename__ = "screening_search_terms"
    __table_args__ = (
        Index("ix_screening_search_terms_term", "term", "screening_id"),
        # SQLite keeps the rows in primary-key order, a screening's terms together: looking a word
        # up among one screening's terms is one step (PostgreSQL ignores the option)
        {"sqlite_with_rowid": False},
    )

    # derived data goes with its row (the application never deletes one; this is for the owner)
    screening_id: Mapped[str] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    term: Mapped[str | None] = mapped_column(
        String(LISTED_TEXT_LENGTH).with_variant(String(LISTED_TEXT_LENGTH, collation="C"), "postgresql")
    )


class AnswerRow(Base):
    __tablename__ = "answers"

    screening_id: Mapped[str] = mapped_column(ForeignKey("screenings.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    # canonical JSON text; NULL once the answer is cleared (the row stays, for conflict checks)
    value_json: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer)


class ReviewRow(Base):
    __tablename__ = "reviews"

    screening_id: Mapped[str] = mapped_column(ForeignKey("screenings.id"), primary_key=True)
    review_json: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer)


class ChainedEvent:
    """The columns every entry of a keyed chain has: what happened, when, who did it (the five
    fields of `User`), the payload as canonical JSON, and the hashes that chain it."""

    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[str] = mapped_column(String(200))
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_authenticated: Mapped[bool] = mapped_column(Boolean)
    actor_credentials: Mapped[str | None] = mapped_column(String(200))
    payload_json: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditEventRow(ChainedEvent, Base):
    """Append-only: the API never updates or deletes a row, and database triggers refuse to."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("screening_id", "seq", name="uq_audit_events_screening_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    screening_id: Mapped[str] = mapped_column(ForeignKey("screenings.id"))
    seq: Mapped[int] = mapped_column(Integer)
    # schema version 3: the audit key the hash is an HMAC with; NULL for events written before
    # keys existed (a plain SHA-256, covered since by the screening's anchor)
    key_id: Mapped[str | None] = mapped_column(String(40))


class ClinicEventRow(ChainedEvent, Base):
    """The clinic-wide chain (schema version 3): screenings created, sign-ins and sign-outs, and
    the anchoring of screenings that existed before the chain. Append-only like
    `audit_events`, and keyed the same way; `screening_id` is no foreign key, so the record of a
    screening outlives a row deleted behind the application's back."""

    __tablename__ = "clinic_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    screening_id: Mapped[str | None] = mapped_column(String(36), index=True)
    key_id: Mapped[str] = mapped_column(String(40))


APPEND_ONLY_TABLES = ("audit_events", "clinic_events")
"""The tables whose rows are never updated or deleted; `guards.py` makes the database refuse to."""
