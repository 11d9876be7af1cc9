"""Fixtures of the AppTest suite: every test gets its own SQLite file, clinic file and fresh caches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from app_support import AppEnv

from ui import services

CLINIC_WITH_PHONE = """\
name: Riverside Ketamine Clinic
phone: "(555) 010-2000"
emergency_number: "911"
crisis_lines:
  - {label: "988 Suicide & Crisis Lifeline (US)", contact: "Call or text 988"}
"""


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppEnv]:
    database_url = f"sqlite:///{tmp_path / 'data' / 'screenings.db'}"
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
