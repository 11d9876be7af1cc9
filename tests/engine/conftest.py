"""Fixtures for the engine tests: the bundled questionnaires, loaded once, and a tidy way to write
small questionnaire files into a temporary directory."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from screening.definition import Definition
from screening.loading import BUNDLED_DIRECTORY, Catalog, load_catalog

INTAKE_ID = "ketamine-trd-intake"


@pytest.fixture(scope="session")
def bundled_catalog() -> Catalog:
    """The bundled questionnaires, checked, without running their examples."""
    return load_catalog([BUNDLED_DIRECTORY], run_examples=False)


@pytest.fixture(scope="session")
def intake(bundled_catalog: Catalog) -> Definition:
    definition = bundled_catalog.get(INTAKE_ID)
    assert definition is not None, [str(issue) for issue in bundled_catalog.issues]
    return definition


WriteFiles = Callable[[dict[str, str]], Path]


@pytest.fixture
def write_files(tmp_path: Path) -> WriteFiles:
    """Write {file name: YAML text (dedented)} into a fresh directory and return the directory."""

    def write(files: dict[str, str]) -> Path:
        directory = tmp_path / "questionnaires"
        directory.mkdir(exist_ok=True)
        for name, text in files.items():
            (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
        return directory

    return write
