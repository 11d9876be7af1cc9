"""Fixtures of the AppTest suite: every test gets its own database (a SQLite file, and a PostgreSQL
schema), clinic file and fresh caches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from app_support import AppEnv
from database_support import postgres_schema_url

from ui import services

CLINIC_WITH_PHONE = """\
name: Riverside Ketamine Clinic
phone: "(555) 010-2000"
emergency_number: "911"
crisis_lines:
  - {label: "988 Suicide & Crisis Lifeline (US)", contact: "Call or text 988"}
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app_env(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppEnv]:
    """The app on each backend: a SQLite file (the default), or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'data' / 'screenings.db'}"
    else:
        database_url = postgres_schema_url(request.getfixturevalue("postgres_database"))
    clinic_file = tmp_path / "clinic.yaml"
    clinic_file.write_text(CLINIC_WITH_PHONE, encoding="utf-8")
    monkeypatch.setenv("SCREENING_DATABASE_URL", database_url)
    monkeypatch.setenv("SCREENING_CLINIC_FILE", str(clinic_file))
    monkeypatch.delenv("SCREENING_QUESTIONNAIRES", raising=False)
    # The store and the settings are cached under keys that do not name this test's files; the
    # questionnaire catalog is cached per folder, so it is kept (loading it takes most of a second).
    services._settings.clear()
    services._pinned.clear()
    yield AppEnv(database_url, clinic_file, tmp_path)
    services._store(database_url).close()
    services._store.clear()
    services._settings.clear()
