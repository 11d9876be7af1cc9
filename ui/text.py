"""Patient and clinician text shown in Streamlit is always text, never markup."""

from __future__ import annotations

import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=^&])")


def plain(text: str | None) -> str:
    """Escape Markdown (including Streamlit's `:icon:` and `$math$` syntax) so text shows as typed."""
    if not text:
        return ""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text).replace("\n", "  \n")
