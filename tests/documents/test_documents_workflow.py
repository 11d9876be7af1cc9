"""The documents of a screening kept by the lifecycle service: ``Workflow.document_notes`` gives
the lifecycle and the amendments, and the PDFs say what they say (SQLite, a file of the test's own).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from screening.documents.build import build_documents
from screening.loading import BUNDLED_DIRECTORY, load_catalog
from screening.storage import User
from screening.workflow import Screening, Workflow
from tests.documents.documents_cases import GENERATED_AT, example
from tests.documents.documents_support import CLINIC, Pdf

COORDINATOR = User("u-mai", "Mai Tran", "coordinator", authenticated=True)
PSYCHIATRIST = User("u-okafor", "R. Okafor", "psychiatrist", authenticated=True, credentials="MD")
START = dt.datetime(2026, 11, 18, 16, 0, tzinfo=dt.UTC)


class Clock:
    """Each reading one hour later than the one before."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(hours=1)
        return self.now


@pytest.fixture
def wf(tmp_path: Path) -> Iterator[Workflow]:
    catalog = load_catalog([BUNDLED_DIRECTORY], run_examples=False)
    workflow = Workflow(f"sqlite:///{tmp_path / 'screenings.db'}", catalog, clock=Clock())
    yield workflow
    workflow.close()


def signed(wf: Workflow) -> Screening:
    case = example()
    assert case.review is not None
    review = {key: value for key, value in case.review.items() if key not in ("signed_at", "clinician")}
    screening = wf.create(COORDINATOR, assessed_on=case.assessed_on, answers=case.answers)
    screening = wf.review(screening.id, review, user=PSYCHIATRIST, base_revision=screening.revision)
    return wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)


def documents(wf: Workflow, screening: Screening) -> tuple[Pdf, Pdf]:
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


def test_signed_then_amended_and_reopened(wf: Workflow) -> None:
    screening = signed(wf)
    summary, _handout = documents(wf, screening)
    summary.assert_contains(
        "Status: NEEDS REVIEW · Signed: proceed, 1 flag acknowledged", "Signed by R. Okafor, MD"
    )
    assert "no longer stands" not in summary.text

    screening = wf.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=screening.revision,
        reason="Patient recalled a stent",
        answers={"heart_disease": True},
    )
    assert screening.lifecycle == "reopened" and screening.reopened is not None
    day = screening.reopened.at.date().isoformat()
    summary, handout = documents(wf, screening)
    for page in summary.pages:
        assert f"Reopened after an amendment on {day}: needs re-signing." in " ".join(page.split())
    for page in handout.pages:
        assert "Not final: your screening changed on" in " ".join(page.split())
    summary.assert_contains(
        "Status: NEEDS REVIEW · Reopened: needs re-signing",
        f"Reopened after an amendment on {day}: Heart disease now Yes. Needs re-signing.",
        "New relative flag: Heart disease or prior stroke",
        "Previously signed by R. Okafor, MD on 2026-11-18",
        "No longer stands: the screening was reopened by an amendment.",
        "Mai Tran Patient recalled a stent Heart disease: No → Yes",
    )
    assert "Signed by" not in summary.text
