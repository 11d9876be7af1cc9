"""The review page's dose table and session list: the dose guards (screening/plans.py) next to the
table, and session dates on the clinic's treatment days with every move said in words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from streamlit.testing.v1 import AppTest

from tests.app.app_support import (
    COMPLETE_ANSWERS,
    PSYCHIATRIST,
    REVIEW_PAGE,
    AppEnv,
    all_text,
    amendment_reason,
    assert_ok,
    choose_amendment,
    open_app,
    seed_screening,
    widget_keyed,
)
from tests.hostile_text import as_read
from ui import services

IV = "iv-ketamine-induction"
ESKETAMINE = "esketamine-induction"
PER_KG = "mg/kg of actual weight"


def _answers(**changes: Any) -> dict[str, Any]:
    answers = {**COMPLETE_ANSWERS, **changes}
    if answers.get("sex_at_birth") == "male":  # not asked of a man
        answers.pop("pregnant", None)
        answers.pop("breastfeeding", None)
    return answers


def _review(app_env: AppEnv, answers: dict[str, Any], **review: Any) -> AppTest:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, answers, review=review)
    return open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)


def _doses(at: AppTest) -> dict[str, dict[str, str]]:
    table = at.table[0].value
    return {str(row["Weight basis"]): {k: str(v) for k, v in row.items()} for _, row in table.iterrows()}


def test_tall_thin_man_is_warned_next_to_the_dose_table(app_env: AppEnv) -> None:
    at = _review(
        app_env,
        _answers(sex_at_birth="male", height_cm=190, weight_kg=55),
        protocol=IV,
        weight_basis="ideal",
        start_date="2026-12-07",
    )
    doses = _doses(at)
    dose_column = "Dose at 0.5 mg/kg (mg)"
    assert doses["Actual body weight"][dose_column] == "27.5"
    assert doses["Actual body weight"][PER_KG] == "0.50"
    assert doses["Ideal body weight (Devine)"][dose_column] == "42"
    assert doses["Ideal body weight (Devine)"][PER_KG] == "0.76 ⚠"
    assert doses["Adjusted body weight"][PER_KG] == "0.66 ⚠"
    warnings = [str(w.value) for w in at.warning]
    assert (
        "Ideal body weight (Devine), 84 kg, is more than the actual body weight, 55 kg: 42 mg is 0.76 mg/kg"
        " of actual body weight, more than the protocol's 0.5 mg/kg."
    ) in warnings
    assert any(w.startswith("Adjusted body weight, 72.4 kg, is more than") for w in warnings)


def test_no_devine_weight_below_152_4_cm(app_env: AppEnv) -> None:
    at = _review(app_env, _answers(height_cm=140), protocol=IV, weight_basis="actual")
    doses = _doses(at)
    dose_column = "Dose at 0.5 mg/kg (mg)"
    assert doses["Ideal body weight (Devine)"]["Weight (kg)"] == "—"
    assert doses["Ideal body weight (Devine)"][dose_column] == (
        "Not computed: Devine's formula is not valid below 152.4 cm (60 in); height 140 cm"
    )
    assert doses["Adjusted body weight"][dose_column] == (
        "Not computed: needs ideal body weight, which is not computed"
    )
    assert doses["Actual body weight"][dose_column] == "39.2"
    assert not [w for w in at.warning if "mg/kg" in str(w.value)]


def test_sessions_skip_the_weekend_and_say_why(app_env: AppEnv) -> None:
    # Saturday start: day 1 is the Monday after
    at = _review(app_env, _answers(), protocol=IV, weight_basis="actual", start_date="2026-12-05")
    text = all_text(at)
    assert (
        "**Sessions:** 1: 2026-12-07 (Mon), 2: 2026-12-09 (Wed), 3: 2026-12-11 (Fri), 4: 2026-12-14 (Mon),"
        " 5: 2026-12-16 (Wed), 6: 2026-12-18 (Fri)"
    ) in text
    assert "Sessions fall on the clinic's treatment days (Monday to Friday), at least 2 days apart" in text
    notes = [str(i.value) for i in at.info]
    assert any(
        "The start date, Saturday 2026-12-05, is not a treatment day (the clinic treats Monday to Friday):"
        " day 1 is Monday 2026-12-07." in note
        for note in notes
    )


def test_a_tuesday_thursday_clinic(app_env: AppEnv) -> None:
    app_env.clinic_file.write_text(
        app_env.clinic_file.read_text(encoding="utf-8") + "treatment_days: [tuesday, thursday]\n",
        encoding="utf-8",
    )
    services.reload_settings()
    at = _review(app_env, _answers(), protocol=ESKETAMINE, start_date="2026-12-01")
    text = all_text(at)
    line = next(part for part in text.split("\n") if part.startswith("**Sessions:**"))
    dated = [entry.split(" (")[1].rstrip(")") for entry in line.removeprefix("**Sessions:** ").split(", ")]
    assert set(dated) <= {"Tue", "Thu"}, line
    assert "treatment days (Tuesday and Thursday), at least 3 days apart" in text
    # the course is longer than the protocol's: a warning, not an information
    assert any("instead of day" in str(w.value) for w in at.warning)


def test_a_bad_treatment_days_list_is_one_line_and_monday_to_friday_is_used(app_env: AppEnv) -> None:
    app_env.clinic_file.write_text(
        app_env.clinic_file.read_text(encoding="utf-8") + "treatment_days: [monday, caturday]\n",
        encoding="utf-8",
    )
    services.reload_settings()
    at = _review(app_env, _answers(), protocol=IV, weight_basis="actual", start_date="2026-12-07")
    errors = [as_read(str(e.value)) for e in at.sidebar.error]
    assert len(errors) == 1
    assert "treatment_days: unknown weekday 'caturday' (use monday to sunday)" in errors[0]
    assert "Monday to Friday is used instead." in errors[0]
    assert "treatment days (Monday to Friday)" in all_text(at)
    # the rest of the clinic file still applies
    assert services.settings().name == "Riverside Ketamine Clinic"


def _session_line(at: AppTest) -> str:
    return next(part for part in all_text(at).split("\n") if part.startswith("**Sessions:**"))


def test_the_psychiatrist_moves_one_session_and_it_is_in_the_history(app_env: AppEnv) -> None:
    at = _review(app_env, _answers(), protocol=ESKETAMINE, start_date="2026-11-30")  # a Monday
    assert "12: 2027-01-18 (Mon)" in _session_line(at)
    number_key = next(s.key for s in at.selectbox if s.key and s.key.endswith("moved_session:number"))
    date_key = next(d.key for d in at.date_input if d.key and d.key.endswith("moved_session:date"))
    at.selectbox(key=number_key).set_value(9)
    at.date_input(key=date_key).set_value(dt.date(2026, 12, 29))
    next(b for b in at.button if b.key and b.key.endswith("moved_session:save")).click()
    at.run()
    assert not at.exception
    line = _session_line(at)
    assert "9: 2026-12-29 (Tue) ‡ moved" in line and "2026-12-28" not in line
    moved = "Moved by the psychiatrist: session 9 from Monday 2026-12-28 to Tuesday 2026-12-29."
    assert any(moved in str(info.value) for info in at.info)
    with app_env.workflow() as workflow:
        (screening,) = workflow.screenings(limit=10)
        entry = workflow.history(screening.id)[-1]
    assert (entry.target, entry.new_words) == ("review.moved_session", "Session 9 on Tuesday 2026-12-29")


def test_a_move_that_breaks_the_spacing_is_a_warning(app_env: AppEnv) -> None:
    at = _review(
        app_env,
        _answers(),
        protocol=ESKETAMINE,
        start_date="2026-11-30",
        moved_session={"session": 3, "date": "2026-12-08"},
    )
    warnings = [str(w.value) for w in at.warning]
    assert any("less than the protocol's spacing of 3 days" in w for w in warnings)
    assert "3: 2026-12-08 (Tue) ‡ moved" in _session_line(at)


def test_a_move_is_amended_after_signing_and_the_screening_stays_signed(app_env: AppEnv) -> None:
    review = {
        "clinician": "R. Okafor, MD",
        "protocol": ESKETAMINE,
        "start_date": "2026-11-30",
        "decision": "defer",
    }
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, _answers(), review=review, signer=PSYCHIATRIST)
    at = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    target = "review:moved_session"
    choose_amendment(at, identifier, target)
    widget_keyed(at, f"amend-value:{identifier}:", f":{target}:session").set_value(9)
    widget_keyed(at, f"amend-value:{identifier}:", f":{target}").set_value(dt.date(2026, 12, 29))
    amendment_reason(at, identifier).set_value("Clinic closed on 28 December.")
    at.button(key=f"amend:{identifier}").click().run()
    assert_ok(at)
    assert any("The signed decision still stands." in str(info.value) for info in at.info), all_text(at)
    assert "9: 2026-12-29 (Tue) ‡ moved" in _session_line(at)
    with app_env.workflow() as workflow:
        screening = workflow.get(identifier)
        entry = workflow.history(identifier)[-1]
    assert screening.lifecycle == "signed"
    assert (entry.kind, entry.target, entry.new_words, entry.reason) == (
        "amended",
        "review.moved_session",
        "Session 9 on Tuesday 2026-12-29",
        "Clinic closed on 28 December.",
    )
