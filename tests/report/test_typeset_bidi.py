"""Right-to-left ordering (UAX #9) and Arabic joining, without building PDFs.

Expected visual strings were worked out by hand from UAX #9; they read left to right as printed.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.typeset.arabic import shape_arabic
from screening.typeset.bidi import (
    DIRECTIONAL_CONTROLS,
    bidi_class,
    display_text,
    mirror,
    paragraph_level,
    visual_order,
)

HEBREW_LETTERS = st.characters(min_codepoint=0x05D0, max_codepoint=0x05EA)
ARABIC_LETTERS = st.sampled_from(
    [chr(code) for code in range(0x0621, 0x064B) if unicodedata.category(chr(code)) == "Lo"]
)


def always(_form: str, _letter: str) -> bool:
    return True


@pytest.mark.parametrize(
    ("logical", "base", "visual"),
    [
        # The brief's example: the Hebrew run is reversed as a whole, the rest stays in place.
        ("Dr. Levi — לוי, דוד (MRN 123)", 0, "Dr. Levi — דוד ,יול (MRN 123)"),
        ("שלום עולם", None, "םלוע םולש"),
        # N0: the brackets enclose only Hebrew and follow Hebrew, so they join the RTL run (and
        # are mirrored, so they still open towards the word they enclose).
        ("abc 123 שלום (עולם) def", 0, "abc 123 (םלוע) םולש def"),
        # W2: European digits after Arabic letters become Arabic numbers, still read left to right.
        ("العدد 123", None, "123 ددعلا"),
        # Without isolation a number after a Hebrew word is pulled into the RTL run (W7, N1) ...
        ("abc שלום 123", 0, "abc 123 םולש"),
        # ... with FSI…PDI around the word it stays where the template put it.
        ("abc \u2068שלום\u2069 123", 0, "abc םולש 123"),
        # Explicit override and its terminator, both removed from the output.
        ("\u202eabc\u202c", 0, "cba"),
        # L1: trailing whitespace goes to the paragraph's end (the left, in an RTL paragraph).
        ("שלום ", 1, " םולש"),
        ("abc שלום ", 0, "abc םולש "),
        # L4: brackets in an RTL paragraph are mirrored so that they still enclose the word.
        ("(א)", None, "(א)"),
        ("", None, ""),
    ],
)
def test_display_order(logical: str, base: int | None, visual: str) -> None:
    assert display_text(logical, base) == visual


def test_combining_marks_stay_after_their_base_in_reversed_runs() -> None:
    # SHIN, QAMATS (a non-spacing mark), LAMED in an RTL paragraph: the mark must follow SHIN in
    # drawing order so that the zero-width mark lands on it.
    assert visual_order("\u05e9\u05b8\u05dc", 1) == [(2, "\u05dc"), (0, "\u05e9"), (1, "\u05b8")]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("123 שלום", 1),  # digits are not strong
        ("\u2068שלום\u2069 abc", 0),  # isolated text does not decide the paragraph's direction
        ("محمد", 1),
        ("Anna", 0),
        ("", 0),
    ],
)
def test_paragraph_level(text: str, level: int) -> None:
    assert paragraph_level(text) == level


def test_paragraph_level_default_when_no_strong_character() -> None:
    assert paragraph_level("123 (456)", default=1) == 1


def test_mirror_pairs_are_mirrored_characters() -> None:
    for char in "()[]{}<>«»≤≥":
        assert unicodedata.mirrored(char) == 1
        assert mirror(mirror(char)) == char
        assert mirror(char) != char


MIXED = st.text(
    alphabet=st.sampled_from(
        list("ab AB 12 ,.-+()[]<>«»\"'!") + list("אבג") + list("سلم") + list("٠١") + ["\u05b4", "\u0301"]
    )
    | st.sampled_from(sorted(DIRECTIONAL_CONTROLS)),
    max_size=30,
)


@given(MIXED, st.sampled_from([0, 1]))
def test_visual_order_is_a_permutation_of_the_printable_characters(text: str, base: int) -> None:
    order = visual_order(text, base)
    indices = sorted(index for index, _ in order)
    assert indices == [i for i, char in enumerate(text) if char not in DIRECTIONAL_CONTROLS]
    for index, char in order:
        assert char in (text[index], mirror(text[index]))


@given(st.text(alphabet=st.sampled_from(list("Anna Nguyễn 王秀英 김민준 Ζωή Анна 123 ,.()-'\"/"))))
def test_left_to_right_text_is_unchanged(text: str) -> None:
    assert display_text(text, 0) == text


@given(st.lists(st.text(HEBREW_LETTERS, min_size=1, max_size=6), min_size=1, max_size=5))
def test_right_to_left_words_are_reversed(words: list[str]) -> None:
    text = " ".join(words)
    assert display_text(text, 1) == text[::-1]
    assert display_text(text) == text[::-1]


# Arabic joining ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("logical", "shaped"),
    [
        ("محمد", "\ufee3\ufea4\ufee4\ufeaa"),  # meem initial, hah medial, meem medial, dal final
        ("لا", "\ufefb"),  # the obligatory lam-alef ligature, isolated
        ("سلام", "\ufeb3\ufefc\ufee1"),  # seen initial, lam-alef final, meem isolated
        ("ب\u200cب", "\ufe8f\u200c\ufe8f"),  # ZWNJ prevents joining
        ("بِب", "\ufe91\u0650\ufe90"),  # a kasra between the letters is transparent
        ("abc", "abc"),
    ],
)
def test_arabic_letters_take_their_joined_forms(logical: str, shaped: str) -> None:
    assert shape_arabic(logical, always) == shaped


def test_arabic_forms_the_font_lacks_are_not_used() -> None:
    assert shape_arabic("محمد", lambda _form, _letter: False) == "محمد"


@settings(max_examples=200)
@given(st.lists(st.text(ARABIC_LETTERS, min_size=1, max_size=8), min_size=1, max_size=4))
def test_arabic_shaping_keeps_the_letters(words: list[str]) -> None:
    text = " ".join(words)
    shaped = shape_arabic(text, always)
    assert unicodedata.normalize("NFKC", shaped) == text
    assert all(bidi_class(char) in ("AL", "WS") for char in shaped)
