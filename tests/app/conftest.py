"""Fixtures of the AppTest suite: every test gets its own database, clinic file and fresh caches.

The app runs on a SQLite file. A test that also runs on PostgreSQL says so with
`app_support.on_both_databases` (the storage and workflow suites cover PostgreSQL in depth; one whole
screening through the app on it is enough here).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.app_support import AppEnv
from tests.database_support import postgres_schema_url
from ui import services

CLINIC_WITH_PHONE = """\
name: Riverside Ketamine Clinic
phone: "(555) 010-2000"
emergency_number: "911"
crisis_lines:
  - {label: "988 Suicide & Crisis Lifeline (US)", contact: "Call or text 988"}
"""


@pytest.fixture
def app_env(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppEnv]:
    """The app on a SQLite file (or, with `app_support.on_both_databases`, also on PostgreSQL)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'data' / 'screenings.db'}"
    else:
        database_url = postgres_schema_url(request.getfixturevalue("postgres_database"))
    clinic_file = tmp_path / "clinic.yaml"
    clinic_file.write_text(CLINIC_WITH_PHONE, encoding="utf-8")
    monkeypatch.setenv("SCREENING_DATABASE_URL", database_url)
    monkeypatch.setenv("SCREENING_CLINIC_FILE", str(clinic_file))
    monkeypatch.delenv("SCREENING_QUESTIONNAIRES", raising=False)
    # The workflow is cached per database and questionnaire folder; the settings under a key that
    # does not name this test's file. The questionnaire catalog is cached per folder, so it is kept
    # (loading it takes most of a second).
    services.reload_settings()
    yield AppEnv(database_url, clinic_file, tmp_path)
    services.workflow().close()
    services.forget_workflow()
    services.reload_settings()
