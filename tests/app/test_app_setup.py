"""The Clinic settings page: the clinic's psychiatrists edit the clinic's details and save them to the
clinic file; a value that does not validate is shown under its field and nothing is written; nobody
else gets the page; the patient handout waits for the clinic's phone number."""

from __future__ import annotations

import yaml
from streamlit.testing.v1 import AppTest

from screening.storage import User
from tests.app.app_support import (
    COMPLETE_ANSWERS,
    COORDINATOR,
    DOCUMENTS_PAGE,
    PSYCHIATRIST,
    ROOT,
    RUN_TIMEOUT,
    AppEnv,
    all_text,
    assert_ok,
    open_app,
    seed_screening,
)
from ui import services

SETUP_PAGE = "ui/pages/setup.py"

LISTED_CLINIC = """\
name: Riverside Ketamine Clinic
page_size: a4
roles:
  psychiatrists: [R. Okafor]
  coordinators: []
"""


def _errors(at: AppTest) -> list[str]:
    return [str(element.value) for element in at.error]


def _set(at: AppTest, field: str, value: str) -> None:
    at.text_input(key=f"setup:{field}").set_value(value)


def _save(at: AppTest) -> AppTest:
    at.button(key="setup:save-button").click().run()
    assert_ok(at)
    return at


def test_a_psychiatrist_sets_up_the_clinic_and_the_app_uses_it(app_env: AppEnv) -> None:
    app_env.clinic_file.write_text(LISTED_CLINIC, encoding="utf-8")
    at = open_app(PSYCHIATRIST, page=SETUP_PAGE)
    assert [t.value for t in at.title] == ["Clinic settings"]
    assert at.text_input(key="setup:name").value == "Riverside Ketamine Clinic"
    assert at.text_input(key="setup:emergency_number").value == "911"
    assert at.pills(key="setup:treatment_days").value == [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
    ]

    _set(at, "name", "Clinique du Lac")
    _set(at, "phone", "+33 1 23 45 67 89")
    _set(at, "emergency_number", "112")
    _set(at, "crisis_lines:0:label", "SOS Amitié")
    _set(at, "crisis_lines:0:contact", "09 72 39 40 50")
    at.button(key="setup:add-line").click().run()
    assert_ok(at)
    _set(at, "crisis_lines:1:label", "Suicide Écoute")
    _set(at, "crisis_lines:1:contact", "01 45 39 40 00")
    at.pills(key="setup:treatment_days").set_value(["tuesday", "thursday"])
    at.text_area(key="setup:iv_fasting").set_value("Do not eat after midnight before your treatment.")
    _save(at)

    assert not _errors(at), _errors(at)
    assert any("Clinic settings saved" in str(s.value) for s in at.success)
    data = yaml.safe_load(app_env.clinic_file.read_text(encoding="utf-8"))
    assert data == {
        "name": "Clinique du Lac",
        "page_size": "a4",
        "roles": {"psychiatrists": ["R. Okafor"], "coordinators": []},
        "phone": "+33 1 23 45 67 89",
        "emergency_number": "112",
        "crisis_lines": [
            {"label": "SOS Amitié", "contact": "09 72 39 40 50"},
            {"label": "Suicide Écoute", "contact": "01 45 39 40 00"},
        ],
        "treatment_days": ["tuesday", "thursday"],
        "iv_fasting": "Do not eat after midnight before your treatment.",
    }
    settings = services.settings()  # the cached settings were replaced
    assert settings.name == "Clinique du Lac" and settings.emergency_number == "112"
    assert settings.treatment_days == ("tuesday", "thursday")

    # a crisis line emptied is removed
    _set(at, "crisis_lines:1:label", "")
    _set(at, "crisis_lines:1:contact", "")
    _save(at)
    assert [line.label for line in services.settings().crisis_lines] == ["SOS Amitié"]


def test_values_that_do_not_validate_are_shown_and_nothing_is_written(app_env: AppEnv) -> None:
    before = app_env.clinic_file.read_text(encoding="utf-8")
    at = open_app(PSYCHIATRIST, page=SETUP_PAGE)
    _set(at, "name", "Clinique du Lac")
    _set(at, "phone", "call reception")
    _set(at, "emergency_number", "the police")
    _set(at, "crisis_lines:0:contact", "")
    _save(at)
    errors = _errors(at)
    assert any(e.startswith("Enter a phone number with digits") for e in errors), errors
    assert any(e.startswith("Enter the number to dial in an emergency") for e in errors), errors
    assert any(e.startswith("Enter both the line's name and its number or text") for e in errors), errors
    assert any(e.startswith("Nothing was saved") for e in errors), errors
    assert not any("Value error" in e or "type=" in e for e in errors), errors
    assert app_env.clinic_file.read_text(encoding="utf-8") == before
    assert services.settings().name == "Riverside Ketamine Clinic"
    # the entered values stay in their fields, to be corrected
    assert at.text_input(key="setup:phone").value == "call reception"


def test_only_the_clinics_psychiatrists_get_the_page(app_env: AppEnv) -> None:
    before = "\n".join(("name: Riverside Ketamine Clinic", "roles:", "  psychiatrists: [A. Listed]", ""))
    app_env.clinic_file.write_text(before, encoding="utf-8")
    for user in (COORDINATOR, PSYCHIATRIST):  # a coordinator; a psychiatrist the file does not list
        at = open_app(user, page=SETUP_PAGE)
        assert "Clinic settings" not in [t.value for t in at.title]
        assert not [w for w in at.text_input if w.key and w.key.startswith("setup:")]
    listed = User(id="local:a-listed", name="A. Listed", role="psychiatrist", authenticated=False)
    at = open_app(listed, page=SETUP_PAGE)
    assert [t.value for t in at.title] == ["Clinic settings"]

    # the page itself refuses anyone else, however it is reached
    page = AppTest.from_file(str(ROOT / SETUP_PAGE), default_timeout=RUN_TIMEOUT)
    page.session_state["user"] = COORDINATOR
    page.run()
    assert_ok(page)
    assert any("Only the clinic's psychiatrists" in e for e in _errors(page))
    assert not page.text_input and not page.button
    assert app_env.clinic_file.read_text(encoding="utf-8") == before


def test_a_clinic_without_a_file_is_set_up_by_a_psychiatrist(app_env: AppEnv) -> None:
    app_env.clinic_file.unlink()
    services.reload_settings()
    at = open_app(PSYCHIATRIST, page=SETUP_PAGE)
    assert "not created yet" in all_text(at)
    _set(at, "phone", "(555) 010-2000")
    _save(at)
    assert not _errors(at), _errors(at)
    assert yaml.safe_load(app_env.clinic_file.read_text(encoding="utf-8"))["phone"] == "(555) 010-2000"


def test_the_handout_is_offered_only_once_the_clinic_phone_is_set(app_env: AppEnv) -> None:
    app_env.clinic_file.write_text("name: Riverside Ketamine Clinic\n", encoding="utf-8")
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, COMPLETE_ANSWERS)
    at = open_app(PSYCHIATRIST, page=DOCUMENTS_PAGE, screening=identifier)
    labels = [button.label for button in at.download_button]
    assert "Download the patient handout" not in labels and "Download the clinician summary" in labels
    assert any("until the clinic's phone number is set" in str(w.value) for w in at.warning)

    at.switch_page(SETUP_PAGE).run()
    assert_ok(at)
    _set(at, "phone", "(555) 010-2000")
    _save(at)
    assert not _errors(at), _errors(at)

    at.switch_page(DOCUMENTS_PAGE).run()
    assert_ok(at)
    labels = [button.label for button in at.download_button]
    assert "Download the patient handout" in labels
    assert not any("until the clinic's phone number is set" in str(w.value) for w in at.warning)
