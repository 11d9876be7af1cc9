"""User text: normalising, the drawability check, safe markup and font runs (no PDF built)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.typeset.bidi import display_text
from screening.typeset.fonts import ARABIC, CJK, CJK_EXT_A, HEBREW, SANS, family_for
from screening.typeset.paragraph import TextParagraph, user_paragraph
from screening.typeset.styles import CLINICIAN_STYLES, HANDOUT_STYLES, StatusKind
from screening.typeset.text import (
    describe_undrawable,
    font_runs,
    normalize_text,
    prepare_text,
    text_markup,
    undrawable_characters,
)

FSI, PDI, LRI = "\u2068", "\u2069", "\u2066"

NAMES = [
    "Zoë Ångström-Øverlí",
    "François Müller-Łukasiewicz",
    "Nguyễn Thị Hương",
    "Trần Văn Đức",
    "王秀英",
    "山田 花子",
    "やまだ はなこ",
    "ヤマダ ハナコ",
    "김민준",
    "Ζωή Παπαδοπούλου",
    "Анна Иванова",
    "לוי, דוד",
    "محمد عبد الله",
    "فاطمة الزهراء",
    "㐀㐁",  # CJK Extension A
]


def _script(low: int, high: int) -> st.SearchStrategy[str]:
    return st.characters(min_codepoint=low, max_codepoint=high, categories=("Lu", "Ll", "Lo"))


# Letters of every script a name may use, restricted to what the fonts cover by design.
SUPPORTED_LETTERS = st.one_of(
    _script(0x0041, 0x024F),  # Latin, Latin-1, Latin Extended A and B
    _script(0x1EA0, 0x1EF9),  # Vietnamese
    _script(0x0386, 0x03CE),  # Greek
    _script(0x0400, 0x04FF),  # Cyrillic
    _script(0x05D0, 0x05EA),  # Hebrew
    _script(0x0621, 0x064A),  # Arabic
    _script(0x4E00, 0x9FA5),  # CJK Unified Ideographs (the Unicode 4.1 block)
    _script(0x3400, 0x4DB5),  # CJK Extension A
    _script(0x3041, 0x3096),  # Hiragana
    _script(0x30A1, 0x30F6),  # Katakana
    _script(0xAC00, 0xD7A3),  # Hangul syllables
)
SUPPORTED_NAMES = st.lists(st.text(SUPPORTED_LETTERS, min_size=1, max_size=12), min_size=1, max_size=4).map(
    " ".join
)


@pytest.mark.parametrize("name", NAMES)
def test_names_of_every_supported_script_are_drawable(name: str) -> None:
    assert undrawable_characters(name) == ()
    assert describe_undrawable("Patient name", name) is None


@settings(deadline=None)  # the first example may load the fonts
@given(SUPPORTED_NAMES)
def test_any_name_from_the_supported_scripts_is_drawable(name: str) -> None:
    assert undrawable_characters(name) == ()
    assert "[U+" not in prepare_text(name)


@pytest.mark.parametrize(
    ("text", "code_points"),
    [
        ("Ann \U0001f44d", ["U+1F44D"]),  # emoji beyond the BMP
        ("Ann \U0001f600", ["U+1F600"]),  # DejaVu has it, but supplementary planes are not drawn
        ("\ue000\U000f0000", ["U+E000", "U+F0000"]),  # private use
        ("a\x07b\x00", ["U+0007", "U+0000"]),  # control characters
        ("\u0378", ["U+0378"]),  # unassigned
        ("\ufdd0\uffff", ["U+FDD0", "U+FFFF"]),  # noncharacters
        ("\ud800", ["U+D800"]),  # a lone surrogate
        ("नमस्ते", ["U+0928", "U+092E", "U+0938", "U+094D", "U+0924", "U+0947"]),  # needs a shaping engine
        ("\U00020000", ["U+20000"]),  # CJK Extension B
        ("👍👍 x 👍", ["U+1F44D"]),  # reported once
    ],
)
def test_undrawable_characters_are_found(text: str, code_points: list[str]) -> None:
    assert [problem.code_point for problem in undrawable_characters(text)] == code_points


@pytest.mark.parametrize(
    "text",
    [
        "line one\nline two\r\nthree\rfour\u2028five\tsix",  # line breaks and tabs
        "zero\u200bwidth soft\u00adhyphen heart\u2764\ufe0f joiner\u200d word\u2060joiner",  # invisible
        "\u200f\u202b\u2067\u2069",  # bidi controls
        "✓ ✗ ☎ ❤ ⚠ ℹ ✖ ° ± µ € £ ¥ ₪ № ½",  # symbols of the Basic Multilingual Plane
    ],
)
def test_invisible_and_formatting_characters_are_not_reported(text: str) -> None:
    assert undrawable_characters(text) == ()


def test_problem_message_names_the_field_and_the_code_points_but_not_the_text() -> None:
    message = describe_undrawable("Patient name", "Secretname \U0001f44d\ue000")
    assert message == (
        "Patient name contains characters that cannot be printed: "
        "U+1F44D THUMBS UP SIGN, U+E000 (private-use character)."
    )
    assert "Secretname" not in message


def test_undrawable_characters_print_as_visible_markers() -> None:
    assert prepare_text("a\U0001f44db\x07") == f"a{LRI}[U+1F44D]{PDI}b{LRI}[U+0007]{PDI}"


@settings(deadline=None)  # the first example may load the fonts
@given(st.text(max_size=40) | SUPPORTED_NAMES)
def test_preparing_prepared_text_changes_nothing(text: str) -> None:
    # TextParagraph prepares every piece of parsed text again, including what text_markup prepared.
    prepared = prepare_text(text)
    assert prepare_text(prepared) == prepared
    assert undrawable_characters(prepared) == ()


def test_normalisation() -> None:
    # e + circumflex + tilde composes to the single letter the fonts have.
    assert normalize_text("Nguye\u0302\u0303n") == "Nguyễn"
    assert normalize_text("a\r\nb\rc\u2029d\x0ce\tf") == "a\nb\nc\nd\ne f"


@pytest.mark.parametrize(
    ("text", "markup"),
    [
        ("<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;"),
        ("&amp;", "&amp;amp;"),
        ("<font size=40>", "&lt;font size=40&gt;"),
        ("He said \"no\" & 'yes'", "He said &quot;no&quot; &amp; &#39;yes&#39;"),
        ("<br/><para>x</para>", "&lt;br/&gt;&lt;para&gt;x&lt;/para&gt;"),
        ("first\nsecond", "first<br/>second"),
        ("", ""),
    ],
)
def test_markup_escapes_everything(text: str, markup: str) -> None:
    assert text_markup(text, isolate=False) == markup


def test_markup_isolates_user_text_by_default() -> None:
    assert text_markup("לוי") == f"{FSI}לוי{PDI}"
    assert text_markup("") == ""


def test_user_text_cannot_leave_its_isolate() -> None:
    # A stray PDI is dropped and an unclosed isolate is closed before the template's PDI.
    assert text_markup("\u2069שלום") == f"{FSI}שלום{PDI}"
    assert text_markup("\u2067abc") == f"{FSI}\u2067abc{PDI}{PDI}"
    line = f"Name: {text_markup(chr(0x2069) + 'שלום')} 123"
    assert display_text(line, 0) == "Name: םולש 123"


@settings(deadline=None)  # the first example may load the fonts
@given(st.text(max_size=60))
def test_any_text_parses_to_exactly_that_text(text: str) -> None:
    # Whatever the user typed, the parsed paragraph holds the prepared text and no tag took effect.
    paragraph = TextParagraph(text_markup(text, isolate=False), CLINICIAN_STYLES.body)
    parsed = "".join(frag.text for frag in paragraph.frags if hasattr(frag, "text"))
    expected = prepare_text(text).replace("\n", "")
    assert parsed.split() == expected.split()  # ReportLab collapses runs of spaces
    assert {frag.fontSize for frag in paragraph.frags} <= {CLINICIAN_STYLES.body.fontSize}


def test_characters_go_to_the_family_that_draws_them() -> None:
    assert family_for("a") is SANS
    assert family_for("ễ") is SANS
    assert family_for("ש") is HEBREW
    assert family_for("م") is ARABIC
    assert family_for("王") is CJK
    assert family_for("김") is CJK
    assert family_for("㐀") is CJK_EXT_A
    assert family_for("\U0001f44d") is None


def test_font_runs_keep_spaces_and_digits_with_the_script_around_them() -> None:
    assert font_runs(prepare_text("Ann 王 秀英 12")) == [(SANS, "Ann "), (CJK, "王 秀英 "), (SANS, "12")]
    assert font_runs(prepare_text("محمد 12")) == [(ARABIC, "\ufee3\ufea4\ufee4\ufeaa 12")]
    assert font_runs(prepare_text("א, ב")) == [(HEBREW, "א"), (SANS, ", "), (HEBREW, "ב")]


def test_bold_markup_keeps_bold_in_fallback_fonts() -> None:
    paragraph = TextParagraph(f"<b>{text_markup('Ann לוי محمد 王')}</b>", CLINICIAN_STYLES.body)
    fonts = [frag.fontName for frag in paragraph.frags if frag.text.strip(f" {FSI}{PDI}")]
    assert fonts == ["ScreeningSans-Bold", "ScreeningHebrew-Bold", "ScreeningArabic-Bold", "ScreeningCJK"]


def test_user_paragraph_direction_follows_its_text() -> None:
    assert user_paragraph("שלום", CLINICIAN_STYLES.body).base_level == 1
    assert user_paragraph("Anna שלום", CLINICIAN_STYLES.body).base_level == 0
    assert user_paragraph("שלום", CLINICIAN_STYLES.body, direction="ltr").base_level == 0


def test_split_parts_keep_the_direction_of_their_paragraph() -> None:
    # The second part starts with Hebrew, but belongs to a left-to-right paragraph.
    paragraph = user_paragraph("Anna" + " שלום" * 80, CLINICIAN_STYLES.body)
    paragraph.wrap(200, 10_000)
    first, second = paragraph.split(200, 2 * CLINICIAN_STYLES.body.leading)
    first_word = second.frags[0]  # a ReportLab "frag word": [width, (frag, text), ...]
    assert "".join(text for _, text in first_word[1:]) == "שלום"
    for part in (first, second):
        assert part.base_level == 0
        assert part.style.alignment == CLINICIAN_STYLES.body.alignment


def test_handout_styles_are_large_type() -> None:
    assert HANDOUT_STYLES.body.fontSize >= 12
    assert HANDOUT_STYLES.small.fontSize >= 12
    assert HANDOUT_STYLES.table_cell.fontSize >= 12
    assert HANDOUT_STYLES.h2.fontSize > HANDOUT_STYLES.body.fontSize
    assert HANDOUT_STYLES.h1.fontSize > HANDOUT_STYLES.h2.fontSize
    assert HANDOUT_STYLES.title.fontSize > HANDOUT_STYLES.h1.fontSize


def test_status_symbols_are_drawable_and_distinct() -> None:
    looks = [kind.value for kind in StatusKind]
    assert all(family_for(look.symbol) is SANS for look in looks)
    assert len({look.symbol for look in looks}) == len(looks)
    borders = {(look.border_width, look.border_lines, look.border_dash) for look in looks}
    assert len(borders) == len(looks)
