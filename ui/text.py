"""Patient and clinician text shown in Streamlit is always text, never markup.

Streamlit reads Markdown in nearly every call that shows text (titles, captions, alerts, labels,
help texts, badges, toasts). Its frontend finds markup at two levels:

- in the source, where a backslash before an ASCII punctuation character makes it text: links and
  images, emphasis, code, headings, lists, quotes, tables, HTML, `$math$` and the `:name[...]`
  directives (colours, backgrounds, badges);
- in the text once the source is parsed, where backslashes are already gone: bare URLs
  (`http://`, `https://`, `www.`) and e-mail addresses are made links, `:material/name:` an icon,
  `:name:` an emoji or the Streamlit logo, and `->`, `<=`, `--` typographic symbols.

`plain` escapes the first kind and breaks the second with an invisible U+2060 WORD JOINER (after
the `:` of `://`, `:name:` and `:material/`, after an `@` before a domain, between `www` and `.`,
and between the characters of an arrow), so the text reads, and is read aloud, exactly as typed.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-!|<>~:$=^&])|(?<=\d)(\.)")
"""Escaped with a backslash. A dot only after a digit ("1." starts a numbered list); elsewhere a
dot is markup only in a bare URL, which the word joiner breaks."""

_FOUND_IN_TEXT = re.compile(
    r"(?<=:)(?=//|[-\w+]+:|material/)|(?<=@)(?=[-\w])|(?<=www)(?=\.)|(?<=[-<>~])(?=[-<>=])", re.IGNORECASE
)
"""Where the frontend's text-level markup (autolinks, icons, emoji, arrows) is broken."""

_INDENT = re.compile(r"(?<=\n)[ \t]+|\A[ \t]+")
"""Indentation, which would make a code block or nest a list: left out at the start of a line,
one space at the start of the text (so that `plain(a) + plain(b)` is `plain(a + b)`)."""


def plain(text: str | None) -> str:
    """`text` as Markdown that Streamlit shows exactly as typed, line breaks included."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INDENT.sub(lambda match: "" if match.start() else " ", text)
    text = _FOUND_IN_TEXT.sub(WORD_JOINER, text)
    return _MARKDOWN_SPECIALS.sub(lambda match: "\\" + match.group(0), text).replace("\n", "  \n")
