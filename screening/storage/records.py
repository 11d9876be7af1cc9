"""Plain, frozen values that the storage layer takes and returns.

None of these is bound to a database session: they can be cached, compared and handed to the UI,
the engine or the PDF layer freely.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, TypeAlias, get_args

from screening.vocabulary import DECISIONS, LIFECYCLES, ROLES, Decision, Lifecycle, Role, Status

# re-exported for users of storage
__all__ = ["DECISIONS", "LIFECYCLES", "ROLES", "Decision", "Lifecycle", "Role"]

JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None
"""A JSON value as stored and returned: answers, review fields, audit payloads."""

JsonInput: TypeAlias = str | int | float | bool | Sequence["JsonInput"] | Mapping[str, "JsonInput"] | None
"""What a caller may pass where a JSON value is stored (tuples and other mappings are copied)."""

ScreeningStatus: TypeAlias = Status
SCREENING_STATUSES: tuple[ScreeningStatus, ...] = get_args(Status)

EventKind = Literal[
    "screening_created",
    "answer_set",
    "answer_cleared",
    "assessed_on_set",
    "review_saved",
    "signed",
    "amended",
    "discarded",
    "document_generated",
    "crisis_acknowledged",
    "status_changed",
]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)


@dataclass(frozen=True, slots=True)
class User:
    """Who is acting. Storage records all five fields in every event the user causes.

    `authenticated` says whether the app verified the identity (a login) or took it on trust (a
    name typed at a shared workstation). `credentials` is what follows a signer's name, e.g. "MD".
    """

    id: str
    name: str
    role: Role
    authenticated: bool
    credentials: str | None = None

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise ValueError("A user needs a non-empty id.")
        if not self.name.strip():
            raise ValueError(f"User {self.id!r} needs a non-empty display name.")
        if self.role not in ROLES:
            raise ValueError(f"User {self.id!r} has unknown role {self.role!r}; expected one of {ROLES}.")

    @property
    def signature_name(self) -> str:
        """Name and credentials as printed under a signature: "Dr. R. Okafor, MD"."""
        if self.credentials and self.credentials.strip():
            return f"{self.name}, {self.credentials.strip()}"
        return self.name


@dataclass(frozen=True, slots=True)
class QuestionnairePin:
    """The questionnaire a screening was taken with: id, version and the engine's content hash."""

    id: str
    version: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Signature:
    """Who signed a screening and when (UTC). Signing locks the screening."""

    signer: User
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class Reopening:
    """Why a signed screening was reopened: the amendment that did it and what its signed decision
    no longer covers. `because` and `changes` are sentences in words for the screen and the
    documents (they name items and values: patient data, never for logs)."""

    at: datetime
    by: str
    reason: str = field(repr=False)
    because: tuple[str, ...] = field(repr=False)
    changes: tuple[str, ...] = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreeningSummary:
    """One row of the screening list.

    Patient data (name, MRN, answers, review, event payloads) is left out of the `repr` of every
    record, so a record that ends up in a log or a traceback does not carry it there.

    `status` is computed by the screening's judge (the workflow) inside every write's transaction;
    `status_current` is False only for a screening whose status predates a change (a database
    written by an older version).
    `revision` counts the events of the screening's audit trail; every write takes the revision
    its writer last saw.
    """

    id: str
    questionnaire: QuestionnairePin
    assessed_on: date
    patient_name: str | None = field(repr=False)
    mrn: str | None = field(repr=False)
    status: ScreeningStatus
    status_current: bool
    revision: int
    created_at: datetime
    created_by_id: str
    created_by_name: str
    updated_at: datetime
    signature: Signature | None
    lifecycle: Lifecycle = "draft"
    decision: Decision | None = None
    reopened: Reopening | None = None
    discarded: bool = False

    @property
    def locked(self) -> bool:
        """Signed screenings are locked: changes go through amendments. A reopened screening is
        edited like a draft until it is signed again; `signature` keeps its last signature."""
        return self.lifecycle == "signed"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One event of a screening's append-only, hash-chained audit trail.

    `seq` runs 1, 2, 3… per screening and equals the screening revision the event produced.
    `payload` holds what changed (old and new values, the amendment reason, the document name).
    """

    id: int
    screening_id: str
    seq: int
    kind: str
    at: datetime
    actor: User
    payload: dict[str, JsonValue] = field(repr=False)
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreeningDetail(ScreeningSummary):
    """A whole screening: answers, review, the pinned definition and the audit trail.

    `answers` holds the answers that have a value (cleared items are left out);
    `answer_revisions` gives, for every item ever answered (cleared ones too), the revision that
    last changed it. `definition_files` maps file name to YAML text in the order the engine
    hashed them (main questionnaire first).
    """

    answers: dict[str, JsonValue] = field(repr=False)
    answer_revisions: dict[str, int]
    assessed_on_revision: int
    review: dict[str, JsonValue] | None = field(repr=False)
    review_revision: int | None
    definition_files: dict[str, str] = field(repr=False)
    events: tuple[AuditEvent, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a write did.

    `base_revision` is what to pass as `base_revision` of the writer's next write. It is
    `latest_revision` when the writer had seen every other change; when somebody else changed the
    screening after the writer's base (`others_changed`), it stays at the writer's old base,
    because the writer has not seen those changes yet: reload the screening (`get_screening`) to
    show them and to move on to its revision. Until then a write to an item somebody else changed
    conflicts instead of overwriting it, and so does signing.

    `changed` is False when the value was already stored (nothing recorded). `screening` is the
    screening right after the write (answers, review and status; no events, no files) for the
    ordinary saves, so the writer need not read it back; None for other writes.
    """

    screening_id: str
    base_revision: int
    latest_revision: int  # the screening's revision right after this write
    changed: bool
    others_changed: bool
    # the screening as this write left it (without events and files), read inside the write's own
    # transaction: a writer keeps it instead of reading the screening back
    screening: ScreeningDetail | None = field(default=None, repr=False, compare=False)
    # the screening's revision right before this write, read under the write's lock (when given,
    # every revision after it up to `latest_revision` is this write's own): what a writer knew of
    # the screening at that revision holds at the new one, but what the write changed
    previous_revision: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """One thing wrong with a screening's audit trail or with its agreement with stored data.

    `seq` and `event_id` name the first broken event when the chain itself is broken; they are
    None for problems found after the chain checked out (stored data that disagrees with it).
    """

    reason: str
    seq: int | None = None
    event_id: int | None = None
    kind: str | None = None

    def __str__(self) -> str:
        if self.seq is None:
            return self.reason
        return f"event #{self.seq} ({self.kind}, row id {self.event_id}): {self.reason}"


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The result of `Store.verify_audit`: empty `problems` means the trail is intact."""

    screening_id: str
    events_checked: int
    problems: tuple[AuditProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_broken(self) -> AuditProblem | None:
        """The first problem that names an event, if any."""
        return next((p for p in self.problems if p.seq is not None), None)

    def __str__(self) -> str:
        if self.ok:
            return f"Audit trail of screening {self.screening_id}: {self.events_checked} events, intact."
        lines = [f"Audit trail of screening {self.screening_id} is broken:"]
        lines += [f"- {problem}" for problem in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ClinicReport:
    """The result of `Store.verify_clinic`: the clinic-wide chain and the screenings table agree
    when `problems` is empty."""

    entries_checked: int
    screenings: int
    problems: tuple[AuditProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return (
                f"Clinic record: {self.entries_checked} entries, intact; "
                f"{self.screenings} screenings, each recorded."
            )
        return "\n".join(["Clinic record is broken:", *(f"- {problem}" for problem in self.problems)])
