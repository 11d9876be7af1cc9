"""The lifecycle in the app: amending a signed screening (answers, the repeating list of trials,
every review field), reopening and signing again, the history of changes, the list's lifecycle
column and filter, and discarding a draft."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from streamlit.testing.v1 import AppTest

from tests.app.app_support import (
    COMPLETE_ANSWERS,
    COORDINATOR,
    INTAKE_PAGE,
    PSYCHIATRIST,
    REVIEW_PAGE,
    SCREENINGS_PAGE,
    AppEnv,
    all_text,
    amend_on_review_page,
    amendment_reason,
    assert_ok,
    choose_amendment,
    keyed_block,
    keyed_blocks,
    open_app,
    screening_id,
    seed_screening,
    sidebar_text,
    widget_keyed,
)
from ui.text import plain

SIGNED_REVIEW: dict[str, Any] = {
    "protocol": "iv-ketamine-induction",
    "weight_basis": "actual",
    "start_date": "2026-12-01",
    "decision": "proceed",
    "acknowledged": {"ci.rel.hypertension_history": "Controlled on amlodipine."},
}
HEART_NOTE = "Cardiology cleared: stable angina, resuscitation equipment on site."


def _signed(app_env: AppEnv, answers: dict[str, Any] | None = None) -> str:
    with app_env.workflow() as workflow:
        return seed_screening(workflow, answers, review=SIGNED_REVIEW, signer=PSYCHIATRIST)


def _infos(at: AppTest) -> list[str]:
    return [str(info.value) for info in at.info]


def _history(at: AppTest, identifier: str) -> list[str]:
    """The entries of the history panel, newest first (one keyed container each)."""
    return [
        "\n".join(str(markdown.value) for markdown in block.markdown)
        for block in keyed_blocks(at, f"history:{identifier}:")
    ]


def test_an_answer_amended_after_signing_reopens_and_the_psychiatrist_signs_again(app_env: AppEnv) -> None:
    identifier = _signed(app_env)
    at = open_app(COORDINATOR, page=REVIEW_PAGE, screening=identifier)
    assert plain("Signed: proceed, 1 flag acknowledged") in all_text(at)
    assert "The psychiatrist must review the flags." not in all_text(at)

    # ---- the coordinator records a new diagnosis: the signed decision no longer covers it
    amend_on_review_page(at, identifier, "answer:heart_disease", True, "Letter from cardiology.")
    assert "Amendment recorded. The screening is reopened: a psychiatrist signs it again." in _infos(at)
    reopened = next(str(w.value) for w in at.warning if "Reopened after an amendment" in str(w.value))
    today = dt.date.today().isoformat()
    assert (
        plain(f"Reopened after an amendment on {today}: Heart disease now Yes. Needs re-signing") in reopened
    )
    assert plain("New relative flag: Heart disease or prior stroke") in reopened
    assert f"Reason given: {plain('Letter from cardiology.')}" in reopened
    assert "Reopened: needs re-signing" in sidebar_text(at)
    assert not at.success or all("locked" not in str(s.value) for s in at.success)
    assert f"review:{identifier}:sign" not in [b.key for b in at.button]  # a coordinator does not sign
    assert not [s for s in at.selectbox if s.key == f"amend-target:{identifier}"]  # no amending now

    # ---- the psychiatrist sees why, writes the note the new flag needs and signs again
    doctor = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    note = doctor.text_area(key=f"review:{identifier}:ack:ci.rel.heart_disease")
    assert not note.disabled and note.value == ""
    assert doctor.text_area(key=f"review:{identifier}:ack:ci.rel.hypertension_history").value == (
        "Controlled on amlodipine."
    )
    sign = doctor.button(key=f"review:{identifier}:sign")
    assert sign.disabled and sign.label == "Sign again and lock"
    assert any(
        "needs a note" in str(e.value) and "Heart disease or prior stroke" in str(e.value)
        for e in doctor.error
    )
    note.input(HEART_NOTE).run()
    assert_ok(doctor)
    assert not doctor.button(key=f"review:{identifier}:sign").disabled
    doctor.button(key=f"review:{identifier}:sign").click().run()
    assert_ok(doctor)
    assert "Signed and locked." in _infos(doctor)
    assert plain("Signed: proceed, 2 flags acknowledged") in all_text(doctor)
    assert doctor.text_area(key=f"review:{identifier}:ack:ci.rel.heart_disease").disabled

    with app_env.workflow() as workflow:
        screening = workflow.get(identifier)
        assert workflow.verify(identifier)
    assert screening.lifecycle == "signed" and screening.decision == "proceed"
    assert screening.review is not None
    assert screening.review.acknowledged["ci.rel.heart_disease"] == HEART_NOTE


def test_psychiatrist_amends_every_review_field_with_an_empty_reason_box_each_time(app_env: AppEnv) -> None:
    identifier = _signed(app_env)
    at = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    changes: list[tuple[str, Any, str, Any]] = [
        ("review:protocol", "esketamine-induction", "protocol", "esketamine-induction"),
        ("review:weight_basis", "adjusted", "weight_basis", "adjusted"),
        ("review:start_date", dt.date(2026, 12, 8), "start_date", "2026-12-08"),
        ("review:clinician", "R. Okafor, MD, PhD", "clinician", "R. Okafor, MD, PhD"),
        (
            "note:ci.rel.hypertension_history",
            "Home readings 120/80 for a month.",
            "acknowledged",
            {"ci.rel.hypertension_history": "Home readings 120/80 for a month."},
        ),
        ("review:decision", "defer", "decision", "defer"),
    ]
    for number, (target, value, field, stored) in enumerate(changes, start=1):
        choose_amendment(at, identifier, target)
        assert amendment_reason(at, identifier).value == "", target  # a new amendment, a new reason
        amend_on_review_page(at, identifier, target, value, f"Correction {number}.")
        assert "Amendment recorded. The signed decision still stands." in _infos(at), (target, all_text(at))
        with app_env.workflow() as workflow:
            screening = workflow.get(identifier)
        assert screening.detail.review is not None and screening.detail.review[field] == stored
        assert screening.lifecycle == "signed"
    # the form shows what is recorded now for the next amendment
    choose_amendment(at, identifier, "review:decision")
    assert widget_keyed(at, f"amend-value:{identifier}:", ":review:decision").value == "defer"
    assert plain("Signed: defer pending work-up, 1 flag acknowledged") in all_text(at)

    with app_env.workflow() as workflow:
        history = [entry for entry in workflow.history(identifier) if entry.kind == "amended"]
    assert [entry.reason for entry in history] == [f"Correction {n}." for n in range(1, len(changes) + 1)]


def test_proceed_cannot_be_amended_in_without_the_notes_it_needs(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, review={"decision": "defer"}, signer=PSYCHIATRIST)
    at = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    amend_on_review_page(at, identifier, "review:decision", "proceed", "Work-up complete.")
    errors = [str(e.value) for e in at.error]
    assert "'Proceed' needs a note for every relative flag that fired (1 without a note)." in errors, errors
    assert amendment_reason(at, identifier).value == "Work-up complete."  # kept, to try again
    amend_on_review_page(at, identifier, "review:decision", "proceed", "Work-up complete.")
    amend_on_review_page(
        at, identifier, "note:ci.rel.hypertension_history", "Controlled.", "Note added after the work-up."
    )
    amend_on_review_page(at, identifier, "review:decision", "proceed", "Work-up complete.")
    assert "Amendment recorded. The signed decision still stands." in _infos(at)
    with app_env.workflow() as workflow:
        assert workflow.get(identifier).decision == "proceed"


def test_a_trial_is_added_to_a_signed_screening_by_amendment(app_env: AppEnv) -> None:
    identifier = _signed(app_env)
    at = open_app(COORDINATOR, page=REVIEW_PAGE, screening=identifier)
    target = "answer:antidepressant_trials"
    choose_amendment(at, identifier, target)
    assert "Now: 2 trials" in [str(c.value) for c in at.caption]
    rows = widget_keyed(at, f"amend-value:{identifier}:", f":{target}:row")
    assert list(rows.options) == ["Trial 1: sertraline", "Trial 2: bupropion", "Add a trial"]
    rows.set_value(-1).run()
    assert_ok(at)
    for field, value in (("drug", "venlafaxine"), ("weeks", 8), ("adequate_dose", True), ("adherent", True)):
        widget_keyed(at, f"amend-value:{identifier}:", f":{target}:-1:{field}").set_value(value)
    widget_keyed(at, f"amend-value:{identifier}:", f":{target}:-1:improvement").set_value("none")
    amendment_reason(at, identifier).set_value("A third trial from the referral letter.")
    at.button(key=f"amend:{identifier}").click().run()
    assert_ok(at)
    assert any(info.startswith("Amendment recorded.") for info in _infos(at)), all_text(at)
    with app_env.workflow() as workflow:
        trials = workflow.get(identifier).answers["antidepressant_trials"]
    assert trials[2] == {
        "drug": "venlafaxine",
        "weeks": 8,
        "adequate_dose": True,
        "adherent": True,
        "improvement": "none",
    }

    # and one is removed again
    choose_amendment(at, identifier, target)
    widget_keyed(at, f"amend-value:{identifier}:", f":{target}:row").set_value(0).run()
    widget_keyed(at, f"amend-value:{identifier}:", f":{target}:0:remove").check()
    amendment_reason(at, identifier).set_value("Sertraline was another episode.")
    at.button(key=f"amend:{identifier}").click().run()
    assert_ok(at)
    with app_env.workflow() as workflow:
        drugs = [trial["drug"] for trial in workflow.get(identifier).answers["antidepressant_trials"]]
    assert drugs == ["bupropion", "venlafaxine"]


def test_the_history_panel_shows_what_changed_from_what_to_what_who_and_why(app_env: AppEnv) -> None:
    identifier = _signed(app_env)
    at = open_app(COORDINATOR, page=REVIEW_PAGE, screening=identifier)
    amend_on_review_page(at, identifier, "answer:heart_disease", True, "Letter from **cardiology**.")
    history = _history(at, identifier)
    newest = history[0]
    assert newest.startswith("**")
    assert f"{plain(COORDINATOR.name)} (Intake coordinator) · Amendment · Reopened" in newest
    assert "- Heart disease: No → Yes" in newest
    assert f"*Reason:* {plain('Letter from **cardiology**.')}" in newest  # text, never markup
    assert plain("New relative flag: Heart disease or prior stroke") in newest
    signed = next(entry for entry in history if "· Signed" in entry)
    assert f"{plain(PSYCHIATRIST.name)} (Psychiatrist)" in signed and "Decision signed: Proceed" in signed

    # patient text is shown as text in the history too
    doctor = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    doctor.text_area(key=f"review:{identifier}:ack:ci.rel.heart_disease").input("See *letter* [1]").run()
    assert_ok(doctor)
    entries = _history(doctor, identifier)
    assert f"{plain(PSYCHIATRIST.name)} (Psychiatrist) · Review saved" in entries[0]
    assert plain("See *letter* [1]") in entries[0]

    # every answer saved while filling in is there when asked for
    assert not [entry for entry in entries if "Answer saved" in entry]
    doctor.toggle(key=f"history-all:{identifier}").set_value(True).run()
    assert_ok(doctor)
    everything = _history(doctor, identifier)
    assert "Screening opened" in everything[-1]
    weight = next(entry for entry in everything if "- Weight:" in entry)
    assert "Answer saved" in weight and f"- Weight: not answered → {plain('78.5 kg')}" in weight


def test_the_list_shows_decision_and_lifecycle_and_finds_reopened_screenings(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        draft = seed_screening(workflow, {"patient_name": "Li Wei", "mrn": "RK-1"})
        signed = seed_screening(workflow, review=SIGNED_REVIEW, signer=PSYCHIATRIST)
        reopened_id = seed_screening(
            workflow,
            {**COMPLETE_ANSWERS, "patient_name": "Ama Owusu"},
            review=SIGNED_REVIEW,
            signer=PSYCHIATRIST,
        )
        before = workflow.get(reopened_id)
        workflow.amend(
            reopened_id,
            user=COORDINATOR,
            base_revision=before.revision,
            reason="Letter from cardiology.",
            answers={"heart_disease": True},
        )
    at = open_app(PSYCHIATRIST, page=SCREENINGS_PAGE)

    def row_caption(identifier: str) -> str:
        return "\n".join(str(caption.value) for caption in keyed_block(at, f"row:{identifier}").caption)

    assert plain("Signed: proceed") in row_caption(signed)
    assert "Draft: Required answers are missing, so the screening cannot be judged yet." in row_caption(draft)
    reopened_words = row_caption(reopened_id)
    assert plain("Reopened after an amendment on") in reopened_words
    assert plain("Heart disease now Yes. Needs re-signing") in reopened_words
    assert "decision on record, not signed: Proceed" in reopened_words

    at.multiselect(key="list-lifecycle").set_value(["reopened"]).run()
    assert_ok(at)
    assert [b.key for b in at.button if b.label.startswith("Open screening of ")] == [f"open:{reopened_id}"]
    at.multiselect(key="list-lifecycle").set_value([]).run()
    at.multiselect(key="list-decision").set_value(["proceed"]).run()
    assert_ok(at)
    # every "Open screening of …" button has a key (open:<id>)
    assert sorted(cast(str, b.key) for b in at.button if b.label.startswith("Open screening of ")) == sorted(
        [f"open:{signed}", f"open:{reopened_id}"]
    )


def test_discarding_a_draft_needs_a_reason_and_hides_it(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        mistake = seed_screening(workflow, {"patient_name": "Opened Twice"})
        kept = seed_screening(workflow, {"patient_name": "Li Wei"})
        signed = seed_screening(workflow, review=SIGNED_REVIEW, signer=PSYCHIATRIST)
    at = open_app(COORDINATOR)
    assert f"discard:{signed}" not in [b.key for b in at.button]  # signed screenings are amended instead
    at.button(key=f"discard:{mistake}").click().run()
    assert_ok(at)
    assert "Give a reason." in [str(e.value) for e in at.error]
    widget_keyed(at, f"discard-reason:{mistake}:").set_value("Opened twice by mistake.")
    at.button(key=f"discard:{mistake}").click().run()
    assert_ok(at)
    assert any("The draft was discarded." in info for info in _infos(at))
    opened = [b.key for b in at.button if b.label.startswith("Open screening of ")]
    assert f"open:{mistake}" not in opened and f"open:{kept}" in opened

    # from the intake page: back to the list, where it is gone
    intake = open_app(COORDINATOR, page=INTAKE_PAGE, screening=kept)
    widget_keyed(intake, f"discard-reason:{kept}:").set_value("Test entry.")
    intake.button(key=f"discard:{kept}").click().run()
    assert_ok(intake)
    assert [t.value for t in intake.title] == ["Screenings"]
    assert "id" not in intake.query_params
    assert f"open:{kept}" not in [b.key for b in intake.button]
    with app_env.workflow() as workflow:
        assert [row.id for row in workflow.screenings()] == [signed]
        assert workflow.get(kept).discarded
    # a link to a discarded draft says so
    again = open_app(COORDINATOR, page=INTAKE_PAGE, screening=kept)
    assert "This draft was discarded" in all_text(again)
    assert screening_id(again) == kept
