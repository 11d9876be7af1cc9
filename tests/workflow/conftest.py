"""Fixtures of the workflow tests: every test runs on SQLite (a file) and on PostgreSQL (a schema
of its own in the session's throw-away database).

When PostgreSQL cannot be reached the PostgreSQL half is skipped, unless
$SCREENING_TEST_POSTGRES_URL is set (CI), in which case it fails (see `postgres_database` in
tests/conftest.py). After each test, every screening the test left in its database must still
verify, except those a test tampered with on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from screening.loading import BUNDLED_DIRECTORY, Catalog, load_catalog
from screening.workflow import Workflow
from tests.workflow.workflow_support import FakeClock, Tamper


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The bundled questionnaires, loaded once (their worked examples are the engine suite's)."""
    loaded = load_catalog([BUNDLED_DIRECTORY], run_examples=False)
    assert loaded.get("ketamine-trd-intake") is not None, [str(issue) for issue in loaded.errors]
    return loaded


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tampered() -> set[str]:
    """Ids of screenings a test tampered with on purpose (left out of the final check)."""
    return set()


@pytest.fixture
def open_workflow(
    database_url: str, catalog: Catalog, clock: FakeClock, raw_engine: Engine, tampered: set[str]
) -> Iterator[Callable[[], Workflow]]:
    """Opens workflows on the same database (another app process, or after a restart).

    At the end, every screening in the database must verify, unless it was tampered with."""
    opened: list[Workflow] = []

    def open_() -> Workflow:
        workflow = Workflow(database_url, catalog, clock=clock)
        opened.append(workflow)
        return workflow

    yield open_
    try:
        if opened:
            with raw_engine.connect() as connection:
                ids = connection.execute(text("SELECT id FROM screenings")).scalars().all()
            broken = [i for i in ids if i not in tampered and not opened[0].verify(i)]
            assert not broken, f"screenings whose audit trail no longer verifies: {broken}"
    finally:
        for workflow in opened:
            workflow.close()


@pytest.fixture
def wf(open_workflow: Callable[[], Workflow]) -> Workflow:
    return open_workflow()


@pytest.fixture
def tamper(raw_engine: Engine, tampered: set[str]) -> Tamper:
    """Runs SQL behind the workflow's back; `screening_id` is recorded as tampered with."""

    def run(statement: str, *, screening_id: str, **params: Any) -> None:
        tampered.add(screening_id)
        with raw_engine.begin() as connection:
            connection.execute(text(statement), {"id": screening_id, **params})

    return run
