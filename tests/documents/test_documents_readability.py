"""The handout is plain language (reading grade 8 or lower) in large type (body 12 pt or more).

Grade: Flesch-Kincaid on the handout's extracted body text, without the lines that are not prose
(the footer, the name, date and clinic lines, session dates, contact details). Syllables are
counted with textstat's Pyphen hyphenation dictionary: its CMU pronouncing dictionary comes from an
NLTK download that a test must not depend on, so the lookup is switched off for the measurement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import textstat
import textstat.backend.counts._count_syllables as syllable_counter
from pypdf.generic import ContentStream

from screening.typeset import HANDOUT_STYLES
from tests.documents.documents_support import CLINIC, Build, Pdf

MAX_GRADE = 8.0
FOOTER_TOP = 80.0  # the handout footer sits in the bottom margin, below this height in points


@pytest.fixture
def pyphen_syllables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syllable_counter, "get_cmudict", lambda _lang: None)
    syllable_counter.count_syllables.cache_clear()


def prose(pdf: Pdf) -> str:
    """The handout's sentences: lines that are not prose are left out, bullets become sentences."""
    skip = re.compile(
        r"^(For:|Date:|From:|Phone:|Address:|Email:|Hours:|Session \d|Page \d+ of|Emergency:|"
        + re.escape(CLINIC.name)
        + r")"
    )
    kept = [
        line.strip()
        for page in pdf.pages
        for line in page.splitlines()
        if line.strip() and not skip.match(line.strip()) and "Crisis Lifeline" not in line
    ]
    sentences = []
    for piece in " ".join(kept).split("\u2022"):
        item = piece.strip()
        if item:
            sentences.append(item if item.endswith((".", "?", "!", ":")) else item + ".")
    return " ".join(sentences)


@pytest.mark.usefixtures("pyphen_syllables")
@pytest.mark.parametrize(
    "case", ["example", "esketamine", "crisis", "no_plan", "contraindicated", "reopened"]
)
def test_handout_reading_grade_is_8_or_lower(build: Build, case: str) -> None:
    text = prose(build(case).handout)
    assert len(text.split()) > 300
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= MAX_GRADE, f"Flesch-Kincaid grade {grade:.1f} for {case}"


Matrix = tuple[float, float, float, float, float, float]


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _text_sizes(pdf: Pdf) -> Iterator[tuple[float, float]]:
    """(font size, baseline height on the page) of every text-showing operation."""
    identity: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    for page in pdf.reader.pages:
        ctm, stack = identity, []
        size, line = 0.0, identity
        for operands, operator in ContentStream(page.get_contents(), pdf.reader).operations:
            if operator == b"q":
                stack.append(ctm)
            elif operator == b"Q":
                ctm = stack.pop()
            elif operator == b"cm":
                ctm = _multiply(tuple(float(x) for x in operands), ctm)  # type: ignore[arg-type]
            elif operator == b"BT":
                line = identity
            elif operator == b"Tf":
                size = float(operands[1])
            elif operator == b"Tm":
                line = tuple(float(x) for x in operands)  # type: ignore[assignment]
            elif operator == b"Td":
                line = _multiply((1.0, 0.0, 0.0, 1.0, float(operands[0]), float(operands[1])), line)
            elif operator in (b"Tj", b"TJ", b"'", b'"'):
                yield size, _multiply(line, ctm)[5]


@pytest.mark.parametrize("case", ["example", "crisis", "hostile", "reopened"])
def test_handout_body_type_is_12_point_or_more(build: Build, case: str) -> None:
    assert HANDOUT_STYLES.body.fontSize >= 12
    assert HANDOUT_STYLES.table_cell.fontSize >= 12
    sizes = list(_text_sizes(build(case).handout))
    assert sizes
    for size, y in sizes:
        # Only the footer (clinic name, date, page number) is smaller, in the bottom margin.
        assert size >= 12 or (size >= 10 and y < FOOTER_TOP), (size, y)
    assert any(size >= 13 for size, _ in sizes)
