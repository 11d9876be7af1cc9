"""Reading screenings: one screening whole, the stored questionnaire files, and the list."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from screening.storage.core import StoreBase
from screening.storage.database import ONE_READ_OPTION
from screening.storage.errors import InvalidRequest, NotFound
from screening.storage.judge import State
from screening.storage.records import (
    LIFECYCLES,
    AuditEvent,
    Decision,
    Lifecycle,
    ScreeningDetail,
    ScreeningStatus,
    ScreeningSummary,
)
from screening.storage.rows import audit_event, json_object, loads, summary_fields
from screening.storage.schema import (
    LIVE_SCREENING,
    AnswerRow,
    AuditEventRow,
    DefinitionRow,
    ReviewRow,
    ScreeningRow,
)
from screening.storage.search import search_conditions
from screening.storage.values import check_date, check_decision, check_lifecycle, check_status

MAX_LIST_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class ListCursor:
    """Where a page of the screenings list ended: the last row's `updated_at` and `id`. The next
    page is `list_screenings(..., after=cursor)` with the same filters; it starts right after that
    row however many rows come before it, and is not shifted by screenings changed meanwhile."""

    updated_at: datetime
    id: str

    @classmethod
    def of(cls, row: ScreeningSummary) -> ListCursor:
        """The cursor after `row` (the last row of a page)."""
        return cls(row.updated_at, row.id)


class Reads(StoreBase):
    """The reading calls of `Store`."""

    def get_screening(self, screening_id: str, *, events: bool = True, files: bool = True) -> ScreeningDetail:
        """The whole screening; `events=False` leaves the audit trail out (an empty tuple) and
        `files=False` the pinned questionnaire files (an empty dict; see `definition_files`)."""
        with self._reading() as session:
            return self._detail(session, self._row(session, screening_id), events=events, files=files)

    def _detail(
        self, session: Session, row: ScreeningRow, *, events: bool, files: bool, content: State | None = None
    ) -> ScreeningDetail:
        """The screening of `row` as this transaction sees it (a write's own changes included).
        Answers are read as plain columns (no ORM object per answer), or taken from `content`:
        what the write judged last, which is what it stores."""
        session.flush()
        definition = session.get_one(DefinitionRow, row.questionnaire_sha256) if files else None
        if content is None:
            rows = session.execute(
                select(AnswerRow.item_id, AnswerRow.value_json, AnswerRow.revision).where(
                    AnswerRow.screening_id == row.id
                )
            ).all()
            answers = {item: loads(value) for item, value, _ in rows if value is not None}
            revisions = {item: revision for item, _, revision in rows}
        else:
            answers, revisions = dict(content.answers), dict(content.answer_revisions)
        review = session.get(ReviewRow, row.id)
        event_rows = self._event_rows(session, row.id) if events else []
        return ScreeningDetail(
            **summary_fields(row),
            answers=dict(sorted(answers.items())),
            answer_revisions=dict(sorted(revisions.items())),
            assessed_on_revision=row.assessed_on_revision,
            review=json_object(review.review_json) if review else None,
            review_revision=review.revision if review else None,
            definition_files={} if definition is None else dict(json.loads(definition.files_json)),
            events=tuple(audit_event(e) for e in event_rows),
        )

    def events_of_kind(self, screening_id: str, kind: str) -> tuple[int, list[AuditEvent]]:
        """The screening's revision and its audit events of one kind (e.g. "crisis_acknowledged"),
        oldest first. The events are read first: a revision read after them that is still the one
        the caller knows means no event came in between. Raises `NotFound` for an unknown id."""
        with self._engine.connect() as connection:
            rows = connection.execute(_EVENTS_OF_KIND, {"p_id": screening_id, "p_kind": kind}).all()
            return _revision(connection, screening_id), [audit_event(row) for row in rows]

    def revision_of(self, screening_id: str) -> int:
        """The screening's revision now (one column of one row, without an ORM session): whether a
        screening kept in memory at some revision is still the stored one. Raises `NotFound` for
        an unknown id."""
        with self._engine.connect().execution_options(**{ONE_READ_OPTION: True}) as connection:
            return _revision(connection, screening_id)

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
        after: ListCursor | ScreeningSummary | None = None,
    ) -> list[ScreeningSummary]:
        """Screenings, most recently updated first (then by id).

        :param search: words that begin words of the patient's name or MRN, in any order, every
            one of them (see `search.py`); case, accents and punctuation around words are ignored
            ("fernandez" and "maria fern" find "María Fernández", "2093" finds "KC-2093"; "ernan"
            finds nothing).
        :param status: one status or several.
        :param signed: True for signed screenings only, False for the others (drafts, reopened).
        :param lifecycle: one lifecycle state or several ("reopened" finds those needing re-signing).
        :param decision: one recorded decision or several.
        :param assessed_from: screenings taken on or after this date.
        :param assessed_to: screenings taken on or before this date.
        :param limit: at most this many (1 to `MAX_LIST_LIMIT`).
        :param offset: after skipping this many (kept for callers that count pages; reading page
            n this way reads the n - 1 pages before it).
        :param after: the page after this row (a `ListCursor`, or the last `ScreeningSummary` of
            the previous page); each page then costs the same however deep it is. Works with every
            filter; `count_screenings` says how many there are.

        Discarded drafts are never listed.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
            raise InvalidRequest(f"limit must be between 1 and {MAX_LIST_LIMIT}.")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidRequest("offset must be a whole number, 0 or more.")
        conditions = _list_conditions(
            status, signed, lifecycle, decision, assessed_from=assessed_from, assessed_to=assessed_to
        )
        if after is not None:
            conditions.append(_after(after))
        with self._reading() as session:
            # how each search word is matched depends on how common it is (`search.search_conditions`)
            conditions += search_conditions(search, session.connection())
            query = (
                select(ScreeningRow)
                .where(*conditions)
                .order_by(ScreeningRow.updated_at.desc(), ScreeningRow.id)
                .limit(limit)
                .offset(offset)
            )
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
        cap: int | None = None,
    ) -> int:
        """How many screenings `list_screenings` finds with the same filters (one COUNT query).

        :param cap: count no further than this: the answer is `cap` when there are at least that
            many. Without a cap the count reads every match, which takes time in proportion to the
            table; with one it reads at most `cap` entries of an index ("of 1,000+" on the list).
        """
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise InvalidRequest("cap must be a whole number, 1 or more.")
        conditions = _list_conditions(
            status, signed, lifecycle, decision, assessed_from=assessed_from, assessed_to=assessed_to
        )
        # each word's screenings looked up through the term index: the count goes through all of
        # them (up to the cap) whatever their order
        conditions += search_conditions(search)
        if cap is None:
            query = select(func.count()).select_from(ScreeningRow).where(*conditions)
        else:
            # selects a constant, so an index that serves the conditions answers without the table
            matching: Select[tuple[int]] = (
                select(literal_column("1")).select_from(ScreeningRow).where(*conditions)
            )
            query = select(func.count()).select_from(matching.limit(cap).subquery())
        with self._reading() as session:
            return int(session.scalar(query) or 0)


_SCREENINGS = cast(Table, ScreeningRow.__table__)
_REVISION = select(_SCREENINGS.c.revision).where(_SCREENINGS.c.id == bindparam("p_id"))
"""The revision of one screening, built once: the pages ask for it on every run."""
_EVENTS = cast(Table, AuditEventRow.__table__)
_EVENTS_OF_KIND = (
    select(_EVENTS)
    .where(_EVENTS.c.screening_id == bindparam("p_id"), _EVENTS.c.kind == bindparam("p_kind"))
    .order_by(_EVENTS.c.seq, _EVENTS.c.id)
)


def _revision(connection: Connection, screening_id: str) -> int:
    revision = connection.scalar(_REVISION, {"p_id": screening_id})
    if revision is None:
        raise NotFound(screening_id)
    return int(revision)


def _list_conditions(
    status: ScreeningStatus | Collection[ScreeningStatus] | None,
    signed: bool | None,
    lifecycle: Lifecycle | Collection[Lifecycle] | None,
    decision: Decision | Collection[Decision] | None,
    *,
    assessed_from: date | None,
    assessed_to: date | None,
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the list's filters but the search (see `Reads.list_screenings` and
    `search.search_conditions`). Each is written so an index of `schema.LIST_INDEXES` can serve
    it: the live condition exactly as the partial indexes state it, one value compared with `=`,
    "not signed" as the other lifecycle states."""
    conditions: list[ColumnElement[bool]] = [LIVE_SCREENING]
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        conditions.append(_one_of(ScreeningRow.status, [check_status(s) for s in wanted]))
    if signed is not None:
        unsigned: list[str] = [state for state in LIFECYCLES if state != "signed"]
        conditions.append(_one_of(ScreeningRow.lifecycle, ["signed"] if signed else unsigned))
    if lifecycle is not None:
        states = [lifecycle] if isinstance(lifecycle, str) else list(lifecycle)
        conditions.append(_one_of(ScreeningRow.lifecycle, [check_lifecycle(state) for state in states]))
    if decision is not None:
        decisions = [decision] if isinstance(decision, str) else list(decision)
        conditions.append(_one_of(ScreeningRow.decision, [check_decision(d) for d in decisions]))
    if assessed_from is not None:
        check_date(assessed_from, "assessed_from")
        conditions.append(ScreeningRow.assessed_on >= assessed_from)
    if assessed_to is not None:
        check_date(assessed_to, "assessed_to")
        conditions.append(ScreeningRow.assessed_on <= assessed_to)
    return conditions


def _one_of(
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None], values: Sequence[str]
) -> ColumnElement[bool]:
    return column == values[0] if len(values) == 1 else column.in_(values)


def _after(cursor: ListCursor | ScreeningSummary) -> ColumnElement[bool]:
    """The rows after `cursor` in the list's order (updated_at descending, then id ascending). The
    first condition alone bounds a range of the order index; the second settles ties."""
    if not isinstance(cursor, ListCursor | ScreeningSummary):
        raise InvalidRequest("after must be a ListCursor or the last ScreeningSummary of a page.")
    updated_at, row_id = cursor.updated_at, cursor.id
    return and_(
        ScreeningRow.updated_at <= updated_at,
        or_(ScreeningRow.updated_at < updated_at, ScreeningRow.id > row_id),
    )
