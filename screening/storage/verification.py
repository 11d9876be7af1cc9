"""Verifying a screening's audit trail: the hash chain, and the stored data against the trail."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from screening.storage.audit import (
    ReplayedState,
    actor_fields,
    check_chain,
    definition_digest,
    replay,
    timestamp,
)
from screening.storage.core import StoreBase, logger
from screening.storage.records import AuditProblem, AuditReport, QuestionnairePin
from screening.storage.rows import current_review, loads, signer_of, stored_event
from screening.storage.schema import AnswerRow, DefinitionRow, ScreeningRow
from screening.storage.values import canonical_json


class Verification(StoreBase):
    """The audit verification of `Store`."""

    def verify_audit(self, screening_id: str) -> AuditReport:
        """Check the screening's audit chain and that the stored data is what the chain says.

        The report names the first broken event (edited, deleted or reordered rows) or, when the
        chain is intact, every stored value that disagrees with it.
        """
        with self._reading() as session:
            row = self._row(session, screening_id)
            stored = [stored_event(e) for e in self._event_rows(session, screening_id)]
            chain = check_chain(screening_id, stored, head_hash=row.audit_head, revision=row.revision)
            if chain.problem is not None:
                problems = [chain.problem]
            else:
                problems = _state_problems(session, row, replay(chain.payloads))
        report = AuditReport(screening_id, len(chain.payloads), tuple(problems))
        if not report.ok:
            logger.warning("Audit trail of screening %s failed verification: %s", screening_id, problems[0])
        return report


def _state_problems(session: Session, row: ScreeningRow, state: ReplayedState) -> list[AuditProblem]:
    """Stored data that disagrees with what the (intact) audit trail says it should be."""
    problems: list[AuditProblem] = []
    answers = session.scalars(select(AnswerRow).where(AnswerRow.screening_id == row.id)).all()
    stored_answers = {a.item_id: a.value_json for a in answers}
    for item_id in sorted(set(stored_answers) | set(state.answers)):
        expected = state.answers.get(item_id)
        if item_id not in stored_answers or loads(stored_answers[item_id]) != expected:
            problems.append(AuditProblem(f"the stored answer to {item_id!r} differs from the audit trail"))
    if current_review(session, row) != (state.review or {}):
        problems.append(AuditProblem("the stored review differs from the audit trail"))
    if state.assessed_on != row.assessed_on.isoformat():
        problems.append(AuditProblem("the stored assessment date differs from the audit trail"))
    pin = QuestionnairePin(row.questionnaire_id, row.questionnaire_version, row.questionnaire_sha256)
    if state.questionnaire != {"id": pin.id, "version": pin.version, "sha256": pin.sha256}:
        problems.append(AuditProblem("the stored questionnaire pin differs from the audit trail"))
    definition = session.get(DefinitionRow, row.questionnaire_sha256)
    if definition is None or definition_digest(definition.files_json) != state.definition_sha256:
        problems.append(AuditProblem("the stored questionnaire files differ from those recorded at creation"))
    signer = None if row.signed_at is None else actor_fields(signer_of(row))
    signed_at = None if row.signed_at is None else timestamp(row.signed_at)
    if (signer, signed_at) != (state.signer, state.signed_at):
        problems.append(AuditProblem("the stored signature differs from the audit trail"))
    if row.lifecycle != state.lifecycle:
        problems.append(AuditProblem("the stored lifecycle state differs from the audit trail"))
    decision = (state.review or {}).get("decision")
    if row.decision != (decision if isinstance(decision, str) else None):
        problems.append(AuditProblem("the stored decision differs from the audit trail"))
    reopened = None if state.reopened is None else canonical_json(state.reopened)
    if row.reopened_json != reopened:
        problems.append(AuditProblem("the stored reason for reopening differs from the audit trail"))
    if (row.discarded_at is not None) != state.discarded:
        problems.append(AuditProblem("the stored discarding differs from the audit trail"))
    return problems
