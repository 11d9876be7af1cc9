"""What storage asks about a screening inside a write's transaction.

Storage does not know the questionnaire engine. Whoever opens a `Store` hands it a `Judge` (the
workflow does, `screening.workflow`): storage calls it with the screening as it will be after the
write, while the write still holds the screening's lock, and records the status it returns in the
same transaction. No caller ever hands storage a status, and a refused write saves nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from screening.storage.records import JsonValue, Lifecycle, QuestionnairePin, ScreeningStatus


@dataclass(frozen=True, slots=True)
class State:
    """A screening's content at one moment: before or after a write.

    `answers` holds the answers that have a value; `review` the review fields (with `signed_at`
    while signed). `files()` returns the pinned questionnaire files (read on demand, in the same
    transaction), for a judge that does not have the definition at hand; it raises RuntimeError
    once the write is over.
    """

    screening_id: str
    questionnaire: QuestionnairePin
    assessed_on: date
    answers: Mapping[str, JsonValue] = field(repr=False)
    review: Mapping[str, JsonValue] = field(repr=False)
    lifecycle: Lifecycle
    files: Callable[[], dict[str, str]] = field(repr=False, compare=False)
    # the revision of each stored answer (cleared ones too), as read with `answers`
    answer_revisions: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)


DateCheck = Callable[[date], None]
"""A check of a request against the screening's stored date (`Writes.set_answers`): storage calls
it under the screening's lock, before anything else is checked or written, and it refuses the
request by raising."""


@dataclass(frozen=True, slots=True)
class AmendmentVerdict:
    """What an amendment of a signed screening does to it.

    `refusal` (a rule code and a message without patient data) refuses the whole amendment.
    A non-empty `reopen_because` reopens the screening: the signed decision no longer stands, and
    these sentences say why; `changes` says what changed, in words.
    """

    refusal: tuple[str, str] | None = None
    reopen_because: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()


class Judge(Protocol):
    """The lifecycle rules, as storage needs them."""

    def status(self, state: State) -> ScreeningStatus:
        """The screening status of `state`."""

    def signing_refusal(self, state: State) -> tuple[str, str] | None:
        """(rule, message) when `state` may not be signed as it stands, else None."""

    def amendment(self, before: State, after: State, *, review_changed: bool) -> AmendmentVerdict:
        """What amending a signed screening from `before` to `after` does."""
