"""PDF documents: the clinician summary and the patient handout.

* ``build``: :func:`~screening.documents.build.build_documents` and ``write_documents``, the entry
  points (both PDFs as bytes, with the warnings found while building them);
* ``content``: what the documents say, as data and words, without ReportLab (answers in words,
  which trials count, which handout blocks and evidence apply, lifecycle and amendment notes);
* ``writer``: :class:`~screening.documents.writer.Writer`, the only way document code turns text
  into flowables, and the warnings collected while building;
* ``clinician``: the clinician summary, one module per group of sections;
* ``handout``: the patient handout.

``screening.typeset`` is the rendering foundation both documents are built on: embedded fonts for
every script a name may use, the drawability check, safe paragraph markup for user text,
right-to-left ordering, tables whose rows may be taller than a page, named styles, and
``build_pdf`` with footers, "Page X of Y" and byte-identical output. Its docstring lists the rules
document code follows.
"""
