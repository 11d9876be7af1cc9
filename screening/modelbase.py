"""The base of the questionnaire format: the identifier types and the frozen model every format
model derives from. `screening.model` and `screening.items` build on it; it imports neither."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""Item, section, score and derived-value ids: lower case, digits and underscores."""

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=96)]
"""Rule ids are dotted, e.g. `ci.rel.hypertension_history`."""

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
"""Questionnaire and plan ids: lower case, digits and hyphens."""

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
"""Choice codes: stable, never shown to patients, never re-used with another meaning."""

SourceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=64)]

SemVer = Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]

Number = int | float


class Frozen(BaseModel):
    """Base of every format model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True)
