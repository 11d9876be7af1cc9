"""Identifiers with an invisible direction-control character are refused: U+202E then "1234-NRM" would be
shown as "MRN-4321" while "1234-NRM" is stored. Names, where right-to-left text is legitimate,
keep them."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest

from screening.definition import Definition
from screening.items import BIDI_CONTROLS, Answering, InvalidAnswer, TextItem
from screening.lifecycle.requests import check_answers
from screening.storage.errors import InvalidRequest

REFUSAL = "The MRN contains an invisible direction-control character; type it again without it."
CONTROLS = sorted(BIDI_CONTROLS)
NO_ANSWERING = cast(Answering, None)  # a text item needs nothing from it


def _item(**settings: Any) -> TextItem:
    return TextItem(type="text", id="mrn", text="Medical record number", label="MRN", **settings)


def test_the_controls_are_exactly_the_embeddings_overrides_isolates_and_marks() -> None:
    expected = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
    assert frozenset(chr(code) for code in expected) == BIDI_CONTROLS


@pytest.mark.parametrize("control", CONTROLS, ids=lambda char: f"U+{ord(char):04X}")
def test_an_identifier_item_refuses_every_control_in_words(control: str) -> None:
    with pytest.raises(InvalidAnswer) as refused:
        _item(identifier=True).convert(f"{control}1234-NRM", NO_ANSWERING)
    assert str(refused.value) == REFUSAL
    assert control not in str(refused.value)


def test_an_identifier_without_controls_and_other_text_items_are_kept() -> None:
    assert _item(identifier=True).convert("MRN-4321", NO_ANSWERING) == "MRN-4321"
    assert _item().convert("\u202e1234-NRM", NO_ANSWERING) == "\u202e1234-NRM"


def test_the_mrn_is_refused_by_the_answer_check_whatever_the_questionnaire_says(intake: Definition) -> None:
    with pytest.raises(InvalidRequest) as refused:
        check_answers(intake, {"mrn": "\u202e1234-NRM"}, assessed_on=dt.date(2026, 1, 5))
    assert refused.value.item_id == "mrn"
    assert refused.value.detail == REFUSAL
    assert "1234" not in str(refused.value)


def test_a_right_to_left_name_keeps_its_marks(intake: Definition) -> None:
    check_answers(
        intake,
        {"patient_name": "\u200fسارة أحمد", "mrn": "KC-1"},
        assessed_on=dt.date(2026, 1, 5),
    )
