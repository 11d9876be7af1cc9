"""Hostile and unusual input: markup characters, emoji, right-to-left and CJK names, a 10,000-character
note, empty fields, odd clinic settings, every kind of assessment the engine produces."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.definition import Definition
from screening.documents.build import build_documents
from screening.documents.content import format_moment
from screening.engine import assess
from screening.examples import resolve_example
from tests.documents.documents_cases import (
    ARABIC_NAME,
    CJK_NAME,
    GENERATED_AT,
    HEBREW_NAME,
    HOSTILE_NAME,
    LONG_NOTE,
    VIETNAMESE_NAME,
)
from tests.documents.documents_support import CLINIC, ODD_CLINIC, Build, Pdf, flat

PRINTED_HOSTILE_NAME = HOSTILE_NAME.replace("\U0001f600", "[U+1F600]")


def test_hostile_name_prints_literally_with_a_marker_for_the_emoji(build: Build) -> None:
    built = build("hostile")
    for pdf in (built.summary, built.handout):
        pdf.assert_contains(PRINTED_HOSTILE_NAME)
    assert "For: " + PRINTED_HOSTILE_NAME in built.handout.text
    assert f"Patient: {PRINTED_HOSTILE_NAME} · born 1985-07-02" in built.summary.text


def test_warnings_name_the_field_and_code_point_never_the_text(build: Build) -> None:
    warnings = build("hostile").documents.warnings
    assert "Patient name contains characters that cannot be printed: U+1F600 GRINNING FACE." in warnings
    joined = " ".join(warnings)
    for fragment in ("Zoë", "O'Brien", HEBREW_NAME, "word0001"):
        assert fragment not in joined
    assert build("example").documents.warnings == []


def test_ten_thousand_character_note_prints_in_full_across_pages(build: Build) -> None:
    built = build("hostile")
    assert len(LONG_NOTE) == 10_000
    text = built.summary.text
    words = re.findall(r"word\d{4}", LONG_NOTE)
    full = text.split("Psychiatrist's notes in full", 1)[1]
    assert re.findall(r"word\d{4}", full.split("2 Scores", 1)[0]) == words
    long_word = LONG_NOTE.rsplit(" ", 1)[1]
    assert sum(len(run) for run in re.findall(r"x{2,}", full)) == len(long_word)
    # The row spans pages under a repeated header; the cell already printed says so.
    assert text.count("Flag Note") >= 2
    assert "(continued)" in full
    assert "the full note (10,000 characters) follows the table" in text
    assert len(built.summary.pages) > len(build("example").summary.pages)


def test_empty_optional_fields_print_a_dash(build: Build) -> None:
    built = build("hostile")  # no MRN
    built.summary.assert_contains("MRN —")
    appendix = built.summary.text.split("Appendix: every answer", 1)[1]
    assert re.search(r"MRN Medical record number — Optional; not answered\.", appendix)


def test_right_to_left_clinician_name_is_printed(build: Build) -> None:
    built = build("hostile")
    lines = [
        unicodedata.normalize("NFKC", line).strip()
        for page in built.summary.pages
        for line in page.splitlines()
    ]
    # pypdf returns a mixed line in neither logical nor visual order; the Hebrew letters are there.
    assert any(HEBREW_NAME.split()[0] in line or HEBREW_NAME.split()[0][::-1] in line for line in lines)


@pytest.mark.parametrize("case", ["hebrew", "arabic"])
def test_right_to_left_patient_names(build: Build, case: str) -> None:
    name = {"hebrew": HEBREW_NAME, "arabic": ARABIC_NAME}[case]
    built = build(case)
    for pdf in (built.summary, built.handout):
        lines = {
            unicodedata.normalize("NFKC", line).strip() for page in pdf.pages for line in page.splitlines()
        }
        assert name in lines or any(name in line for line in lines), case
    assert built.documents.warnings == []


@pytest.mark.parametrize("case", ["vietnamese", "cjk"])
def test_latin_diacritics_vietnamese_and_cjk_names(build: Build, case: str) -> None:
    name = {"vietnamese": VIETNAMESE_NAME, "cjk": CJK_NAME}[case]
    built = build(case)
    built.summary.assert_contains(f"Patient: {name} · born 1985-07-02")
    built.handout.assert_contains(f"For: {name}")
    assert built.documents.warnings == []


def _fonts(pdf: Pdf) -> set[str]:
    seen = set()
    for page in pdf.reader.pages:
        for ref in cast(Any, page["/Resources"])["/Font"].values():
            font = ref.get_object()
            if font["/Subtype"] == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            assert font["/Subtype"] in ("/TrueType", "/CIDFontType2"), font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
            seen.add(re.sub(r"^/[A-Z]{6}\+", "", font["/BaseFont"]))
    return seen


@pytest.mark.parametrize("case", ["example", "hostile", "arabic", "cjk"])
def test_every_font_is_embedded(build: Build, case: str) -> None:
    built = build(case)
    for pdf in (built.summary, built.handout):
        assert {"DejaVuSans", "DejaVuSans-Bold"} <= _fonts(pdf)
    assert "NotoSansHebrew-Regular" in _fonts(build("hostile").summary) | _fonts(build("hebrew").summary)


def test_odd_clinic_settings(build: Build) -> None:
    built = build("crisis", settings=ODD_CLINIC)
    built.handout.assert_contains(
        'Clínica <São> & "Ñ" [U+1F3E5]', "SOS Amitié: 09 72 39 40 50", "Emergency: call 112"
    )
    built.summary.assert_contains("SOS Amitié: 09 72 39 40 50", 'Clínica <São> & "Ñ" [U+1F3E5]')
    assert "Clinic name contains characters that cannot be printed: U+1F3E5 HOSPITAL." in (
        built.documents.warnings
    )


def test_naive_generation_time_is_utc(intake: Definition, build: Build) -> None:
    from tests.documents.documents_cases import example  # noqa: PLC0415

    naive = build_documents(
        intake, example().assess(intake), settings=CLINIC, generated_at=GENERATED_AT.replace(tzinfo=None)
    )
    assert naive.summary == build("example").documents.summary


def test_local_generation_time_prints_its_offset() -> None:
    moment = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert format_moment(moment) == "2026-11-20 10:30 UTC-05:00"
    assert format_moment(moment.astimezone(dt.UTC)) == "2026-11-20 15:30 UTC"
    assert format_moment(moment.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))) == (
        "2026-11-20 21:00 UTC+05:30"
    )


# A spread of the questionnaire's own worked examples: every status, suicide risk, hidden items,
# rejected answers, missing row fields, unmatched acknowledgements.
WORKED_EXAMPLES = [
    "ASQ yes with the acuity question pending shows crisis resources at once",
    "an absolute flag wins even with answers missing",
    "no date of the screening means no age",
    "answers of the wrong type or out of range are rejected and named",
    "a trial row with a missing field is missing",
]


@pytest.mark.parametrize("name", WORKED_EXAMPLES)
def test_worked_examples_render(intake: Definition, name: str) -> None:
    examples = {example.name: example for example in intake.questionnaire.examples}
    answers, assessed_on, review = resolve_example(examples, name)
    assessment = assess(intake, answers, assessed_on=assessed_on, review=review)
    documents = build_documents(intake, assessment, settings=CLINIC, generated_at=GENERATED_AT)
    summary = Pdf(documents.summary)
    assert f"Page 1 of {len(summary.pages)}" in summary.text
    assert "How to reach us" in Pdf(documents.handout).text
    if assessment.problems:
        assert "Not accepted:" in summary.text
    if any(problem.item == "favourite_colour" for problem in assessment.problems):
        assert "favourite_colour: unknown item id" in summary.text


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=400),
    st.sampled_from(["not_at_all", "nearly_every_day", "male", "female", "none", "maoi", ""]),
    st.text(max_size=30),
)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_assessment_renders(intake: Definition, data: st.DataObject) -> None:
    ids = data.draw(st.lists(st.sampled_from(sorted(intake.items)), unique=True, max_size=25))
    answers = {item_id: data.draw(_VALUES) for item_id in ids}
    review = data.draw(
        st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {},
                optional={
                    "protocol": st.sampled_from(["iv-ketamine-induction", "esketamine-induction", "x"]),
                    "weight_basis": st.sampled_from(["actual", "ideal", "adjusted"]),
                    "start_date": st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 1, 1)),
                    "decision": st.sampled_from(["proceed", "defer", "do_not_proceed"]),
                    "acknowledged": st.dictionaries(
                        st.sampled_from(["ci.rel.glaucoma", "x.y"]), st.text(min_size=1)
                    ),
                    "clinician": st.text(max_size=20),
                },
            ),
        )
    )
    assessment = assess(intake, answers, assessed_on=dt.date(2026, 11, 18), review=review)
    documents = build_documents(intake, assessment, settings=CLINIC, generated_at=GENERATED_AT)
    assert documents.summary.startswith(b"%PDF") and documents.handout.startswith(b"%PDF")
    assert "Decision support — the psychiatrist decides." in flat(Pdf(documents.summary).pages[-1])
