"""The two documents of a screening: the clinician summary and the patient handout.

:func:`build_documents` returns both PDFs as bytes and the warnings found while building them;
:func:`write_documents` writes them to a directory (the ``report`` command). What each document
contains is described in ``clinician/`` and ``handout.py``.

**Inputs.** The documents are built only from the ``Definition``, the ``Assessment`` (which carries
the accepted answers in ``items[...].value`` and the review), the clinic settings, the amendments
and the lifecycle. They never recompute scores, flags or the status.

**Lifecycle.** ``lifecycle`` (a :class:`LifecycleNote`, from ``Workflow.document_notes``) says
whether the screening is a draft, signed, or reopened by an amendment; None (the ``report``
command, building from an answers file) means signed when the review has ``signed_at``, else a
draft. A reopened screening's documents say on every page, in a banner at the top, that the signed
decision no longer stands; the clinician summary's status box and signature section say why, and
the old signature is shown as no longer standing.

**Amendments** (:class:`AmendmentNote`) are listed in the clinician summary with when, who, why
and each change from the old value to the new one.

**Time.** ``generated_at`` is printed in the clinician summary's footer and becomes the PDFs'
creation date. A naive ``generated_at`` is taken to be UTC (the command line's ``--generated-at
2026-11-20T15:30:00`` means 15:30 UTC); pass an aware time to print local time with its offset.

**Determinism.** The same inputs and ``generated_at`` give byte-identical files in any process.

**Warnings** name a field and code points, or a setting: never patient text. They cover
characters that cannot be printed (they print as ``[U+XXXX]``), a clinic phone number that is not
configured (the handout then tells the patient to ask the clinic for it), handout wording that
names another emergency number than the clinic's, and the review's notices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from reportlab.lib.pagesizes import A4, LETTER

from screening.assessment import Assessment
from screening.config import ClinicSettings, load_clinic_settings
from screening.definition import Definition
from screening.documents.clinician import clinician_footer, clinician_story
from screening.documents.content import (
    AmendmentNote,
    ChangeNote,
    Citations,
    LifecycleNote,
    chosen_plan,
    handout_blocks,
    lifecycle_of,
    reopened_notice,
    reopened_since,
)
from screening.documents.handout import handout_footer, handout_reopened_notice, handout_story, handout_title
from screening.documents.writer import Warnings, Writer
from screening.typeset import CLINICIAN_STYLES, HANDOUT_STYLES, build_pdf

__all__ = [
    "HANDOUT_FILE",
    "SUMMARY_FILE",
    "AmendmentNote",
    "ChangeNote",
    "Documents",
    "LifecycleNote",
    "build_documents",
    "write_documents",
]

SUMMARY_FILE = "clinician-summary.pdf"
HANDOUT_FILE = "patient-handout.pdf"

_PAGE_SIZES = {"letter": LETTER, "a4": A4}


@dataclass(frozen=True)
class Documents:
    summary: bytes  # clinician summary PDF
    handout: bytes  # patient handout PDF
    warnings: list[str]  # field names and code points, or settings; never patient text


def _aware(moment: dt.datetime) -> dt.datetime:
    """``moment`` with its zone; a naive time is UTC."""
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=dt.UTC)


def build_documents(
    definition: Definition,
    assessment: Assessment,
    *,
    settings: ClinicSettings,
    generated_at: dt.datetime,
    amendments: Sequence[AmendmentNote] = (),
    lifecycle: LifecycleNote | None = None,
) -> Documents:
    """Both PDFs of a screening and the warnings found while building them.

    ``lifecycle`` None: signed when the review has ``signed_at``, else a draft.
    """
    generated_at = _aware(generated_at)
    if lifecycle is None:
        lifecycle = lifecycle_of(assessment)
    elif lifecycle.since is not None:
        lifecycle = replace(lifecycle, since=_aware(lifecycle.since))
    notes = [replace(note, at=_aware(note.at)) for note in amendments]
    since = reopened_since(lifecycle, notes) if lifecycle.reopened else None
    pagesize = _PAGE_SIZES.get(settings.page_size, LETTER)
    warnings = Warnings()
    for problem in settings.problems:
        warnings.add(f"Clinic settings: {problem}")
    for contact in settings.missing_contacts():
        warnings.add(
            f"{contact[0].upper()}{contact[1:]} is not configured: the handout asks the patient to"
            " get it from the clinic."
        )

    summary_writer = Writer(CLINICIAN_STYLES, warnings)
    citations = Citations(definition)
    footer = clinician_footer(definition, assessment, generated_at, summary_writer, lifecycle)
    summary = build_pdf(
        clinician_story(
            definition=definition,
            assessment=assessment,
            settings=settings,
            writer=summary_writer,
            citations=citations,
            amendments=notes,
            lifecycle=lifecycle,
        ),
        title="Ketamine screening: clinician summary",
        author=settings.name,
        subject=f"{definition.title} {definition.version}",
        generated_at=generated_at,
        footer_lines=footer,
        pagesize=pagesize,
        styles=CLINICIAN_STYLES,
        keywords=[definition.id, definition.version, definition.sha256[:12]],
        banner=reopened_notice(since) if lifecycle.reopened else None,
    )

    handout_writer = Writer(HANDOUT_STYLES, warnings)
    plan = chosen_plan(definition, assessment)
    handout = build_pdf(
        handout_story(definition, assessment, settings, handout_writer, generated_at, lifecycle=lifecycle),
        title=handout_title(plan),
        author=settings.name,
        subject="Patient information",
        generated_at=generated_at,
        footer_lines=handout_footer(settings, generated_at),
        pagesize=pagesize,
        styles=HANDOUT_STYLES,
        banner=handout_reopened_notice(since) if lifecycle.reopened else None,
    )

    emergency = settings.emergency_number.strip()
    if emergency != "911":
        for block in handout_blocks(definition, assessment, plan):
            text = " ".join([block.heading, *block.paragraphs, *block.bullets])
            if "911" in text:
                warnings.add(
                    f"The handout section '{block.heading}' names the emergency number 911, but the"
                    " clinic's emergency number is set differently; review the questionnaire's wording."
                )
    if assessment.review is not None:
        for notice in assessment.review.notices:
            warnings.add(f"Review: {notice}")
    return Documents(summary=summary, handout=handout, warnings=list(warnings.messages))


def write_documents(
    definition: Definition,
    assessment: Assessment,
    *,
    out: Path,
    generated_at: dt.datetime,
    settings: ClinicSettings | None = None,
) -> tuple[list[Path], list[str]]:
    """Write ``out/clinician-summary.pdf`` and ``out/patient-handout.pdf`` (creating ``out``).

    ``settings`` None loads the clinic file (``load_clinic_settings``; a broken file raises
    ``ConfigError``). Returns the paths written and the warnings.
    """
    if settings is None:
        settings = load_clinic_settings()
    documents = build_documents(definition, assessment, settings=settings, generated_at=generated_at)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in ((SUMMARY_FILE, documents.summary), (HANDOUT_FILE, documents.handout)):
        path = out / name
        path.write_bytes(data)
        written.append(path)
    return written, documents.warnings
