"""The psychiatrist's review: what may be signed, suicide-risk answers, and amending a signed review."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from screening.storage import User
from tests.app.app_support import (
    COMPLETE_ANSWERS,
    COORDINATOR,
    INTAKE_PAGE,
    PSYCHIATRIST,
    REVIEW_PAGE,
    AppEnv,
    all_text,
    amend_on_review_page,
    amendment_reason,
    answer,
    assert_ok,
    choose_amendment,
    crisis_banners,
    key_of,
    open_app,
    section_of,
    seed_screening,
    sidebar_text,
    widget_keyed,
)

CONTRAINDICATED = {**COMPLETE_ANSWERS, "current_mania": True}


def _amend_review(at: AppTest, identifier: str, decision: str, reason: str) -> None:
    """Amend the signed decision with the amendment form of the review page."""
    amend_on_review_page(at, identifier, "review:decision", decision, reason)


def test_contraindicated_screening_cannot_be_signed_as_proceed(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, CONTRAINDICATED)
    at = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    review_key = f"review:{identifier}"
    assert "Status: Contraindicated" in all_text(at)
    assert "Absolute contraindication" in [
        b.value.split("[")[1].rstrip("]") for b in at.markdown if "badge" in b.value
    ]

    at.radio(key=f"{review_key}:decision").set_value("proceed").run()
    assert_ok(at)
    assert "'Proceed' is not possible: an absolute contraindication fired." in [e.value for e in at.error]
    assert at.button(key=f"{review_key}:sign").disabled

    at.radio(key=f"{review_key}:decision").set_value("do_not_proceed").run()
    assert_ok(at)
    assert not [e for e in at.error if "cannot be signed" in str(e.value)]
    assert not at.button(key=f"{review_key}:sign").disabled
    at.button(key=f"{review_key}:sign").click().run()
    assert_ok(at)
    assert "Signed and locked." in all_text(at)

    # a later amendment to 'proceed' is refused the same way, and nothing changes
    assert at.radio(key=f"{review_key}:decision").disabled
    _amend_review(at, identifier, "proceed", "Mania resolved.")
    assert "'Proceed' is not possible: an absolute contraindication fired." in [e.value for e in at.error]
    with app_env.workflow() as workflow:
        detail = workflow.store.get_screening(identifier)
    assert detail.review is not None and detail.review["decision"] == "do_not_proceed"
    assert not [event for event in detail.events if event.kind == "amended"]


def test_psychiatrist_amends_a_signed_review_with_a_reason(app_env: AppEnv) -> None:
    review = {
        "protocol": "esketamine-induction",
        "decision": "defer",
        "acknowledged": {"ci.rel.hypertension_history": "Home readings normal."},
    }
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, review=review, signer=PSYCHIATRIST)
    at = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    assert any("locked" in str(s.value) for s in at.success)
    _amend_review(at, identifier, "proceed", "  ")
    assert "Give a reason." in [e.value for e in at.error]
    assert amendment_reason(at, identifier).value == "  "  # kept after a refusal, to be corrected
    _amend_review(at, identifier, "proceed", "Blood results came back normal.")
    assert "Amendment recorded. The signed decision still stands." in all_text(at)
    assert at.radio(key=f"review:{identifier}:decision").value == "proceed"
    assert amendment_reason(at, identifier).value == ""  # the next amendment starts with no reason
    with app_env.workflow() as workflow:
        detail = workflow.store.get_screening(identifier)
        assert workflow.store.verify_audit(identifier).ok
    assert detail.locked and detail.review is not None and detail.review["decision"] == "proceed"
    assert [e.payload["reason"] for e in detail.events if e.kind == "amended"] == [
        "Blood results came back normal."
    ]


def test_coordinator_may_amend_answers_but_not_the_review(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, review={"decision": "defer"}, signer=PSYCHIATRIST)
    at = open_app(COORDINATOR, page=REVIEW_PAGE, screening=identifier)
    assert f"review:{identifier}:sign" not in [b.key for b in at.button]
    assert all(t.disabled for t in at.text_area if t.key and t.key.startswith("review:"))
    assert "Only a psychiatrist records the review and signs. You can read it here, and amend answers" in (
        all_text(at)
    )
    targets = at.selectbox(key=f"amend-target:{identifier}").options
    assert "Patient and vitals · Weight" in targets and "Screening date" in targets
    assert not [target for target in targets if target.startswith("Review")]
    doctor = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    targets = doctor.selectbox(key=f"amend-target:{identifier}").options
    assert "Review · Decision" in targets and "Review · Note on the flag: Hypertension" in targets


def test_asq_acute_positive_is_contraindicated_and_shows_the_crisis_line(app_env: AppEnv) -> None:
    answers = {key: value for key, value in COMPLETE_ANSWERS.items() if not key.startswith("asq_")}
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, answers)
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=section_of("asq_1"))
    assert not crisis_banners(at)
    answer(at, "asq_3", True)
    banners = crisis_banners(at)
    assert len(banners) == 1 and "988" in banners[0]
    assert key_of(at, "asq_5") in [r.key for r in at.radio]
    answer(at, "asq_5", True)
    assert "Status: Contraindicated" in sidebar_text(at)
    assert "Absolute contraindication (1)" in sidebar_text(at)
    # the banner follows the screening to every page
    at.switch_page(REVIEW_PAGE).run()
    assert_ok(at)
    assert len(crisis_banners(at)) == 1


def test_an_amendment_made_meanwhile_is_not_overwritten(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, review={"decision": "defer"}, signer=PSYCHIATRIST)
    colleague = User(id="local:dr-lund", name="M. Lund", role="psychiatrist", authenticated=False)
    mine = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    choose_amendment(mine, identifier, "review:decision")
    theirs = open_app(colleague, page=REVIEW_PAGE, screening=identifier)
    _amend_review(theirs, identifier, "do_not_proceed", "Cardiology advised against it.")
    assert "Amendment recorded." in all_text(theirs)

    # chosen before seeing theirs
    widget_keyed(mine, f"amend-value:{identifier}:", ":review:decision").set_value("defer")
    amendment_reason(mine, identifier).set_value("Work-up complete.")
    mine.button(key=f"amend:{identifier}").click().run()
    assert_ok(mine)
    errors = [str(e.value) for e in mine.error]
    assert any("M. Lund changed the screening meanwhile" in e for e in errors), errors
    assert amendment_reason(mine, identifier).value == "Work-up complete."  # nothing typed is lost
    with app_env.workflow() as workflow:
        detail = workflow.store.get_screening(identifier)
    assert detail.review is not None and detail.review["decision"] == "do_not_proceed"
    assert [e.payload["reason"] for e in detail.events if e.kind == "amended"] == [
        "Cardiology advised against it."
    ]
    # now that the page shows the colleague's amendment, a new one goes through
    _amend_review(mine, identifier, "defer", "Discussed with Dr. Lund: defer until the echo.")
    assert "Amendment recorded." in all_text(mine)
    assert mine.radio(key=f"review:{identifier}:decision").value == "defer"
    with app_env.workflow() as workflow:
        assert workflow.get(identifier).decision == "defer"
