"""UAX #9 conformance: every line of Unicode's own BidiCharacterTest.txt through ``typeset.bidi``.

``data/BidiCharacterTest-15.0.0.txt.gz`` is the Unicode Character Database file, unmodified and
gzipped (terms of use in ``data/LICENSE-Unicode.txt``). Each line gives a text, a paragraph
direction (0 left to right, 1 right to left, 2 from the text by rules P2 and P3), the resolved
paragraph level, the resolved level of every character after rule L1 (``x`` for characters removed
by rule X9) and the visual order after rule L2.

Every line is checked: paragraph level, levels and order. Two differences from the data are
deliberate and stated in ``screening/typeset/bidi.py``, so the expected order is adjusted for them:

* ``visual_order`` leaves out the implicit marks (LRM, RLM, ALM) and the isolate controls, which
  have no glyph; they are removed from the expected order before comparing.
* A combining mark at a right-to-left level stays after its base character (the optional part of
  rule L3) so that it is drawn on it; the data applies rule L2 alone. On the lines this concerns
  (:data:`LINES_WITH_REORDERED_MARKS` of them) the order is compared without those marks.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from screening.typeset.bidi import (
    DIRECTIONAL_CONTROLS,
    bidi_class,
    paragraph_level,
    resolve_levels,
    visual_order,
)

DATA = Path(__file__).resolve().parent / "data" / "BidiCharacterTest-15.0.0.txt.gz"

#: Test lines in the file (lines that are not comments or blank).
LINES_IN_FILE = 91_707
#: Lines with a combining mark at a right-to-left level, whose order is compared without the marks.
LINES_WITH_REORDERED_MARKS = 14


@dataclass(frozen=True)
class Case:
    line: int  # line number in the file, for messages
    text: str
    direction: int
    paragraph_level: int
    levels: list[int | None]
    order: list[int]


@cache
def cases() -> list[Case]:
    result = []
    with gzip.open(DATA, "rt", encoding="utf-8") as lines:
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            code_points, direction, level, levels, order = line.split(";")
            result.append(
                Case(
                    line=number,
                    text="".join(chr(int(code, 16)) for code in code_points.split()),
                    direction=int(direction),
                    paragraph_level=int(level),
                    levels=[None if value == "x" else int(value) for value in levels.split()],
                    order=[int(index) for index in order.split()],
                )
            )
    return result


def _reordered_marks(case: Case) -> bool:
    return any(
        bidi_class(char) == "NSM" and level is not None and level % 2
        for char, level in zip(case.text, case.levels, strict=True)
    )


def test_the_data_is_the_whole_file() -> None:
    with gzip.open(DATA, "rt", encoding="utf-8") as lines:
        assert next(lines).strip() == "# BidiCharacterTest-15.0.0.txt"
    assert len(cases()) == LINES_IN_FILE
    assert {case.direction for case in cases()} == {0, 1, 2}


def test_paragraph_level() -> None:
    failures = [
        case.line
        for case in cases()
        if (paragraph_level(case.text) if case.direction == 2 else case.direction) != case.paragraph_level
    ]
    assert failures == [], f"{len(failures)} lines fail, first at lines {failures[:10]}"


def test_resolved_levels() -> None:
    failures = [
        case.line for case in cases() if resolve_levels(case.text, case.paragraph_level) != case.levels
    ]
    assert failures == [], f"{len(failures)} lines fail, first at lines {failures[:10]}"


def test_visual_order() -> None:
    failures = []
    marks = 0
    for case in cases():
        drawn = {i for i, char in enumerate(case.text) if char not in DIRECTIONAL_CONTROLS}
        if _reordered_marks(case):
            marks += 1
            drawn = {i for i in drawn if bidi_class(case.text[i]) != "NSM"}
        expected = [i for i in case.order if i in drawn]
        actual = [i for i, _ in visual_order(case.text, case.paragraph_level) if i in drawn]
        if actual != expected:
            failures.append(case.line)
    assert failures == [], f"{len(failures)} lines fail, first at lines {failures[:10]}"
    assert marks == LINES_WITH_REORDERED_MARKS
