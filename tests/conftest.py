"""Fixtures shared by the test suites."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from screening.settings import AUDIT_KEYS_ENV
from tests.database_support import TEST_AUDIT_KEYS, postgres_schema_url

os.environ.setdefault(AUDIT_KEYS_ENV, TEST_AUDIT_KEYS)
POSTGRES_URL_ENV = "SCREENING_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the session; its URL, dropped afterwards.

    The admin URL comes from $SCREENING_TEST_POSTGRES_URL (default: the local server with trust
    auth). When the server cannot be reached the test is skipped, unless the variable is set (CI),
    in which case it fails.
    """
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
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each backend: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'screenings.db'}"
    return postgres_schema_url(request.getfixturevalue("postgres_database"))


@pytest.fixture
def raw_engine(database_url: str) -> Iterator[Engine]:
    """A plain engine on the same database, for what somebody with SQL access could do."""
    engine = create_engine(database_url, poolclass=NullPool)
    yield engine
    engine.dispose()
