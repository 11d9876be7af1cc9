"""The SQLite database holds patient data: the file (with its -wal and -shm files) and the folders
the app creates for it are its owner's only. Folders and files that exist already keep their mode."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from screening.storage import Store
from tests.storage.storage_support import COORDINATOR, DEFINITION_FILES, PIN, FakeClock, StandInJudge


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask of most systems, which lets everyone read what a program creates."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _write_one_screening(path: Path, *, log_mode: int) -> None:
    store = Store(f"sqlite:///{path}", judge=StandInJudge(), clock=FakeClock())
    try:
        store.create_screening(
            user=COORDINATOR,
            questionnaire=PIN,
            definition_files=DEFINITION_FILES,
            assessed_on=date(2026, 11, 20),
        )
        for suffix in ("-wal", "-shm"):  # while the store is open, the write-ahead log is there
            assert _mode(path.with_name(path.name + suffix)) == log_mode, suffix
    finally:
        store.close()


@pytest.mark.usefixtures("usual_umask")
def test_a_new_database_and_its_new_folders_are_the_owners_only(tmp_path: Path) -> None:
    path = tmp_path / "clinic" / "data" / "screenings.db"
    _write_one_screening(path, log_mode=0o600)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert _mode(path.parent.parent) == 0o700


@pytest.mark.usefixtures("usual_umask")
def test_an_existing_folder_and_file_keep_their_mode(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o750)
    folder.chmod(0o750)
    path = folder / "screenings.db"
    path.touch()
    path.chmod(0o640)
    _write_one_screening(path, log_mode=0o640)  # SQLite copies the database file's mode
    assert _mode(folder) == 0o750
    assert _mode(path) == 0o640
