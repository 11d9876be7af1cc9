"""Verifying the audit trail: each screening's keyed hash chain, its anchor, and the stored data
against the trail; and the clinic-wide chain against the screenings table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from screening.storage.anchors import anchor_problem
from screening.storage.audit import (
    ReplayedState,
    StoredEvent,
    actor_fields,
    check_chain,
    definition_digest,
    replay,
    timestamp,
)
from screening.storage.clinic_chain import check_clinic_chain
from screening.storage.core import StoreBase, logger
from screening.storage.records import AuditProblem, AuditReport, ClinicReport, JsonValue, QuestionnairePin
from screening.storage.rows import current_review, loads, signer_of, stored_event
from screening.storage.schema import AnswerRow, AuditEventRow, ClinicEventRow, DefinitionRow, ScreeningRow
from screening.storage.search import search_terms, stored_search_terms
from screening.storage.values import MRN_ITEM, PATIENT_NAME_ITEM, canonical_json, search_key


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
            chain = check_chain(
                screening_id, stored, head_hash=row.audit_head, revision=row.revision, keys=self._keys
            )
            anchor = anchor_problem(self._keys, row)
            if chain.problem is not None:
                problems = [chain.problem]
            else:
                problems = _state_problems(session, row, replay(chain.payloads))
                problems += _list_problems(row, chain.payloads)
                problems += _search_problems(session, row)
            problems += [anchor] if anchor is not None else []
        report = AuditReport(screening_id, len(chain.payloads), tuple(problems))
        if not report.ok:
            logger.warning("Audit trail of screening %s failed verification: %s", screening_id, problems[0])
        return report

    def screening_ids(self, limit: int | None = None) -> list[str]:
        """Every screening's id, discarded ones included, the most recently changed first (at most
        `limit`): what `python -m screening audit verify` walks."""
        query = select(ScreeningRow.id).order_by(ScreeningRow.updated_at.desc(), ScreeningRow.id)
        with self._reading() as session:
            return list(session.scalars(query if limit is None else query.limit(limit)))

    def verify_clinic(self) -> ClinicReport:
        """Check the clinic-wide chain (see `clinic_chain.py`) and compare it with the screenings
        table: every screening must be recorded in it, and every recorded screening must exist.

        Problems name screening ids and entry numbers, never patient data.
        """
        with self._reading() as session:
            rows = session.scalars(select(ClinicEventRow).order_by(ClinicEventRow.seq)).all()
            chain = check_clinic_chain(rows, self._keys)
            existing = set(session.scalars(select(ScreeningRow.id)))
            with_events = set(session.scalars(select(AuditEventRow.screening_id).distinct()))
        problems = [] if chain.problem is None else [chain.problem]
        recorded = {
            entry.screening_id: entry
            for entry in chain.entries
            if entry.kind in ("screening_created", "screening_anchored") and entry.screening_id
        }
        for screening_id in sorted(existing - set(recorded)):
            reason = "is not in the clinic record: it was inserted outside the application"
            problems.append(AuditProblem(f"screening {screening_id} {reason}"))
        for screening_id in sorted(set(recorded) - existing):
            entry = recorded[screening_id]
            reason = f"recorded in clinic entry #{entry.seq} ({entry.kind}) is missing: it was deleted"
            problems.append(AuditProblem(f"screening {screening_id} {reason}"))
        for screening_id in sorted(with_events - existing - set(recorded)):
            reason = "has audit events but no row: it was deleted"
            problems.append(AuditProblem(f"screening {screening_id} {reason}"))
        report = ClinicReport(len(chain.entries), len(existing), tuple(problems))
        if not report.ok:
            logger.warning("The clinic record failed verification: %s", problems[0])
        return report


def _list_problems(
    row: ScreeningRow, checked: list[tuple[StoredEvent, dict[str, JsonValue]]]
) -> list[AuditProblem]:
    """The list page's copies in the row that disagree with the (intact) trail: who created the
    screening and when, the patient's name and MRN, and the status (for a trail that records it)."""
    problems: list[AuditProblem] = []
    created = checked[0][0]
    if (row.created_by_id, row.created_by_name) != (created.actor.get("id"), created.actor.get("name")):
        problems.append(AuditProblem("the stored creator differs from the audit trail"))
    if timestamp(row.created_at) != timestamp(created.at):
        problems.append(AuditProblem("the stored creation time differs from the audit trail"))
    state = replay(checked)
    for item_id, column, key_column in (
        (PATIENT_NAME_ITEM, "patient_name", "patient_name_key"),
        (MRN_ITEM, "mrn", "mrn_key"),
    ):
        value = state.answers.get(item_id)
        text = value if isinstance(value, str) and value.strip() else None
        expected = (text, search_key(text) if text else None)
        if (getattr(row, column), getattr(row, key_column)) != expected:
            problems.append(
                AuditProblem(f"the list's copy of the answer to {item_id!r} differs from the audit trail")
            )
    if state.status is not None and row.status != state.status:
        problems.append(AuditProblem("the stored status differs from the audit trail"))
    return problems


def _search_problems(session: Session, row: ScreeningRow) -> list[AuditProblem]:
    """The list's search terms (derived data, see `search.py`) that are not those of the stored
    name and MRN, which `_list_problems` checks against the trail."""
    stored = stored_search_terms(session.connection(), row.id)
    if stored != search_terms(row.patient_name_key, row.mrn_key):
        return [AuditProblem("the list's search terms differ from the stored name and MRN")]
    return []


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
