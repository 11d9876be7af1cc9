"""Named paragraph styles and status looks, defined once for both documents.

:data:`CLINICIAN_STYLES` is for the clinician summary (dense, 9.5 pt body). :data:`HANDOUT_STYLES`
is the large-type set for the patient handout: 13 pt body, 12 pt for the smallest text a patient
has to read, headings larger, a 10 pt footer. Both sets have the same names, so a block of
document code can be written once and used with either.

All styles use the fallback chain's body font (``fonts.BODY_FONT``); text in other scripts switches
font inside the paragraph through the markup that ``text.text_markup`` writes. Every colour is
dark enough to print in black and white; meaning is never carried by colour alone (see
:class:`StatusKind`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from screening.typeset.fonts import BODY_FONT, BODY_FONT_BOLD

__all__ = [
    "CLINICIAN_STYLES",
    "HANDOUT_STYLES",
    "DocumentStyles",
    "StatusKind",
    "StatusLook",
]

TEXT_COLOR = colors.black
MUTED_TEXT_COLOR = colors.Color(0.25, 0.25, 0.25)  # still reads as text on a monochrome printer


@dataclass(frozen=True)
class DocumentStyles:
    """The paragraph styles a document may use; each one is a ReportLab ``ParagraphStyle``."""

    title: Any
    h1: Any
    h2: Any
    body: Any
    small: Any
    table_header: Any
    table_cell: Any
    #: Marks a table cell whose content was printed in full before a page break.
    table_continued: Any
    status_heading: Any
    footer: Any
    footer_page_number: Any


def _style(name: str, size: float, *, bold: bool = False, leading: float | None = None, **extra: Any) -> Any:
    return ParagraphStyle(
        name,
        fontName=BODY_FONT_BOLD if bold else BODY_FONT,
        fontSize=size,
        leading=leading if leading is not None else round(size * 1.3, 1),
        textColor=extra.pop("textColor", TEXT_COLOR),
        alignment=extra.pop("alignment", TA_LEFT),
        splitLongWords=1,  # a 200-character token without spaces still wraps
        allowWidows=0,
        **extra,
    )


def _styles(
    prefix: str, *, body: float, small: float, table: float, h2: float, h1: float, title: float, footer: float
) -> DocumentStyles:
    return DocumentStyles(
        title=_style(f"{prefix}-title", title, bold=True, spaceAfter=title * 0.5, keepWithNext=1),
        h1=_style(f"{prefix}-h1", h1, bold=True, spaceBefore=h1 * 0.9, spaceAfter=h1 * 0.35, keepWithNext=1),
        h2=_style(f"{prefix}-h2", h2, bold=True, spaceBefore=h2 * 0.7, spaceAfter=h2 * 0.25, keepWithNext=1),
        body=_style(f"{prefix}-body", body, spaceAfter=body * 0.45),
        small=_style(f"{prefix}-small", small, textColor=MUTED_TEXT_COLOR),
        table_header=_style(f"{prefix}-table-header", table, bold=True),
        table_cell=_style(f"{prefix}-table-cell", table),
        table_continued=_style(f"{prefix}-table-continued", small, textColor=MUTED_TEXT_COLOR),
        status_heading=_style(f"{prefix}-status-heading", h2, bold=True),
        footer=_style(f"{prefix}-footer", footer, textColor=MUTED_TEXT_COLOR),
        footer_page_number=_style(
            f"{prefix}-footer-page", footer, textColor=MUTED_TEXT_COLOR, alignment=TA_RIGHT
        ),
    )


CLINICIAN_STYLES = _styles("clinician", body=9.5, small=8, table=8.5, h2=11, h1=13, title=17, footer=7.5)
HANDOUT_STYLES = _styles("handout", body=13, small=12, table=12, h2=15, h1=18, title=22, footer=10)


@dataclass(frozen=True)
class StatusLook:
    """How a status box shows its kind without relying on colour."""

    symbol: str
    border_width: float
    #: 1 for a single border line, 2 for a double one.
    border_lines: int
    #: None for a solid border, else the dash pattern (on, off) in points.
    border_dash: tuple[float, float] | None
    background: Any


class StatusKind(Enum):
    """The kinds of status box.

    Each carries its meaning three ways besides the background tint: the caller's words in the
    heading, a symbol in front of them, and the border (thin solid, dashed, double, hairline).
    """

    POSITIVE = StatusLook("\u2713", 1.5, 1, None, colors.Color(0.90, 0.96, 0.91))  # ✓
    CAUTION = StatusLook("\u26a0", 2.0, 1, (6.0, 3.0), colors.Color(1.00, 0.95, 0.82))  # ⚠
    STOP = StatusLook("\u2716", 1.2, 2, None, colors.Color(0.99, 0.88, 0.88))  # ✖
    INFO = StatusLook("\u2139", 0.75, 1, None, colors.Color(0.93, 0.95, 0.97))  # ℹ
