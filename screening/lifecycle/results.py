"""What the workflow returns: a `Screening` with its definition and assessment, the entries of
its history, and the lifecycle in one sentence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from screening.assessment import Assessment
from screening.definition import Definition
from screening.storage import JsonValue, ScreeningDetail, ScreeningSummary, Signature
from screening.storage.records import Reopening
from screening.vocabulary import Decision, Lifecycle, Review, Status, signed_sentence

AnswerInput: TypeAlias = (
    str | int | float | bool | dt.date | Sequence["AnswerInput"] | Mapping[str, "AnswerInput"] | None
)
"""What a caller may give as an answer or a review field: JSON values, and dates (`datetime.date`),
which are stored as ISO text."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One change of a screening, as the history panel and the summary PDF show it.

    `kind` is one of created, answer, date, review, signed, amended, reopened, discarded,
    document, crisis_acknowledged, status_changed. An amendment of three answers gives three entries with the
    same `revision` and `reason`. `old` and `new` are the stored values; `old_words` and
    `new_words` say them in words (patient data: for the screen and the documents, never for
    logs).
    """

    revision: int
    at: dt.datetime
    user_id: str
    user_name: str
    role: str
    kind: str
    target: str | None
    target_label: str | None
    old: JsonValue = field(repr=False)
    new: JsonValue = field(repr=False)
    old_words: str = field(repr=False, default="")
    new_words: str = field(repr=False, default="")
    reason: str | None = field(repr=False, default=None)


@dataclass(frozen=True)
class Screening:
    """One screening as stored, with its definition and its assessment.

    `detail` is the stored record (without the pinned files: `definition.files` has them);
    `answers` maps item id to the stored (JSON) value; `lifecycle` is draft, signed or reopened;
    `status` is the status the workflow computed at this revision; `decision` the review's
    decision, or None. `reopened` says why and when a signed screening was reopened.

    On the screening a write returns, `others_changed` says that somebody else changed it after
    the writer's `base_revision`: the writer has not seen those changes yet (storage's
    `WriteResult.others_changed`). It is False on a screening that was only read.
    """

    detail: ScreeningDetail = field(repr=False)
    definition: Definition = field(repr=False)
    _assessment: Assessment = field(repr=False)
    others_changed: bool = False

    @property
    def id(self) -> str:
        return self.detail.id

    @property
    def revision(self) -> int:
        return self.detail.revision

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.detail.answers)

    @property
    def lifecycle(self) -> Lifecycle:
        return self.detail.lifecycle

    @property
    def status(self) -> Status:
        return self.assessment.status

    @property
    def decision(self) -> Decision | None:
        return self.detail.decision

    @property
    def assessment(self) -> Assessment:
        return self._assessment

    @property
    def review(self) -> Review | None:
        """The review as recorded (None before anything was recorded)."""
        raw = self.detail.review
        if raw is None:
            return None
        try:
            return Review.model_validate(raw)
        except ValueError:  # stored by an older version with a field this one no longer knows
            return None

    @property
    def assessed_on(self) -> dt.date:
        return self.detail.assessed_on

    @property
    def signature(self) -> Signature | None:
        """The signature that stands: None unless the screening is signed now."""
        return self.detail.signature if self.lifecycle == "signed" else None

    @property
    def last_signature(self) -> Signature | None:
        """The most recent signature, standing or not (a reopened screening keeps it here)."""
        return self.detail.signature

    @property
    def reopened(self) -> Reopening | None:
        return self.detail.reopened

    @property
    def discarded(self) -> bool:
        return self.detail.discarded

    @property
    def locked(self) -> bool:
        return self.lifecycle == "signed"

    def to_json(self) -> dict[str, Any]:
        """The assessment JSON (docs/contract.md §2) plus `lifecycle`, `decision` and `revision`."""
        contract = self.assessment.contract()
        contract["lifecycle"] = self.lifecycle
        contract["decision"] = self.decision
        contract["revision"] = self.revision
        if self.reopened is not None:
            contract["reopened"] = {
                "at": self.reopened.at.isoformat(),
                "by": self.reopened.by,
                "reason": self.reopened.reason,
                "because": list(self.reopened.because),
                "changes": list(self.reopened.changes),
            }
        return contract


def lifecycle_sentence(screening: Screening | ScreeningSummary) -> str:
    """The lifecycle in one sentence, as the header, the list and the documents say it:
    "Signed: proceed, 5 flags acknowledged"; "Reopened after an amendment on 2026-12-02: Heart
    disease now Yes. Needs re-signing"; "Draft"."""
    lifecycle = screening.lifecycle
    if lifecycle == "signed":
        if isinstance(screening, Screening):
            review = screening.assessment.review
            return signed_sentence(screening.decision, len(review.acknowledged) if review else 0)
        return signed_sentence(screening.decision)
    if lifecycle == "reopened":
        reopened = screening.reopened
        if reopened is None:
            return "Reopened after an amendment. Needs re-signing"
        what = "; ".join(reopened.changes) or "; ".join(reopened.because)
        day = reopened.at.astimezone().date().isoformat()  # the server's day, as the app shows times
        return f"Reopened after an amendment on {day}: {what}. Needs re-signing"
    return "Draft"


def changes_since(entries: Sequence[HistoryEntry]) -> list[HistoryEntry]:
    """The entries that changed content (answers, date, review, lifecycle), oldest first."""
    return [entry for entry in entries if entry.kind not in ("created", "document", "crisis_acknowledged")]
