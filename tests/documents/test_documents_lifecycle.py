"""Where the screening stands, in the documents: draft, signed, or reopened by an amendment (every
page says that the signed decision no longer stands), and the amendments with what they changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess

import pytest

from screening.definition import Definition
from screening.documents.build import AmendmentNote, ChangeNote, LifecycleNote, build_documents
from screening.documents.content import lifecycle_of, lifecycle_status_words
from tests.documents.documents_cases import (
    AMENDMENTS,
    CASES,
    GENERATED_AT,
    HOSTILE_TEXT,
    REOPENED,
    REOPENED_AT,
)
from tests.documents.documents_support import CLINIC, PDFTOTEXT, Build, Pdf, flat

SUMMARY_NOTICE = (
    "Reopened after an amendment on 2026-12-02: needs re-signing. The signed decision no longer stands."
)
HANDOUT_NOTICE = (
    "Not final: your screening changed on Wednesday 2 December 2026, after your psychiatrist signed it."
    " Your psychiatrist must check it and sign again."
)


def page_texts(pdf: Pdf) -> list[list[str]]:
    """Each page's text from every extractor available (pypdf; pdftotext when installed)."""
    pages = [[flat(text)] for text in pdf.pages]
    if PDFTOTEXT is not None:
        for number, texts in enumerate(pages, start=1):
            result = subprocess.run(
                [PDFTOTEXT, "-enc", "UTF-8", "-f", str(number), "-l", str(number), "-", "-"],
                input=pdf.data,
                capture_output=True,
                check=True,
            )
            texts.append(flat(result.stdout.decode("utf-8")))
    return pages


def section(pdf: Pdf, start: str, end: str) -> list[str]:
    """The text between two headings, from every extractor."""
    return [text.split(start, 1)[1].split(end, 1)[0] for text in pdf.texts()]


# ---------------------------------------------------------------------------------------------
# The lifecycle of an answers file


def test_lifecycle_follows_signed_at_when_not_given(build: Build) -> None:
    signed = lifecycle_of(build("example").assessment)
    assert signed == LifecycleNote(
        state="signed",
        sentence="Signed: proceed, 1 flag acknowledged",
        signed_by="Dr. Samuel Adeyemi, MD",
        signed_at=dt.datetime(2026, 11, 18, 16, 5),  # as the answers file has it
    )
    draft = lifecycle_of(build("needs_review").assessment)
    assert (draft.state, draft.sentence, draft.because) == ("draft", "Draft: not signed", ())
    assert lifecycle_of(build("incomplete").assessment).state == "draft"
    refused = lifecycle_of(build("contraindicated").assessment)
    assert refused.sentence == "Signed: do not proceed, 1 flag acknowledged"
    assert lifecycle_status_words(REOPENED) == "Reopened: needs re-signing"


def test_lifecycle_none_is_the_same_as_the_derived_one(intake: Definition, build: Build) -> None:
    for name in ("example", "needs_review"):
        assessment = CASES[name]().assess(intake)
        given = build_documents(
            intake, assessment, settings=CLINIC, generated_at=GENERATED_AT, lifecycle=lifecycle_of(assessment)
        )
        assert given == build(name).documents, name


# ---------------------------------------------------------------------------------------------
# Signed and draft


def test_signed_status_box_says_reviewed_and_signed(build: Build) -> None:
    summary = build("example").summary
    summary.assert_contains(
        "Status: NEEDS REVIEW · Signed: proceed, 1 flag acknowledged",
        "The psychiatrist reviewed the screening and signed the decision: Proceed (see Decision and"
        " signature).",
        "Signed by Dr. Samuel Adeyemi, MD",
    )
    for text in summary.texts():
        assert "needs the psychiatrist's documented review before treatment" not in text
        assert "REOPENED" not in text and "Reopened" not in text
        assert "DRAFT" not in text and "Draft" not in text


def test_signed_lifecycle_sentence_from_the_workflow_is_shown(build: Build) -> None:
    note = LifecycleNote(state="signed", sentence="Signed: proceed, 5 flags acknowledged")
    build("example", lifecycle=note).summary.assert_contains(
        "Status: NEEDS REVIEW · Signed: proceed, 5 flags acknowledged"
    )


def test_draft_status_box_still_asks_for_the_review(build: Build) -> None:
    built = build("needs_review")
    built.summary.assert_contains(
        "Status: NEEDS REVIEW · Draft: not signed",
        "It needs the psychiatrist's documented review before treatment.",
        "Draft: the review is not signed. Nothing here is a decision until the psychiatrist signs.",
        "NOT SIGNED: this summary is a draft.",
    )
    assert "psychiatrist reviewed the screening and signed" not in built.summary.text
    # A draft is not signed even when the answers file says so: the given lifecycle wins.
    draft = build("example", lifecycle=LifecycleNote(state="draft", sentence="Draft"))
    draft.summary.assert_contains(
        "Status: NEEDS REVIEW · Draft: not signed", "NOT SIGNED: this summary is a draft."
    )
    assert "Signed by" not in draft.summary.text


def test_signed_and_draft_documents_have_no_reopened_notice(build: Build) -> None:
    for name in ("example", "needs_review"):
        built = build(name)
        for pdf in (built.summary, built.handout):
            for text in pdf.texts():
                assert "no longer stands" not in text and "Not final:" not in text, name


# ---------------------------------------------------------------------------------------------
# Reopened


def test_every_page_of_a_reopened_screening_says_the_decision_no_longer_stands(build: Build) -> None:
    built = build("reopened")
    assert len(built.summary.pages) >= 4 and len(built.handout.pages) >= 2
    for number, texts in enumerate(page_texts(built.summary), start=1):
        for text in texts:
            assert SUMMARY_NOTICE in text, f"summary page {number}"
            assert "Decision support — the psychiatrist decides. REOPENED: needs re-signing." in text
    for number, texts in enumerate(page_texts(built.handout), start=1):
        for text in texts:
            assert HANDOUT_NOTICE in text, f"handout page {number}"


@pytest.mark.skipif(PDFTOTEXT is None, reason="needs pdftotext (poppler-utils), which reads by position")
def test_reopened_notice_is_at_the_top_of_every_page(build: Build) -> None:
    built = build("reopened")
    for pdf, notice in ((built.summary, SUMMARY_NOTICE), (built.handout, HANDOUT_NOTICE)):
        for number, texts in enumerate(page_texts(pdf), start=1):
            assert texts[-1].startswith("⚠ " + notice), number


def test_reopened_status_box_and_signature(build: Build) -> None:
    built = build("reopened")
    assert built.assessment.status == "needs_review"
    summary = built.summary
    summary.assert_contains(
        "REOPENED — NEEDS RE-SIGNING",
        "Status: NEEDS REVIEW · Reopened: needs re-signing",
        "Reopened after an amendment on 2026-12-02: Heart disease now Yes. Needs re-signing.",
        "The signed decision no longer stands: the psychiatrist must review the screening again and sign it.",
        "Why it needs re-signing: • New relative flag: Heart disease or prior stroke",
        "REOPENED: the signed decision no longer stands. It needs the psychiatrist's review and a new"
        " signature.",
        "Decision Proceed Not signed: it stands only once the psychiatrist signs again.",
        "Previously signed by Dr. Samuel Adeyemi, MD on 2026-11-18 16:05 UTC No longer stands: the"
        " screening was reopened by an amendment.",
        "Signature ____",
        "Date and time ____",
    )
    for text in summary.texts():
        signature = text.split("Decision and signature", 1)[1].split("8 Amendments", 1)[0]
        assert "Signed by" not in signature and "Signed at" not in signature
        assert "needs no further signature" not in text
        assert "psychiatrist reviewed the screening and signed" not in text
        box = text.split("Status: NEEDS REVIEW", 1)[1].split("1 Flags", 1)[0]
        assert "New relative flag: Heart disease or prior stroke" in box


def test_reopened_without_known_time_or_signature(build: Build) -> None:
    """A bare note: the notice takes the last amendment's date; no old signature is shown."""
    bare = LifecycleNote(state="reopened", sentence="")
    built = build("reopened", lifecycle=bare)
    for texts in page_texts(built.summary):
        assert all(SUMMARY_NOTICE in text for text in texts)
    built.summary.assert_contains("Reopened after an amendment on 2026-12-02.", "Signature ____")
    assert "Previously signed" not in built.summary.text
    nothing = build("reopened", lifecycle=bare, amendments=())
    for texts in page_texts(nothing.summary):
        assert all(
            "Reopened after an amendment: needs re-signing. The signed decision no longer stands." in text
            for text in texts
        )
    nothing.handout.assert_contains("Not final: your screening changed, after your psychiatrist signed it.")


def test_reopened_handout_does_not_present_the_decision_as_final(build: Build) -> None:
    handout = build("reopened").handout
    handout.assert_contains(
        "Not final yet. Something in your screening changed after your psychiatrist signed it.",
        "Your 6 sessions are planned for these days, if your psychiatrist signs again:",
    )
    refused = build("reopened_refused").handout
    refused.assert_contains("Not final yet.")
    assert "Your psychiatrist has decided not to start this treatment now." not in refused.text
    assert "sessions are planned" not in refused.text
    assert "Your psychiatrist has decided not to start" in build("contraindicated").handout.text


def test_reopened_documents_are_deterministic(intake: Definition, build: Build) -> None:
    again = build_documents(
        intake,
        CASES["reopened"]().assess(intake),
        settings=CLINIC,
        generated_at=GENERATED_AT,
        amendments=AMENDMENTS,
        lifecycle=REOPENED,
    )
    assert again == build("reopened").documents


# ---------------------------------------------------------------------------------------------
# Amendments


def test_amendments_table_lists_each_change_from_old_to_new(build: Build) -> None:
    summary = build("reopened").summary
    summary.assert_contains(
        "8 Amendments",
        "When By Reason What changed",
        "Start date moved at the patient's request Start date: 2026-11-30 → 2026-12-02",
        "Patient recalled a stent Heart disease: No → Yes Weight: 81.5 kg → 83 kg",
    )
    for text in section(summary, "8 Amendments", "Appendix: every answer"):
        # The amendment that reopened it is marked (the last one).
        assert text.count("Reopened the screening.") == 1
        assert text.index("Reopened the screening.") > text.index("2026-12-02 10:15 UTC")
        assert text.index("Start date: 2026-11-30") < text.index("Heart disease: No → Yes")
    # One line per change.
    lines = [line.strip() for page in summary.pages for line in page.splitlines()]
    assert "Heart disease: No → Yes" in lines and "Weight: 81.5 kg → 83 kg" in lines


def test_amendment_without_changes_says_so(build: Build) -> None:
    note = AmendmentNote(dt.datetime(2026, 11, 19, 9, 5, tzinfo=dt.UTC), "Mai Tran", "Typo")
    build("example", amendments=(note,)).summary.assert_contains("Mai Tran Typo Not recorded")


@pytest.mark.parametrize("field", ["reason", "what", "old", "new", "by"])
def test_hostile_amendment_text_prints_literally(build: Build, field: str) -> None:
    def text(name: str, value: str) -> str:
        return HOSTILE_TEXT if name == field else value

    change = ChangeNote(text("what", "Heart disease"), text("old", "No"), text("new", "Yes"))
    note = AmendmentNote(
        REOPENED_AT, text("by", "Mai Tran"), text("reason", "Patient recalled a stent"), (change,)
    )
    built = build("reopened", amendments=(note,))
    built.summary.assert_contains(HOSTILE_TEXT)
    expected = {
        "reason": f"Mai Tran {HOSTILE_TEXT} Heart disease: No → Yes",
        "what": f"Patient recalled a stent {HOSTILE_TEXT}: No → Yes",
        "old": f"Heart disease: {HOSTILE_TEXT} → Yes",
        "new": f"Heart disease: No → {HOSTILE_TEXT}",
        "by": f"{HOSTILE_TEXT} Patient recalled a stent",
    }[field]
    built.summary.assert_contains(expected)
    assert built.documents.warnings == build("reopened").documents.warnings


def test_hostile_lifecycle_words_print_literally(build: Build) -> None:
    note = dataclasses.replace(
        REOPENED,
        sentence=f"Reopened after an amendment on 2026-12-02: Heart disease now {HOSTILE_TEXT}."
        " Needs re-signing",
        because=(f"New relative flag: {HOSTILE_TEXT}",),
        signed_by=HOSTILE_TEXT,
    )
    built = build("reopened", lifecycle=note)
    built.summary.assert_contains(
        f"Heart disease now {HOSTILE_TEXT}. Needs re-signing.",
        f"New relative flag: {HOSTILE_TEXT}",
        f"Previously signed by {HOSTILE_TEXT} on 2026-11-18 16:05 UTC",
    )
    assert HOSTILE_TEXT not in built.handout.text  # the handout prints no amendment details


def test_undrawable_amendment_text_is_reported_by_field_never_by_text(build: Build) -> None:
    note = AmendmentNote(
        REOPENED_AT,
        "Mai Tran",
        "Patient recalled a stent \U0001f600",
        (ChangeNote("Heart disease", "No", "Yes \U0001f600"),),
    )
    built = build("reopened", amendments=(note,))
    built.summary.assert_contains("Patient recalled a stent [U+1F600]", "Heart disease: No → Yes [U+1F600]")
    warnings = built.documents.warnings
    assert "Amendment 1 reason contains characters that cannot be printed: U+1F600 GRINNING FACE." in warnings
    assert (
        "Amendment 1 new value contains characters that cannot be printed: U+1F600 GRINNING FACE." in warnings
    )
    assert not any("stent" in warning for warning in warnings)
