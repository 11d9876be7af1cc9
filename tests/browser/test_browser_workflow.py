"""The app in a real browser: `streamlit run app.py` as a subprocess, driven with Playwright in
Debian's chromium. A coordinator fills a screening (and refreshes the page half-way), a
psychiatrist reviews and signs it in another browser profile; the coordinator then amends a
medical-history answer of the signed screening, which reopens it; the psychiatrist acknowledges the
new flag, signs again and downloads the clinician summary, which prints the amendment.

Screenshots of every page go to test-output/screenshots/. Without chromium the test is skipped,
unless SCREENING_REQUIRE_BROWSER=1 (CI), which makes it fail instead.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from screening.storage import User
from screening.workflow import Workflow
from tests.browser.browser_support import (
    SAVE_TIMEOUT,
    STEP_TIMEOUT_MS,
    Server,
    css_key,
    fill_sign_in,
    first_answer_creates,
    settle,
    shoot,
    sign_in,
)

pytestmark = pytest.mark.browser

PATIENT = "Ngozi Adébáyọ̀-Hart"
AMENDMENT_REASON = "Letter from cardiology: atrial fibrillation since October."
HEART_NOTE = "Cardiology cleared: rate-controlled AF; resuscitation equipment on site."
COLLEAGUE = User(id="local:jo-nurse", name="Jo Nurse", role="coordinator", authenticated=False)
_HISTORY = (
    "ketamine_hypersensitivity aneurysmal_vascular_disease arteriovenous_malformation "
    "intracerebral_hemorrhage_history recent_cardiovascular_event current_psychosis current_mania "
    "psychosis_history bipolar_disorder substance_use_disorder_active substance_use_disorder_history "
    "heart_disease hypertensive_encephalopathy_history raised_intracranial_pressure glaucoma "
    "hyperthyroidism_uncontrolled pulmonary_disease_or_sleep_apnea hepatic_impairment bladder_symptoms "
    "porphyria pregnant breastfeeding"
)
LATER_ANSWERS: dict[str, Any] = {
    "episode_duration_months": 20,
    "antidepressant_trials": [
        {"drug": "sertraline", "weeks": 10, "adequate_dose": True, "adherent": True, "improvement": "lt25"},
    ],
    "msm_severity": "moderate",
    "augmentation_used": False,
    "ect_used": False,
    **dict.fromkeys(_HISTORY.split(), False),
    "hypertension_history": True,
}
"""What a colleague enters at another workstation while the coordinator is in the browser (the
browser test answers the other sections itself; these would only repeat the same clicks)."""


def colleague_enters(workflow: Workflow, identifier: str, answers: dict[str, Any]) -> None:
    """Save answers as another instance of the app would, through the workflow (which computes the
    status itself)."""
    before = workflow.get(identifier)
    after = workflow.answer(identifier, answers, user=COLLEAGUE, base_revision=before.revision)
    assert after.revision > before.revision
    assert {item: after.answers.get(item) for item in answers} == answers


# ------------------------------------------------------------------ the test


def test_screening_from_new_to_signed_amended_and_signed_again_in_a_real_browser(
    server: Server, new_browser: Callable[[], Any], request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect  # noqa: PLC0415 - optional dependency

    page = new_browser()
    page.goto(server.url)
    page.get_by_label("Your name").wait_for()
    expect(page.get_by_text("Local mode: sign-in is not authenticated")).to_be_visible()
    shoot(page, "01-sign-in")
    sign_in(page, server, "Casey Coordinator", "Intake coordinator")
    shoot(page, "02-screenings-empty")
    workflow = server.workflow()  # the list page has created the database by now
    request.addfinalizer(workflow.close)

    page.get_by_role("button", name="New screening").click()
    page.get_by_role("heading", name="New screening").wait_for()
    settle(page)
    # ---- section 1 through the real widgets; nothing is stored until the first answer creates it
    intake = first_answer_creates(page, workflow, PATIENT)
    expect(page.get_by_role("heading", name=PATIENT)).to_be_visible()
    intake.type_text("mrn", "RK-77120")
    intake.date("date_of_birth", "1984-02-29")
    intake.choose("sex_at_birth", "Female", "female")
    for item, text, value in (
        ("weight_kg", "96", 96),
        ("height_cm", "170", 170),
        ("systolic_bp", "132", 132),
        ("diastolic_bp", "84", 84),
        ("heart_rate", "70", 70),
    ):
        intake.type_text(item, text, value)
    shoot(page, "03-intake-patient")

    # ---- PHQ-9, half-way, then the browser is refreshed
    intake.next("Depression symptoms (PHQ-9)")
    for n in range(1, 5):
        intake.choose(f"phq9_{n}", "More than half the days", "more_than_half_the_days")
    url_before = page.url
    assert "section=1" in url_before
    page.reload()
    # local mode keeps who is signed in with the browser session, so a refresh asks the name again;
    # then the screening resumes where it was
    page.get_by_label("Your name").wait_for()
    fill_sign_in(page, "Casey Coordinator", "Intake coordinator")
    page.get_by_role("heading", name="Depression symptoms (PHQ-9)").wait_for()
    settle(page)
    assert page.url == url_before
    expect(page.get_by_role("heading", name=PATIENT)).to_be_visible()
    for n in range(1, 5):
        checked = intake.widget(f"phq9_{n}").locator("input[type=radio]:checked")
        expect(checked).to_have_count(1)
        option = intake.widget(f"phq9_{n}").locator(
            '[data-testid="stRadioOption"]', has=page.locator("input[type=radio]:checked")
        )
        expect(option).to_have_text("More than half the days")
    expect(intake.widget("phq9_5").locator("input[type=radio]:checked")).to_have_count(0)
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("Missing")
    shoot(page, "04-intake-after-refresh")

    for n in range(5, 10):
        intake.choose(
            f"phq9_{n}", "Several days" if n < 9 else "Not at all", "several_days" if n < 9 else "not_at_all"
        )
    intake.next("Anxiety symptoms (GAD-7)")
    for n in range(1, 8):
        intake.choose(f"gad7_{n}", "Several days", "several_days")
    intake.next("Suicide-risk screen (ASQ)")
    intake.choose("asq_1", "Yes", True)
    expect(page.get_by_text("Suicide-risk screen positive: act now")).to_be_visible()
    shoot(page, "05-intake-asq-crisis-banner")
    # the suicide-risk dialog stays until somebody acknowledges it
    acknowledge = page.get_by_role("button", name=re.compile("^I have seen this"))
    acknowledge.click()
    expect(acknowledge).to_have_count(0)
    intake.choose("asq_5", "No", False)
    acknowledge.click()  # a non-acute positive screen, once question 5 is answered, is a new alert
    expect(acknowledge).to_have_count(0)
    intake.choose("asq_1", "No", False)
    expect(page.get_by_text("Suicide-risk screen positive: act now")).to_have_count(0)
    for n in range(2, 5):
        intake.choose(f"asq_{n}", "No", False)

    # ---- most of the history is entered meanwhile at another workstation; the page shows it
    colleague_enters(workflow, intake.identifier, LATER_ANSWERS)
    intake.next("Depression and treatment history")
    expect(intake.widget("episode_duration_months").locator("input")).to_have_value("20")
    expect(intake.widget("antidepressant_trials:0:drug").locator("input")).to_have_value("sertraline")

    # ---- a second trial through "Add a trial" and the row's widgets
    page.get_by_role("button", name="Add a trial").click()
    row = "antidepressant_trials:1"
    intake.widget(f"{row}:drug").locator("input").wait_for()
    settle(page)
    trial: dict[str, Any] = {"drug": "venlafaxine"}
    steps: tuple[tuple[str, Callable[[], None]], ...] = (
        ("drug", lambda: intake.widget(f"{row}:drug").locator("input").fill("venlafaxine")),
        ("weeks", lambda: intake.widget(f"{row}:weeks").locator("input").fill("8")),
        (
            "adequate_dose",
            lambda: intake.widget(f"{row}:adequate_dose").get_by_text("Yes", exact=True).click(),
        ),
        ("adherent", lambda: intake.widget(f"{row}:adherent").get_by_text("Yes", exact=True).click()),
    )
    for field, action in steps:
        action()
        if field in ("drug", "weeks"):
            intake.widget(f"{row}:{field}").locator("input").press("Enter")
        trial[field] = {"weeks": 8, "adequate_dose": True, "adherent": True}.get(field, "venlafaxine")
        intake.wait_saved("antidepressant_trials", [LATER_ANSWERS["antidepressant_trials"][0], trial])
    intake.widget(f"{row}:improvement").get_by_role("combobox").click()
    page.get_by_role("option", name="No improvement").click()
    trial["improvement"] = "none"
    intake.wait_saved("antidepressant_trials", [LATER_ANSWERS["antidepressant_trials"][0], trial])
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("criteria: met")
    shoot(page, "06-intake-history")

    # ---- medications (pills) and logistics
    intake.next("Medical history and contraindications")
    intake.next("Current medications")
    intake.widget("medication_classes").get_by_role("button", name="Lamotrigine").click()
    intake.wait_saved("medication_classes", ["lamotrigine"])
    intake.next("Logistics")
    intake.choose("has_escort", "Yes", True)
    intake.choose("can_follow_fasting", "Yes", True)
    expect(page.locator('[data-testid="stSidebar"]')).not_to_contain_text("Missing")
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("Status: Needs review")

    # ---- the psychiatrist, in another browser profile
    doctor = new_browser()
    sign_in(doctor, server, "R. Okafor", "Psychiatrist")
    # the row's name (its "Open screening of …" button names the patient too)
    expect(doctor.get_by_text(PATIENT, exact=True)).to_be_visible()
    shoot(doctor, "07-screenings-list")
    doctor.locator(f".{css_key(f'open:{intake.identifier}')}").get_by_role("button").click()
    doctor.get_by_role("heading", name=PATIENT).wait_for()
    settle(doctor)
    doctor.get_by_role("link", name="Review and sign").click()
    doctor.get_by_role("heading", name="Psychiatrist's review").wait_for()
    settle(doctor)
    review = f"review:{intake.identifier}"

    def review_widget(name: str) -> Any:
        return doctor.locator(f".{css_key(f'{review}:{name}')}")

    def stored_review() -> dict[str, Any]:
        return dict(workflow.get(intake.identifier).detail.review or {})

    def wait_review(key: str, expected: Any) -> None:
        deadline = time.monotonic() + SAVE_TIMEOUT
        while stored_review().get(key) != expected:
            assert time.monotonic() < deadline, f"review {key} was not saved"
            time.sleep(0.1)
        settle(doctor)

    review_widget("protocol").locator('[data-testid="stRadioOption"]').first.click()
    wait_review("protocol", "iv-ketamine-induction")
    # the dosing table (the review page has other tables too)
    expect(doctor.locator('[data-testid="stTable"]', has_text="Adjusted body weight")).to_have_count(1)
    review_widget("weight_basis").locator(
        '[data-testid="stRadioOption"]', has_text="Adjusted body weight"
    ).click()
    wait_review("weight_basis", "adjusted")
    review_widget("start_date").get_by_role("spinbutton", name=re.compile("^year")).click()
    doctor.keyboard.type("20261203")
    doctor.get_by_role("heading", name="Plan").click()
    wait_review("start_date", "2026-12-03")
    note = "Controlled on amlodipine; recheck before each session."
    review_widget("ack:ci.rel.hypertension_history").locator("textarea").fill(note)
    doctor.get_by_role("heading", name="Flags").click()
    wait_review("acknowledged", {"ci.rel.hypertension_history": note})
    review_widget("decision").locator(
        '[data-testid="stRadioOption"]', has_text=re.compile("^Proceed$")
    ).click()
    wait_review("decision", "proceed")
    sign = doctor.get_by_role("button", name="Sign and lock")
    expect(sign).to_be_enabled()
    shoot(doctor, "08-review-ready-to-sign")
    sign.click()
    expect(doctor.get_by_text("Signed and locked.", exact=True)).to_be_visible()
    settle(doctor)
    signed = workflow.get(intake.identifier)
    assert signed.lifecycle == "signed" and signed.locked and signed.signature is not None
    assert signed.signature.signer.signature_name == "R. Okafor, MD"
    shoot(doctor, "09-review-signed")

    # ---- the coordinator's page shows the lock after a refresh (and signing in again)
    page.reload()
    page.get_by_label("Your name").wait_for()
    fill_sign_in(page, "Casey Coordinator", "Intake coordinator")
    page.get_by_role("heading", name="Logistics").wait_for()
    settle(page)
    expect(page.get_by_text("The screening is locked")).to_be_visible()
    expect(intake.widget("has_escort").locator("input[type=radio]").first).to_be_disabled()

    # ---- a letter from cardiology: the coordinator amends the signed screening, which reopens it
    page.get_by_role("link", name="Amend on the review page").click()
    page.get_by_role("heading", name="Amend", exact=True).wait_for()
    settle(page)
    what = page.get_by_role("combobox", name="What to change")
    what.click()
    what.press_sequentially("Heart disease")
    page.get_by_role("option", name="Medical history and contraindications · Heart disease").click()
    settle(page)
    new_answer = page.get_by_role("radiogroup", name=re.compile("^New answer: Coronary disease"))
    expect(new_answer.locator("input[type=radio]:checked")).to_have_count(1)
    expect(
        new_answer.locator('[data-testid="stRadioOption"]', has=page.locator("input[type=radio]:checked"))
    ).to_have_text("No")
    new_answer.locator('[data-testid="stRadioOption"]', has_text=re.compile("^Yes$")).click()
    settle(page)
    page.get_by_label("Reason for the amendment").fill(AMENDMENT_REASON)
    # the box commits its text when it loses focus
    page.get_by_role("heading", name="Amend", exact=True).click()
    settle(page)
    shoot(page, "10-amend-heart-disease")
    page.get_by_role("button", name="Record the amendment").click()
    expect(page.get_by_text("The screening is reopened: a psychiatrist signs it again.")).to_be_visible()
    settle(page)
    reopened = workflow.get(intake.identifier)
    assert reopened.lifecycle == "reopened" and reopened.answers["heart_disease"] is True
    assert reopened.reopened is not None and reopened.reopened.reason == AMENDMENT_REASON
    assert reopened.signature is None and reopened.last_signature is not None
    on = reopened.reopened.at.date().isoformat()  # the date the app prints (UTC, not this machine's)
    reopened_notice = page.locator(
        '[data-testid="stAlertContentWarning"]', has_text="Reopened after an amendment"
    )
    expect(reopened_notice).to_contain_text(
        f"Reopened after an amendment on {on}: Heart disease now Yes. Needs re-signing"
    )
    expect(reopened_notice).to_contain_text("New relative flag: Heart disease or prior stroke")
    at = f"{reopened.reopened.at.astimezone():%Y-%m-%d %H:%M}"  # in the server's time zone, as here
    expect(reopened_notice).to_contain_text(f"Amended by Casey Coordinator on {at}. Reason given")
    expect(reopened_notice).to_contain_text(f"Reason given: {AMENDMENT_REASON}")
    expect(reopened_notice).to_contain_text("The signature of R. Okafor, MD")
    expect(reopened_notice).to_contain_text("no longer stands: a psychiatrist signs again")
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("Reopened: needs re-signing")
    expect(page.get_by_role("button", name="Record the amendment")).to_have_count(0)  # nothing to amend now

    # the history panel says what changed, from what to what, who and why
    page.get_by_text("History of changes").click()
    newest = page.locator(f"[class*='{css_key(f'history:{intake.identifier}:')}']").first
    expect(newest).to_contain_text("Casey Coordinator (Intake coordinator) · Amendment · Reopened")
    expect(newest).to_contain_text("Heart disease: No → Yes")
    expect(newest).to_contain_text(f"Reason: {AMENDMENT_REASON}")
    settle(page)
    shoot(page, "11-reopened-with-history")

    # ---- the psychiatrist sees why, writes the note the new flag needs and signs again
    doctor.reload()
    doctor.get_by_label("Your name").wait_for()
    fill_sign_in(doctor, "R. Okafor", "Psychiatrist")
    doctor.get_by_role("heading", name="Psychiatrist's review").wait_for()
    settle(doctor)
    doctor_notice = doctor.locator('[data-testid="stAlertContentWarning"]', has_text="Reopened after")
    expect(doctor_notice).to_contain_text("New relative flag: Heart disease or prior stroke")
    expect(doctor_notice).to_contain_text(f"Reason given: {AMENDMENT_REASON}")
    sign_again = doctor.get_by_role("button", name="Sign again and lock")
    expect(sign_again).to_be_disabled()
    expect(doctor.get_by_text("none yet on: Heart disease or prior stroke")).to_be_visible()
    expect(review_widget("ack:ci.rel.hypertension_history").locator("textarea")).to_have_value(note)
    heart_box = review_widget("ack:ci.rel.heart_disease").locator("textarea")
    expect(heart_box).to_be_enabled()
    heart_box.fill(HEART_NOTE)
    doctor.get_by_role("heading", name="Flags").click()
    wait_review("acknowledged", {"ci.rel.hypertension_history": note, "ci.rel.heart_disease": HEART_NOTE})
    expect(sign_again).to_be_enabled()
    shoot(doctor, "12-review-ready-to-sign-again")
    sign_again.click()
    expect(doctor.get_by_text("Signed and locked.", exact=True)).to_be_visible()
    settle(doctor)
    expect(doctor.locator('[data-testid="stMainBlockContainer"]')).to_contain_text(
        "Signed: proceed, 2 flags acknowledged · by R. Okafor, MD"
    )
    expect(review_widget("ack:ci.rel.heart_disease").locator("textarea")).to_be_disabled()
    shoot(doctor, "13-review-signed-again")

    final = workflow.get(intake.identifier)
    assert final.lifecycle == "signed" and final.decision == "proceed" and final.locked
    assert final.signature is not None and final.signature.signer.signature_name == "R. Okafor, MD"
    assert final.review is not None
    assert final.review.acknowledged == {
        "ci.rel.hypertension_history": note,
        "ci.rel.heart_disease": HEART_NOTE,
    }
    assert final.answers["heart_disease"] is True and final.status == "needs_review"
    amendments = [entry for entry in workflow.history(intake.identifier) if entry.kind == "amended"]
    assert [(e.target, e.old_words, e.new_words, e.reason, e.user_name) for e in amendments] == [
        ("heart_disease", "No", "Yes", AMENDMENT_REASON, "Casey Coordinator")
    ]

    # ---- documents: the clinician summary names the patient and prints the amendment
    doctor.get_by_role("link", name="Documents").first.click()
    download_button = doctor.get_by_role("button", name="Download the clinician summary")
    download_button.wait_for(timeout=STEP_TIMEOUT_MS * 3)  # the first build loads the fonts
    settle(doctor)
    expect(doctor.get_by_text("Loading PDF")).to_have_count(0, timeout=STEP_TIMEOUT_MS)
    shoot(doctor, "14-documents")
    with doctor.expect_download(timeout=STEP_TIMEOUT_MS) as event:
        download_button.click()
    path = event.value.path()
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF-")
    day = workflow.get(intake.identifier).assessed_on.isoformat()
    assert event.value.suggested_filename == f"RK-77120_clinician-summary_{day}.pdf"
    text = "\n".join(page_.extract_text() or "" for page_ in PdfReader(io.BytesIO(data)).pages)
    assert "Ngozi" in text and "Hart" in text, text[:500]
    words = " ".join(text.split())  # table cells wrap their lines
    amendments_table = words[words.index("Amendments When By Reason What changed") :]
    assert "Heart disease: No → Yes" in amendments_table, amendments_table[:800]
    assert AMENDMENT_REASON in amendments_table, amendments_table[:800]
    assert "Casey Coordinator" in amendments_table, amendments_table[:800]
    assert "Signed: proceed, 2 flags acknowledged" in words
    assert "Reopened the screening" not in words and "No longer stands" not in words  # signed again

    # the download is in the audit trail, which checks out; the screening stays signed
    deadline = time.monotonic() + SAVE_TIMEOUT
    while not [entry for entry in workflow.history(intake.identifier) if entry.kind == "document"]:
        assert time.monotonic() < deadline, "the download was not recorded"
        time.sleep(0.1)
    assert workflow.get(intake.identifier).lifecycle == "signed"
    assert workflow.verify(intake.identifier)

    doctor.get_by_role("tab", name="Patient handout").click()
    settle(doctor)
    expect(doctor.get_by_text("Loading PDF")).to_have_count(0, timeout=STEP_TIMEOUT_MS)
    shoot(doctor, "15-documents-handout-tab")
    doctor.get_by_role("link", name="Questionnaires").click()
    doctor.get_by_role("heading", name="Questionnaires").wait_for()
    doctor.locator("code", has_text="ketamine-trd-intake").first.wait_for()
    settle(doctor)
    shoot(doctor, "16-questionnaires")
