"""The clinician summary prints a numbered question (the ASQ's) with its number, as the screen
shows it and as the instrument's texts refer to it ("questions 1-4")."""

from __future__ import annotations

from tests.documents.documents_support import Build


def test_the_summary_prints_numbered_questions_with_their_number(build: Build) -> None:
    summary = build("example").summary
    summary.assert_contains(
        "1. In the past few weeks, have you wished you were dead?",
        "4. Have you ever tried to kill yourself?",
    )
    for text in summary.texts():
        assert "Did the patient decline to answer any of these questions?" in text
        assert ". Did the patient decline" not in text  # a question without a number has none
