"""Where the database is, how connections are set up, and creating the tables on first use.

SQLite (the default, for a small clinic server) gets a write-ahead log so readers never wait for
the writer, foreign keys, a busy timeout, and full fsync on commit (an answer acknowledged to the
user survives a power cut). SQLAlchemy, not the sqlite3 module, starts transactions: reads get
a plain BEGIN (a consistent snapshot), writes a BEGIN IMMEDIATE (the write lock is taken up front,
so two writers queue instead of failing half-way).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from screening import settings
from screening.settings import default_database_path
from screening.storage.anchors import anchor_mapping
from screening.storage.clinic_chain import append_clinic_event
from screening.storage.errors import InvalidRequest, SchemaVersionError
from screening.storage.guards import OwnerRightsNeeded, install_append_only_guards
from screening.storage.keys import AuditKeys
from screening.storage.records import LIFECYCLES, JsonValue
from screening.storage.schema import (
    LIST_INDEXES,
    SCHEMA_VERSION,
    Base,
    ClinicEventRow,
    SchemaVersionRow,
    ScreeningRow,
    SearchTermRow,
)
from screening.storage.search import fill_search_terms

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 15_000
WRITE_OPTION = "screening_write"
"""Execution option marking a write transaction (SQLite: BEGIN IMMEDIATE)."""
ONE_READ_OPTION = "screening_one_read"
"""Execution option marking a connection that runs one SELECT and nothing else. SQLite then runs
it in its own implicit transaction, which is already a consistent snapshot, without a BEGIN
before and a ROLLBACK after (PostgreSQL's connections are unchanged)."""

_PG_INIT_LOCK = 0x5C4EE9  # advisory lock id serialising table creation between processes


def database_url(url: str | URL | None = None) -> URL:
    """The URL to use: the one given, else $SCREENING_DATABASE_URL, else the default SQLite file
    (`data/screenings.db` under the working directory; see `screening.settings`)."""
    if url is None:
        url = settings.current().database_url or f"sqlite:///{default_database_path()}"
    return make_url(url)


def _sqlite_file(url: URL) -> Path | None:
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    return Path(database[len("file:") :] if database.startswith("file:") else database)


def create_storage_engine(url: URL, *, echo: bool = False) -> Engine:
    """An engine for `url`, configured as described in the module docstring.

    SQL parameters hold patient data (names, MRNs, answers), so they are left out of every
    exception message and log line the engine writes (`hide_parameters`)."""
    if url.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)
    path = _sqlite_file(url)
    if path is None:
        raise InvalidRequest(
            "In-memory SQLite is not supported: every connection would see a different, empty "
            "database. Use a file, e.g. sqlite:///path/to/test.db."
        )
    create_private_file(path)
    engine = create_engine(url, echo=echo, hide_parameters=True)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def create_private_file(path: Path) -> None:
    """Create the database file for its owner only (mode 0600), and each missing folder above it
    likewise (0700), before SQLite opens it; SQLite gives the -wal and -shm files it creates next
    to the database the database file's mode. A folder or file that already exists keeps the mode
    it has: the person who made it chose who may read it."""
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)


def _configure_sqlite_connection(dbapi_connection: Any, _record: object) -> None:
    # Take transaction control away from the sqlite3 module (see _begin_sqlite_transaction).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    options = connection.get_execution_options()
    if options.get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif options.get(ONE_READ_OPTION):
        return  # one statement: its own implicit transaction (ONE_READ_OPTION)
    else:
        connection.exec_driver_sql("BEGIN")


_SQLITE_START_ATTEMPTS = 8


def prepare_schema(engine: Engine, now: datetime, keys: AuditKeys) -> None:
    """Create missing tables and the schema-version row, upgrade a database of an older version
    (in one transaction, so an upgrade happens whole or not at all), and refuse a newer one.
    `keys` anchor the screenings an upgrade takes over into the clinic chain.

    On SQLite, several processes starting at once on one file can be told "database is locked"
    without the busy timeout being waited for (switching the file to WAL takes it exclusively);
    the whole transaction is then tried again, which is safe since it happens whole or not at all.
    """
    for attempt in range(1, _SQLITE_START_ATTEMPTS + 1):
        try:
            _prepare_schema(engine, Upgrade(now, keys))
            return
        except OperationalError as error:
            locked = engine.dialect.name == "sqlite" and "database is locked" in str(error.orig)
            if not locked or attempt == _SQLITE_START_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)


@dataclass(frozen=True, slots=True)
class Upgrade:
    """What an upgrade step may need besides the connection: the time and the audit keys."""

    now: datetime
    keys: AuditKeys


def _prepare_schema(engine: Engine, upgrade: Upgrade) -> None:
    now = upgrade.now
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_INIT_LOCK})
        inspector = inspect(connection)
        existing = inspector.has_table("screenings")
        found = (
            connection.execute(select(SchemaVersionRow.version)).scalar_one_or_none()
            if inspector.has_table("schema_version")
            else None
        )
        if found is not None and found > SCHEMA_VERSION:
            raise SchemaVersionError(found, SCHEMA_VERSION)
        if found is not None and found < SCHEMA_VERSION and existing:
            for version in range(found, SCHEMA_VERSION):
                _run_upgrade_step(connection, version, upgrade)
            connection.execute(
                update(SchemaVersionRow)
                .where(SchemaVersionRow.id == 1)
                .values(version=SCHEMA_VERSION, applied_at=now)
            )
            logger.info("Upgraded the database schema from version %d to %d", found, SCHEMA_VERSION)
        Base.metadata.create_all(connection)
        install_append_only_guards(connection)
        if found is None:
            connection.execute(insert(SchemaVersionRow).values(id=1, version=SCHEMA_VERSION, applied_at=now))


def _run_upgrade_step(connection: Connection, version: int, upgrade: Upgrade) -> None:
    """The step from `version` to the next; a role that may not alter the tables (the
    application's own role on PostgreSQL) is told in one sentence to let the owner upgrade."""
    try:
        with connection.begin_nested():
            MIGRATIONS[version](connection, upgrade)
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        role = connection.execute(text("SELECT current_user")).scalar_one()
        raise OwnerRightsNeeded(role, f"upgrade the tables from schema version {version}") from None


def _upgrade_1_to_2(connection: Connection, _upgrade: Upgrade) -> None:
    """Version 2 adds the lifecycle, the decision for the list, reopening and discarding.

    Screenings signed under version 1 become `signed`, the others `draft`; the decision is copied
    from each stored review. Nothing is removed, and the audit trail is not touched: version 1
    events replay to exactly these values. The columns get the constraints a new database has.
    """
    lifecycles = ", ".join(f"'{lifecycle}'" for lifecycle in LIFECYCLES)
    for statement in (
        "ALTER TABLE screenings ADD COLUMN lifecycle VARCHAR(10) DEFAULT 'draft' NOT NULL "
        f"CONSTRAINT ck_screenings_lifecycle CHECK (lifecycle IN ({lifecycles}))",
        "ALTER TABLE screenings ADD COLUMN decision VARCHAR(20)",
        "ALTER TABLE screenings ADD COLUMN reopened_json TEXT",
        "ALTER TABLE screenings ADD COLUMN discarded_at "
        + ("TIMESTAMP WITH TIME ZONE" if connection.dialect.name == "postgresql" else "DATETIME"),
    ):
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql("UPDATE screenings SET lifecycle = 'signed' WHERE signed_at IS NOT NULL")
    reviews = connection.execute(text("SELECT screening_id, review_json FROM reviews")).all()
    for screening_id, review_json in reviews:
        try:
            decision = json.loads(review_json).get("decision")
        except (ValueError, AttributeError):  # an unreadable review: verify_audit reports it
            decision = None
        if isinstance(decision, str):
            connection.execute(
                text("UPDATE screenings SET decision = :decision WHERE id = :id"),
                {"decision": decision, "id": screening_id},
            )


UPGRADE_ACTOR: dict[str, JsonValue] = {
    "id": "system:upgrade",
    "name": "The application (database upgrade)",
    "role": "system",
    "authenticated": False,
    "credentials": None,
}
"""The actor of the clinic chain's entries for screenings taken over by an upgrade."""


def _upgrade_2_to_3(connection: Connection, upgrade: Upgrade) -> None:
    """Version 3 keys the audit trail: the key id of each event (NULL for the events before, whose
    plain hashes stay as they are), each screening's anchor, and the clinic-wide chain.

    Every existing screening is taken over as it stands: anchored with the current key and
    entered in the clinic chain as `screening_anchored` with its revision and trail head, in the
    order the screenings were created. From then on, a change to it that bypasses the application
    shows, whether or not the change recomputes plain hashes.
    """
    for statement in (
        "ALTER TABLE audit_events ADD COLUMN key_id VARCHAR(40)",
        "ALTER TABLE screenings ADD COLUMN anchor VARCHAR(64)",
        "ALTER TABLE screenings ADD COLUMN anchor_key_id VARCHAR(40)",
    ):
        connection.exec_driver_sql(statement)
    ClinicEventRow.metadata.tables["clinic_events"].create(connection, checkfirst=True)
    table = ScreeningRow.metadata.tables["screenings"]
    rows = connection.execute(select(table).order_by(table.c.created_at, table.c.id)).mappings().all()
    with Session(bind=connection) as session:
        for row in rows:
            append_clinic_event(
                session,
                upgrade.keys,
                "screening_anchored",
                screening_id=row["id"],
                actor=UPGRADE_ACTOR,
                payload={"revision": row["revision"], "audit_head": row["audit_head"]},
                at=upgrade.now,
            )
            key_id, anchor = anchor_mapping(upgrade.keys, row)
            connection.execute(
                update(table).where(table.c.id == row["id"]).values(anchor=anchor, anchor_key_id=key_id)
            )
        # Hands the entries to the upgrade's transaction (inside a savepoint the session made its own,
        # which closing without a commit would roll back); the upgrade commits or fails whole.
        session.commit()
    if rows:
        logger.info("Anchored %d screenings with audit key %s", len(rows), upgrade.keys.current)


def _upgrade_3_to_4(connection: Connection, _upgrade: Upgrade) -> None:
    """Version 4 makes the list fast on a large table: its indexes (`schema.LIST_INDEXES`) and the
    search terms (`search.py`), filled from each screening's folded name and MRN. Both are derived
    from the rows; the audit trail, the rows and their anchors are not touched."""
    for index in LIST_INDEXES:
        index.create(connection, checkfirst=True)
    SearchTermRow.metadata.tables["screening_search_terms"].create(connection, checkfirst=True)
    table = ScreeningRow.metadata.tables["screenings"]
    rows = connection.execute(select(table.c.id, table.c.patient_name_key, table.c.mrn_key)).all()
    inserted = fill_search_terms(connection, rows)
    logger.info("Stored %d search terms of the screenings list", inserted)


MIGRATIONS: dict[int, Callable[[Connection, Upgrade], None]] = {
    1: _upgrade_1_to_2,
    2: _upgrade_2_to_3,
    3: _upgrade_3_to_4,
}
"""Schema version -> the step that upgrades a database of that version to the next one."""
