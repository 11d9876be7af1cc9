"""Fixtures for the document tests: the bundled screening and built documents (each case is built
once per test session and shared by every test that reads it)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from screening.config import ClinicSettings
from screening.definition import Definition
from screening.documents.build import AmendmentNote, LifecycleNote, build_documents
from screening.loading import BUNDLED_DIRECTORY, load_catalog
from screening.workflow import Workflow
from tests.documents.documents_cases import CASES, DOCUMENT_NOTES, GENERATED_AT
from tests.documents.documents_support import CLINIC, INTAKE_ID, Build, Built
from tests.documents.workflow_documents import open_workflow


@pytest.fixture(scope="session")
def intake() -> Definition:
    catalog = load_catalog([BUNDLED_DIRECTORY], run_examples=False)
    definition = catalog.get(INTAKE_ID)
    assert definition is not None, [str(issue) for issue in catalog.issues]
    return definition


@pytest.fixture(scope="session")
def build(intake: Definition) -> Build:
    """build(case name, settings=CLINIC, amendments=(), lifecycle=None) -> Built, cached per arguments.

    The lifecycle and amendments default to the case's ``DOCUMENT_NOTES`` (the reopened cases), else
    none: the lifecycle then follows from the answers (signed when the review has ``signed_at``).
    """
    cache: dict[tuple[object, ...], Built] = {}

    def make(
        name: str,
        *,
        settings: ClinicSettings = CLINIC,
        amendments: Sequence[AmendmentNote] | None = None,
        lifecycle: LifecycleNote | None = None,
    ) -> Built:
        case_lifecycle, case_amendments = DOCUMENT_NOTES.get(name, (None, ()))
        amendments = tuple(case_amendments if amendments is None else amendments)
        lifecycle = case_lifecycle if lifecycle is None else lifecycle
        key = (name, settings.model_dump_json(), amendments, lifecycle)
        if key not in cache:
            assessment = CASES[name]().assess(intake)
            documents = build_documents(
                intake,
                assessment,
                settings=settings,
                generated_at=GENERATED_AT,
                amendments=amendments,
                lifecycle=lifecycle,
            )
            cache[key] = Built(assessment, documents)
        return cache[key]

    return make


@pytest.fixture
def wf(tmp_path: Path) -> Iterator[Workflow]:
    """A lifecycle service on a SQLite file of the test's own (see `workflow_documents.py`)."""
    workflow = open_workflow(tmp_path)
    yield workflow
    workflow.close()
