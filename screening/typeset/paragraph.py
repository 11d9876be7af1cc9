"""Paragraphs that print any script: font fallback, Arabic joining and right-to-left order.

:class:`TextParagraph` is a ReportLab ``Paragraph`` with two additions.

After ReportLab has parsed the markup, every piece of text is prepared (``text.prepare_text``:
invisible characters dropped, undrawable ones replaced by ``[U+XXXX]`` markers, Arabic joined) and
split into runs by the font family that can draw each character (``text.font_runs``), each run in
the regular or bold face that the markup chose. Text in fonts that are not ours (say a caller's
``<font face="Courier">``) is left alone.

ReportLab then breaks lines in logical order, exactly as it would for any text, and when drawing,
:class:`TextParagraph` puts each line into visual order with ``bidi.visual_order``: right-to-left
runs reversed, mirrored brackets, combining marks kept on their letters, bidi controls removed.
Runs in different fonts or styles are reordered together, so a line mixing Hebrew in Noto Sans
Hebrew with Latin in DejaVu Sans reads correctly. Lines with nothing right-to-left and no bidi
controls are drawn untouched.

The paragraph direction ("auto", the default) comes from the first strong character outside
isolates (UAX #9 rules P2 and P3): a note that starts in Hebrew is a right-to-left paragraph, its
first line starts at the right, and left alignment becomes right alignment (start alignment).
``direction="ltr"`` or ``"rtl"`` forces it. One direction applies to the whole paragraph, including
text after ``<br/>``.

Split parts of a paragraph (across pages or table rows) keep the paragraph's direction.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph
from reportlab.rl_config import _FUZZ

from screening.typeset.bidi import DIRECTIONAL_CONTROLS, has_rtl, paragraph_level, visual_order
from screening.typeset.fonts import family_of_font, register_fonts
from screening.typeset.text import font_runs, prepare_text, text_markup

__all__ = ["Direction", "TextParagraph", "user_paragraph"]

Direction = Literal["auto", "ltr", "rtl"]

_OBJECT_PLACEHOLDER = "\ufffc"  # stands for an image or other inline object in the bidi algorithm

# What ``Paragraph.wrap`` and the line breaking inside it set on the paragraph (``breakLines``
# replaces ``frags`` with its processed form for paragraphs of several fragments).
_WRAP_STATE = (
    "width",
    "height",
    "blPara",
    "frags",
    "_wrapWidths",
    "_width_max",
    "_splitLongWordCount",
    "_hyphenations",
)


def _hyphenates(style: Any) -> bool:
    return bool(
        getattr(style, "hyphenationLang", "")
        or getattr(style, "uriWasteReduce", 0)
        or getattr(style, "embeddedHyphenation", 0)
    )


def _with_fallback_fonts(frags: list[Any]) -> list[Any]:
    """Parsed fragments with text prepared and split into runs of the fonts that can draw it."""
    result: list[Any] = []
    for frag in frags:
        text = getattr(frag, "text", None)
        family = family_of_font(getattr(frag, "fontName", ""))
        if not text or family is None or hasattr(frag, "cbDefn"):
            result.append(frag)
            continue
        bold = bool(getattr(frag, "bold", 0))
        for run_family, run in font_runs(prepare_text(text), start=family):
            font_name = run_family.bold_name if bold else run_family.name
            if run == text and font_name == frag.fontName:
                result.append(frag)  # already right: a clone would be an identical copy
            else:
                result.append(frag.clone(text=run, fontName=font_name))
    return result


def _paragraph_level(frags: list[Any]) -> int:
    """The paragraph level of the text of ``frags`` (rules P2, P3)."""
    for frag in frags:
        text = getattr(frag, "text", "")
        if text:
            if text[0].isascii() and text[0].isalpha():
                return 0  # the first character is a left-to-right letter outside any isolate
            break
    return paragraph_level("".join(getattr(frag, "text", "") for frag in frags))


def _needs_reordering(text: str, base_level: int) -> bool:
    if base_level == 1:
        return True
    if text.isascii():
        return False  # no right-to-left character and no directional control
    return has_rtl(text) or not DIRECTIONAL_CONTROLS.isdisjoint(text)


def _visual_simple_line(words: list[str], base_level: int) -> list[str] | None:
    line = " ".join(words)
    if not _needs_reordering(line, base_level):
        return None
    return "".join(char for _, char in visual_order(line, base_level)).split(" ")


def _visual_frag_line(frags: list[Any], base_level: int) -> list[Any] | None:
    chars: list[str] = []
    owners: list[Any] = []
    empty: list[Any] = []
    for frag in frags:
        if hasattr(frag, "cbDefn"):
            chars.append(_OBJECT_PLACEHOLDER)
            owners.append(frag)
        elif frag.text:
            chars.extend(frag.text)
            owners.extend([frag] * len(frag.text))
        else:
            empty.append(frag)  # line-break markers and empty tags: nothing to draw, kept at the end
    line = "".join(chars)
    if not _needs_reordering(line, base_level):
        return None
    groups: list[tuple[Any, list[str]]] = []
    for index, char in visual_order(line, base_level):
        owner = owners[index]
        if hasattr(owner, "cbDefn"):
            groups.append((owner, []))
        elif groups and groups[-1][0] is owner and groups[-1][1]:
            groups[-1][1].append(char)
        else:
            groups.append((owner, [char]))
    visual = [owner.clone(text="".join(run)) if run else owner for owner, run in groups]
    return visual + empty


def _visual_para_lines(bl_para: Any, base_level: int) -> Any:
    """A copy of ReportLab's broken lines in visual order, or the original if nothing changes."""
    changed = False
    lines: list[Any] = []
    for line in bl_para.lines:
        if bl_para.kind == 0:
            extra_space, words = line
            visual_words = _visual_simple_line(list(words), base_level)
            lines.append(line if visual_words is None else (extra_space, visual_words))
        else:
            visual_frags = _visual_frag_line(list(line.words), base_level)
            if visual_frags is None:
                lines.append(line)
            else:
                new_line = copy.copy(line)
                new_line.words = visual_frags
                lines.append(new_line)
        changed = changed or lines[-1] is not line
    if not changed:
        return bl_para
    visual = copy.copy(bl_para)
    visual.lines = lines
    return visual


class TextParagraph(Paragraph):  # type: ignore[misc]  # reportlab ships no type information
    """A ``Paragraph`` with font fallback and bidi ordering; markup as for ``Paragraph``.

    User text must enter the markup only through ``text.text_markup``. The signature is
    ``Paragraph``'s (ReportLab's ``split`` calls it with ``frags``), plus ``direction``.
    """

    # Set by Paragraph; declared for the type checker.
    frags: Any
    style: Any
    blPara: Any

    def __init__(
        self,
        text: str | None,
        style: Any = None,
        bulletText: Any = None,
        frags: Any = None,
        *,
        caseSensitive: int = 1,
        encoding: str = "utf8",
        direction: Direction = "auto",
    ) -> None:
        register_fonts()
        super().__init__(text, style, bulletText, frags, caseSensitive=caseSensitive, encoding=encoding)
        self.base_level = 1 if direction == "rtl" else 0
        self._wrapped: dict[float, dict[str, Any]] = {}
        if frags is not None:
            return  # a part made by split(), which sets its direction; its style is already right
        self.frags = _with_fallback_fonts(self.frags)
        if direction == "auto":
            self.base_level = _paragraph_level(self.frags)
        if self.base_level == 1 and self.style.alignment == TA_LEFT:
            self.style = ParagraphStyle(f"{self.style.name}-rtl", parent=self.style, alignment=TA_RIGHT)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """``Paragraph.wrap``, breaking the lines once per width.

        A paragraph is wrapped many times at the same width (a table measures its cells, then
        measures them again to draw them; a repeated header row on every page). Line breaking
        depends on the width and the paragraph's fragments and style only, so the state a wrap
        leaves is kept per width and put back on the next wrap at that width. (Not with
        hyphenation, whose splitting of a paragraph changes the fragments a later wrap starts from;
        our styles do not hyphenate.)
        """
        state = self._wrapped.get(availWidth)
        if state is not None:
            self.__dict__.update(state)
            return self.width, self.height
        size: tuple[float, float] = super().wrap(availWidth, availHeight)
        # ReportLab returns at once, setting nothing, when there is no room.
        if availWidth >= _FUZZ and not _hyphenates(self.style):
            self._wrapped[availWidth] = {
                name: self.__dict__[name] for name in _WRAP_STATE if name in self.__dict__
            }
        return size

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        parts: list[Any] = super().split(availWidth, availHeight)
        for part in parts:
            part.base_level = self.base_level
        return parts

    def drawPara(self, debug: int = 0) -> None:
        logical = self.blPara
        self.blPara = _visual_para_lines(logical, self.base_level)
        try:
            super().drawPara(debug)
        finally:
            self.blPara = logical


def user_paragraph(text: str, style: Any, *, direction: Direction = "auto") -> TextParagraph:
    """A paragraph that prints the user's ``text`` literally; its direction follows the text."""
    return TextParagraph(text_markup(text, isolate=False), style, direction=direction)
