"""The PDF rendering foundation that the clinician summary and the patient handout are built on.

Import from here (``README.md`` beside this file lists the public surface and the ReportLab
internals it relies on); the modules behind it are:

* ``fonts``: the embedded TrueType fonts and the per-character fallback chain;
* ``text``: normalising user text, the drawability check, and safe paragraph markup;
* ``bidi`` and ``arabic``: right-to-left ordering (UAX #9) and Arabic joining;
* ``paragraph``: ``TextParagraph``, which draws bidi text in visual order;
* ``styles``: the named styles of both documents and the status box looks;
* ``tables``: tables whose rows may be taller than a page, and the status box;
* ``layout``: ``build_pdf`` with footer, "Page X of Y", metadata and byte-identical output.

The rules for document code:

1. User text reaches a paragraph only through :func:`text_markup` (inside a template you write) or
   :func:`user_paragraph` (a whole paragraph); table cells given as strings are user text too.
   Nothing in user text is ever interpreted as markup.
2. Before printing a user field, call :func:`describe_undrawable` and report the message if it is
   not None; if printed anyway, undrawable characters appear as ``[U+XXXX]`` markers.
3. Build paragraphs with :class:`TextParagraph` (never ReportLab's ``Paragraph``) and the styles in
   :data:`CLINICIAN_STYLES` or :data:`HANDOUT_STYLES`.
4. Build the document with :func:`build_pdf` and a fresh story each time.

Example::

    styles = CLINICIAN_STYLES
    story = [
        TextParagraph("Ketamine screening summary", styles.title),
        TextParagraph(f"<b>Patient:</b> {text_markup(name)} (MRN {text_markup(mrn)})", styles.body),
        status_box(StatusKind.CAUTION, "Defer pending work-up", ["Blood pressure 162/98."]),
        data_table([["PHQ-9", "21", "Severe"]], header=["Questionnaire", "Score", "Band"]),
    ]
    pdf = build_pdf(story, title="Screening summary", author=clinician, subject="...",
                    generated_at=now, footer_lines=["phq9-v3 · sha256 1a2b3c4d · 2025-03-01 10:15"])
"""

from __future__ import annotations

from screening.typeset.fonts import BODY_FONT, BODY_FONT_BOLD, FALLBACK_CHAIN, FontFamily, register_fonts
from screening.typeset.layout import DEFAULT_CREATOR, Margins, build_pdf
from screening.typeset.paragraph import Direction, TextParagraph, user_paragraph
from screening.typeset.styles import CLINICIAN_STYLES, HANDOUT_STYLES, DocumentStyles, StatusKind, StatusLook
from screening.typeset.tables import Cell, SplittingTable, data_table, status_box
from screening.typeset.text import (
    UndrawableCharacter,
    describe_undrawable,
    normalize_text,
    prepare_text,
    text_markup,
    undrawable_characters,
)

__all__ = [
    "BODY_FONT",
    "BODY_FONT_BOLD",
    "CLINICIAN_STYLES",
    "DEFAULT_CREATOR",
    "FALLBACK_CHAIN",
    "HANDOUT_STYLES",
    "Cell",
    "Direction",
    "DocumentStyles",
    "FontFamily",
    "Margins",
    "SplittingTable",
    "StatusKind",
    "StatusLook",
    "TextParagraph",
    "UndrawableCharacter",
    "build_pdf",
    "data_table",
    "describe_undrawable",
    "normalize_text",
    "prepare_text",
    "register_fonts",
    "status_box",
    "text_markup",
    "undrawable_characters",
    "user_paragraph",
]
