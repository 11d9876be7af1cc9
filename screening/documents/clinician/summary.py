"""The clinician summary assembled from its sections, and the footer of its pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reportlab.platypus import Flowable

from screening.assessment import Assessment
from screening.config import ClinicSettings
from screening.definition import Definition
from screening.documents.clinician.plan import PlanSections
from screening.documents.clinician.review import ReviewSections
from screening.documents.clinician.scores import ScoreSections
from screening.documents.clinician.status import StatusSections
from screening.documents.content import AmendmentNote, Citations, LifecycleNote, format_moment, item_value
from screening.documents.writer import Writer

__all__ = ["clinician_footer", "clinician_story"]


class _Summary(StatusSections, ScoreSections, PlanSections, ReviewSections):
    """The whole summary: every section, in the order the document prints them."""

    def story(self) -> list[Flowable]:
        story: list[Flowable] = [*self.header()]
        if self.a.crisis:
            story.append(self.crisis_box())
        story.append(self.status_box())
        story += self.flags()
        story += self.scores()
        story += self.criteria()
        story += self.measures()
        story += self.evidence()
        story += self.plan_section()
        story += self.signature()
        story += self.amendment_section()
        story += self.appendix()
        story += self.sources()
        return story


def clinician_story(
    *,
    definition: Definition,
    assessment: Assessment,
    settings: ClinicSettings,
    writer: Writer,
    citations: Citations,
    amendments: Sequence[AmendmentNote],
    lifecycle: LifecycleNote,
) -> list[Flowable]:
    """The flowables of the clinician summary (a fresh list on every call)."""
    return _Summary(
        definition=definition,
        assessment=assessment,
        settings=settings,
        writer=writer,
        citations=citations,
        amendments=amendments,
        lifecycle=lifecycle,
    ).story()


def clinician_footer(
    definition: Definition,
    assessment: Assessment,
    generated_at: dt.datetime,
    writer: Writer,
    lifecycle: LifecycleNote,
) -> list[str]:
    """The footer lines of every page (plain text; ``build_pdf`` prints them literally)."""
    name = item_value(assessment, "patient_name")
    born = item_value(assessment, "date_of_birth")
    patient = name if isinstance(name, str) and name.strip() else "Patient not named"
    writer.user("Patient name", patient)
    patient_line = f"Patient: {patient}" + (
        f" \u00b7 born {born.isoformat()}" if isinstance(born, dt.date) else ""
    )
    ref = assessment.questionnaire
    identity = (
        f"{ref.id} v{ref.version} \u00b7 sha256 {ref.sha256[:12]}"
        f" \u00b7 generated {format_moment(generated_at)}"
    )
    decides = "Decision support \u2014 the psychiatrist decides."
    if lifecycle.reopened:
        decides += " REOPENED: needs re-signing."
    elif not lifecycle.signed:
        decides += " DRAFT: not signed."
    return [patient_line, identity, decides]
