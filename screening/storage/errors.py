"""Exceptions raised by the storage layer.

Every message names screening ids, item ids, revisions, staff names and times only: never a
patient's name, an answer or a note. Values a caller may need to show (the current value after a
conflict) travel as attributes, never inside the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from screening.storage.records import JsonValue

ConflictField = Literal["answer", "review", "assessed_on"]


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


class StorageError(Exception):
    """Base class of every error this package raises on purpose."""


class Refused(StorageError):
    """The request is not allowed: the user's role, a lock, a lifecycle rule, or a call that is
    wrong in itself. `rule` is a stable code naming what refused it; the message is plain words
    without patient data. Nothing was saved."""

    rule: str = "refused"
    detail: str | None = None
    """The refusal in words for the person who made the request, without ids (e.g. what is wrong
    with an answer, where the message also names the item), when there is one."""

    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        screening_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.screening_id = screening_id
        self.detail = detail
        if rule is not None:
            self.rule = rule
        super().__init__(message)


class Conflict(StorageError):
    """Somebody else changed what this request would change since the revision its writer saw.
    Nothing was saved; see `ConflictError` for what changed."""


class NotFound(StorageError, LookupError):
    """No screening has this id."""

    def __init__(self, screening_id: str) -> None:
        self.screening_id = screening_id
        super().__init__(f"No screening with id {screening_id!r}.")


class InvalidRequest(Refused, ValueError):
    """The call itself is wrong: a value of an unsupported type, an unknown review key, a revision
    that was never issued, an empty amendment reason. `item_id` names the item when there is one."""

    rule = "invalid_request"

    def __init__(
        self,
        message: str,
        *,
        screening_id: str | None = None,
        item_id: str | None = None,
        rule: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.item_id = item_id
        super().__init__(message, rule=rule, screening_id=screening_id, detail=detail)


class SchemaVersionError(StorageError):
    """The database was written by a different schema version than this program knows."""

    def __init__(self, found: int, expected: int) -> None:
        self.found = found
        self.expected = expected
        super().__init__(
            f"The database has schema version {found}; this program uses version {expected}. "
            "Upgrade the program or migrate the database before using it."
        )


class ConflictError(Conflict):
    """Somebody else changed what this write would overwrite since the revision the writer saw.

    Nothing was saved. `current_value` is the value stored now (None when cleared or never set; the
    review as a dict for the review; an ISO date for `assessed_on`), so the UI can show both and
    keep the user's input. Retry with `current_revision` once the user has seen it.
    """

    def __init__(
        self,
        *,
        screening_id: str,
        field: ConflictField,
        item_id: str | None,
        changed_by: str,
        changed_at: datetime,
        changed_revision: int,
        base_revision: int,
        current_revision: int,
        current_value: JsonValue,
        also_changed: Sequence[str] = (),
    ) -> None:
        self.screening_id = screening_id
        self.field: ConflictField = field
        self.item_id = item_id
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.changed_revision = changed_revision
        self.base_revision = base_revision
        self.current_revision = current_revision
        self.current_value = current_value
        self.also_changed = tuple(also_changed)
        what = f"answer {item_id!r}" if field == "answer" else field.replace("_", " ")
        message = (
            f"Screening {screening_id}: the {what} was changed by {changed_by} at {_when(changed_at)} "
            f"(revision {changed_revision}) after the revision you saw ({base_revision}); "
            "nothing was saved."
        )
        if self.also_changed:
            message += f" Also changed since then: {', '.join(self.also_changed)}."
        super().__init__(message)


class LockedError(Refused):
    """The screening is signed: ordinary saves are refused; use an amendment with a reason."""

    rule = "locked"

    def __init__(self, screening_id: str, *, signed_by: str, signed_at: datetime) -> None:
        self.signed_by = signed_by
        self.signed_at = signed_at
        super().__init__(
            f"Screening {screening_id} was signed by {signed_by} at {_when(signed_at)} and is locked; "
            "record a change as an amendment with a reason.",
            screening_id=screening_id,
        )


class PermissionDenied(Refused):
    """The user's role does not allow this action."""

    rule = "role"

    def __init__(self, *, action: str, user_id: str, role: str, screening_id: str | None = None) -> None:
        self.action = action
        self.user_id = user_id
        self.role = role
        where = f" on screening {screening_id}" if screening_id else ""
        super().__init__(
            f"User {user_id!r} with role {role!r} may not {action}{where}; a psychiatrist must.",
            screening_id=screening_id,
        )


class SigningRefused(Refused):
    """A lifecycle rule refuses to sign the screening as it stands, or to record an amendment.
    `rule` names the rule (for example `proceed_contraindicated`); the message says it in words."""

    def __init__(self, screening_id: str, rule: str, message: str) -> None:
        super().__init__(message, rule=rule, screening_id=screening_id)
