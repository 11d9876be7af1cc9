"""The documents fit the clinic and the patient: the clinic's emergency
number and crisis lines and no other; no pregnancy text when those questions were not asked; benefit
and risk figures for the patient's age group; the fasting rule of each protocol.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from screening.cli import main
from screening.config import IV_FASTING_DEFAULT, ClinicSettings, CrisisLine
from screening.definition import Definition
from screening.documents.build import build_documents
from screening.loading import BUNDLED_DIRECTORY, load_catalog
from screening.settings import CLINIC_FILE_ENV
from tests.documents.documents_cases import EXAMPLE_FILE, GENERATED_AT, _changed
from tests.documents.documents_support import CLINIC, Pdf

FIXTURES_1_0 = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires-1.0.0"

#: A clinic outside the US: emergency 112 and a crisis line of its own.
CLINIC_112 = CLINIC.model_copy(
    update={
        "emergency_number": "112",
        "crisis_lines": [CrisisLine(label="SOS Amitié", contact="09 72 39 40 50")],
    }
)
CRISIS = {"phq9_9": "several_days", "asq_1": True, "asq_5": False}
ESKETAMINE = {"protocol": "esketamine-induction", "weight_basis": None}
FASTING_RULE = (
    "Do not eat for 6 hours before your treatment. You may drink clear liquids until 2 hours before."
)


def documents(
    definition: Definition,
    answers: dict[str, Any] | None = None,
    review: dict[str, Any] | None = None,
    *,
    settings: ClinicSettings = CLINIC,
    drop: tuple[str, ...] = (),
) -> tuple[Pdf, Pdf, list[str]]:
    """(summary, handout, warnings) of the example patient with these changes."""
    case = _changed(answers, review)
    for item_id in drop:
        case.answers.pop(item_id, None)
    assessment = case.assess(definition)
    built = build_documents(definition, assessment, settings=settings, generated_at=GENERATED_AT)
    return Pdf(built.summary), Pdf(built.handout), built.warnings


def numbers(text: str) -> set[str]:
    return set(re.findall(r"\b(?:911|988|112)\b", text))


# ---------------------------------------------------------------------------------------------
# The clinic's numbers


@pytest.mark.parametrize(
    ("answers", "review"),
    [(CRISIS, None), (CRISIS, ESKETAMINE), ({}, None), ({}, {"protocol": None, "decision": None})],
    ids=["crisis-iv", "crisis-esketamine", "iv", "no-plan"],
)
def test_a_112_clinic_gets_112_and_never_911_or_988(
    intake: Definition, answers: dict[str, Any], review: dict[str, Any] | None
) -> None:
    summary, handout, warnings = documents(intake, answers, review, settings=CLINIC_112)
    for text in handout.texts():
        assert numbers(text) == {"112"}
    for text in summary.texts():  # the summary lists the crisis lines only for a positive screen
        assert numbers(text) == ({"112"} if answers else set())
    handout.assert_contains(
        "Call 112 or go to the emergency room if you have",
        "Emergency: call 112",
        "SOS Amitié: 09 72 39 40 50",
    )
    if answers:
        handout.assert_contains(
            "If you are in danger right now, call 112 or go to the nearest emergency room."
        )
        summary.assert_contains("SOS Amitié: 09 72 39 40 50", "Emergency: call 112")
    assert not any("911" in warning for warning in warnings)


def test_the_bundled_us_default_prints_911_and_988(intake: Definition) -> None:
    summary, handout, _warnings = documents(intake, CRISIS)
    handout.assert_contains(
        "Call 911 or go to the emergency room if you have",
        "call 911 or go to the nearest emergency room",
        "988 Suicide & Crisis Lifeline (US): Call or text 988",
    )
    assert numbers(summary.text) == numbers(handout.text) == {"911", "988"}


def test_pinned_1_0_wording_naming_911_is_reported_for_a_112_clinic() -> None:
    catalog = load_catalog([FIXTURES_1_0], run_examples=False)
    old = catalog.get("ketamine-trd-intake")
    assert old is not None and old.version == "1.0.0"
    _summary, _handout, warnings = documents(old, CRISIS, settings=CLINIC_112)
    assert any("names the emergency number 911" in warning for warning in warnings)


def test_cli_prints_the_clinics_crisis_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    document = yaml.safe_load(EXAMPLE_FILE.read_text(encoding="utf-8"))
    document["answers"].update(CRISIS)
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(yaml.safe_dump(CLINIC_112.model_dump(exclude_none=True), allow_unicode=True), "utf-8")

    monkeypatch.setenv(CLINIC_FILE_ENV, str(clinic))
    assert main(["assess", str(answers)]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith("!! SUICIDE RISK SCREEN POSITIVE")
    assert "SOS Amitié: 09 72 39 40 50" in first and "emergency: call 112" in first
    assert numbers(out) == {"112"}

    clinic.write_text("emergency_number: [not, a, number]\n", encoding="utf-8")
    assert main(["assess", str(answers)]) != 0
    captured = capsys.readouterr()
    assert captured.err.startswith("clinic settings: ") and "Traceback" not in captured.err

    monkeypatch.setenv(CLINIC_FILE_ENV, str(tmp_path / "us.yaml"))
    (tmp_path / "us.yaml").write_text("name: US clinic\n", encoding="utf-8")
    assert main(["assess", str(answers)]) == 0
    assert (
        "988 Suicide & Crisis Lifeline (US): Call or text 988; emergency: call 911" in capsys.readouterr().out
    )


# ---------------------------------------------------------------------------------------------
# Pregnancy


@pytest.mark.parametrize("sex", ["female", "male", "intersex", "unknown", None])
def test_pregnancy_text_only_when_the_pregnancy_questions_were_asked(
    intake: Definition, sex: str | None
) -> None:
    answers: dict[str, Any] = {"sex_at_birth": sex} if sex else {}
    case = _changed(answers)
    if sex is None:
        del case.answers["sex_at_birth"]
    assessment = case.assess(intake)
    built = build_documents(intake, assessment, settings=CLINIC, generated_at=GENERATED_AT)
    handout = Pdf(built.handout)
    asked = assessment.items["pregnant"].shown
    assert asked == (sex in ("female", "intersex", "unknown"))
    for text in handout.texts():
        assert ("pregnan" in text.lower()) == asked
        assert ("breastfeed" in text.lower()) == asked
    if asked:
        handout.assert_contains(
            "Pregnancy and breastfeeding",
            "Tell us before each session if you are pregnant, could be pregnant, or are breastfeeding.",
        )


def test_male_esketamine_handout_has_no_pregnancy_text(intake: Definition) -> None:
    _summary, handout, _warnings = documents(
        intake, {"sex_at_birth": "male"}, ESKETAMINE, drop=("pregnant", "breastfeeding")
    )
    for text in handout.texts():
        assert "pregnan" not in text.lower() and "breastfeed" not in text.lower()


# ---------------------------------------------------------------------------------------------
# Age groups

OLDER = {"date_of_birth": "1958-05-10"}  # 68 on 2026-11-18
YOUNGER = {"date_of_birth": "1981-05-10"}  # 45

UNDER_65_HANDOUT = (
    "about 7 in 10 people using the spray felt much better",
    "about 1 in 12 people had a large rise in blood pressure",
)
OLDER_HANDOUT = (
    "In a study of people 65 or older, about 1 in 4 people using the spray felt much better.",
    "In studies of people 65 or older, about 1 in 6 had a large rise in blood pressure after a dose.",
)
UNDER_65_SUMMARY = ("Response 69.3% vs 52.0%", "Response 54.1% / 53.1% vs 38.9%", "8% vs 0.5%")
OLDER_SUMMARY = ("Response 27% vs 13.3%; remission 17.5% vs 6.7%", "17% vs 2%")


def absent(pdf: Pdf, phrases: tuple[str, ...]) -> None:
    for text in pdf.texts():
        for phrase in phrases:
            assert phrase not in text, phrase


def test_a_68_year_old_gets_the_65_plus_figures_only(intake: Definition) -> None:
    summary, handout, _warnings = documents(intake, OLDER, ESKETAMINE)
    handout.assert_contains(*OLDER_HANDOUT)
    absent(handout, UNDER_65_HANDOUT)
    summary.assert_contains(*OLDER_SUMMARY)
    absent(summary, UNDER_65_SUMMARY)


def test_a_45_year_old_gets_the_under_65_figures_only(intake: Definition) -> None:
    summary, handout, _warnings = documents(intake, YOUNGER, ESKETAMINE)
    handout.assert_contains(*UNDER_65_HANDOUT)
    absent(handout, OLDER_HANDOUT)
    summary.assert_contains(*UNDER_65_SUMMARY)
    absent(summary, OLDER_SUMMARY)


def test_age_unknown_handout_quotes_neither_group_summary_shows_both(intake: Definition) -> None:
    summary, handout, _warnings = documents(intake, {}, ESKETAMINE, drop=("date_of_birth",))
    absent(handout, UNDER_65_HANDOUT + OLDER_HANDOUT)
    handout.assert_contains("Your blood pressure may go up for a short time after a dose.")
    summary.assert_contains(*UNDER_65_SUMMARY, *OLDER_SUMMARY, "For patients with:")


def test_esketamine_side_effects_with_figures_and_sources(intake: Definition) -> None:
    summary, handout, _warnings = documents(intake, YOUNGER, ESKETAMINE)
    for figure in ("Dissociation 41% vs 9%", "Nausea 28% vs 9%", "Spravato US PI ["):
        assert figure in summary.text  # pypdf's order: pdftotext interleaves a wrapped figure cell
    handout.assert_contains(
        "About 4 in 10 people feel detached or dreamy after a dose.",
        "About 3 in 10 people feel sick to their stomach after a dose",
    )


# ---------------------------------------------------------------------------------------------
# Fasting

ESKETAMINE_FASTING = (
    "Do not eat for 2 hours before your dose.",
    "Do not drink anything for 30 minutes before your dose.",
)


def before_session_part(summary: Pdf) -> str:
    text = summary.text
    start = text.index("Patient instructions before each session")
    return text[start : text.index("Patient instructions after each session", start)]


def test_esketamine_fasting_in_handout_and_summary(intake: Definition) -> None:
    summary, handout, _warnings = documents(intake, YOUNGER, ESKETAMINE)
    handout.assert_contains("Before each session", *ESKETAMINE_FASTING)
    part = before_session_part(summary)
    for line in ESKETAMINE_FASTING:
        assert line in part
    assert IV_FASTING_DEFAULT not in handout.text


def test_iv_fasting_default_says_follow_the_clinics_instructions(intake: Definition) -> None:
    summary, handout, _warnings = documents(intake)
    handout.assert_contains(IV_FASTING_DEFAULT)
    assert handout.text.count(IV_FASTING_DEFAULT) == 1
    assert IV_FASTING_DEFAULT in before_session_part(summary)
    absent(handout, ESKETAMINE_FASTING)


def test_iv_fasting_is_the_clinics_own_rule(intake: Definition) -> None:
    settings = CLINIC.model_copy(update={"iv_fasting": FASTING_RULE})
    summary, handout, _warnings = documents(intake, settings=settings)
    handout.assert_contains(FASTING_RULE)
    assert FASTING_RULE in before_session_part(summary)
    assert IV_FASTING_DEFAULT not in handout.text and IV_FASTING_DEFAULT not in summary.text
    absent(handout, ESKETAMINE_FASTING)
    # No protocol chosen: both rules, each under its protocol's heading.
    _summary, handout, _warnings = documents(intake, review={"protocol": None}, settings=settings)
    handout.assert_contains(
        "Before each IV session", FASTING_RULE, "Before each spray session", *ESKETAMINE_FASTING
    )


def test_an_unknown_placeholder_is_a_check_error(tmp_path: Path) -> None:
    for source in BUNDLED_DIRECTORY.glob("*.yaml"):
        text = source.read_text(encoding="utf-8")
        text = text.replace(
            "call {emergency_number} or go to the nearest", "call {emergncy_number} or go to the nearest"
        )
        (tmp_path / source.name).write_text(text, encoding="utf-8")
    catalog = load_catalog([tmp_path], run_examples=False)
    messages = [str(issue) for issue in catalog.issues]
    assert any("unknown placeholder '{emergncy_number}'" in message for message in messages), messages
    assert any("did you mean 'emergency_number'?" in message for message in messages), messages
