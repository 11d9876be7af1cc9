"""Fixtures for the storage tests: every store-based test runs on SQLite and on PostgreSQL.

PostgreSQL: the admin URL comes from $SCREENING_TEST_POSTGRES_URL (default: the local server with
trust auth). A fresh database is created for the test session and dropped afterwards; each test
gets its own schema in it, so tests never see each other's screenings. When the server cannot be
reached the PostgreSQL half is skipped, unless the variable is set (CI), in which case it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from storage_support import COORDINATOR, DEFINITION_FILES, PIN, FakeClock

from screening.storage import ScreeningDetail, Store

POSTGRES_URL_ENV = "SCREENING_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the session; its URL, dropped afterwards."""
    configured = os.environ.get(POSTGRES_URL_ENV)
    admin_url = make_url(configured or DEFAULT_POSTGRES_URL)
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect():
            pass
    except OperationalError as error:
        admin.dispose()
        if configured:
            pytest.fail(f"{POSTGRES_URL_ENV} is set but PostgreSQL cannot be reached: {error}")
        pytest.skip(
            f"PostgreSQL is not reachable at {DEFAULT_POSTGRES_URL} and {POSTGRES_URL_ENV} is not set"
        )
    name = f"screening_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        # durability of a throw-away database is not under test; waiting for fsync only slows it
        connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """An empty database of each backend: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'screenings.db'}"
    base = make_url(request.getfixturevalue("postgres_database"))
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base, poolclass=NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def open_store(database_url: str, clock: FakeClock) -> Iterator[Callable[[], Store]]:
    """Opens further stores on the same database (another app process, or after a restart)."""
    opened: list[Store] = []

    def open_() -> Store:
        store = Store(database_url, clock=clock)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], Store]) -> Store:
    return open_store()


@pytest.fixture
def new_screening(store: Store) -> Callable[..., ScreeningDetail]:
    """Creates a screening in `store`, with initial answers given as keywords."""

    def create(assessed_on: date = date(2026, 11, 20), **answers: Any) -> ScreeningDetail:
        return store.create_screening(
            user=COORDINATOR,
            questionnaire=PIN,
            definition_files=DEFINITION_FILES,
            assessed_on=assessed_on,
            answers=answers,
        )

    return create


@pytest.fixture
def raw_engine(database_url: str) -> Iterator[Engine]:
    """A plain engine on the same database, for what an intruder with SQL access could do."""
    engine = create_engine(database_url, poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def tamper(raw_engine: Engine) -> Callable[..., None]:
    """Runs SQL behind the store's back, after dropping the append-only triggers."""

    def run(statement: str, **params: Any) -> None:
        with raw_engine.begin() as connection:
            if raw_engine.dialect.name == "sqlite":
                connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_update")
                connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_delete")
            else:
                connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
            connection.execute(text(statement), params)

    return run
