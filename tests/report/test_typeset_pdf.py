"""Built PDFs: names survive text extraction, fonts are embedded, hostile input prints literally,
right-to-left lines are drawn in visual order, pages are numbered, and output is byte-identical.

What pypdf 7.1 returns for right-to-left text: within each text-showing operator it reverses every
run of Hebrew or Arabic characters (the neutrals between them join the run), trying to recover
logical order from the drawn visual order. For a line that is all Hebrew or all Arabic that gives
exactly the logical text (Arabic as presentation forms, which NFKC maps back to the letters); for
mixed lines the result is neither logical nor visual order. So pure right-to-left lines are
checked through ``extract_text``, and mixed lines on the glyphs actually drawn, decoded from the
content stream in drawing order (:func:`drawn_lines`), which is the visual order left to right.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from screening.typeset import (
    CLINICIAN_STYLES,
    HANDOUT_STYLES,
    StatusKind,
    TextParagraph,
    build_pdf,
    data_table,
    status_box,
    text_markup,
    user_paragraph,
)

GENERATED_AT = datetime(2025, 3, 1, 10, 15, tzinfo=timezone(timedelta(hours=-5)))
REPO_ROOT = Path(__file__).resolve().parents[2]

NAMES = {
    "Latin": "Zoë Ångström-Øverlí Ñúñez",
    "Vietnamese": "Nguyễn Thị Hương",
    "Chinese": "王秀英",
    "Japanese": "山田 花子",
    "Kana": "やまだ はなこ",
    "Korean": "김민준",
    "Greek": "Ζωή Παπαδοπούλου",
    "Cyrillic": "Анна Иванова",
    "Extension A": "陈㐀",
}
HEBREW = "שלום עולם"
ARABIC = "فاطمة الزهراء محمد"
MIXED = "Dr. Levi — לוי, דוד (MRN 123)"
HOSTILE = [
    "<b>bold</b>",
    "&amp;",
    "<font size=40>",
    "He said \"no\" & 'yes'",
    "<para>x</para><br/>",
    "",
]
# Exactly 10,000 characters of numbered words: each word must come out exactly once per place.
LONG_NOTE = " ".join(f"note{i:04d}" for i in range(1, 1001))[:10_000].rsplit(" ", 1)[0]
LONG_NOTE += " " + "~" * (10_000 - len(LONG_NOTE) - 1)  # and one long word without spaces
FOOTER = ["Questionnaire ketamine-intake v3 · sha256 1a2b3c4d · generated 2025-03-01 10:15 -05:00"]


def build_sample_pdf() -> bytes:
    """A document with everything the foundation must survive (also built in a subprocess)."""
    styles = CLINICIAN_STYLES
    story: list[Any] = [TextParagraph("Ketamine screening summary", styles.title)]
    for label, name in NAMES.items():
        story.append(TextParagraph(f"<b>{label}:</b> {text_markup(name)}", styles.body))
    story += [user_paragraph(HEBREW, styles.body), user_paragraph(ARABIC, styles.body)]
    story.append(TextParagraph(f"Clinician: {text_markup(MIXED)} end", styles.body))
    for text in HOSTILE:
        story.append(user_paragraph(text, styles.body))
        story.append(TextParagraph(f"Value: [{text_markup(text)}]", styles.body))
    story.append(user_paragraph("Mood today \U0001f44d, sleeping better", styles.body))
    story.append(status_box(StatusKind.CAUTION, "Defer pending work-up", ["Blood pressure 162/98 mmHg."]))
    story.append(status_box(StatusKind.STOP, "Do not proceed", [MIXED]))
    story.append(
        data_table(
            [["Note", LONG_NOTE, "free text"], ["Name", NAMES["Vietnamese"], ""], ["", "", ""]],
            header=["Finding", "Detail", "Source"],
            col_weights=[1, 4, 1],
        )
    )
    story.append(TextParagraph("Clinical note", styles.h1))
    story.append(user_paragraph(LONG_NOTE, styles.body))
    return build_pdf(
        story,
        title="Screening summary",
        author="Dr. Test",
        subject="Ketamine screening",
        generated_at=GENERATED_AT,
        footer_lines=FOOTER,
    )


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return build_sample_pdf()


@pytest.fixture(scope="module")
def reader(sample_pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(sample_pdf))


@pytest.fixture(scope="module")
def text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _to_unicode(font: Any) -> dict[int, str]:
    cmap = font["/ToUnicode"].get_object().get_data().decode("ascii")
    pairs = re.findall(r"<([0-9A-F]{2})> <([0-9A-F]{4})>", cmap)
    return {int(code, 16): chr(int(char, 16)) for code, char in pairs}


def drawn_lines(pdf: bytes) -> list[str]:
    """The text of every drawn line, glyphs in drawing (visual, left to right) order."""
    reader = PdfReader(io.BytesIO(pdf))
    lines: list[str] = []
    for page in reader.pages:
        fonts = {
            name: _to_unicode(font.get_object())
            for name, font in cast(Any, page["/Resources"])["/Font"].items()
        }
        current: dict[int, str] = {}
        line: list[str] = []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = fonts[operands[0]]
            elif operator == b"Tj":
                line.append("".join(current[code] for code in operands[0].original_bytes))
            elif operator in (b"T*", b"Td", b"Tm", b"ET") and line:
                lines.append("".join(line))
                line = []
    return lines


def test_names_of_every_script_are_extracted_exactly(text: str) -> None:
    for label, name in NAMES.items():
        assert f"{label}: {name}" in text


def test_right_to_left_lines_extract_in_logical_order(text: str) -> None:
    lines = [unicodedata.normalize("NFKC", line).strip() for line in text.splitlines()]
    assert HEBREW in lines
    assert ARABIC in lines


def test_right_to_left_text_is_drawn_in_visual_order(sample_pdf: bytes) -> None:
    lines = drawn_lines(sample_pdf)
    assert "םלוע םולש" in lines
    # The Arabic line, right to left: محمد, then الزهراء (hamza does not join, so it keeps its one
    # form), then فاطمة, each letter in its joined form.
    mohammed = "\ufeaa\ufee4\ufea4\ufee3"
    al_zahraa = "\u0621\ufe8d\ufeae\ufeeb\ufeb0\ufedf\ufe8d"
    fatima = "\ufe94\ufee4\ufec3\ufe8e\ufed3"
    assert f"{mohammed} {al_zahraa} {fatima}" in lines
    # Mixed: only the Hebrew run is reversed (and its isolation keeps "end" after it).
    assert "Clinician: Dr. Levi — דוד ,יול (MRN 123) end" in lines


def test_every_font_is_embedded(reader: PdfReader) -> None:
    seen = set()
    for page in reader.pages:
        for font_ref in cast(Any, page["/Resources"])["/Font"].values():
            font = font_ref.get_object()
            if font["/Subtype"] == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            assert font["/Subtype"] in ("/TrueType", "/CIDFontType2"), font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
            seen.add(re.sub(r"^/[A-Z]{6}\+", "", font["/BaseFont"]))
    assert seen == {
        "DejaVuSans",
        "DejaVuSans-Bold",
        "NotoSansHebrew-Regular",
        "NotoSansArabic-Regular",
        "DroidSansFallback",
        "DroidSansFallbackFull-CJKExtA",
    }


def test_hostile_input_prints_literally(text: str) -> None:
    for hostile in HOSTILE:
        assert f"Value: [{hostile}]" in text
        if hostile:
            assert f"\n{hostile}\n" in text
    assert "Mood today [U+1F44D], sleeping better" in text


def test_long_note_prints_completely_in_the_table_and_as_a_paragraph(text: str, reader: PdfReader) -> None:
    words = Counter(re.findall(r"note\d{4}", text))
    expected = re.findall(r"note\d{4}", LONG_NOTE)
    assert set(words) == set(expected)
    assert set(words.values()) == {2}
    assert len(LONG_NOTE) == 10_000
    assert text.count("~") == 2 * LONG_NOTE.count("~")
    # The note's table row spans pages: the header repeats and finished cells say so.
    assert text.count("Finding") >= 3
    assert "(continued)" in text
    assert len(reader.pages) >= 5


def test_status_boxes_carry_symbol_and_words(text: str) -> None:
    assert "⚠  Defer pending work-up" in text
    assert "✖  Do not proceed" in text


def test_every_page_says_page_x_of_y(reader: PdfReader) -> None:
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        page_text = page.extract_text()
        assert f"Page {number} of {pages}" in page_text
        assert FOOTER[0] in page_text


def test_metadata(reader: PdfReader) -> None:
    info = reader.metadata
    assert info is not None
    assert info.title == "Screening summary"
    assert info.author == "Dr. Test"
    assert info.subject == "Ketamine screening"
    assert info.creator == "ketamine-screening"
    assert cast(str, info["/CreationDate"]) == "D:20250301101500-05'00'"
    assert cast(str, info["/ModDate"]) == "D:20250301101500-05'00'"
    assert cast(Any, reader.trailer["/Root"])["/Lang"] == "en"


def test_same_input_gives_the_same_bytes_in_process(sample_pdf: bytes) -> None:
    assert build_sample_pdf() == sample_pdf


def test_same_input_gives_the_same_bytes_in_another_process(sample_pdf: bytes) -> None:
    program = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('sample', {str(Path(__file__))!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "sys.stdout.buffer.write(module.build_sample_pdf())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, check=True, cwd=REPO_ROOT, env=env, timeout=120
    )
    assert result.stdout == sample_pdf


def test_concurrent_builds_give_the_same_bytes(sample_pdf: bytes) -> None:
    # Streamlit serves every session from its own thread; fonts and their subsets are shared.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: build_sample_pdf(), range(2)))
    assert results == [sample_pdf, sample_pdf]


def test_generation_time_changes_dates_and_id() -> None:
    def build(moment: datetime) -> PdfReader:
        story = [TextParagraph("Same content", CLINICIAN_STYLES.body)]
        pdf = build_pdf(story, title="t", author="a", subject="s", generated_at=moment)
        return PdfReader(io.BytesIO(pdf))

    first = build(GENERATED_AT)
    second = build(GENERATED_AT + timedelta(minutes=1))
    assert first.trailer["/ID"] != second.trailer["/ID"]
    assert second.metadata is not None
    assert cast(str, second.metadata["/CreationDate"]) == "D:20250301101600-05'00'"


def test_naive_generation_time_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_pdf([], title="t", author="a", subject="s", generated_at=datetime(2025, 3, 1, 10, 15))


def test_handout_styles_and_empty_documents_build() -> None:
    styles = HANDOUT_STYLES
    story = [
        TextParagraph("What to expect", styles.title),
        user_paragraph("", styles.body),
        status_box(StatusKind.INFO, "Call us", ["+1 555 0100"], styles=styles),
        data_table([["Before", "No food for 4 hours"]], styles=styles),
    ]
    pdf = build_pdf(story, title="Handout", author="Clinic", subject="s", generated_at=GENERATED_AT)
    assert "No food for 4 hours" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert PdfReader(io.BytesIO(build_pdf([], title="t", author="a", subject="s", generated_at=GENERATED_AT)))


def test_tables_reject_ragged_rows() -> None:
    with pytest.raises(ValueError, match="row 2 has 1 cells, expected 2"):
        data_table([["a", "b"], ["c"]])


def test_the_sample_module_is_importable_standalone() -> None:
    # The subprocess test imports this file by path; make sure that stays possible.
    spec = importlib.util.spec_from_file_location("sample_check", __file__)
    assert spec is not None
    assert spec.loader is not None
