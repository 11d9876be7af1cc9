"""Page layout: margins, a footer with "Page X of Y" on every page, metadata, deterministic bytes.

:func:`build_pdf` turns a story (a list of flowables) into PDF bytes.

**Footer.** Below the body frame, on every page: a hairline, the caller's footer lines on the left
(printed literally) and "Page X of Y" on the right of the first line. The total is known only at
the end, so the canvas keeps every finished page and draws the footers when the document is saved
(the usual "numbered canvas" technique; the story is laid out once).

**Banner.** An optional notice (``banner``) is drawn at the top of every page in a tinted box with
a solid border and a warning symbol, above the body frame (which starts lower when the box needs
the room): a reopened screening's documents say on every page that the signed decision no longer
stands. It is printed literally, like the footer lines.

**Determinism.** The same story and ``generated_at`` give byte-identical output, in any process:

* ReportLab's invariant mode is on, so no wall-clock time or random data enters the file;
* the creation and modification dates are ``generated_at``, written with its UTC offset;
* the document ID (the trailer's ``/ID``) is an MD5 digest of ReportLab's signature of the
  metadata plus ``generated_at`` and every page's content stream, so it identifies the content;
* embedded font subsets are named ``AAAAAA+``, ``AAAAAB+``, … per font, in order of first use,
  and characters are numbered in order of first use: both follow from the content alone.

``tests/report`` builds a document twice in one process and once in a fresh process with another
hash seed, and compares the bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from screening.typeset.fonts import BODY_FONT, BODY_FONT_BOLD, register_fonts
from screening.typeset.paragraph import TextParagraph, user_paragraph
from screening.typeset.styles import CLINICIAN_STYLES, DocumentStyles
from screening.typeset.tables import FRAME_HEIGHT
from screening.typeset.text import text_markup

__all__ = ["DEFAULT_CREATOR", "Margins", "build_pdf", "pdf_date"]

DEFAULT_CREATOR = "ketamine-screening"
_FOOTER_GAP = 10.0  # between the body frame and the footer's hairline
_RULE_GAP = 3.0  # between the hairline and the first footer line
_PAGE_NUMBER_WIDTH = 90.0
_BANNER_TOP = 22.0  # from the top edge of the page to the banner's border
_BANNER_GAP = 10.0  # between the banner and the body frame
_BANNER_PADDING = (8.0, 4.0)  # horizontal, vertical
_BANNER_BACKGROUND = colors.Color(0.99, 0.88, 0.88)
_BANNER_SYMBOL = "\u26a0"  # ⚠


@dataclass(frozen=True)
class Margins:
    """Page margins in points. ``bottom`` is the space below the footer; the body ends above it."""

    top: float = 54.0
    right: float = 54.0
    bottom: float = 40.0
    left: float = 54.0


def pdf_date(moment: datetime) -> str:
    """A PDF date string, ``D:YYYYMMDDHHmmSS+HH'mm'``, in ``moment``'s own UTC offset."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("generated_at must be timezone-aware")
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{hours:02d}'{minutes:02d}'"


class _Footer:
    """The footer paragraphs of one document, measured once and drawn on every page."""

    def __init__(
        self, lines: Sequence[str], page_label: str, styles: DocumentStyles, width: float, margins: Margins
    ) -> None:
        self.page_label = page_label
        self.styles = styles
        self.margins = margins
        self.width = width
        self.text_width = width - _PAGE_NUMBER_WIDTH
        self.paragraphs = [user_paragraph(line, styles.footer) for line in lines]
        self.heights = [paragraph.wrap(self.text_width, 10_000)[1] for paragraph in self.paragraphs]
        self.number_height = styles.footer_page_number.leading
        self.height = max(sum(self.heights), self.number_height) + _RULE_GAP

    def draw(self, canvas: Any, page: int, pages: int) -> None:
        canvas.saveState()
        left = self.margins.left
        top = self.margins.bottom + self.height
        canvas.setStrokeColor(colors.Color(0.5, 0.5, 0.5))
        canvas.setLineWidth(0.5)
        canvas.line(left, top, left + self.width, top)
        y = top - _RULE_GAP
        for paragraph, height in zip(self.paragraphs, self.heights, strict=True):
            y -= height
            paragraph.drawOn(canvas, left, y)
        label = self.page_label.format(page=page, pages=pages)
        number = TextParagraph(text_markup(label, isolate=False), self.styles.footer_page_number)
        _, height = number.wrap(_PAGE_NUMBER_WIDTH, 10_000)
        number.drawOn(canvas, left + self.text_width, top - _RULE_GAP - height)
        canvas.restoreState()


class _Banner:
    """A notice drawn at the top of every page: symbol and words in bold, in a bordered tinted box."""

    def __init__(self, text: str, styles: DocumentStyles, width: float, page_height: float, left: float):
        style = ParagraphStyle(
            f"{styles.body.name}-banner", parent=styles.body, fontName=BODY_FONT_BOLD, spaceAfter=0
        )
        markup = f"{_BANNER_SYMBOL}\u00a0\u00a0{text_markup(text, isolate=False)}"
        self.paragraph = TextParagraph(markup, style)
        self.left = left
        self.width = width
        horizontal, vertical = _BANNER_PADDING
        _, text_height = self.paragraph.wrap(width - 2 * horizontal, 10_000)
        self.height = text_height + 2 * vertical
        self.top = page_height - _BANNER_TOP
        self.bottom = self.top - self.height

    def draw(self, canvas: Any) -> None:
        canvas.saveState()
        canvas.setFillColor(_BANNER_BACKGROUND)
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(1.5)
        canvas.rect(self.left, self.bottom, self.width, self.height, stroke=1, fill=1)
        horizontal, vertical = _BANNER_PADDING
        self.paragraph.drawOn(canvas, self.left + horizontal, self.bottom + vertical)
        canvas.restoreState()


def _canvas_class(footer: _Footer, banner: _Banner | None, generated_at: datetime) -> type[Any]:
    class FooterCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type information
        """Keeps finished pages until ``save`` so that each footer can say "of Y"."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._finished_pages: list[dict[str, Any]] = []
            self.setDateFormatter(lambda *_: pdf_date(generated_at))

        def showPage(self) -> None:
            self._finished_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            pages = self._finished_pages
            self._doc.updateSignature(pdf_date(generated_at))
            for number, state in enumerate(pages, start=1):
                self.__dict__.update(state)
                footer.draw(self, number, len(pages))
                if banner is not None:
                    banner.draw(self)
                self._doc.updateSignature("\n".join(self._code))
                super().showPage()
            super().save()

    return FooterCanvas


def build_pdf(
    story: Iterable[Any],
    *,
    title: str,
    author: str,
    subject: str,
    generated_at: datetime,
    footer_lines: Sequence[str] = (),
    pagesize: tuple[float, float] = LETTER,
    margins: Margins = Margins(),
    styles: DocumentStyles = CLINICIAN_STYLES,
    page_label: str = "Page {page} of {pages}",
    keywords: Sequence[str] = (),
    creator: str = DEFAULT_CREATOR,
    lang: str = "en",
    banner: str | None = None,
) -> bytes:
    """Lay out ``story`` on pages and return the PDF bytes.

    ``title``, ``author``, ``subject``, ``keywords`` and ``creator`` go into the document
    information; ``generated_at`` (timezone-aware) is its creation date. ``footer_lines`` are printed
    literally at the bottom of every page, with ``page_label`` (``{page}`` and ``{pages}`` are
    filled in) on the right. ``styles`` supplies the footer's styles; ``lang`` is the document's
    language tag for screen readers. ``banner`` (plain words) is printed at the top of every page.

    The story's flowables are consumed: build a fresh story for every call.
    """
    pdf_date(generated_at)  # rejects a naive datetime before any work is done
    register_fonts()
    width, height = pagesize
    body_width = width - margins.left - margins.right
    footer = _Footer(footer_lines, page_label, styles, body_width, margins)
    frame_bottom = margins.bottom + footer.height + _FOOTER_GAP
    frame_top = height - margins.top
    notice = None
    if banner is not None and banner.strip():
        notice = _Banner(banner, styles, body_width, height, margins.left)
        frame_top = min(frame_top, notice.bottom - _BANNER_GAP)
    frame_height = frame_top - frame_bottom
    if frame_height < 72:
        raise ValueError("the margins and footer leave less than one inch for the page body")
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=margins.left,
        rightMargin=margins.right,
        topMargin=margins.top,
        bottomMargin=frame_bottom,
        title=title,
        author=author,
        subject=subject,
        creator=creator,
        keywords=list(keywords),
        invariant=1,
        initialFontName=BODY_FONT,
        lang=lang,
        displayDocTitle=1,
    )
    frame = Frame(
        margins.left,
        frame_bottom,
        body_width,
        frame_height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    token = FRAME_HEIGHT.set(frame_height)
    try:
        document.build(list(story), canvasmaker=_canvas_class(footer, notice, generated_at))
    finally:
        FRAME_HEIGHT.reset(token)
    return buffer.getvalue()
