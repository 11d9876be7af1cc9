"""The dose guards and the clinic's treatment days in both documents: a tall, very thin
man whose ideal-weight dose is above his actual-weight dose, a 140 cm patient for whom Devine is
not computed, a clinic that treats on Tuesday and Thursday only, and a clinic file whose
treatment days cannot be used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from screening.cli import main
from screening.config import ClinicSettings, load_clinic_settings
from screening.definition import Definition
from screening.documents.build import HANDOUT_FILE, SUMMARY_FILE, Documents, build_documents
from screening.settings import CLINIC_FILE_ENV
from tests.documents.documents_cases import EXAMPLE_FILE, GENERATED_AT, _changed
from tests.documents.documents_support import CLINIC, Pdf, flat

TUESDAY_THURSDAY = CLINIC.model_copy(update={"treatment_days": ("tuesday", "thursday")})


def _male(**answers: Any) -> dict[str, Any]:
    return {"sex_at_birth": "male", "pregnant": None, "breastfeeding": None, **answers}


PATIENTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # 190 cm, 55 kg: ideal 84 kg and adjusted 72.4 kg are above the actual weight; start on a Saturday
    "tall_thin": (
        _male(height_cm=190, weight_kg=55, patient_name="Tall Thin"),
        {"weight_basis": "ideal", "start_date": "2026-12-05"},
    ),
    "short": ({"height_cm": 140, "patient_name": "Short Patient"}, {"weight_basis": "adjusted"}),
    "esketamine": ({}, {"protocol": "esketamine-induction", "weight_basis": None}),
}


_BUILT: dict[tuple[str, str, tuple[str, ...]], Documents] = {}


def _documents(intake: Definition, name: str, settings: ClinicSettings = CLINIC) -> Documents:
    key = (name, settings.model_dump_json(), settings.problems)
    if key not in _BUILT:
        _BUILT[key] = _build(intake, name, settings)
    return _BUILT[key]


def _build(intake: Definition, name: str, settings: ClinicSettings) -> Documents:
    answers, review = PATIENTS[name]
    case = _changed(review=review)
    for key, value in answers.items():
        if value is None:
            case.answers.pop(key, None)
        else:
            case.answers[key] = value
    return build_documents(intake, case.assess(intake), settings=settings, generated_at=GENERATED_AT)


def _pdfs(intake: Definition, name: str, settings: ClinicSettings = CLINIC) -> tuple[Pdf, Pdf]:
    documents = _documents(intake, name, settings)
    return Pdf(documents.summary), Pdf(documents.handout)


def test_tall_thin_man_dose_check_in_the_summary(intake: Definition) -> None:
    summary, _handout = _pdfs(intake, "tall_thin")
    summary.assert_contains(
        "Actual body weight 55 kg 27.5 mg 0.50 mg/kg —",
        "Ideal body weight (Devine) 84 kg 42 mg ⚠ 0.76 mg/kg ✓ CHOSEN",
        "Adjusted body weight 72.4 kg 36.2 mg ⚠ 0.66 mg/kg —",
        "Dose check",
        "Ideal body weight (Devine), 84 kg, is more than the actual body weight, 55 kg: 42 mg is 0.76 mg/kg"
        " of actual body weight, more than the protocol's 0.5 mg/kg.",
        "Adjusted body weight, 72.4 kg, is more than the actual body weight, 55 kg: 36.2 mg is 0.66 mg/kg"
        " of actual body weight, more than the protocol's 0.5 mg/kg.",
        # the plan's dose line carries the warning for the chosen basis
        "42 mg (0.5 mg/kg x 84 kg, Devine ideal body weight) over 40 minutes. ⚠ Dose check: Ideal body"
        " weight (Devine), 84 kg, is more than the actual body weight",
    )


def test_start_on_a_saturday_moves_to_monday_in_both_documents(intake: Definition) -> None:
    summary, handout = _pdfs(intake, "tall_thin")
    summary.assert_contains(
        "Start date 2026-12-05 (Sat) → first session 2026-12-07 (Mon)",
        "The start date, Saturday 2026-12-05, is not a treatment day (the clinic treats Monday to Friday):"
        " day 1 is Monday 2026-12-07.",
        "Dated on the clinic's treatment days (Monday to Friday), at least 2 days apart as in the protocol.",
    )
    for day in ("2026-12-07 (Mon)", "2026-12-09 (Wed)", "2026-12-11 (Fri)", "2026-12-14 (Mon)"):
        summary.assert_contains(day)
    handout.assert_contains("Your 6 sessions are planned for these days:", "Session 1 Monday 7 December 2026")
    assert "Saturday" not in handout.text and "Sunday" not in handout.text
    assert "not the usual" not in handout.text  # from a Monday the course keeps its 12 days


def test_140_cm_patient_has_no_devine_weight_and_no_dose_from_it(intake: Definition) -> None:
    summary, _handout = _pdfs(intake, "short")
    why = "Devine's formula is not valid below 152.4 cm (60 in); height 140 cm"
    summary.assert_contains(
        f"Ideal body weight (Devine) Not computed: {why}",
        "Adjusted body weight Not computed: needs ideal body weight, which is not computed",
        "Ideal body weight (Devine) Not known Not computed",
        "0.5 mg/kg over 40 minutes on adjusted body weight — not computed: needs ideal body weight, which is"
        " not computed; choose another weight basis.",
        "Actual body weight 81.5 kg 40.8 mg 0.50 mg/kg",
    )
    text = summary.text
    assert "0 mg " not in text.replace("40.8 mg", "").replace("0.5 mg", "")
    assert "Dose check" not in text


def test_a_tuesday_thursday_clinic_dates_and_says_the_longer_course(intake: Definition) -> None:
    summary, handout = _pdfs(intake, "esketamine", TUESDAY_THURSDAY)
    summary.assert_contains(
        "Start date 2026-12-02 (Wed) → first session 2026-12-03 (Thu)",
        "Dated on the clinic's treatment days (Tuesday and Thursday), at least 3 days apart as in the"
        " protocol.",
        "sessions move to keep to the treatment days and the protocol's spacing; the last is on day",
    )
    # every session date in the handout is a Tuesday or a Thursday
    sessions_part = flat(handout.text).split("planned for these days:", 1)[1].split("What esketamine is")[0]
    for weekday in ("Monday", "Wednesday", "Friday", "Saturday", "Sunday"):
        assert weekday not in sessions_part
    handout.assert_contains(
        "The clinic gives treatments Tuesday and Thursday, so your sessions take", "not the usual"
    )


def test_unusable_treatment_days_are_one_warning_and_the_documents_use_the_default(
    intake: Definition, tmp_path: Path
) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text('name: Riverside\nphone: "+1 555 0100"\ntreatment_days: [someday]\n', encoding="utf-8")
    settings = load_clinic_settings(path)
    documents = _documents(intake, "tall_thin", settings)
    assert (
        documents.warnings.count(
            f"Clinic settings: {path}:3:18: treatment_days: unknown weekday 'someday' (use monday to sunday);"
            " Monday to Friday is used instead."
        )
        == 1
    )
    Pdf(documents.summary).assert_contains(
        "Dated on the clinic's treatment days (Monday to Friday)", "2026-12-07 (Mon)"
    )


@pytest.mark.parametrize("name", sorted(PATIENTS))
def test_no_session_on_a_weekend_in_the_summary(intake: Definition, name: str) -> None:
    summary, _handout = _pdfs(intake, name)
    sessions = summary.text.split("Sessions Session Day Date", 1)[1].split("At every session", 1)[0]
    table = sessions.split("Dated on the clinic's treatment days", 1)[0]
    assert "(Sat)" not in table and "(Sun)" not in table


def test_report_command_warns_about_unusable_treatment_days_and_still_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text('name: Riverside\nphone: "+1 555 0100"\ntreatment_days: []\n', encoding="utf-8")
    monkeypatch.setenv(CLINIC_FILE_ENV, str(clinic))
    out = tmp_path / "out"
    code = main(["report", str(EXAMPLE_FILE), "--out", str(out), "--generated-at", "2026-11-20T15:30:00"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err.splitlines() == [
        f"warning: Clinic settings: {clinic}:3:1: treatment_days: the list is empty; Monday to Friday is"
        " used instead."
    ]
    assert (out / SUMMARY_FILE).exists() and (out / HANDOUT_FILE).exists()


# ---------------------------------------------------------------------------------------------
# The esketamine plan through maintenance, and a session the psychiatrist moved

ESKETAMINE_FROM_MONDAY = {
    "protocol": "esketamine-induction",
    "weight_basis": None,
    "start_date": "2026-11-30",  # a Monday
}
PATIENTS["esketamine_monday"] = ({}, ESKETAMINE_FROM_MONDAY)
PATIENTS["esketamine_moved"] = (
    {},
    {**ESKETAMINE_FROM_MONDAY, "moved_session": {"session": 3, "date": "2026-12-08"}},
)
PATIENTS["esketamine_out_of_order"] = (
    {},
    {**ESKETAMINE_FROM_MONDAY, "moved_session": {"session": 3, "date": "2026-12-03"}},
)


def test_esketamine_plan_prints_its_phases_rems_and_eight_dated_weeks(intake: Definition) -> None:
    summary, handout = _pdfs(intake, "esketamine_monday")
    summary.assert_contains(
        "Phases Induction, weeks 1-4: twice weekly.",
        "Maintenance, weeks 5-8: once weekly.",
        "Maintenance, weeks 9 onward: every 2 weeks or weekly.",
        "Before session 1 SPRAVATO REMS patient enrollment Outpatient settings enroll each patient in the"
        " SPRAVATO REMS before the first session",
        "day 50 (wk 8)",
        "2027-01-18 (Mon)",
        "* Session 12: Last dated session; from week 9, every 2 weeks or weekly.",
    )
    text = flat(summary.text)
    # the REMS step comes before the sessions
    assert text.index("SPRAVATO REMS patient enrollment") < text.index("Sessions Session Day Date")
    handout.assert_contains(
        "Weeks 1 to 4, two times a week.",
        "Weeks 5 to 8, once a week.",
        "From week 9, every 1 or 2 weeks",
        "Before your first dose, the clinic must enroll you in the SPRAVATO safety program (called REMS).",
        "Your first 12 sessions are planned for these days:",
        "Session 12 Monday 18 January 2027",
    )
    handout_text = flat(handout.text)
    assert handout_text.index("called REMS") < handout_text.index("Session 1 Monday 30 November 2026")


def test_a_moved_session_is_marked_in_both_documents(intake: Definition) -> None:
    summary, handout = _pdfs(intake, "esketamine_moved")
    summary.assert_contains(
        "2026-12-08 (Tue) ‡ moved",
        "‡ Moved by the psychiatrist: session 3 from Monday 2026-12-07 to Tuesday 2026-12-08. Check: it is"
        " 2 days from session 4 (Thursday 2026-12-10), less than the protocol's spacing of 3 days.",
    )
    assert "2026-12-07 (Mon)" not in summary.text.split("Sessions Session Day Date", 1)[1]
    handout.assert_contains("Session 3 Tuesday 8 December 2026 (new date)")
    assert "Monday 7 December 2026" not in handout.text


def test_a_move_out_of_order_is_not_applied_and_says_why(intake: Definition) -> None:
    summary, handout = _pdfs(intake, "esketamine_out_of_order")
    summary.assert_contains(
        "⚠ Session 3 on Thursday 2026-12-03 is not applied: it is not after session 2 (Thursday"
        " 2026-12-03); a move keeps the order of the sessions.",
        "2026-12-07 (Mon)",
    )
    assert "‡ moved" not in summary.text
    handout.assert_contains("Session 3 Monday 7 December 2026")
    assert "(new date)" not in handout.text
