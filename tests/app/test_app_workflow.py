"""A whole screening through the real widgets: a coordinator fills every section, a psychiatrist
reviews and signs, the signed screening is locked and amended with a reason. It runs on SQLite and
on PostgreSQL."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from tests.app.app_support import (
    COORDINATOR,
    INTAKE_PAGE,
    PSYCHIATRIST,
    REVIEW_PAGE,
    AppEnv,
    add_trial,
    all_text,
    amend_on_review_page,
    answer,
    answer_all,
    assert_ok,
    crisis_banners,
    current_section,
    go_to_section,
    key_of,
    on_both_databases,
    open_app,
    screening_id,
    section_of,
    set_trial_field,
    sidebar_text,
    widget,
)
from ui.text import plain

PATIENT = "Ngozi Adébáyọ̀-Hart"


def _start_new_screening() -> AppTest:
    at = open_app(COORDINATOR)
    at.button(key="new-screening").click().run()
    assert_ok(at)
    assert at.title[0].value == "New screening"
    assert current_section(at) == 0
    return at


def _next(at: AppTest) -> None:
    before = current_section(at)
    at.button(key="next").click().run()
    assert_ok(at)
    assert current_section(at) == before + 1


def _fill_patient_and_vitals(at: AppTest) -> None:
    answer_all(
        at,
        [
            ("patient_name", PATIENT),
            ("mrn", "RK-77120"),
            ("date_of_birth", "1984-02-29"),
            ("sex_at_birth", "female"),
            ("weight_kg", 96.0),
            ("height_cm", 170.0),
            ("systolic_bp", 132),
            ("diastolic_bp", 84),
            ("heart_rate", 70),
        ],
    )


@on_both_databases
def test_coordinator_fills_every_section_then_psychiatrist_signs(app_env: AppEnv) -> None:
    at = _start_new_screening()
    unsaved = screening_id(at)
    assert "Status: Incomplete" in sidebar_text(at)
    with app_env.workflow() as workflow:
        assert workflow.screenings() == []  # nothing is stored before the first answer

    # ---- 1. patient and vitals; the title follows the name, age and BMI feed the summary
    _fill_patient_and_vitals(at)
    identifier = screening_id(at)  # the first answer created the screening
    assert identifier != unsaved
    with app_env.workflow() as workflow:
        assert [row.id for row in workflow.screenings()] == [identifier]
        created = [entry for entry in workflow.history(identifier) if entry.kind == "created"]
        assert len(created) == 1 and workflow.get(identifier).answers["patient_name"] == PATIENT
    assert at.title[0].value == "Ngozi Adébáyọ̀\\-Hart"
    assert at.text_input(key=key_of(at, "patient_name")).value == PATIENT
    assert at.date_input(key=key_of(at, "date_of_birth")).value == dt.date(1984, 2, 29)
    assert at.number_input(key=key_of(at, "weight_kg")).value == 96.0
    assert "Patient and vitals" not in sidebar_text(at)  # nothing missing in this section any more
    nav = at.segmented_control(key=f"section-nav:{identifier}")
    assert nav.options[0].endswith("✓") and not nav.options[1].endswith("✓")

    # ---- 2. PHQ-9 (radios); item 9 positive raises the crisis banner at once
    _next(at)
    assert at.header[0].value == "Depression symptoms (PHQ-9)"
    assert not crisis_banners(at)
    answer_all(at, [(f"phq9_{n}", "more_than_half_the_days") for n in range(1, 9)])
    answer(at, "phq9_9", "several_days")
    banners = crisis_banners(at)
    assert len(banners) == 1
    assert "988" in banners[0] and "911" in banners[0] and "PHQ-9 item 9" in banners[0]
    assert "PHQ-9 total: 17 · Moderately severe" in sidebar_text(at)
    answer(at, "phq9_9", "not_at_all")
    assert not crisis_banners(at)
    assert "PHQ-9 total: 16 · Moderately severe" in sidebar_text(at)
    answer(at, "phq9_difficulty", "very_difficult")

    # ---- 3. GAD-7
    _next(at)
    answer_all(at, [(f"gad7_{n}", "several_days") for n in range(1, 8)])
    assert "GAD-7 total: 7 · Mild" in sidebar_text(at)

    # ---- 4. ASQ: a yes shows question 5 at once and the crisis banner
    _next(at)
    asq5 = key_of(at, "asq_5")
    assert asq5 not in [r.key for r in at.radio]
    answer(at, "asq_2", True)
    assert asq5 in [r.key for r in at.radio]
    assert len(crisis_banners(at)) == 1
    answer(at, "asq_2", False)
    assert asq5 not in [r.key for r in at.radio]
    assert not crisis_banners(at)
    answer_all(at, [("asq_1", False), ("asq_3", False), ("asq_4", False)])

    # ---- 5. treatment history: trials through "Add a trial" and the row widgets
    _next(at)
    answer(at, "episode_duration_months", 26)
    assert "No trials" in [b.label for b in at.button]
    add_trial(
        at,
        {"drug": "escitalopram", "weeks": 10, "adequate_dose": True, "adherent": True, "improvement": "lt25"},
    )
    add_trial(
        at,
        {"drug": "venlafaxine", "weeks": 8, "adequate_dose": True, "adherent": True, "improvement": "none"},
    )
    third = add_trial(at, {"drug": "mirtazapine", "weeks": 4})
    # an unfinished row is named as missing in the summary until its fields are given
    assert "Trial 3: Adequate dose, Trial 3: Adherent, Trial 3: Improvement" in sidebar_text(at)
    set_trial_field(at, third, "adequate_dose", False)
    set_trial_field(at, third, "adherent", True)
    set_trial_field(at, third, "improvement", "ge50")
    assert "Trial 3" not in sidebar_text(at)
    assert at.selectbox(key=key_of(at, "antidepressant_trials", third, "improvement")).value == "ge50"
    answer_all(at, [("msm_severity", "severe"), ("augmentation_used", True), ("ect_used", False)])
    assert "Treatment-resistant depression criteria:** met" in sidebar_text(at)

    # ---- 6. medical history: pregnancy questions hidden for a male patient
    _next(at)
    keys = [r.key for r in at.radio]
    assert key_of(at, "pregnant") in keys and key_of(at, "breastfeeding") in keys
    go_to_section(at, 0)
    answer(at, "sex_at_birth", "male")
    go_to_section(at, section_of("pregnant"))
    keys = [r.key for r in at.radio]
    assert key_of(at, "pregnant") not in keys and key_of(at, "breastfeeding") not in keys
    history = [r.key for r in at.radio if r.key and r.key.startswith(f"w:{identifier}:")]
    for key in history:
        item_id = key.split(":")[2]
        answer(at, item_id, item_id == "hypertension_history")

    # ---- 7. medications (pills): "None of these" and a class exclude each other in the widget
    _next(at)
    answer(at, "medication_classes", ["maoi"])
    answer(at, "medication_classes", ["maoi", "none"])
    assert widget(at, "medication_classes").value == ["none"]
    assert not [e for e in at.error if "cannot be combined" in str(e.value)]
    answer(at, "medication_classes", ["lamotrigine", "none"])
    assert widget(at, "medication_classes").value == ["lamotrigine"]

    # ---- 8. logistics, then everything is given
    _next(at)
    answer(at, "has_escort", True)
    answer(at, "can_follow_fasting", True)
    summary = sidebar_text(at)
    assert "Status: Needs review" in summary, summary
    assert "Missing" not in summary
    assert "Relative contraindication (1)" in summary and "Hypertension" in summary
    assert "Caution" in summary  # lamotrigine
    assert "Maudsley staging (MSM): " in summary
    assert at.get("page_link")[-1].proto.page.endswith("review")

    # ---- a coordinator can read the review but has no sign button
    at.switch_page(REVIEW_PAGE).run()
    assert_ok(at)
    assert "Only a psychiatrist records the review and signs." in all_text(at)
    assert not [b for b in at.button if b.key == f"review:{identifier}:sign"]
    assert at.radio(key=f"review:{identifier}:decision").disabled

    # ---- the psychiatrist reviews in their own session
    doc = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    review_key = f"review:{identifier}"
    flag_titles = all_text(doc)
    assert "Hypertension" in flag_titles and "ci.rel.hypertension_history" in flag_titles
    assert "Triggered by:* Hypertension" in flag_titles
    assert "Source:" in flag_titles
    sign = doc.button(key=f"{review_key}:sign")
    assert sign.disabled and sign.label == "Sign and lock"

    doc.radio(key=f"{review_key}:protocol").set_value("iv-ketamine-induction").run()
    assert_ok(doc)
    table = doc.table[0].value
    assert [basis.split(" (")[0] for basis in table["Weight basis"]] == [
        "Actual body weight",
        "Ideal body weight",
        "Adjusted body weight",
    ]
    assert table["Weight (kg)"].iloc[0] == "96"
    assert all(str(dose).replace(".", "").isdigit() for dose in table.iloc[:, 2])  # three doses shown
    doc.radio(key=f"{review_key}:weight_basis").set_value("adjusted").run()
    doc.date_input(key=f"{review_key}:start_date").set_value(dt.date(2026, 12, 3)).run()
    assert_ok(doc)
    assert "**Sessions:** 1: 2026-12-03" in all_text(doc)

    # proceeding needs every relative flag acknowledged first
    doc.radio(key=f"{review_key}:decision").set_value("proceed").run()
    assert_ok(doc)
    assert doc.button(key=f"{review_key}:sign").disabled
    doc.text_area(key=f"{review_key}:ack:ci.rel.hypertension_history").input(
        "Controlled on amlodipine; recheck before each session."
    ).run()
    assert_ok(doc)
    assert not doc.button(key=f"{review_key}:sign").disabled
    assert plain("R. Okafor, MD") in all_text(doc) and "You sign as" in all_text(doc)

    with app_env.workflow() as workflow:
        review = workflow.get(identifier).detail.review
    assert review == {
        "protocol": "iv-ketamine-induction",
        "weight_basis": "adjusted",
        "start_date": "2026-12-03",
        "decision": "proceed",
        "acknowledged": {
            "ci.rel.hypertension_history": "Controlled on amlodipine; recheck before each session."
        },
    }

    doc.button(key=f"{review_key}:sign").click().run()
    assert_ok(doc)
    assert "Signed and locked." in all_text(doc)
    assert any(f"Signed by {plain('R. Okafor, MD')} on" in str(s.value) for s in doc.success)
    assert doc.radio(key=f"{review_key}:decision").disabled
    assert not [b for b in doc.button if b.key == f"{review_key}:sign"]

    # ---- the signed screening is locked for the coordinator too
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=0)
    assert "The screening is locked" in all_text(at)
    assert plain("Signed: proceed, 1 flag acknowledged") in all_text(at)
    assert "The psychiatrist must review the flags." not in all_text(at)  # it was reviewed
    assert at.text_input(key=key_of(at, "patient_name")).disabled
    assert at.number_input(key=key_of(at, "weight_kg")).disabled
    assert at.date_input(key=f"assessed-on:{identifier}").disabled

    # ---- an amendment with a reason is recorded in the audit trail; the decision still stands
    at.switch_page(REVIEW_PAGE).run()
    assert_ok(at)
    amend_on_review_page(at, identifier, "answer:weight_kg", 94.0, "")
    assert "Give a reason." in [e.value for e in at.error]
    amend_on_review_page(at, identifier, "answer:weight_kg", 94.0, "Reweighed on the clinic scale.")
    assert any("Amendment recorded. The signed decision still stands." in str(i.value) for i in at.info)
    assert plain("Signed: proceed, 1 flag acknowledged") in all_text(at)
    at.switch_page(INTAKE_PAGE).run()
    assert at.number_input(key=key_of(at, "weight_kg")).value == 94.0

    with app_env.workflow() as workflow:
        detail = workflow.store.get_screening(identifier)
        assert workflow.verify(identifier)
    assert detail.locked and detail.answers["weight_kg"] == 94
    amended = [event for event in detail.events if event.kind == "amended"]
    assert len(amended) == 1
    assert amended[0].payload["reason"] == "Reweighed on the clinic scale."
    assert amended[0].actor.name == COORDINATOR.name
