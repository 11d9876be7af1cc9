"""`ui.text.plain`: the one way patient and user text reaches a Streamlit call that reads Markdown."""

from __future__ import annotations

import re

import pytest

from tests import hostile_text as hostile
from ui.text import WORD_JOINER, plain

J = WORD_JOINER

CASES = [
    (
        "Dr **EvilLogin** [x](http://127.0.0.1:8612/evil)",
        f"Dr \\*\\*EvilLogin\\*\\* \\[x\\]\\(http\\:{J}//127\\.0\\.0\\.1\\:8612/evil\\)",
    ),
    ("![i](http://e.org/i.png)", f"\\!\\[i\\]\\(http\\:{J}//e.org/i.png\\)"),
    ("see https://evil.example/a", f"see https\\:{J}//evil.example/a"),
    ("www.evil.example and WWW.Evil.Example", f"www{J}.evil.example and WWW{J}.Evil.Example"),
    ("someone@evil.example", f"someone@{J}evil.example"),
    (":red[EvilRed] :blue-background[B]", "\\:red\\[EvilRed\\] \\:blue\\-background\\[B\\]"),
    (
        ":material/skull: :smile: :streamlit: :+1:",
        f"\\:{J}material/skull\\: \\:{J}smile\\: \\:{J}streamlit\\: \\:{J}\\+1\\:",
    ),
    ("$x^2$ and $$y$$", "\\$x\\^2\\$ and \\$\\$y\\$\\$"),
    ("<b>bold</b> &amp;", "\\<b\\>bold\\</b\\> \\&amp;"),
    ("# Heading", "\\# Heading"),
    ("- item\n> quote\n1. one\n2) two", "\\- item  \n\\> quote  \n1\\. one  \n2\\) two"),
    ("Title\n===\n---", "Title  \n\\=\\=\\=  \n\\-\u2060\\-\u2060\\-"),
    (
        "a -> b <= c >= d -- e ~= f <-> g",
        f"a \\-{J}\\> b \\<{J}\\= c \\>{J}\\= d \\-{J}\\- e \\~{J}\\= f \\<{J}\\-{J}\\> g",
    ),
    ("`code` _em_ ~~strike~~ | cell |", "\\`code\\` \\_em\\_ \\~\\~strike\\~\\~ \\| cell \\|"),
    ("    indented code\n\tand a tab", " indented code  \nand a tab"),
    ("windows\r\nlines\rold mac", "windows  \nlines  \nold mac"),
    ("back\\slash", "back\\\\slash"),
]


@pytest.mark.parametrize(("typed", "markdown"), CASES)
def test_plain_escapes_every_kind_of_markup(typed: str, markdown: str) -> None:
    assert plain(typed) == markdown


@pytest.mark.parametrize(
    "typed",
    ["Dr. Ana Reyes", "R. Okafor, MD", "Tomás Ngata-Whitfield", "Signed: proceed", "O'Brien"],
)
def test_ordinary_text_keeps_its_characters(typed: str) -> None:
    """What is not markup is left alone: dots after letters, a colon before a space or a digit."""
    shown = re.sub(r"\\(.)", r"\1", plain(typed))
    assert shown == typed


@pytest.mark.parametrize(
    "typed",
    [
        hostile.USER_NAME,
        hostile.CREDENTIALS,
        hostile.PATIENT_NAME,
        hostile.MRN,
        hostile.SHORT,
        hostile.MEDIUM,
        hostile.LONG,
    ],
)
def test_hostile_text_is_text_and_reads_as_typed(typed: str) -> None:
    assert hostile.markup_in(typed)  # the check sees the markup in the raw text
    markdown = plain(typed)
    assert hostile.markup_in(markdown) == []
    # Once parsed (escapes resolved, word joiners invisible), the text is what was typed.
    shown = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(J, "").replace("  \n", "\n")
    assert shown == typed


def test_plain_composes_and_keeps_nothing_for_no_text() -> None:
    assert plain(None) == plain("") == ""
    assert plain("Dr **A**") + plain(" · MRN 1-2") == plain("Dr **A** · MRN 1-2")
