"""Fixtures for the storage tests: every store-based test runs on SQLite and on PostgreSQL.

PostgreSQL: the admin URL comes from $SCREENING_TEST_POSTGRES_URL (default: the local server with
trust auth). A fresh database is created for the test session and dropped afterwards; each test
gets its own schema in it, so tests never see each other's screenings. When the server cannot be
reached the PostgreSQL half is skipped, unless the variable is set (CI), in which case it fails.

Every store is opened with the same `StandInJudge` (storage_support.py), a stand-in for the
workflow's rules, so storage is tested without the questionnaire engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from screening.storage import ScreeningDetail, Store
from screening.storage.schema import APPEND_ONLY_TABLES
from tests.database_support import postgres_schema_url
from tests.storage.storage_support import COORDINATOR, DEFINITION_FILES, PIN, FakeClock, StandInJudge


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def judge() -> StandInJudge:
    return StandInJudge()


@pytest.fixture
def open_store(database_url: str, clock: FakeClock, judge: StandInJudge) -> Iterator[Callable[[], Store]]:
    """Opens further stores on the same database (another app process, or after a restart)."""
    opened: list[Store] = []

    def open_() -> Store:
        store = Store(database_url, judge=judge, clock=clock)
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
def tamper(raw_engine: Engine) -> Callable[..., None]:
    """Runs SQL behind the store's back, after dropping the append-only triggers."""

    def run(statement: str, **params: Any) -> None:
        with raw_engine.begin() as connection:
            for table in APPEND_ONLY_TABLES:
                if raw_engine.dialect.name == "sqlite":
                    for guard in ("no_update", "no_delete", "no_replace"):
                        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_{guard}")
                else:
                    for guard in ("append_only", "no_truncate"):
                        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_{guard} ON {table}")
            connection.execute(text(statement), params)

    return run


@pytest.fixture
def fresh_database_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> str:
    """Another empty database on the same backend as `database_url`."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'fresh' / 'screenings.db'}"
    return postgres_schema_url(request.getfixturevalue("postgres_database"))
