"""The embedded fonts and the per-character fallback chain.

No single TrueType font covers every name a clinic may meet, so text is drawn from a chain of
font families (files, licences and provenance: ``fonts/README.md``)::

    ScreeningArabic   Noto Sans Arabic   only for Arabic-script code points
    ScreeningHebrew   Noto Sans Hebrew   only for Hebrew code points
    ScreeningSans     DejaVu Sans        everything it has: the body font
    ScreeningCJK      Droid Sans Fallback
    ScreeningCJKExtA  Droid Sans Fallback Full, CJK Extension A only

A character is drawn by the first family in this order that has it (the two script families are
first so that Arabic and Hebrew come from fonts designed for them, although DejaVu Sans has some
of those letters too). A family "has" a character only if both its regular and its bold face have
a glyph for it, so bold text never falls back to a box; families without a bold face (the CJK
ones) print bold text in their regular weight, and no family has an italic face (``<i>`` prints
upright).

Every family is registered with ReportLab under its name, with ``<b>`` mapped to the bold face, so
markup such as ``<b>…<font face="ScreeningArabic">…</font></b>`` picks the bold Arabic face.

Only characters of the Basic Multilingual Plane are drawn (see ``_LAST_BMP``): the emoticons
U+1F600–U+1F64F that DejaVu Sans has, CJK Extension B and other supplementary-plane characters
count as undrawable.

The bidi control characters (LRM, RLI, PDI, …) are given zero width in every face: they travel
through ReportLab's line breaking inside the text and are removed before drawing (see
``paragraph.py``).

Registration is lazy, thread-safe and idempotent: :func:`register_fonts` runs on first use.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from screening.typeset.bidi import DIRECTIONAL_CONTROLS

__all__ = [
    "ARABIC",
    "BODY_FONT",
    "BODY_FONT_BOLD",
    "CJK",
    "CJK_EXT_A",
    "FALLBACK_CHAIN",
    "FONT_DIR",
    "HEBREW",
    "SANS",
    "FontFamily",
    "family_covers",
    "family_for",
    "family_of_font",
    "register_fonts",
]

FONT_DIR = Path(__file__).with_name("fonts")


@dataclass(frozen=True)
class FontFamily:
    """One link of the fallback chain: a regular face, an optional bold face, a script filter."""

    name: str
    regular_file: str
    bold_file: str | None = None
    #: Inclusive code point ranges this family is used for; None means any code point it has.
    ranges: tuple[tuple[int, int], ...] | None = None

    @property
    def bold_name(self) -> str:
        """The ReportLab font name of the bold face (the regular face when there is none)."""
        return f"{self.name}-Bold" if self.bold_file else self.name

    def serves(self, code_point: int) -> bool:
        """Whether the script filter lets this family draw ``code_point``."""
        return self.ranges is None or any(low <= code_point <= high for low, high in self.ranges)


ARABIC = FontFamily(
    "ScreeningArabic",
    "NotoSansArabic-Regular.ttf",
    "NotoSansArabic-Bold.ttf",
    ranges=((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
)
HEBREW = FontFamily(
    "ScreeningHebrew",
    "NotoSansHebrew-Regular.ttf",
    "NotoSansHebrew-Bold.ttf",
    ranges=((0x0590, 0x05FF), (0xFB1D, 0xFB4F)),
)
SANS = FontFamily("ScreeningSans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
CJK = FontFamily("ScreeningCJK", "DroidSansFallback.ttf")
CJK_EXT_A = FontFamily("ScreeningCJKExtA", "DroidSansFallbackFull-CJKExtA.ttf")

FALLBACK_CHAIN: tuple[FontFamily, ...] = (ARABIC, HEBREW, SANS, CJK, CJK_EXT_A)

#: Font names for paragraph styles: text without a ``<font>`` tag is drawn in these.
BODY_FONT = SANS.name
BODY_FONT_BOLD = SANS.bold_name

# Categories that are never "drawn" even if a font maps them: controls, format characters,
# surrogates, private use, unassigned, and the line and paragraph separators.
_NOT_GRAPHIC = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# ReportLab 5.1 writes characters beyond the Basic Multilingual Plane into the ToUnicode map as
# five or six hex digits instead of a UTF-16 surrogate pair, so they would print but could not be
# copied or searched (and strict readers reject the map). They are treated as undrawable.
_LAST_BMP = 0xFFFF
_BLANK_CANDIDATES = (0x200B, 0x200C, 0x200D, 0xFEFF, 0x2060)

_lock = threading.Lock()
_coverage: dict[str, frozenset[int]] = {}


def _graphic_code_points(font: Any) -> frozenset[int]:
    return frozenset(
        code_point
        for code_point, glyph in font.face.charToGlyph.items()
        if glyph and code_point <= _LAST_BMP and unicodedata.category(chr(code_point)) not in _NOT_GRAPHIC
    )


def _make_directional_controls_invisible(font: Any) -> None:
    face = font.face
    blank = next(
        (
            face.charToGlyph[code_point]
            for code_point in _BLANK_CANDIDATES
            if code_point in face.charToGlyph and face.charWidths.get(code_point) == 0
        ),
        None,
    )
    for control in sorted(DIRECTIONAL_CONTROLS):
        code_point = ord(control)
        face.charWidths[code_point] = 0
        if blank is not None:
            face.charToGlyph[code_point] = blank


def register_fonts() -> None:
    """Register every family of the chain with ReportLab (once per process; thread-safe)."""
    if _coverage:
        return
    with _lock:
        if _coverage:
            return
        coverage: dict[str, frozenset[int]] = {}
        for family in FALLBACK_CHAIN:
            regular = TTFont(family.name, str(FONT_DIR / family.regular_file))
            bold = TTFont(family.bold_name, str(FONT_DIR / family.bold_file)) if family.bold_file else regular
            faces = (regular,) if bold is regular else (regular, bold)
            coverage[family.name] = frozenset.intersection(*(_graphic_code_points(face) for face in faces))
            for face in faces:
                _make_directional_controls_invisible(face)
                pdfmetrics.registerFont(face)
            pdfmetrics.registerFontFamily(
                family.name,
                normal=family.name,
                bold=family.bold_name,
                italic=family.name,
                boldItalic=family.bold_name,
            )
        _coverage.update(coverage)


def family_covers(family: FontFamily, char: str) -> bool:
    """Whether both faces of ``family`` have a glyph for ``char`` (ignoring the script filter)."""
    register_fonts()
    return ord(char) in _coverage[family.name]


_FAMILY_OF_FONT = {name: family for family in FALLBACK_CHAIN for name in (family.name, family.bold_name)}


def family_of_font(font_name: str) -> FontFamily | None:
    """The family a registered font name (regular or bold face) belongs to, if it is one of ours."""
    return _FAMILY_OF_FONT.get(font_name)


@lru_cache(maxsize=16384)
def family_for(char: str) -> FontFamily | None:
    """The family that draws ``char``, or None when no embedded font can draw it."""
    register_fonts()
    code_point = ord(char)
    for family in FALLBACK_CHAIN:
        if family.serves(code_point) and code_point in _coverage[family.name]:
            return family
    return None
