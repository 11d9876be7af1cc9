"""Helpers for tests that use the database: PostgreSQL schemas of their own, and a fake clock."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from screening.storage.keys import AuditKeys, parse_keys


def postgres_schema_url(database_url: str) -> str:
    """A URL on `database_url` whose tables live in a new, empty schema of their own."""
    base = make_url(database_url)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base, poolclass=NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


TEST_AUDIT_KEYS = "test-key " + "5a" * 32
"""The audit key of every store and app server the tests start (`tests/conftest.py` puts it in
$SCREENING_AUDIT_KEYS), so no test writes a key file and hashes are the same from run to run."""


def audit_keys_of_tests() -> AuditKeys:
    return parse_keys(TEST_AUDIT_KEYS, "the tests' key")


START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class FakeClock:
    """A clock that moves one second per reading; safe to share between threads."""

    def __init__(self, start: datetime = START, step: timedelta = timedelta(seconds=1)) -> None:
        self._now = start
        self._step = step
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self._now += self._step
            return self._now

    def peek(self) -> datetime:
        with self._lock:
            return self._now
