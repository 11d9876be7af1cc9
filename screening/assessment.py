"""Result types of an assessment: what the engine found, read by the CLI, the app and the documents.

`Assessment.contract()` gives the assessment JSON of the data contract (docs/contract.md §2): the keys
`questionnaire`, `status`, `scores`, `derived`, `flags` and `missing` keep their meaning; further
keys (`crisis`, `requirements`, `undetermined`, `review`, `problems`) only add information.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from screening.answers import Problem, Ref
from screening.model import SEVERITIES, Severity
from screening.vocabulary import Review, Status


class Result(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class QuestionnaireRef(Result):
    id: str
    version: str
    sha256: str


class ScoreResult(Result):
    id: str
    title: str
    value: int | float | None
    band: str | None
    band_meaning: str | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None


class FlagResult(Result):
    id: str
    severity: Severity
    title: str
    action: str
    source: str
    source_ids: list[str]
    triggered_by: list[str]
    note: str | None = None
    verified: bool = True
    crisis: bool = False
    acknowledgement: str | None = None


class RequirementResult(Result):
    id: str
    title: str
    met: bool | None
    unmet: str
    source: str
    source_ids: list[str]


class ItemState(Result):
    """Whether an item was asked, and its accepted answer (None when unanswered or not asked)."""

    id: str
    shown: bool
    value: Any = None
    not_asked_reason: str | None = None


class ReviewNotice(Result):
    """Something the psychiatrist should know about the review: `code` (stable), the flag or
    requirement ids it concerns, and the sentence that `notices` prints."""

    code: str
    ids: list[str] = Field(default_factory=list)
    text: str


class ReviewResult(Review):
    """The psychiatrist's review as recorded, checked against what the assessment found.

    `acknowledged` keeps the notes that apply (to a fired flag or an unmet requirement);
    `unmatched_acknowledgements` names the others, and `unknown_acknowledgements` those of them
    whose id no rule or requirement of the questionnaire has (the rest are known flags that did
    not fire). `unacknowledged` lists fired relative flags without a note,
    `unacknowledged_requirements` unmet requirements without one.
    """

    unmatched_acknowledgements: list[str] = Field(default_factory=list)
    unknown_acknowledgements: list[str] = Field(default_factory=list)
    unacknowledged: list[str] = Field(default_factory=list)
    unacknowledged_requirements: list[str] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)
    findings: list[ReviewNotice] = Field(default_factory=list)


class Assessment(Result):
    questionnaire: QuestionnaireRef
    assessed_on: dt.date | None
    status: Status
    scores: dict[str, ScoreResult]
    derived: dict[str, Any]
    flags: list[FlagResult]
    missing: list[str]
    missing_refs: list[Ref] = Field(default_factory=list)
    """The same places as `missing`, in parts (item, row, field), for layers that need them."""
    requirements: list[RequirementResult]
    undetermined: list[str]
    crisis: bool
    items: dict[str, ItemState]
    problems: list[Problem]
    review: ReviewResult | None = None

    def flags_by_severity(self, severity: Severity) -> list[FlagResult]:
        return [flag for flag in self.flags if flag.severity == severity]

    @property
    def fired(self) -> set[str]:
        return {flag.id for flag in self.flags}

    def contract(self) -> dict[str, Any]:
        """The assessment JSON of the data contract, ready for `json.dumps`."""
        result: dict[str, Any] = {
            "questionnaire": self.questionnaire.model_dump(),
            "assessed_on": self.assessed_on.isoformat() if self.assessed_on else None,
            "status": self.status,
            "scores": {key: {"value": s.value, "band": s.band} for key, s in self.scores.items()},
            "derived": {key: _jsonable(value) for key, value in self.derived.items()},
            "flags": [
                {
                    "id": flag.id,
                    "severity": flag.severity,
                    "title": flag.title,
                    "action": flag.action,
                    "source": flag.source,
                    "triggered_by": flag.triggered_by,
                    **({"note": flag.note} if flag.note else {}),
                    **({"verified": False} if not flag.verified else {}),
                    **({"crisis": True} if flag.crisis else {}),
                    **({"acknowledgement": flag.acknowledgement} if flag.acknowledgement else {}),
                }
                for flag in self.flags
            ],
            "missing": self.missing,
            "crisis": self.crisis,
            "requirements": [
                {"id": r.id, "title": r.title, "met": r.met, "source": r.source} for r in self.requirements
            ],
            "undetermined": self.undetermined,
            "problems": [str(problem) for problem in self.problems],
        }
        if self.review is not None:
            review = self.review
            result["review"] = {
                "clinician": review.clinician,
                "protocol": review.protocol,
                "weight_basis": review.weight_basis,
                "start_date": review.start_date.isoformat() if review.start_date else None,
                "moved_session": (
                    {"session": review.moved_session.session, "date": review.moved_session.date.isoformat()}
                    if review.moved_session
                    else None
                ),
                "decision": review.decision,
                "acknowledged": review.acknowledged,
                "signed_at": review.signed_at.isoformat() if review.signed_at else None,
                "unmatched_acknowledgements": review.unmatched_acknowledgements,
                "unknown_acknowledgements": review.unknown_acknowledgements,
                "unacknowledged": review.unacknowledged,
                "unacknowledged_requirements": review.unacknowledged_requirements,
                "notices": review.notices,
            }
        return result


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


SEVERITY_ORDER = {severity: index for index, severity in enumerate(SEVERITIES)}
