"""`python -m screening audit verify | new-key`, run the way the clinic's IT runs them."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from screening import settings
from screening.cli import main
from screening.storage import ScreeningDetail, Store
from screening.storage.keys import parse_keys
from tests.storage.storage_support import COORDINATOR

NewScreening = Callable[..., ScreeningDetail]
Tamper = Callable[..., None]


@pytest.fixture
def on_the_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(settings.DATABASE_URL_ENV, database_url)
    return database_url


def test_an_intact_database_verifies(
    on_the_database: str, store: Store, new_screening: NewScreening, capsys: pytest.CaptureFixture[str]
) -> None:
    new_screening(patient_name="Ana Silva", mrn="KC-1")
    new_screening(patient_name="Ben Okoro")
    assert main(["audit", "verify", "--all"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "Checked the clinic record (2 entries, 2 screenings) and 2 screening trail(s), every screening "
        "(5 events), with audit key test-key: intact."
    ]


def test_tampering_is_one_line_per_problem_without_patient_data(
    on_the_database: str,
    store: Store,
    new_screening: NewScreening,
    tamper: Tamper,
    capsys: pytest.CaptureFixture[str],
) -> None:
    edited = new_screening(patient_name="Ana Silva", mrn="KC-1")
    deleted = new_screening(patient_name="Ben Okoro")
    tamper("UPDATE screenings SET patient_name = 'Carla Diaz' WHERE id = :id", id=edited.id)
    for table in ("audit_events", "answers"):
        tamper(f"DELETE FROM {table} WHERE screening_id = :id", id=deleted.id)  # noqa: S608  # fixed names
    tamper("DELETE FROM screenings WHERE id = :id", id=deleted.id)
    assert main(["audit", "verify"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"clinic record: screening {deleted.id} recorded in clinic entry #2 (screening_created) is "
        "missing: it was deleted"
    )
    assert lines[1].startswith(f"{edited.id}: the list's copy of the answer to 'patient_name' differs")
    assert lines[-1].endswith("1 screening(s) and 1 clinic problem(s) do not verify.")
    assert not any(name in line for line in lines for name in ("Ana", "Ben", "Carla", "KC-1"))


def test_named_screenings_and_unknown_ids(
    on_the_database: str, store: Store, new_screening: NewScreening, capsys: pytest.CaptureFixture[str]
) -> None:
    screening = new_screening(patient_name="Ana Silva")
    assert main(["audit", "verify", screening.id]) == 0
    assert main(["audit", "verify", "no-such-id"]) == 1
    assert "no-such-id: no such screening" in capsys.readouterr().out


def test_a_missing_key_is_one_line(
    on_the_database: str,
    store: Store,
    new_screening: NewScreening,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    new_screening(patient_name="Ana Silva")
    monkeypatch.delenv(settings.AUDIT_KEYS_ENV)
    monkeypatch.setenv(settings.AUDIT_KEY_FILE_ENV, str(tmp_path / "lost.key"))
    assert main(["audit", "verify"]) == 1
    error = capsys.readouterr().err
    assert len(error.splitlines()) == 1 and "keyed with the audit key 'test-key'" in error
    assert not (tmp_path / "lost.key").exists()


def test_new_key_rotates_the_key_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "audit.key"
    monkeypatch.delenv(settings.AUDIT_KEYS_ENV)
    monkeypatch.setenv(settings.AUDIT_KEY_FILE_ENV, str(path))
    assert main(["audit", "new-key"]) == 0
    first = parse_keys(path.read_text(encoding="utf-8"), "test")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert main(["audit", "new-key"]) == 0
    second = parse_keys(path.read_text(encoding="utf-8"), "test")
    assert set(second.secrets) == {first.current, second.current} and second.current != first.current
    assert f"Added audit key {second.current}" in capsys.readouterr().out


def test_new_key_refuses_keys_from_the_environment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "new-key"]) == 1
    assert "$SCREENING_AUDIT_KEYS" in capsys.readouterr().err
    assert COORDINATOR.role == "coordinator"
