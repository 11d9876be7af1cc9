"""An item's optional `number`: the number an instrument prints before a question, which its texts
refer to ("questions 1-4"). The format accepts a short number and nothing else; the bundled ASQ
numbers every question its texts refer to."""

from __future__ import annotations

import re

import pytest

from screening.items import BooleanItem
from screening.loading import BUNDLED_DIRECTORY, load_catalog, parse_text

SMALL = """\
id: demo
kind: instrument
version: 1.0.0
title: Demo
sections:
  - id: main
    title: Main
    items:
      - {id: q1, type: boolean, number: "1", text: Q1}
      - {id: q2, type: boolean, text: Q2}
"""


def test_the_number_comes_before_the_question() -> None:
    numbered = BooleanItem(id="q1", type="boolean", number="4b", text="Have you ever tried?")
    assert numbered.numbered_text == "4b. Have you ever tried?"
    plain = BooleanItem(id="q2", type="boolean", text="Did the patient decline?")
    assert plain.number is None and plain.numbered_text == "Did the patient decline?"


def test_a_questionnaire_with_numbers_loads_without_issues() -> None:
    parsed = parse_text("demo.yaml", SMALL)
    assert parsed.issues == []


@pytest.mark.parametrize(
    "number",
    ['""', "1", '"1 and 2"', '"1."', '"12345678901"'],
    ids=["empty", "not-text", "words", "trailing-period", "too-long"],
)
def test_a_malformed_number_is_a_format_error(number: str) -> None:
    text = SMALL.replace('number: "1"', f"number: {number}")
    assert text != SMALL
    assert "E003" in [issue.code.code for issue in parse_text("demo.yaml", text).issues]


def test_the_asq_numbers_every_question_its_texts_refer_to() -> None:
    catalog = load_catalog([BUNDLED_DIRECTORY])
    asq = catalog.get("asq")
    assert asq is not None
    questionnaire = asq.questionnaire
    texts = [questionnaire.description or ""] + [view.section.description or "" for view in asq.sections]
    referred: set[str] = set()
    for text in texts:
        for first, last in re.findall(r"questions? (\d+)(?:-(\d+))?", text):
            referred.update(str(n) for n in range(int(first), int(last or first) + 1))
    numbers = [item.number for item in asq.items.values() if item.number is not None]
    assert referred == {"1", "2", "3", "4", "5"}
    assert sorted(numbers) == sorted(referred)  # each once
    assert asq.items["asq_5"].number == "5" and asq.items["asq_declined"].number is None
