"""Screenings kept by the lifecycle service, for the tests of their documents: a workflow on a
SQLite file of the test's own whose clock moves an hour per reading, the bundled example signed by
a given psychiatrist, and the two PDFs as the Documents page builds them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from screening.documents.build import build_documents
from screening.loading import BUNDLED_DIRECTORY, load_catalog
from screening.storage import User
from screening.workflow import Screening, Workflow
from tests.documents.documents_cases import GENERATED_AT, example
from tests.documents.documents_support import CLINIC, Pdf

START = dt.datetime(2026, 11, 18, 16, 0, tzinfo=dt.UTC)


class Clock:
    """Each reading one hour later than the one before."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(hours=1)
        return self.now


def open_workflow(folder: Path) -> Workflow:
    catalog = load_catalog([BUNDLED_DIRECTORY], run_examples=False)
    return Workflow(f"sqlite:///{folder / 'screenings.db'}", catalog, clock=Clock())


def signed(wf: Workflow, *, coordinator: User, signer: User) -> Screening:
    """The bundled example, entered by `coordinator`, reviewed and signed by `signer`."""
    case = example()
    assert case.review is not None
    review = {key: value for key, value in case.review.items() if key not in ("signed_at", "clinician")}
    screening = wf.create(coordinator, assessed_on=case.assessed_on, answers=case.answers)
    screening = wf.review(screening.id, review, user=signer, base_revision=screening.revision)
    return wf.sign(screening.id, user=signer, base_revision=screening.revision)


def documents(wf: Workflow, screening: Screening) -> tuple[Pdf, Pdf]:
    """(clinician summary, patient handout) with the lifecycle and amendments the workflow gives."""
    lifecycle, amendments = wf.document_notes(screening.id)
    built = build_documents(
        screening.definition,
        screening.assessment,
        settings=CLINIC,
        generated_at=GENERATED_AT,
        amendments=amendments,
        lifecycle=lifecycle,
    )
    return Pdf(built.summary), Pdf(built.handout)
