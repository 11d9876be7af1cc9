"""PDF documents: the clinician summary and the patient handout.

``screening.report.pdfkit`` is the rendering foundation both documents are built on: embedded
fonts for every script a name may use, the drawability check, safe paragraph markup for user text,
right-to-left ordering, tables whose rows may be taller than a page, named styles, and
``build_pdf`` with footers, "Page X of Y" and byte-identical output. Its docstring lists the rules
document code follows.
"""
