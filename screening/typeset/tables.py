"""Tables that survive clinical content: wrapped cells, repeated header, rows taller than a page.

:func:`data_table` builds a grid from rows of strings (printed literally, in the fonts that can
draw them, each cell in its own reading direction) or flowables. The header row repeats on every
page, body rows are zebra-striped in light grey (readable in black and white) under a grey grid
with a heavier rule below the header.

**Rows taller than a page.** ReportLab cannot split a table row, and raises ``LayoutError`` for a row
that is taller than a whole frame (its ``splitInRow`` option exists but misplaces repeated headers
and borders). So these tables split themselves (:class:`SplittingTable`):

* at a row boundary when at least one body row fits on the page;
* a row that does not fit in the space left but would fit on an empty page moves whole to the next
  page;
* a row taller than an empty page (say a 10,000-character note) is split inside: every cell's
  paragraphs are split at the height that is left, the rest continues in a row of the same
  stripe on the next page, under the repeated header, and a cell that was already printed in
  full shows "(continued)" there. This repeats until the row is done.

"An empty page" is the body frame of the document being built by ``layout.build_pdf``, which
publishes its height through :data:`FRAME_HEIGHT`. Outside ``build_pdf`` a row that does not fit
is always split inside, which is safe, only less tidy.

Only content that can split (paragraphs, and tables and lists of them) can be split inside a row.
A single unsplittable flowable taller than a page, such as a huge image, still cannot be printed;
document code does not put such things in tables.

:func:`status_box` uses the same machinery for a bordered, tinted box whose kind is also told by a
symbol, the heading's words and the border style.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from reportlab.lib import colors
from reportlab.platypus import Flowable, Table, TableStyle

from screening.typeset.fonts import BODY_FONT
from screening.typeset.paragraph import TextParagraph, user_paragraph
from screening.typeset.styles import CLINICIAN_STYLES, DocumentStyles, StatusKind
from screening.typeset.text import text_markup

__all__ = ["FRAME_HEIGHT", "Cell", "SplittingTable", "data_table", "status_box"]

#: Height in points of an empty body frame of the document being built; set by ``build_pdf``.
FRAME_HEIGHT: contextvars.ContextVar[float | None] = contextvars.ContextVar("FRAME_HEIGHT", default=None)

#: A table cell: text (printed literally), a flowable, a list of flowables, or None for empty.
Cell: TypeAlias = "str | Flowable | Sequence[Flowable] | None"

_GRID_COLOR = colors.Color(0.45, 0.45, 0.45)
_HEADER_BACKGROUND = colors.Color(0.82, 0.82, 0.82)
_STRIPE_BACKGROUND = colors.Color(0.94, 0.94, 0.94)
_FUZZ = 1e-6

#: (number of header rows, number of body rows, index of the first body row in the whole table)
#: -> TableStyle commands.
StyleCommands = Callable[[int, int, int], list[tuple[Any, ...]]]


def _as_flowables(cell: Cell, style: Any) -> list[Any]:
    if cell is None:
        return []
    if isinstance(cell, str):
        return [user_paragraph(cell, style)]
    if isinstance(cell, list | tuple):
        return list(cell)
    return [cell]


def _split_cell(content: list[Any], width: float, height: float) -> tuple[list[Any], list[Any]]:
    """Split a cell's flowables so that the first part fits in ``height``."""
    first: list[Any] = []
    rest = list(content)
    used = 0.0
    while rest:
        flowable = rest[0]
        space = flowable.getSpaceBefore() if first else 0.0
        _, needed = flowable.wrap(width, height - used - space)
        if used + space + needed <= height + _FUZZ:
            first.append(flowable)
            used += space + needed + flowable.getSpaceAfter()
            rest.pop(0)
            continue
        parts = flowable.split(width, height - used - space) if height - used - space > 0 else []
        if len(parts) >= 2:
            first.append(parts[0])
            rest[0:1] = parts[1:]
        break
    return first, rest


class SplittingTable(Flowable):  # type: ignore[misc]  # reportlab ships no type information
    """A table of flowable cells that splits between rows and, when it must, inside a row.

    ``header`` rows repeat on every part; ``style_commands`` gives the TableStyle of each part
    from its row counts and the index of its first body row, so stripes continue across parts.
    """

    def __init__(
        self,
        header: Sequence[Sequence[list[Any]]],
        body: Sequence[Sequence[list[Any]]],
        col_weights: Sequence[float],
        style_commands: StyleCommands,
        continued_style: Any,
        *,
        first_body_index: int = 0,
        space_before: float = 4.0,
        space_after: float = 8.0,
        padding: tuple[float, float] = (4.0, 3.0),
    ) -> None:
        super().__init__()
        self.padding_x, self.padding_y = padding
        self.spaceBefore = space_before
        self.spaceAfter = space_after
        self.header = [list(row) for row in header]
        self.body = [list(row) for row in body]
        self.col_weights = list(col_weights)
        self.style_commands = style_commands
        self.continued_style = continued_style
        self.first_body_index = first_body_index
        self._table: Any = None

    def _col_widths(self, width: float) -> list[float]:
        total = sum(self.col_weights)
        return [width * weight / total for weight in self.col_weights]

    def _make_table(self, width: float) -> Any:
        commands = self.style_commands(len(self.header), len(self.body), self.first_body_index)
        commands += [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            # Cells hold flowables, but ReportLab still selects the cell font (Helvetica by
            # default, which is not embedded) before drawing each one.
            ("FONTNAME", (0, 0), (-1, -1), BODY_FONT),
            ("LEFTPADDING", (0, 0), (-1, -1), self.padding_x),
            ("RIGHTPADDING", (0, 0), (-1, -1), self.padding_x),
            ("TOPPADDING", (0, 0), (-1, -1), self.padding_y),
            ("BOTTOMPADDING", (0, 0), (-1, -1), self.padding_y),
        ]
        return Table(
            self.header + self.body,
            colWidths=self._col_widths(width),
            style=TableStyle(commands),
            hAlign="LEFT",
        )

    def _part(self, body: list[list[Any]], first_body_index: int) -> SplittingTable:
        return SplittingTable(
            self.header,
            body,
            self.col_weights,
            self.style_commands,
            self.continued_style,
            first_body_index=first_body_index,
            space_before=self.spaceBefore,
            space_after=self.spaceAfter,
            padding=(self.padding_x, self.padding_y),
        )

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._table = self._make_table(availWidth)
        self.width, self.height = self._table.wrap(availWidth, availHeight)
        return self.width, self.height

    def draw(self) -> None:
        self._table.drawOn(self.canv, 0, 0)

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        table = self._make_table(availWidth)
        table.wrap(availWidth, availHeight)
        heights: list[float] = list(table._rowHeights)
        header_height = sum(heights[: len(self.header)])
        if header_height > availHeight + _FUZZ:
            return []  # not even the header fits here
        used = header_height
        fitting = 0
        for height in heights[len(self.header) :]:
            if used + height > availHeight + _FUZZ:
                break
            used += height
            fitting += 1
        if fitting == len(self.body):
            return [self]
        frame_height = FRAME_HEIGHT.get()
        next_height = heights[len(self.header) + fitting]
        if frame_height is None or header_height + next_height > frame_height + _FUZZ:
            # The next row cannot fit on any page: start it here, in the space that is left.
            parts = self._split_row(fitting, availWidth, availHeight - used)
            if parts:
                return parts
        if fitting:
            return [
                self._part(self.body[:fitting], self.first_body_index),
                self._part(self.body[fitting:], self.first_body_index + fitting),
            ]
        return []  # the row fits on an empty page: move it there whole

    def _split_row(self, index: int, width: float, room: float) -> list[Any]:
        """Split body row ``index`` so that rows before it and its first part fit in ``room``."""
        inner_height = room - 2 * self.padding_y
        if inner_height <= 0:
            return []
        first_row: list[list[Any]] = []
        rest_row: list[list[Any]] = []
        for cell, col_width in zip(self.body[index], self._col_widths(width), strict=True):
            first, rest = _split_cell(cell, col_width - 2 * self.padding_x, inner_height)
            first_row.append(first)
            if rest or not cell:
                rest_row.append(rest)
            else:
                rest_row.append([TextParagraph(text_markup("(continued)"), self.continued_style)])
        if not any(first_row):
            return []
        return [
            self._part([*self.body[:index], first_row], self.first_body_index),
            self._part([rest_row, *self.body[index + 1 :]], self.first_body_index + index),
        ]


def _grid_commands(header_rows: int, body_rows: int, first_body_index: int) -> list[tuple[Any, ...]]:
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID_COLOR),
        ("BOX", (0, 0), (-1, -1), 0.9, colors.black),
    ]
    if header_rows:
        commands += [
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), _HEADER_BACKGROUND),
            ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 1.5, colors.black),
        ]
    for row in range(body_rows):
        if (first_body_index + row) % 2 == 1:
            commands.append(
                ("BACKGROUND", (0, header_rows + row), (-1, header_rows + row), _STRIPE_BACKGROUND)
            )
    return commands


def data_table(
    rows: Sequence[Sequence[Cell]],
    *,
    header: Sequence[Cell] | None = None,
    col_weights: Sequence[float] | None = None,
    styles: DocumentStyles = CLINICIAN_STYLES,
) -> SplittingTable:
    """A full-width grid of ``rows``, with ``header`` repeated on every page.

    ``col_weights`` are relative column widths (default: equal). Strings are printed literally
    (never as markup) in ``styles.table_cell``, header strings in ``styles.table_header``. Every row
    must have as many cells as the header (or as the first row).
    """
    columns = len(header) if header is not None else (len(rows[0]) if rows else 0)
    if columns == 0:
        raise ValueError("a table needs at least one column")
    for number, row in enumerate(rows, start=1):
        if len(row) != columns:
            raise ValueError(f"table row {number} has {len(row)} cells, expected {columns}")
    weights = list(col_weights) if col_weights is not None else [1.0] * columns
    if len(weights) != columns or any(weight <= 0 for weight in weights):
        raise ValueError(f"col_weights must be {columns} positive numbers")
    header_rows = (
        [[_as_flowables(cell, styles.table_header) for cell in header]] if header is not None else []
    )
    body = [[_as_flowables(cell, styles.table_cell) for cell in row] for row in rows]
    return SplittingTable(header_rows, body, weights, _grid_commands, styles.table_continued)


def status_box(
    kind: StatusKind,
    heading: str,
    body: Sequence[str | Flowable | Sequence[Flowable]] = (),
    *,
    styles: DocumentStyles = CLINICIAN_STYLES,
) -> SplittingTable:
    """A bordered, tinted box: ``kind``'s symbol and the ``heading`` words, then ``body``.

    ``heading`` and string items of ``body`` are printed literally. An item that is a list of
    flowables (say the paragraphs of a bulleted list) is one row, so its lines keep their own
    spacing. The kind is carried by the symbol, the border and the caller's words, so it survives
    black-and-white printing.
    """
    look = kind.value
    heading_markup = f"{look.symbol}\u00a0\u00a0{text_markup(heading)}"
    rows: list[list[list[Any]]] = [[[TextParagraph(heading_markup, styles.status_heading)]]]
    for item in body:
        rows.append([_as_flowables(item, styles.body)])

    def commands(header_rows: int, body_rows: int, first_body_index: int) -> list[tuple[Any, ...]]:
        del header_rows, body_rows, first_body_index  # one look for every part
        border: tuple[Any, ...] = (
            "BOX",
            (0, 0),
            (-1, -1),
            look.border_width,
            colors.black,
            None,
            look.border_dash,
        )
        if look.border_lines == 2:
            border = (*border, None, 2, 2.0)
        return [border, ("BACKGROUND", (0, 0), (-1, -1), look.background)]

    return SplittingTable([], rows, [1.0], commands, styles.table_continued, padding=(8.0, 4.0))
