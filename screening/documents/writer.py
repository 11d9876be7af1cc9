"""Building blocks shared by the clinician summary and the patient handout.

:class:`Writer` is the only way document code turns text into flowables. It keeps the rules of
``screening.typeset``: user text enters markup only through :meth:`Writer.user` (which also
reports characters that cannot be printed, naming the field and code points, never the text); the
document's own words are written as markup by the document code; every paragraph is a
``TextParagraph`` in one of the document's named styles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from screening.documents.content import EMPTY
from screening.typeset import (
    BODY_FONT,
    Cell,
    DocumentStyles,
    StatusKind,
    TextParagraph,
    data_table,
    describe_undrawable,
    status_box,
    text_markup,
)

__all__ = ["Warnings", "Writer"]


class Warnings:
    """Problems found while building the documents, each reported once, in order.

    A message names a field and code points or a setting, never patient text.
    """

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        if message not in self.messages:
            self.messages.append(message)


class Writer:
    """Flowables for one document in one set of styles."""

    def __init__(self, styles: DocumentStyles, warnings: Warnings) -> None:
        self.styles = styles
        self.warnings = warnings
        body = styles.body
        indent = body.fontSize * 1.25
        self.bullet_style = ParagraphStyle(
            f"{body.name}-bullet",
            parent=body,
            leftIndent=indent,
            bulletIndent=indent * 0.25,
            bulletFontName=BODY_FONT,
            bulletFontSize=body.fontSize,
            spaceAfter=body.fontSize * 0.25,
        )
        self.cell_bullet_style = ParagraphStyle(
            f"{styles.table_cell.name}-bullet",
            parent=styles.table_cell,
            leftIndent=styles.table_cell.fontSize,
            bulletIndent=0,
            bulletFontName=BODY_FONT,
            bulletFontSize=styles.table_cell.fontSize,
        )
        self.cell_small = ParagraphStyle(
            f"{styles.table_cell.name}-small", parent=styles.small, spaceBefore=1
        )
        # Headings do not use keepWithNext: ReportLab keeps a heading and the table after it together
        # by moving both to the next page whenever the table does not fit, which leaves half-empty
        # pages. A conditional page break before the heading keeps it off the bottom of a page instead.
        self.h1_style = ParagraphStyle(f"{styles.h1.name}-free", parent=styles.h1, keepWithNext=0)
        self.h2_style = ParagraphStyle(f"{styles.h2.name}-free", parent=styles.h2, keepWithNext=0)
        self.heading_room = body.leading * 7

    # ------------------------------------------------------------------ text

    def user(self, field: str, text: str | None, *, empty: str = EMPTY) -> str:
        """Markup printing ``text`` literally (``empty`` when blank); reports what cannot be printed."""
        if text is None or not text.strip():
            return text_markup(empty)
        if not (text.isascii() and text.isprintable()):  # printable ASCII is always drawable
            problem = describe_undrawable(field, text)
            if problem is not None:
                self.warnings.add(problem)
        return text_markup(text)

    def para(self, markup: str, style: Any = None) -> TextParagraph:
        """A paragraph of markup written by document code (user text inside via :meth:`user`)."""
        return TextParagraph(markup, style if style is not None else self.styles.body)

    def text(self, text: str, style: Any = None) -> TextParagraph:
        """A paragraph of the document's own plain words (no markup in them)."""
        return self.para(text_markup(text, isolate=False), style)

    def bullets(self, items: Iterable[str], *, cell: bool = False) -> list[Flowable]:
        """One bulleted paragraph per markup string."""
        style = self.cell_bullet_style if cell else self.bullet_style
        return [TextParagraph(markup, style, bulletText="\u2022") for markup in items]

    def heading(self, text: str, level: int = 1, *, room: float | None = None) -> list[Flowable]:
        """A heading that starts a new page when less than ``room`` points (default: seven lines of
        body text) are left for it and what follows."""
        return [
            CondPageBreak(self.heading_room if room is None else room),
            self.text(text, self.h1_style if level == 1 else self.h2_style),
        ]

    # ------------------------------------------------------------------ blocks

    def table(
        self,
        rows: Sequence[Sequence[Cell]],
        *,
        header: Sequence[Cell] | None = None,
        weights: Sequence[float] | None = None,
    ) -> Flowable:
        """A grid; string cells are user text printed literally (pass markup as paragraphs)."""
        return data_table(rows, header=header, col_weights=weights, styles=self.styles)

    def cell(self, *markups: str | None, small: Sequence[str] = ()) -> list[Flowable]:
        """A table cell of markup paragraphs, with optional smaller muted lines after them."""
        flowables: list[Flowable] = [
            TextParagraph(markup, self.styles.table_cell) for markup in markups if markup
        ]
        flowables += [TextParagraph(markup, self.cell_small) for markup in small if markup]
        return flowables

    def box(self, kind: StatusKind, heading: str, body: Sequence[str | Flowable] = ()) -> Flowable:
        """A status box; ``heading`` is plain words, string ``body`` items are plain words too."""
        return status_box(kind, heading, body, styles=self.styles)

    def markup_box(
        self, kind: StatusKind, heading: str, markups: Sequence[str | Flowable | Sequence[Flowable]]
    ) -> Flowable:
        """A status box whose rows are markup, a flowable, or a list of flowables (such as bullets)."""
        body = [self.para(item) if isinstance(item, str) else item for item in markups]
        return status_box(kind, heading, body, styles=self.styles)

    def space(self, points: float) -> Flowable:
        return Spacer(1, points)

    def keep(self, flowables: Sequence[Flowable]) -> Flowable:
        return KeepTogether(list(flowables))
