"""Hostile text: patient and user text that would turn into markup if Streamlit read it as Markdown,
and `markup_in` which says which of its pieces a Markdown string would still turn into markup.

Every piece carries "evil" (any case), so a finding always points at the hostile text, never at
the app's own markup. The strings fit the fields they go in (`max_chars`, `max_length`).
"""

from __future__ import annotations

import re

LINK = "[evil-link](http://127.0.0.1:8612/evil)"
IMAGE = "![evil-image](http://127.0.0.1:8612/evil.png)"
URL = "http://evil.example/a"
SECURE_URL = "https://evil.example/b"
WWW = "www.evil.example"
EMAIL = "someone@evil.example"
COLOUR = ":red[EvilRed]"
BACKGROUND = ":blue-background[EvilBlue]"
BADGE = ":green-badge[EvilBadge]"
ICON = ":material/skull:"
EMOJI = ":smile:"
STREAMLIT_LOGO = ":streamlit:"
MATH = "$EvilMath^2$"
HTML = "<b>EvilHtml</b>"
BOLD = "**EvilBold**"
CODE = "`EvilCode`"
HEADING = "# EvilHeading"
LIST = "- EvilList"
QUOTE = "> EvilQuote"

USER_NAME = f"Dr **EvilLogin** [x](http://127.0.0.1:8612/evil) {COLOUR} {ICON} {MATH} {WWW}"
"""A user name typed at local sign-in (at most 120 characters)."""

CREDENTIALS = f"{EMOJI} {BACKGROUND} <i>EvilHtml</i>"
"""Credentials the clinic file gives a user (at most 60 characters)."""

PATIENT_NAME = f"{HEADING} {BOLD} {URL} {SECURE_URL} {WWW} {EMAIL} {COLOUR} {ICON} {EMOJI} {MATH}"
"""A patient's name (at most 200 characters)."""

MRN = f"{LINK} {BADGE}"
"""A medical record number (at most 64 characters)."""

SHORT = f"{COLOUR}{EMOJI}"
"""For fields of at most 20 characters."""

MEDIUM = f"{LINK} {ICON} {EMOJI} {WWW}"
"""For fields of at most 100 characters."""

LONG = "\n".join(
    (
        HEADING,
        LIST,
        QUOTE,
        "1. EvilNumbered",
        f"{BOLD} {CODE} {HTML} {LINK} {IMAGE}",
        f"{URL} {SECURE_URL} {WWW} {EMAIL} -> EvilArrow",
        f"{COLOUR} {BACKGROUND} {BADGE} {ICON} {EMOJI} {STREAMLIT_LOGO} {MATH}",
        "EvilSetext",
        "===",
    )
)
"""Free text of several lines: notes, reasons (at most 500 characters)."""


# ---------------------------------------------------------------------------------------------
# What a Markdown string still makes of it

_PUNCTUATION = r"!-/:-@\[-`{-~"
_ESCAPED = re.compile(rf"\\([{_PUNCTUATION}])")

_SOURCE_MARKUP = {
    "link or image": re.compile(r"\]\([^)\s]*evil", re.IGNORECASE),
    "directive": re.compile(r":[a-z][a-z0-9-]*\[Evil"),
    "HTML": re.compile(r"<[a-z/][^<>\n]*>?\s*EvilHtml", re.IGNORECASE),
    "math": re.compile(r"\$[^$\n]*EvilMath[^$\n]*\$"),
    "emphasis": re.compile(r"(\*\*|__)EvilBold"),
    "code": re.compile(r"`EvilCode`"),
    "block at line start": re.compile(
        r"^[ \t]{0,3}(?:(?:[-+*]|\d+[.)]|>)[ \t]+)*(?:#{1,6}[ \t]+|[-+*][ \t]+|\d+[.)][ \t]+|>[ \t]*)"
        r"Evil(?:Heading|List|Quote|Numbered)",
        re.MULTILINE,
    ),
    "setext heading": re.compile(r"EvilSetext[ \t]*\n[ \t]{0,3}(?:=+|-+)[ \t]*$", re.MULTILINE),
}
"""Markup read from the source: escaped characters (a backslash before them) do not count."""

_TEXT_MARKUP = {
    "bare URL": re.compile(r"(?:https?://|www(?=\.))\S*evil", re.IGNORECASE),
    "email autolink": re.compile(r"[-.\w+]+@[-\w]*evil[-\w]*(?:\.[-\w]+)+", re.IGNORECASE),
    "icon": re.compile(r":material_skull:"),
    "emoji": re.compile(r":smile:"),
    "Streamlit logo": re.compile(r":streamlit:"),
    "arrow": re.compile(r"(?:^|\s)->\s+EvilArrow"),
}
"""Markup the frontend finds in the text once the source is parsed (escapes resolved): GFM's
autolink literals, `:material_...:` icons (`:material/` is rewritten to `:material_` before
parsing), emoji shortcodes, the Streamlit logo and typographic arrows."""


def _live(source: str) -> str:
    """The source with every backslash-escaped character blanked out (it is text, not syntax)."""
    return _ESCAPED.sub("\0\0", source)


def _text(source: str) -> str:
    """The text the parser leaves: escapes resolved."""
    return _ESCAPED.sub(r"\1", source.replace(":material/", ":material_"))


def as_read(source: str) -> str:
    """What a reader sees of the Markdown `source` of plain text: escapes resolved, word joiners
    (invisible) dropped."""
    return _ESCAPED.sub(r"\1", source).replace("\u2060", "")


def markup_in(source: str) -> list[str]:
    """The kinds of markup the hostile pieces would still become in the Markdown `source`."""
    live, text = _live(source), _text(source)
    found = [kind for kind, pattern in _SOURCE_MARKUP.items() if pattern.search(live)]
    found += [kind for kind, pattern in _TEXT_MARKUP.items() if pattern.search(text)]
    return found
