"""The signer of a screening is the signing user (docs/contract.md §4.3): the name and credentials
stored with the signature and printed under it are the user's own, and a review that names
another clinician is not signed."""

from __future__ import annotations

import pytest

from screening.workflow import Refused, Workflow
from tests.workflow.workflow_support import OTHER_PSYCHIATRIST, PSYCHIATRIST, assert_consistent, reviewed


@pytest.mark.parametrize(
    "clinician",
    ["Dr. Someone Else, MD, FRCPC", "R. Okafor", "J. Lee, MD"],
    ids=["a stranger", "without the credentials", "a colleague"],
)
def test_signing_under_another_name_is_refused(wf: Workflow, clinician: str) -> None:
    screening = reviewed(wf, review={"clinician": clinician})
    with pytest.raises(Refused) as raised:
        wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
    assert raised.value.rule == "signer_name"
    assert "own name" in str(raised.value)
    after = assert_consistent(wf, screening.id)
    assert (after.revision, after.lifecycle, after.signature) == (screening.revision, "draft", None)


def test_the_signature_carries_the_signing_users_name_and_credentials(wf: Workflow) -> None:
    screening = reviewed(wf, review={"clinician": " r. okafor,  MD "})
    signed = wf.sign(screening.id, user=PSYCHIATRIST, base_revision=screening.revision)
    assert signed.signature is not None
    assert signed.signature.signer == PSYCHIATRIST
    assert signed.signature.signer.signature_name == "R. Okafor, MD"
    note, _ = wf.document_notes(signed.id)
    assert note.signed_by == "R. Okafor, MD"


def test_a_review_naming_nobody_is_signed_by_the_user(wf: Workflow) -> None:
    screening = reviewed(wf, review={"clinician": None})
    signed = wf.sign(screening.id, user=OTHER_PSYCHIATRIST, base_revision=screening.revision)
    assert signed.signature is not None and signed.signature.signer.signature_name == "J. Lee, MD"
    assert_consistent(wf, signed.id)
