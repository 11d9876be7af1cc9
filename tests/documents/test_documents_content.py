"""What the documents say, read back from the PDFs: sections and values for several patients."""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

import pytest

from screening.definition import Definition
from screening.documents.build import AmendmentNote
from screening.documents.content import row_counts
from screening.model import WeightBasis
from screening.plans import BASIS_WORDS, weight_doses
from tests.documents.documents_support import CLINIC, NO_PHONE, ODD_CLINIC, Build, flat

SUMMARY_SECTIONS = [
    "Ketamine screening: clinician summary",
    "1 Flags",
    "2 Scores",
    "3 Treatment criteria",
    "4 Vitals, body measures and dose",
    "5 Benefits and risks",
    "6 Proposed plan",
    "7 Decision and signature",
    "Appendix: every answer",
    "Sources cited",
]


def test_example_summary_header_status_and_sections(build: Build) -> None:
    summary = build("example").summary
    summary.assert_contains(
        "Riverside Interventional Psychiatry",
        "Maria Fernández-López",
        "KC-20931",
        "1985-07-02 (age 41)",
        "2026-11-18",
        "Dr. Samuel Adeyemi, MD",
        "Status: NEEDS REVIEW",
        *SUMMARY_SECTIONS,
    )
    text = summary.text
    positions = [text.index(flat(section)) for section in SUMMARY_SECTIONS]
    assert positions == sorted(positions), "sections out of order"
    assert "DRAFT" not in text  # signed


def test_example_flags_show_trigger_with_answer_action_source_and_note(build: Build) -> None:
    summary = build("example").summary
    summary.assert_contains(
        "RELATIVE",
        "Hypertension",
        "ci.rel.hypertension_history",
        "Hypertension: Yes",
        "Check BP before each session",
        "Spravato US PI [1]",
        "Controlled on lisinopril; BP before each session, hold above clinic limits.",
        "CAUTION",
        "caution.lamotrigine",
        "Medication classes: Lamotrigine",
        "Clinic policy [3] (not verified)",
        "Note: The clinic's default list names lamotrigine",
    )


def test_example_scores_with_bands_and_ranges(build: Build) -> None:
    summary = build("example").summary
    text = summary.text
    for title, value, band, span in (
        ("PHQ-9 total", "17", "Moderately severe", "0–27"),
        ("GAD-7 total", "8", "Mild", "0–21"),
        ("Maudsley staging (MSM)", "8", "Moderate", "3–15"),
    ):
        assert re.search(rf"{re.escape(title)} .*?{value} {re.escape(band)} {span}", text), title
    summary.assert_contains(
        "Minimal 0–4 · Mild 5–9 · Moderate 10–14 · Moderately severe 15–19 · Severe 20–27"
    )


def test_trial_rows_are_counted_as_the_engine_counts_them(build: Build, intake: Definition) -> None:
    built = build("example")
    counts = {
        count.count.id: count for count in row_counts(intake, built.assessment, "antidepressant_trials")
    }
    # escitalopram 10 weeks <25%; duloxetine 8 weeks 25-49%; vortioxetine 3 weeks, dose not adequate.
    assert counts["adequate_failed_trials"].rows == (True, True, False)
    assert counts["failed_antidepressants"].rows == (True, True, True)
    for derived_id, count in counts.items():
        assert sum(bool(row) for row in count.rows) == built.assessment.derived[derived_id]
    built.summary.assert_contains(
        "Treatment-resistant depression criteria ✓ Met",
        "Count A, Adequate failed antidepressant trials: 2",
        "A trial counts when: Weeks is at least 6 weeks; Adequate dose is Yes; Adherent is Yes;"
        " Improvement is one of No improvement, Less than 25%, 25-49%.",
    )
    text = built.summary.text
    assert re.search(r"1 escitalopram 10 weeks Yes Yes Less than 25% ✓ Yes ✓ Yes", text)
    assert re.search(r"3 vortioxetine 3 weeks No Yes No improvement ✗ No ✓ Yes", text)


def test_trial_counts_follow_the_definition_parameters(intake: Definition) -> None:
    # A clinic that counts 4-week trials: the report asks the engine, so the vortioxetine row
    # (3 weeks) still fails and a 4-week row now counts.
    from tests.documents.documents_cases import example  # noqa: PLC0415

    case = example()
    case.answers["antidepressant_trials"][2] = {
        "drug": "bupropion",
        "weeks": 4,
        "adequate_dose": True,
        "adherent": True,
        "improvement": "none",
    }
    parameter = intake.parameters["trd_min_trial_weeks"].model_copy(update={"value": 4})
    four_weeks = Definition(
        intake.questionnaire.model_copy(
            update={"parameters": {**intake.questionnaire.parameters, "trd_min_trial_weeks": parameter}}
        ),
        intake.instruments,
        intake.files,
    )
    assert row_counts(intake, case.assess(intake), "antidepressant_trials")[0].rows == (True, True, False)
    assert row_counts(four_weeks, case.assess(four_weeks), "antidepressant_trials")[0].rows == (
        True,
        True,
        True,
    )


def test_example_vitals_bmi_and_dose_for_each_weight_basis(build: Build, intake: Definition) -> None:
    built = build("example")
    built.summary.assert_contains(
        "Weight 81.5 kg",
        "Systolic BP today 128 mmHg",
        "Body-mass index 28.9 kg/m²",
        "Ideal body weight (Devine) 59.6 kg",
        "Adjusted body weight 68.4 kg",
        "Dose at 0.5 mg/kg over 40 minutes: IV racemic ketamine, induction course",
    )
    plan = intake.plans["iv-ketamine-induction"]
    text = built.summary.text
    for dose in weight_doses(intake, built.assessment, plan):
        assert dose.dose_mg is not None and dose.weight_kg is not None and dose.mg_per_kg_actual
        chosen = " ✓ CHOSEN" if dose.basis == "adjusted" else " —"
        per_kg = f"{dose.mg_per_kg_actual:.2f} mg/kg"
        assert f"{dose.label} {dose.weight_kg:g} kg {dose.dose_mg:g} mg {per_kg}{chosen}" in text
    assert "Dose check" not in text  # no basis is above actual body weight


@pytest.mark.parametrize("basis", ["actual", "ideal", "adjusted"])
def test_iv_plan_with_each_weight_basis(build: Build, intake: Definition, basis: WeightBasis) -> None:
    built = build("example" if basis == "adjusted" else f"iv_{basis}")  # the example uses adjusted
    plan = intake.plans["iv-ketamine-induction"]
    dose = next(d for d in weight_doses(intake, built.assessment, plan) if d.basis == basis)
    built.summary.assert_contains(
        f"{dose.dose_mg:g} mg (0.5 mg/kg x {dose.weight_kg:g} kg, {BASIS_WORDS[basis]}) over 40 minutes.",
    )
    per_kg = f"{dose.mg_per_kg_actual:.2f} mg/kg"
    assert f"{dose.label} {dose.weight_kg:g} kg {dose.dose_mg:g} mg {per_kg} ✓ CHOSEN" in built.summary.text
    assert built.summary.text.count("✓ CHOSEN") == 1


def test_example_evidence_plan_signature_appendix_and_sources(build: Build) -> None:
    summary = build("example").summary
    summary.assert_contains(
        "For IV racemic ketamine, induction course.",
        "Response 70.8%",
        "Murrough 2013 (Biol Psychiatry) [",
        "Response 55.4% ketamine vs 41.2% ECT",
        "OFF-LABEL. Off-label for depression",
        "34.2 mg (0.5 mg/kg x 68.4 kg, adjusted body weight) over 40 minutes.",
        "6 infusions over 12 days",
        "2026-12-02 (Wed)",
        "2026-12-14 (Mon)",
        "Dated on the clinic's treatment days (Monday to Friday), at least 2 days apart as in the protocol.",
        "† Session 6: Day 12 (Sunday 2026-12-13) is not a treatment day: moved to Monday 2026-12-14.",
        "Blood pressure: before the session, at about 40 minutes, and before discharge.",
        "Driving: no driving or operating machinery until the next day after a restful sleep.",
        "Discharge criteria",
        "Decision Proceed",
        "Signed by Dr. Samuel Adeyemi, MD",
        "Signed at 2026-11-18 16:05",
        "PHQ-9 1 Interest",
        "Nearly every day (3)",
        "PHQ-9 difficulty",
        "Very difficult",
        "Janssen Pharmaceuticals. SPRAVATO (esketamine) nasal spray",
    )
    text = summary.text
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", text.split("Sources cited", 1)[0])]
    listed = re.findall(r"\[(\d+)\] ", text.split("Sources cited", 1)[1])
    assert sorted({str(n) for n in cited}, key=int) == listed, "every cited source is listed once, in order"
    assert "Not verified." in text.split("Sources cited", 1)[1]


def test_summary_footer_on_every_page(build: Build, intake: Definition) -> None:
    summary = build("example").summary
    pages = summary.pages
    assert len(pages) >= 4
    version = f"ketamine-trd-intake v{intake.version}"
    identity = f"{version} · sha256 {intake.sha256[:12]} · generated 2026-11-20 15:30 UTC"
    for number, page in enumerate(pages, start=1):
        text = flat(page)
        assert identity in text
        assert f"Page {number} of {len(pages)}" in text
        assert "Decision support — the psychiatrist decides." in text
        assert "Patient: Maria Fernández-López · born 1985-07-02" in text


def test_metadata_and_page_size(build: Build) -> None:
    built = build("example")
    summary = built.summary.reader
    assert summary.metadata is not None
    assert summary.metadata.title == "Ketamine screening: clinician summary"
    assert summary.metadata.author == CLINIC.name
    assert cast(str, summary.metadata["/CreationDate"]) == "D:20261120153000+00'00'"
    handout = built.handout.reader
    assert handout.metadata is not None
    assert handout.metadata.title == "Your ketamine treatment: what to know"
    assert 2 <= len(handout.pages) <= 8
    assert [float(x) for x in summary.pages[0].mediabox[2:]] == [612, 792]
    a4 = build("crisis", settings=ODD_CLINIC)
    assert [round(float(x)) for x in a4.summary.reader.pages[0].mediabox[2:]] == [595, 842]
    assert [round(float(x)) for x in a4.handout.reader.pages[0].mediabox[2:]] == [595, 842]


def test_candidate(build: Build) -> None:
    built = build("candidate")
    assert built.assessment.status == "candidate"
    built.summary.assert_contains(
        "Status: CANDIDATE",
        "No flag fired for these answers.",
        "40.8 mg (0.5 mg/kg x 81.5 kg, actual body weight) over 40 minutes.",
    )


def test_contraindicated(build: Build) -> None:
    built = build("contraindicated")
    assert built.assessment.status == "contraindicated"
    built.summary.assert_contains(
        "Status: CONTRAINDICATED",
        "ABSOLUTE",
        "Aneurysmal vascular disease: Yes",
        "Do not treat; a rise in blood pressure is a serious hazard.",
        "Decision Do not proceed",
    )
    built.summary.assert_ids("ci.abs.aneurysmal_vascular_disease")
    built.handout.assert_contains("Your psychiatrist has decided not to start this treatment now.")
    assert "Your 6 sessions are planned" not in built.handout.text
    assert "You will get ketamine" not in built.handout.text  # no plan described as if it will happen


def test_needs_review_with_acknowledgements(build: Build) -> None:
    built = build("needs_review")
    review = built.assessment.review
    assert review is not None and review.unmatched_acknowledgements == ["ci.rel.porphyria"]
    built.summary.assert_contains(
        "DRAFT — NOT SIGNED",
        "Status: NEEDS REVIEW · Draft: not signed",
        "Controlled on lisinopril; recheck before each session.",
        "Glaucoma or raised intraocular pressure",
        "Not acknowledged",
        "Relative flags without a psychiatrist note: Glaucoma or raised intraocular pressure"
        " (ci.rel.glaucoma)",
        "Acknowledgements of flags that did not fire: Porphyria (ci.rel.porphyria).",
        "NOT SIGNED: this summary is a draft.",
        "Decision support — the psychiatrist decides. DRAFT: not signed.",
    )
    assert "Signed by" not in built.summary.text
    assert any("ci.rel.porphyria" in w and w.startswith("Review:") for w in built.documents.warnings)
    built.handout.assert_contains("Your psychiatrist has not made a final decision yet.")
    # Decision "proceed" recorded but not signed yet:
    build("crisis").handout.assert_contains("This plan is not final until your psychiatrist signs it.")
    assert "not final" not in build("example").handout.text  # signed


def test_incomplete_screening_with_nothing_answered(build: Build) -> None:
    built = build("incomplete")
    assert built.assessment.status == "incomplete"
    built.summary.assert_contains(
        "Status: INCOMPLETE",
        "Missing (",
        "Patient name, Date of birth",
        "MISSING (required)",
        "No flag fired for these answers.",
        "Not computed",
        "Patient: Patient not named",
        "No protocol chosen yet.",
    )
    built.handout.assert_contains("Your psychiatrist has not chosen a treatment plan yet.", "How to reach us")


def test_crisis_box_in_summary_and_handout(build: Build) -> None:
    built = build("crisis")
    assert built.assessment.crisis
    first = flat(built.summary.pages[0])
    assert "SUICIDE RISK SCREEN POSITIVE" in first
    assert first.index("SUICIDE RISK SCREEN POSITIVE") < first.index("Status: NEEDS REVIEW")
    assert "988 Suicide & Crisis Lifeline (US): Call or text 988" in first
    assert "PHQ-9 item 9 positive" in first
    assert "Non-acute positive suicide-risk screen (ASQ)" in first
    handout_first = flat(built.handout.pages[0])
    assert "If you have thoughts of hurting yourself" in handout_first
    assert handout_first.index("If you have thoughts of hurting yourself") < handout_first.index("Your plan")
    assert "988 Suicide & Crisis Lifeline (US): Call or text 988" in handout_first
    # Still in the contact block at the end.
    assert built.handout.text.count("Call or text 988") == 2


def test_acute_crisis_is_contraindicated_with_crisis_box(build: Build) -> None:
    built = build("acute_crisis")
    built.summary.assert_contains("SUICIDE RISK SCREEN POSITIVE", "Status: CONTRAINDICATED")
    built.summary.assert_ids("ci.abs.asq_acute_positive")
    assert "If you have thoughts of hurting yourself" in flat(built.handout.pages[0])


def test_no_crisis_box_without_crisis_but_crisis_line_at_the_end(build: Build) -> None:
    built = build("example")
    assert not built.assessment.crisis
    assert "SUICIDE RISK" not in built.summary.text
    assert "If you have thoughts of hurting yourself" not in built.handout.text
    assert flat(built.handout.pages[-1]).count("Call or text 988") == 1


def test_male_patient_pregnancy_not_asked_with_reason(build: Build) -> None:
    built = build("male")
    assert not built.assessment.items["pregnant"].shown
    built.summary.assert_contains("Tomás Ødegård", "Sex at birth Male")
    for text in built.summary.texts():
        appendix = text.split("Appendix: every answer", 1)[1]
        pregnant = appendix[appendix.index("Pregnant") : appendix.index("Breastfeeding")]
        assert "Not asked" in pregnant
        assert "Asked only when Sex at birth is not Male." in pregnant
    ideal = built.assessment.derived["ideal_body_weight_kg"]
    assert f"Ideal body weight (Devine) {ideal:g} kg" in built.summary.text


def test_esketamine_plan(build: Build) -> None:
    built = build("esketamine")
    built.summary.assert_contains(
        "Esketamine nasal spray, induction and maintenance",
        "FDA-approved for treatment-resistant depression",
        "First session 56 mg; later sessions 56 mg or 84 mg.",
        "Dated on the clinic's treatment days (Monday to Friday), at least 3 days apart as in the protocol.",
        "* Session 8: Assess benefit before continuing to weekly maintenance.",
        "At least 2 hours after dosing.",
    )
    # pdftotext's layout reads the tall risks row across its two columns; pypdf keeps the cell whole
    assert "Dissociation 41% vs 9%" in built.summary.text
    assert "CHOSEN" not in built.summary.text
    assert "Response 70.8%" not in built.summary.text  # IV evidence is not shown
    handout = built.handout
    handout.assert_contains("What esketamine is", "nasal spray", "Wednesday 2 December 2026")
    assert "Saturday" not in handout.text and "Sunday" not in handout.text  # treatment days only
    assert "What IV ketamine is" not in handout.text
    assert handout.text.count("Do not eat for 2 hours before your dose.") == 1


def test_no_plan_chosen_shows_every_plan(build: Build) -> None:
    built = build("no_plan")
    built.summary.assert_contains(
        "No protocol chosen yet.",
        "For every plan (no protocol chosen yet).",
        "Applies to: Esketamine nasal spray",
    )
    assert built.summary.text.count("✓ CHOSEN") == 0
    built.handout.assert_contains(
        "What IV ketamine is", "What esketamine is", "IV racemic ketamine", "Esketamine nasal spray"
    )


def test_amendments_are_listed(build: Build) -> None:
    notes = (
        AmendmentNote(
            dt.datetime(2026, 11, 19, 9, 5, tzinfo=dt.UTC), "Dr. Samuel Adeyemi, MD", "Start date moved"
        ),
        AmendmentNote(dt.datetime(2026, 11, 19, 11, 0), "Dr. Ana Ruiz", "Dose basis <corrected> & re-signed"),
    )
    built = build("example", amendments=notes)
    built.summary.assert_contains(
        "8 Amendments",
        "2026-11-19 09:05 UTC Dr. Samuel Adeyemi, MD Start date moved",
        "2026-11-19 11:00 UTC Dr. Ana Ruiz Dose basis <corrected> & re-signed",
    )
    assert "Amendments" not in build("example").summary.text


def test_handout_content_plain_and_complete(build: Build) -> None:
    handout = build("example").handout
    handout.assert_contains(
        "Your ketamine treatment: what to know",
        "For: Maria Fernández-López",
        "Your psychiatrist decides with you",
        "Your plan",
        "You will get ketamine through a drip in your arm.",
        "Wednesday 2 December 2026",
        "Monday 14 December 2026",
        "off-label",
        "How it may help",
        "about 7 in 10 felt much better",
        "Possible side effects and risks",
        "Before each session",
        "After each session",
        "Do not drive or use machines until the next day, after a good night's sleep.",
        "Call 911 or go to the emergency room if you have",
        "Chest pain or trouble breathing",
        "How to reach us",
        "Phone: +1 555 0100",
        "Emergency: call 911",
    )
    text = handout.text
    # Each instruction once, although the plan and the handout blocks both have it.
    assert text.count("Follow the clinic's instructions about food and drink.") == 1
    assert text.count("Do not make big decisions for 24 hours.") == 1


@pytest.mark.parametrize("name", ["example", "contraindicated", "crisis", "needs_review", "incomplete"])
def test_handout_never_shows_flag_ids_risk_labels_or_scores(build: Build, name: str) -> None:
    text = build(name).handout.text
    for word in ("ci.rel", "ci.abs", "caution.", "RELATIVE", "ABSOLUTE", "CONTRAINDICATED", "NEEDS REVIEW"):
        assert word not in text
    for word in ("PHQ", "GAD", "Maudsley", "Moderately severe", "score"):
        assert word not in text


def test_unconfigured_phone_is_not_invented(build: Build) -> None:
    built = build("example", settings=NO_PHONE)
    built.handout.assert_contains("Ask the clinic for its phone number.")
    assert "Phone:" not in built.handout.text
    assert "Clinic phone number is not configured" in " ".join(built.documents.warnings)
    assert not any("phone" in warning for warning in build("example").documents.warnings)


def test_other_emergency_number_is_printed_everywhere(build: Build) -> None:
    # The bundled wording names the number through a placeholder: nothing to flag (the warning for
    # wording that names 911 is tested with the pinned 1.0.0 text in test_documents_patient_fit).
    built = build("crisis", settings=ODD_CLINIC)
    built.handout.assert_contains(
        "Emergency: call 112", "Call 112 or go to the emergency room if you have", "call 112 or go to the"
    )
    assert "911" not in built.handout.text
    assert not any("911" in warning for warning in built.documents.warnings)
