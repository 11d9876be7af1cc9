"""Upgrading a database written by the previous schema version (1, commit d05430c) to today's.

The version 1 database is the fixture `fixtures/schema_v1.sqlite.sql`, written by version 1's own
`Store` (see fixtures/README.md): a draft with answers, a changed date, a cleared answer and a
review deciding 'defer'; a draft without a review; a screening reviewed 'proceed', signed, amended
and printed. On PostgreSQL, version 1's tables (`fixtures/schema_v1.postgresql.sql`, compiled
from version 1's metadata) get the same rows copied in: version 1 would have written exactly these
there, since nothing in a row or a hash depends on the database.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Boolean, Date, DateTime, Engine, MetaData, create_engine, inspect, text
from sqlalchemy.pool import NullPool

from screening.storage import SCHEMA_VERSION, SchemaVersionError, Store
from screening.storage import database as storage_database
from tests.storage.storage_support import (
    COORDINATOR,
    DEFINITION_FILES,
    PIN,
    PSYCHIATRIST,
    FakeClock,
    StandInJudge,
)

FIXTURES = Path(__file__).parent / "fixtures"
DRAFT_ID = "00000000-0000-0000-0000-0000000000d1"
UNREVIEWED_ID = "00000000-0000-0000-0000-0000000000d2"
SIGNED_ID = "00000000-0000-0000-0000-000000000051"
V1_TABLES = (
    "questionnaire_definitions",
    "schema_version",
    "screenings",
    "answers",
    "reviews",
    "audit_events",
)
V2_COLUMNS = {"lifecycle", "decision", "reopened_json", "discarded_at"}

SIGNED_REVIEW = {
    "acknowledged": {"ci.rel.hypertension_history": "Controlled on amlodipine."},
    "clinician": "Dr. R. Okafor, MD",
    "decision": "proceed",
    "protocol": "iv-ketamine-induction",
    "signed_at": "2026-11-20T09:01:17+00:00",
    "start_date": "2026-12-01",
    "weight_basis": "adjusted",
}


def _load_sqlite_dump(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.executescript((FIXTURES / "schema_v1.sqlite.sql").read_text(encoding="utf-8"))
    finally:
        connection.close()


def _copy_rows_into_postgresql(engine: Engine, tmp_path: Path) -> None:
    """Version 1's PostgreSQL tables, holding the fixture's rows."""
    source = tmp_path / "v1-source.db"
    _load_sqlite_dump(source)
    with engine.begin() as connection:
        connection.exec_driver_sql((FIXTURES / "schema_v1.postgresql.sql").read_text(encoding="utf-8"))
    tables = MetaData()
    tables.reflect(engine, only=V1_TABLES)
    reader = sqlite3.connect(source)
    try:
        with engine.begin() as connection:
            for name in V1_TABLES:
                table = tables.tables[name]
                cursor = reader.execute(f'SELECT * FROM "{name}"')  # noqa: S608  # fixed table names
                names = [column[0] for column in cursor.description]
                rows = [
                    {
                        column: _postgres_value(table.c[column].type, value)
                        for column, value in zip(names, row, strict=True)
                    }
                    for row in cursor
                ]
                connection.execute(table.insert(), rows)
            # the ids were written explicitly: move the serial on, as version 1's inserts did
            for name in ("schema_version", "audit_events"):
                serial = f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}"  # noqa: S608  # fixed table names
                connection.execute(text(serial))
    finally:
        reader.close()


def _postgres_value(kind: Any, value: Any) -> Any:
    """A SQLite value as PostgreSQL takes it: SQLite keeps booleans as 0/1 and times as naive UTC text."""
    if value is None:
        return None
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    return value


@pytest.fixture
def v1_database(database_url: str, raw_engine: Engine, tmp_path: Path) -> str:
    """`database_url`, holding a version 1 database."""
    if raw_engine.dialect.name == "sqlite":
        path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        _load_sqlite_dump(path)
    else:
        _copy_rows_into_postgresql(raw_engine, tmp_path)
    return database_url


@pytest.fixture
def upgraded(v1_database: str, open_store: Callable[[], Store]) -> Store:
    return open_store()


def _schema_versions(engine: Engine) -> list[tuple[int, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT id, version FROM schema_version"))]


def _screening_columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("screenings")}


def _v1_rows(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))  # noqa: S608  # fixed names
        return [tuple(row) for row in rows]


def test_the_fixture_is_a_version_1_database(v1_database: str, raw_engine: Engine) -> None:
    assert _schema_versions(raw_engine) == [(1, 1)]
    assert V2_COLUMNS.isdisjoint(_screening_columns(raw_engine))


def test_a_version_1_database_is_upgraded_and_keeps_everything(
    v1_database: str, raw_engine: Engine, open_store: Callable[[], Store]
) -> None:
    before = {table: _v1_rows(raw_engine, table) for table in ("answers", "reviews", "audit_events")}

    store = open_store()

    assert _schema_versions(raw_engine) == [(1, SCHEMA_VERSION)] == [(1, 4)]
    assert _screening_columns(raw_engine) >= V2_COLUMNS
    # answers, reviews and the audit trail are untouched, row for row (events gain a NULL key id:
    # their plain hashes stay, covered by each screening's anchor)
    after = {table: _v1_rows(raw_engine, table) for table in before}
    assert {row[-1] for row in after["audit_events"]} == {None}
    after["audit_events"] = [row[:-1] for row in after["audit_events"]]
    assert after == before

    signed = store.get_screening(SIGNED_ID)
    assert (signed.lifecycle, signed.decision, signed.locked, signed.reopened, signed.discarded) == (
        "signed",
        "proceed",
        True,
        None,
        False,
    )
    assert signed.signature is not None and signed.signature.signer == PSYCHIATRIST
    assert signed.signature.signed_at == datetime(2026, 11, 20, 9, 1, 17, 2750, tzinfo=UTC)
    assert signed.review == SIGNED_REVIEW
    assert signed.answers == {
        "patient_name": "Ben Okoro",
        "mrn": "KC-20931",
        "hypertension_history": True,
        "weight_kg": 79.0,
    }
    assert (signed.status, signed.status_current) == ("needs_review", True)  # as version 1 stored it
    assert [event.kind for event in signed.events] == [
        "screening_created",
        "answer_set",
        "answer_set",
        "answer_set",
        "review_saved",
        "signed",
        "amended",
        "document_generated",
    ]
    assert signed.events[6].payload["reason"] == "Weight re-measured on the clinic scale."
    assert signed.events[7].payload == {"document": "clinician-summary.pdf", "details": {"sha256": "ab" * 32}}
    assert signed.definition_files == DEFINITION_FILES and signed.questionnaire == PIN

    draft = store.get_screening(DRAFT_ID)
    assert (draft.lifecycle, draft.decision, draft.signature, draft.locked) == ("draft", "defer", None, False)
    assert draft.answers == {
        "patient_name": "Ana Silva",
        "weight_kg": 81.5,
        "antidepressant_trials": [
            {"drug": "escitalopram", "weeks": 10, "adequate_dose": True, "adherent": True}
        ],
    }
    assert draft.answer_revisions["phq9_1"] == 7  # cleared in version 1
    assert draft.assessed_on == date(2026, 11, 19)
    assert draft.review == {"protocol": "esketamine-induction", "decision": "defer"}
    unreviewed = store.get_screening(UNREVIEWED_ID)
    assert (unreviewed.lifecycle, unreviewed.decision, unreviewed.review) == ("draft", None, None)

    for screening_id in (SIGNED_ID, DRAFT_ID, UNREVIEWED_ID):
        report = store.verify_audit(screening_id)
        assert report.ok, str(report)
    clinic = store.verify_clinic()  # version 3 took each screening over into the clinic record
    assert clinic.ok and (clinic.entries_checked, clinic.screenings) == (3, 3), str(clinic)
    assert [s.id for s in store.list_screenings(lifecycle="signed", decision="proceed")] == [SIGNED_ID]
    assert [s.id for s in store.list_screenings(decision="defer")] == [DRAFT_ID]
    assert {s.id for s in store.list_screenings(lifecycle="draft")} == {DRAFT_ID, UNREVIEWED_ID}
    assert [s.id for s in store.list_screenings(search="okoro")] == [SIGNED_ID]


def test_an_upgraded_database_takes_every_new_write(upgraded: Store, clock: FakeClock) -> None:
    store = upgraded
    signed = store.get_screening(SIGNED_ID)
    base = store.amend(
        SIGNED_ID,
        user=COORDINATOR,
        base_revision=signed.revision,
        reason="Psychosis disclosed.",
        answers={"current_psychosis": True},
    ).base_revision
    reopened = store.get_screening(SIGNED_ID)
    assert (reopened.lifecycle, reopened.status) == ("reopened", "contraindicated")
    assert reopened.reopened is not None and reopened.reopened.reason == "Psychosis disclosed."
    assert reopened.review == {key: value for key, value in SIGNED_REVIEW.items() if key != "signed_at"}
    assert [s.id for s in store.list_screenings(lifecycle="reopened")] == [SIGNED_ID]
    base = store.update_review(
        SIGNED_ID, {"decision": "do_not_proceed"}, user=PSYCHIATRIST, base_revision=base
    ).base_revision
    store.sign(SIGNED_ID, user=PSYCHIATRIST, base_revision=base)
    assert store.get_screening(SIGNED_ID).lifecycle == "signed"

    draft = store.get_screening(DRAFT_ID)
    store.set_answers(
        DRAFT_ID, {"phq9_1": "several_days", "mrn": "KC-1"}, user=COORDINATOR, base_revision=draft.revision
    )
    unreviewed = store.get_screening(UNREVIEWED_ID)
    store.discard(UNREVIEWED_ID, user=COORDINATOR, base_revision=unreviewed.revision, reason="Created twice.")
    new = store.create_screening(
        user=COORDINATOR, questionnaire=PIN, definition_files=DEFINITION_FILES, assessed_on=date(2026, 12, 1)
    )
    store.record_document(SIGNED_ID, user=PSYCHIATRIST, document="patient-handout.pdf")

    assert {s.id for s in store.list_screenings()} == {SIGNED_ID, DRAFT_ID, new.id}
    for screening_id in (SIGNED_ID, DRAFT_ID, UNREVIEWED_ID, new.id):
        report = store.verify_audit(screening_id)
        assert report.ok, str(report)


def test_the_upgraded_schema_is_the_schema_of_a_new_database(
    upgraded: Store, raw_engine: Engine, fresh_database_url: str, judge: StandInJudge
) -> None:
    assert_schema_of_a_new_database(raw_engine, fresh_database_url, judge)


def assert_schema_of_a_new_database(engine: Engine, fresh_database_url: str, judge: StandInJudge) -> None:
    """The tables, columns and indexes of `engine`'s database are those a new store creates."""
    Store(fresh_database_url, judge=judge).close()
    fresh = create_engine(fresh_database_url, poolclass=NullPool)
    try:
        assert _schema(engine) == _schema(fresh)
    finally:
        fresh.dispose()


def _schema(engine: Engine) -> dict[str, Any]:
    inspector = inspect(engine)
    schema: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        columns = {
            column["name"]: (str(column["type"]), column["nullable"], _default(column.get("default")))
            for column in inspector.get_columns(table)
        }
        checks = {
            check["name"]: " ".join(check["sqltext"].split())
            for check in inspector.get_check_constraints(table)
        }
        indexes = {index["name"]: tuple(index["column_names"]) for index in inspector.get_indexes(table)}
        schema[table] = {"columns": columns, "checks": checks, "indexes": indexes}
    return schema


def _default(default: str | None) -> str | None:
    """Column defaults as the database reports them, without the casts PostgreSQL adds."""
    return None if default is None else default.split("::")[0]


def test_a_database_of_a_newer_version_is_refused_and_left_alone(
    v1_database: str, raw_engine: Engine, open_store: Callable[[], Store]
) -> None:
    with raw_engine.begin() as connection:
        connection.execute(text("UPDATE schema_version SET version = :v"), {"v": SCHEMA_VERSION + 1})
    with pytest.raises(SchemaVersionError) as raised:
        open_store()
    assert (raised.value.found, raised.value.expected) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)
    assert f"schema version {SCHEMA_VERSION + 1}" in str(raised.value)
    assert V2_COLUMNS.isdisjoint(_screening_columns(raw_engine))


def test_the_upgrade_happens_whole_or_not_at_all(
    v1_database: str, raw_engine: Engine, open_store: Callable[[], Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_step = storage_database.MIGRATIONS[1]

    def failing_step(connection: Any, upgrade: Any) -> None:
        real_step(connection, upgrade)
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(storage_database.MIGRATIONS, 1, failing_step)
    with pytest.raises(RuntimeError, match="the disk is full"):
        open_store()
    assert _schema_versions(raw_engine) == [(1, 1)]
    assert V2_COLUMNS.isdisjoint(_screening_columns(raw_engine))

    monkeypatch.setitem(storage_database.MIGRATIONS, 1, real_step)
    store = open_store()
    assert store.get_screening(SIGNED_ID).lifecycle == "signed"
    assert _schema_versions(raw_engine) == [(1, SCHEMA_VERSION)]


def test_stores_opened_at_once_upgrade_once(
    v1_database: str, raw_engine: Engine, database_url: str, clock: FakeClock, judge: StandInJudge
) -> None:
    opened: list[Store | BaseException] = []
    barrier = threading.Barrier(3)

    def open_() -> None:
        barrier.wait()
        try:
            opened.append(Store(database_url, judge=judge, clock=clock))
        except BaseException as error:  # reported by the assertion below
            opened.append(error)

    threads = [threading.Thread(target=open_) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    stores = [store for store in opened if isinstance(store, Store)]
    try:
        assert len(stores) == 3, [repr(error) for error in opened if not isinstance(error, Store)]
        assert _schema_versions(raw_engine) == [(1, SCHEMA_VERSION)]
        assert all(store.get_screening(SIGNED_ID).lifecycle == "signed" for store in stores)
    finally:
        for store in stores:
            store.close()
