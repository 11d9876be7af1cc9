"""Fixtures shared by the test suites."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

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
