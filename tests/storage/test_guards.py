"""The append-only tables (audit_events, clinic_events) cannot be changed without dropping their
guards: not with SQLite's INSERT OR REPLACE, not with PostgreSQL's TRUNCATE or replica mode; and
on PostgreSQL the app runs as a role (deploy/postgresql/roles.sql) that may not drop them."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from screening import cli
from screening.settings import DATABASE_URL_ENV
from screening.storage import Store
from screening.storage.guards import OwnerRightsNeeded, missing_append_only_guards
from tests.database_support import postgres_schema_url
from tests.storage.storage_support import COORDINATOR, DEFINITION_FILES, PIN, FakeClock, StandInJudge

ROLES_SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "postgresql" / "roles.sql"

CLINIC_EVENT = (
    "INSERT INTO clinic_events (seq, kind, screening_id, at, actor_id, actor_name, actor_role,"
    " actor_authenticated, actor_credentials, payload_json, prev_hash, hash, key_id) VALUES"
    " (:seq, 'screening_created', NULL, :at, 'u-casey', 'Casey Intake', 'coordinator', TRUE, NULL,"
    " '{}', :prev, :hash, 'test-key')"
)
"""A clinic event written behind the store's back: inserting is allowed, it is what appending is."""


def _events(store: Store, engine: Engine) -> str:
    """A screening with a few audit events and two clinic events; the screening's id."""
    screening = store.create_screening(
        user=COORDINATOR,
        questionnaire=PIN,
        definition_files=DEFINITION_FILES,
        assessed_on=FakeClock()().date(),
        answers={"patient_name": "Ana Silva"},
    )
    store.set_answer(
        screening.id, "phq9_1", "several_days", user=COORDINATOR, base_revision=screening.revision
    )
    with engine.begin() as connection:
        for seq in (1001, 1002):
            connection.execute(
                text(CLINIC_EVENT),
                {"seq": seq, "at": FakeClock()(), "prev": f"{seq - 1:064d}", "hash": f"{seq:064d}"},
            )
    return screening.id


# ---------------------------------------------------------------------------------- SQLite


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A SQLite database with events, opened by a store first; its path and a screening's id."""
    path = tmp_path / "data" / "screenings.db"
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    with Store(f"sqlite:///{path}", judge=StandInJudge(), clock=FakeClock()) as store:
        screening_id = _events(store, engine)
    engine.dispose()
    yield path, screening_id


SQLITE_BYPASSES = {
    "audit_events": (
        # the same id: REPLACE deletes the stored event without firing a delete trigger
        "INSERT OR REPLACE INTO audit_events SELECT id, screening_id, seq, kind, at, actor_id,"
        " 'Someone Else', actor_role, actor_authenticated, actor_credentials, payload_json, prev_hash,"
        " hash, key_id FROM audit_events WHERE screening_id = :id AND seq = 2",
        # a new id, the same screening and seq: the unique constraint makes REPLACE delete the event
        "REPLACE INTO audit_events (id, screening_id, seq, kind, at, actor_id, actor_name, actor_role,"
        " actor_authenticated, actor_credentials, payload_json, prev_hash, hash, key_id)"
        " SELECT id + 1000, screening_id, seq, kind, at, actor_id, actor_name, actor_role,"
        " actor_authenticated, actor_credentials, '{}', prev_hash, hash, key_id"
        " FROM audit_events WHERE screening_id = :id AND seq = 2",
        "UPDATE audit_events SET payload_json = '{}' WHERE screening_id = :id",
        "DELETE FROM audit_events WHERE screening_id = :id AND seq = 2",
    ),
    "clinic_events": (
        "INSERT OR REPLACE INTO clinic_events SELECT seq, kind, :id, at, actor_id, actor_name, actor_role,"
        " actor_authenticated, actor_credentials, payload_json, prev_hash, hash, key_id"
        " FROM clinic_events WHERE seq = 1001",
        "UPDATE clinic_events SET payload_json = '{}' WHERE seq = 1001",
        "DELETE FROM clinic_events WHERE seq = 1002",
    ),
}


def _sqlite_rows(path: Path) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT * FROM audit_events ORDER BY id").fetchall()
        return rows + connection.execute("SELECT * FROM clinic_events ORDER BY seq").fetchall()
    finally:
        connection.close()


@pytest.mark.parametrize("table", SQLITE_BYPASSES)
def test_sqlite_refuses_every_way_of_removing_an_event(sqlite_file: tuple[Path, str], table: str) -> None:
    path, screening_id = sqlite_file
    before = _sqlite_rows(path)
    # as the sqlite3 shell connects: foreign keys off, autocommit
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        assert connection.execute("PRAGMA foreign_keys").fetchone() == (0,)
        for statement in SQLITE_BYPASSES[table]:
            with pytest.raises(sqlite3.IntegrityError, match="events are append-only"):
                connection.execute(statement, {"id": screening_id})
    finally:
        connection.close()
    assert _sqlite_rows(path) == before


def test_sqlite_still_appends_and_reopens_without_installing_anything(sqlite_file: tuple[Path, str]) -> None:
    path, screening_id = sqlite_file
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            assert missing_append_only_guards(connection) == []
        with Store(f"sqlite:///{path}", judge=StandInJudge(), clock=FakeClock()) as store:
            detail = store.get_screening(screening_id)
            store.set_answer(screening_id, "phq9_1", None, user=COORDINATOR, base_revision=detail.revision)
            assert store.verify_audit(screening_id).ok
        with engine.begin() as connection:
            connection.execute(
                text(CLINIC_EVENT), {"seq": 1003, "at": FakeClock()(), "prev": "0", "hash": "1"}
            )
    finally:
        engine.dispose()


def test_a_missing_sqlite_guard_is_put_back_at_the_next_start(sqlite_file: tuple[Path, str]) -> None:
    path, _screening_id = sqlite_file
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("DROP TRIGGER audit_events_no_replace")
        connection.execute("DROP TRIGGER clinic_events_no_delete")
    finally:
        connection.close()
    with Store(f"sqlite:///{path}", judge=StandInJudge(), clock=FakeClock()):
        pass
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        names = {
            row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute("DELETE FROM clinic_events")
    finally:
        connection.close()
    assert {"audit_events_no_replace", "clinic_events_no_delete"} <= names


# -------------------------------------------------------------------- PostgreSQL, superuser


@pytest.fixture
def pg_url(postgres_database: str) -> str:
    """A schema of its own in the session's PostgreSQL database, connecting as the superuser."""
    return postgres_schema_url(postgres_database)


@pytest.fixture
def pg_events(pg_url: str) -> Iterator[tuple[Engine, str]]:
    """A superuser engine on a PostgreSQL schema holding events, and a screening's id."""
    engine = create_engine(pg_url, poolclass=NullPool)
    with Store(pg_url, judge=StandInJudge(), clock=FakeClock()) as store:
        screening_id = _events(store, engine)
    yield engine, screening_id
    engine.dispose()


REPLICA = "SET LOCAL session_replication_role = replica"
PG_BYPASSES = {
    "truncate audit events": ("TRUNCATE audit_events",),
    "truncate clinic events": ("TRUNCATE clinic_events",),
    "truncate through a cascade": ("TRUNCATE screenings CASCADE",),
    "replica mode, update an audit event": (REPLICA, "UPDATE audit_events SET payload_json = '{}'"),
    "replica mode, delete an audit event": (REPLICA, "DELETE FROM audit_events"),
    "replica mode, update a clinic event": (REPLICA, "UPDATE clinic_events SET payload_json = '{}'"),
    "replica mode, delete a clinic event": (REPLICA, "DELETE FROM clinic_events"),
    "replica mode, truncate": (REPLICA, "TRUNCATE audit_events, clinic_events"),
}


def _pg_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.exec_driver_sql("SELECT * FROM audit_events ORDER BY id")]
        return rows + [
            tuple(row) for row in connection.exec_driver_sql("SELECT * FROM clinic_events ORDER BY seq")
        ]


@pytest.mark.postgres
@pytest.mark.parametrize("statements", PG_BYPASSES.values(), ids=PG_BYPASSES.keys())
def test_postgresql_refuses_truncate_and_replica_mode_even_to_a_superuser(
    pg_events: tuple[Engine, str], statements: tuple[str, ...]
) -> None:
    engine, _screening_id = pg_events
    before = _pg_rows(engine)
    with pytest.raises(DBAPIError, match="events are append-only"), engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    assert _pg_rows(engine) == before


@pytest.mark.postgres
def test_triggers_enabled_only_for_origin_are_enabled_always_at_the_next_start(
    pg_url: str, pg_events: tuple[Engine, str]
) -> None:
    """A database whose triggers were created as earlier versions did (enabled for origin only,
    skipped in replica mode) gets them enabled ALWAYS."""
    engine, _screening_id = pg_events
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
        connection.exec_driver_sql("DROP TRIGGER clinic_events_no_truncate ON clinic_events")
        assert missing_append_only_guards(connection) == [
            "clinic_events_no_truncate",
            "audit_events_append_only ALWAYS",
        ]
    with Store(pg_url, judge=StandInJudge(), clock=FakeClock()):
        pass
    with engine.connect() as connection:
        assert missing_append_only_guards(connection) == []
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        for statement in PG_BYPASSES["replica mode, delete an audit event"]:
            connection.exec_driver_sql(statement)


# --------------------------------------------------------------- PostgreSQL, the roles script


@dataclass(frozen=True)
class Deployment:
    """A database and its two roles, made by deploy/postgresql/roles.sql."""

    owner_url: URL
    app_url: URL
    database: str
    owner_role: str
    app_role: str


def _psql(admin_url: URL, *arguments: str) -> subprocess.CompletedProcess[str]:
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is not installed")
    environment = {**os.environ, "PGPASSWORD": admin_url.password or ""} if admin_url.password else None
    command = [psql, "-X", "-q", "-h", admin_url.host or "localhost", "-p", str(admin_url.port or 5432)]
    command += ["-U", admin_url.username or "postgres", "-d", admin_url.database or "postgres", *arguments]
    return subprocess.run(command, capture_output=True, text=True, check=False, env=environment, timeout=60)


@pytest.fixture
def deployment(postgres_database: str) -> Iterator[Deployment]:
    """roles.sql run as the superuser with unique names; the database and roles dropped after."""
    admin_url = make_url(postgres_database)
    suffix = uuid.uuid4().hex[:10]
    names = {"owner_role": f"t_owner_{suffix}", "app_role": f"t_app_{suffix}", "database": f"t_db_{suffix}"}
    passwords = {"owner_password": f"o-{suffix}", "app_password": f"a-{suffix}"}
    variables = [f"--set={name}={value}" for name, value in {**names, **passwords}.items()]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        done = _psql(admin_url, *variables, "-f", str(ROLES_SCRIPT))
        assert done.returncode == 0, done.stderr
        database = names["database"]
        yield Deployment(
            owner_url=admin_url.set(
                username=names["owner_role"], password=passwords["owner_password"], database=database
            ),
            app_url=admin_url.set(
                username=names["app_role"], password=passwords["app_password"], database=database
            ),
            database=database,
            owner_role=names["owner_role"],
            app_role=names["app_role"],
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{names["database"]}" WITH (FORCE)')
            for role in (names["app_role"], names["owner_role"]):
                connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()


def _database_init(url: URL, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.setenv(DATABASE_URL_ENV, url.render_as_string(hide_password=False))
    code = cli.main(["database", "init"])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK, err
    assert len(out.splitlines()) == 1, out
    return out


APP_ROLE_REFUSED = {
    "truncate": "TRUNCATE audit_events",
    "delete an event": "DELETE FROM audit_events",
    "delete an answer": "DELETE FROM answers",
    "disable a trigger": "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
    "disable every trigger": "ALTER TABLE clinic_events DISABLE TRIGGER ALL",
    "drop a trigger": "DROP TRIGGER audit_events_append_only ON audit_events",
    "replace the trigger function": (
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS"
        " $body$ BEGIN RETURN NEW; END $body$"
    ),
    "replica mode": "SET session_replication_role = replica",
    "drop a table": "DROP TABLE reviews",
    "create a table": "CREATE TABLE scratch (id integer)",
}


def _refused(engine: Engine, statement: str) -> bool:
    """Whether the server refuses `statement` for want of rights; any other outcome is not refused."""
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(statement)
    except DBAPIError as error:
        return getattr(error.orig, "sqlstate", None) == "42501"  # insufficient_privilege
    return False


@pytest.mark.postgres
def test_the_roles_script_gives_the_app_a_role_that_cannot_touch_the_guards(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def app_store() -> Store:
        return Store(deployment.app_url, judge=StandInJudge(), clock=FakeClock())

    # Before `database init` the app role may not create the tables, and says what to run.
    with pytest.raises(
        OwnerRightsNeeded, match=r"^The database role .* `python -m screening database init` with"
    ):
        app_store()

    assert "Created the tables" in _database_init(deployment.owner_url, monkeypatch, capsys)
    assert "Nothing to do" in _database_init(deployment.owner_url, monkeypatch, capsys)

    with app_store() as store:
        screening = store.create_screening(
            user=COORDINATOR,
            questionnaire=PIN,
            definition_files=DEFINITION_FILES,
            assessed_on=FakeClock()().date(),
            answers={"patient_name": "Ana Silva", "phq9_1": "several_days"},
        )
        saved = store.set_answer(
            screening.id, "phq9_2", "not_at_all", user=COORDINATOR, base_revision=screening.revision
        )
        # clearing an answer is an UPDATE (the row stays, its value NULL), never a DELETE
        cleared = store.set_answer(
            screening.id, "phq9_1", None, user=COORDINATOR, base_revision=saved.base_revision
        )
        detail = store.get_screening(screening.id)
        assert detail.revision == cleared.base_revision
        assert detail.answers.get("phq9_2") == "not_at_all" and "phq9_1" not in detail.answers
        assert store.verify_audit(screening.id).ok

    app = create_engine(deployment.app_url, poolclass=NullPool)
    try:
        refused = [name for name, statement in APP_ROLE_REFUSED.items() if _refused(app, statement)]
        with app.connect() as connection:
            role = connection.execute(
                text(
                    "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin,"
                    " (SELECT count(*) FROM pg_class WHERE relowner = r.oid),"
                    " (SELECT count(*) FROM pg_auth_members WHERE member = r.oid)"
                    " FROM pg_roles AS r WHERE rolname = current_user"
                )
            ).one()
    finally:
        app.dispose()
    assert refused == list(APP_ROLE_REFUSED)
    assert tuple(role) == (False, False, False, False, False, True, 0, 0)


@pytest.mark.postgres
def test_the_app_role_is_told_to_run_database_init_when_a_guard_is_missing(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _database_init(deployment.owner_url, monkeypatch, capsys)
    owner = create_engine(deployment.owner_url, poolclass=NullPool)
    try:
        with owner.begin() as connection:
            connection.exec_driver_sql("DROP TRIGGER audit_events_no_truncate ON audit_events")
        with pytest.raises(OwnerRightsNeeded, match=r"append-only guards.*database init"):
            Store(deployment.app_url, judge=StandInJudge(), clock=FakeClock())
        assert "Installed 1 missing append-only guard" in _database_init(
            deployment.owner_url, monkeypatch, capsys
        )
        with Store(deployment.app_url, judge=StandInJudge(), clock=FakeClock()):
            pass
    finally:
        owner.dispose()
