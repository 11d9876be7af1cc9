"""A signature given in local mode says so in the clinician summary: the signer typed their name,
no sign-in verified it. A signature given after a real sign-in, and documents built from an answers
file (where nobody signed in the app), print no such line."""

from __future__ import annotations

from screening.documents.clinician.review import UNVERIFIED_SIGNER
from screening.storage import User
from screening.workflow import Workflow
from tests.documents.documents_support import Build, flat
from tests.documents.workflow_documents import documents, signed

COORDINATOR = User("local:mai-tran", "Mai Tran", "coordinator", authenticated=False)
LOCAL_PSYCHIATRIST = User(
    "local:r-okafor", "R. Okafor", "psychiatrist", authenticated=False, credentials="MD"
)
SIGNED_IN_PSYCHIATRIST = User("oidc:4711", "R. Okafor", "psychiatrist", authenticated=True, credentials="MD")


def test_a_local_mode_signature_is_marked_unverified_in_the_summary(wf: Workflow) -> None:
    screening = signed(wf, coordinator=COORDINATOR, signer=LOCAL_PSYCHIATRIST)
    lifecycle, _ = wf.document_notes(screening.id)
    assert lifecycle.signer_authenticated is False
    summary, handout = documents(wf, screening)
    summary.assert_contains(
        "Signed by R. Okafor, MD",
        "Signed in local mode: the signer's identity was not verified by a sign-in.",
        "this printout needs no further signature",
    )
    # The patient handout names no signer, so it has no signature to qualify.
    assert "local mode" not in handout.text and "R. Okafor" not in handout.text


def test_a_signature_after_a_real_sign_in_prints_no_such_line(wf: Workflow) -> None:
    screening = signed(wf, coordinator=COORDINATOR, signer=SIGNED_IN_PSYCHIATRIST)
    assert wf.document_notes(screening.id)[0].signer_authenticated is True
    summary, _ = documents(wf, screening)
    summary.assert_contains("Signed by R. Okafor, MD")
    for text in summary.texts():
        assert flat(UNVERIFIED_SIGNER) not in text and "local mode" not in text


def test_a_reopened_local_mode_signature_stays_marked(wf: Workflow) -> None:
    screening = signed(wf, coordinator=COORDINATOR, signer=LOCAL_PSYCHIATRIST)
    screening = wf.amend(
        screening.id,
        user=COORDINATOR,
        base_revision=screening.revision,
        reason="Patient recalled a stent",
        answers={"heart_disease": True},
    )
    assert screening.lifecycle == "reopened"
    summary, _ = documents(wf, screening)
    summary.assert_contains(
        "Previously signed by R. Okafor, MD on 2026-11-18",
        "No longer stands: the screening was reopened by an amendment.",
        UNVERIFIED_SIGNER,
    )


def test_documents_from_an_answers_file_print_no_such_line(build: Build) -> None:
    summary = build("example").summary
    summary.assert_contains("Signed by Dr. Samuel Adeyemi, MD")
    assert "local mode" not in summary.text
