"""The documents of a screening kept by the lifecycle service: ``Workflow.document_notes`` gives
the lifecycle and the amendments, and the PDFs say what they say (SQLite, a file of the test's own).
"""

from __future__ import annotations

from screening.storage import User
from screening.workflow import Workflow
from tests.documents.workflow_documents import documents, signed

COORDINATOR = User("u-mai", "Mai Tran", "coordinator", authenticated=True)
PSYCHIATRIST = User("u-okafor", "R. Okafor", "psychiatrist", authenticated=True, credentials="MD")


def test_signed_then_amended_and_reopened(wf: Workflow) -> None:
    screening = signed(wf, coordinator=COORDINATOR, signer=PSYCHIATRIST)
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
