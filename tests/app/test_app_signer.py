"""The signer on the review page is the signed-in user: no box to type a signature name, the page
says under which name and credentials one signs, and that name is what is stored and printed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app.app_support import (
    PSYCHIATRIST,
    REVIEW_PAGE,
    AppEnv,
    all_text,
    assert_ok,
    open_app,
    seed_screening,
)
from ui.text import plain

REVIEW: dict[str, Any] = {
    "protocol": "iv-ketamine-induction",
    "weight_basis": "actual",
    "start_date": "2026-12-01",
    "decision": "proceed",
    "acknowledged": {"ci.rel.hypertension_history": "Controlled on amlodipine."},
}


@pytest.mark.parametrize(
    "recorded",
    [None, "Dr. Someone Else, MD, FRCPC"],
    ids=["no clinician recorded", "another clinician recorded"],
)
def test_the_signature_is_the_signed_in_users_name_and_credentials(
    app_env: AppEnv, recorded: str | None
) -> None:
    review = REVIEW if recorded is None else {**REVIEW, "clinician": recorded}
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, review=review)

    doctor = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    assert not [
        box for box in doctor.text_input if "signature" in (box.key or "") or "Signature" in box.label
    ]
    text = all_text(doctor)
    assert f"You sign as **{plain('R. Okafor, MD')}**." in text
    assert "sign out and sign in again" in text
    sign = doctor.button(key=f"review:{identifier}:sign")
    assert not sign.disabled
    sign.click().run()
    assert_ok(doctor)
    assert "Signed and locked." in [str(info.value) for info in doctor.info]
    assert any(plain("Signed by R. Okafor, MD") in str(s.value) for s in doctor.success)

    with app_env.workflow() as workflow:
        screening = workflow.get(identifier)
        note, _ = workflow.document_notes(identifier)
        assert workflow.verify(identifier)
    assert screening.lifecycle == "signed"
    assert screening.signature is not None and screening.signature.signer == PSYCHIATRIST
    assert screening.review is not None and screening.review.clinician == "R. Okafor, MD"
    assert note.signed_by == "R. Okafor, MD"
