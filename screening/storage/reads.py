"""Reading screenings: one screening whole, the stored questionnaire files, and the list."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select

from screening.storage.core import StoreBase
from screening.storage.errors import InvalidRequest
from screening.storage.records import (
    Decision,
    Lifecycle,
    ScreeningDetail,
    ScreeningStatus,
    ScreeningSummary,
)
from screening.storage.rows import audit_event, json_object, loads, summary_fields
from screening.storage.schema import AnswerRow, DefinitionRow, ReviewRow, ScreeningRow
from screening.storage.values import check_date, check_decision, check_lifecycle, check_status, search_key

MAX_LIST_LIMIT = 1000


class Reads(StoreBase):
    """The reading calls of `Store`."""

    def get_screening(self, screening_id: str, *, events: bool = True, files: bool = True) -> ScreeningDetail:
        """The whole screening; `events=False` leaves the audit trail out (an empty tuple) and
        `files=False` the pinned questionnaire files (an empty dict; see `definition_files`)."""
        with self._reading() as session:
            row = self._row(session, screening_id)
            definition = session.get_one(DefinitionRow, row.questionnaire_sha256) if files else None
            answers = session.scalars(
                select(AnswerRow).where(AnswerRow.screening_id == screening_id).order_by(AnswerRow.item_id)
            ).all()
            review = session.get(ReviewRow, screening_id)
            event_rows = self._event_rows(session, screening_id) if events else []
            return ScreeningDetail(
                **summary_fields(row),
                answers={a.item_id: loads(a.value_json) for a in answers if a.value_json is not None},
                answer_revisions={a.item_id: a.revision for a in answers},
                assessed_on_revision=row.assessed_on_revision,
                review=json_object(review.review_json) if review else None,
                review_revision=review.revision if review else None,
                definition_files={} if definition is None else dict(json.loads(definition.files_json)),
                events=tuple(audit_event(e) for e in event_rows),
            )

    def definition_files(self, sha256: str) -> dict[str, str]:
        """The questionnaire files stored under a pin's SHA-256, in the engine's order."""
        with self._reading() as session:
            stored = session.get(DefinitionRow, sha256)
            if stored is None:
                raise InvalidRequest(f"No questionnaire files are stored under sha256 {sha256}.")
            return dict(json.loads(stored.files_json))

    def list_screenings(
        self,
        *,
        search: str | None = None,
        status: ScreeningStatus | Collection[ScreeningStatus] | None = None,
        signed: bool | None = None,
        lifecycle: Lifecycle | Collection[Lifecycle] | None = None,
        decision: Decision | Collection[Decision] | None = None,
        assessed_from: date | None = None,
        assessed_to: date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[ScreeningSummary]:
        """Screenings, most recently updated first.

        :param search: part of the patient's name or MRN; case, accents and repeated spaces are
            ignored ("fernandez" finds "Fernández").
        :param status: one status or several.
        :param signed: True for signed screenings only, False for the others (drafts, reopened).
        :param lifecycle: one lifecycle state or several ("reopened" finds those needing re-signing).
        :param decision: one recorded decision or several.
        :param assessed_from: screenings taken on or after this date.
        :param assessed_to: screenings taken on or before this date.
        :param limit: at most this many (1 to `MAX_LIST_LIMIT`).
        :param offset: after skipping this many, for the later pages of the list; `count_screenings`
            says how many there are in all.

        Discarded drafts are never listed.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
            raise InvalidRequest(f"limit must be between 1 and {MAX_LIST_LIMIT}.")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidRequest("offset must be a whole number, 0 or more.")
        conditions = _list_conditions(
            search, status, signed, lifecycle, decision, assessed_from=assessed_from, assessed_to=assessed_to
        )
        query = (
            select(ScreeningRow)
            .where(*conditions)
            .order_by(ScreeningRow.updated_at.desc(), ScreeningRow.id)
            .limit(limit)
            .offset(offset)
        )
        with self._reading() as session:
            return [ScreeningSummary(**summary_fields(row)) for row in session.scalars(query)]

    def count_screenings(
        self,
        *,
        search: str | None = None,
        status: ScreeningStatus | Collection[ScreeningStatus] | None = None,
        signed: bool | None = None,
        lifecycle: Lifecycle | Collection[Lifecycle] | None = None,
        decision: Decision | Collection[Decision] | None = None,
        assessed_from: date | None = None,
        assessed_to: date | None = None,
    ) -> int:
        """How many screenings `list_screenings` finds with the same filters, without a limit
        (one COUNT query)."""
        conditions = _list_conditions(
            search, status, signed, lifecycle, decision, assessed_from=assessed_from, assessed_to=assessed_to
        )
        query = select(func.count()).select_from(ScreeningRow).where(*conditions)
        with self._reading() as session:
            return int(session.scalar(query) or 0)


def _list_conditions(
    search: str | None,
    status: ScreeningStatus | Collection[ScreeningStatus] | None,
    signed: bool | None,
    lifecycle: Lifecycle | Collection[Lifecycle] | None,
    decision: Decision | Collection[Decision] | None,
    *,
    assessed_from: date | None,
    assessed_to: date | None,
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the list's filters (see `Reads.list_screenings`)."""
    conditions: list[ColumnElement[bool]] = [ScreeningRow.discarded_at.is_(None)]
    key = search_key(search) if search else ""
    if key:
        conditions.append(
            or_(
                ScreeningRow.patient_name_key.contains(key, autoescape=True),
                ScreeningRow.mrn_key.contains(key, autoescape=True),
            )
        )
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        conditions.append(ScreeningRow.status.in_([check_status(s) for s in wanted]))
    if signed is not None:
        column = ScreeningRow.lifecycle
        conditions.append(column == "signed" if signed else column != "signed")
    if lifecycle is not None:
        states = [lifecycle] if isinstance(lifecycle, str) else list(lifecycle)
        conditions.append(ScreeningRow.lifecycle.in_([check_lifecycle(state) for state in states]))
    if decision is not None:
        decisions = [decision] if isinstance(decision, str) else list(decision)
        conditions.append(ScreeningRow.decision.in_([check_decision(d) for d in decisions]))
    if assessed_from is not None:
        check_date(assessed_from, "assessed_from")
        conditions.append(ScreeningRow.assessed_on >= assessed_from)
    if assessed_to is not None:
        check_date(assessed_to, "assessed_to")
        conditions.append(ScreeningRow.assessed_on <= assessed_to)
    return conditions
