"""The questionnaire format: frozen pydantic models that YAML files are validated against.

A file is either an *instrument* (a reusable questionnaire such as the PHQ-9) or a *screening*
that includes instruments and adds its own sections, derived values, rules, requirements, plans
and document content. Unknown keys are errors everywhere. Nothing in a file is code: conditions
are structured predicates (`all` / `any` / `not` over comparisons), evaluated with three-valued
logic by `screening.engine`.

Cross-references (an item id in a condition, a source id in a rule) are checked by
`screening.checker`, not here: these models only check the shape of each value.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from screening.conditions import (
    OPERAND_TYPES,
    TARGET_KEYS,
    AllOf,
    Answered,
    AnyOf,
    Compare,
    Condition,
    NotOf,
    NumberOperand,
    Operand,
    ParamRef,
    Scalar,
)
from screening.items import (
    BooleanItem,
    ChoiceItem,
    ChoiceSet,
    DateItem,
    FieldItem,
    GroupItem,
    IntegerItem,
    Item,
    ItemKind,
    MultiChoiceItem,
    NumberItem,
    Option,
    ScalarItem,
    TextItem,
)
from screening.modelbase import Code, Frozen, ItemId, Number, RuleId, SemVer, Slug, SourceId
from screening.vocabulary import STATUSES, WEIGHT_BASES, Status, WeightBasis

__all__ = [  # re-exported: conditions, item kinds and identifiers live in their own modules
    "OPERAND_TYPES",
    "STATUSES",
    "TARGET_KEYS",
    "WEIGHT_BASES",
    "AllOf",
    "Answered",
    "AnyOf",
    "BooleanItem",
    "ChoiceItem",
    "ChoiceSet",
    "Code",
    "Compare",
    "Condition",
    "DateItem",
    "FieldItem",
    "Frozen",
    "GroupItem",
    "IntegerItem",
    "Item",
    "ItemId",
    "ItemKind",
    "MultiChoiceItem",
    "NotOf",
    "Number",
    "NumberItem",
    "NumberOperand",
    "Operand",
    "Option",
    "ParamRef",
    "RuleId",
    "Scalar",
    "ScalarItem",
    "SemVer",
    "Slug",
    "SourceId",
    "Status",
    "TextItem",
    "WeightBasis",
]

# ---------------------------------------------------------------------------------------------
# Identifiers and `Frozen`, the base of every format model, are in screening.modelbase

Severity = Literal["absolute", "relative", "caution", "info"]
SEVERITIES: tuple[Severity, ...] = ("absolute", "relative", "caution", "info")


# ---------------------------------------------------------------------------------------------
# Sources and parameters


class Source(Frozen):
    """A citation. Rules, scores, parameters and document content refer to sources by id."""

    short: str = Field(description="Short label printed next to a rule, e.g. 'Spravato US PI'.")
    citation: str = Field(description="Full reference printed in the document's list of sources.")
    url: str | None = None
    verified: bool = Field(
        default=True,
        description="False when the fact or citation was not checked against the primary source.",
    )
    note: str | None = None


class Parameter(Frozen):
    """A named, configurable value (a threshold, a list of codes) that conditions refer to."""

    title: str
    value: bool | int | float | str | list[str]
    unit: str | None = None
    source: list[SourceId] = Field(default_factory=list)
    verified: bool = True
    note: str | None = None


class Section(Frozen):
    """A page of the questionnaire, or (with `instrument`) the place an included instrument goes."""

    id: ItemId
    title: str | None = None
    description: str | None = None
    show_if: Condition | None = None
    items: list[Item] = Field(default_factory=list)
    instrument: Slug | None = Field(
        default=None, description="Insert the sections of an included instrument."
    )

    @model_validator(mode="after")
    def _items_or_instrument(self) -> Section:
        if self.instrument is not None:
            if self.items:
                raise ValueError("a section either includes an instrument or lists items, not both")
        elif not self.items:
            raise ValueError("a section needs items (or 'instrument' to include one)")
        elif self.title is None:
            raise ValueError("a section with items needs a title")
        return self


# ---------------------------------------------------------------------------------------------
# Derived values


class _DerivedBase(Frozen):
    id: ItemId
    title: str
    unit: str | None = None
    source: list[SourceId] = Field(default_factory=list)
    verified: bool = True
    note: str | None = None


class AgeYears(_DerivedBase):
    """Whole years between a date item and the date of the screening."""

    kind: Literal["age_years"]
    date_of_birth: ItemId


class Bmi(_DerivedBase):
    """Body-mass index, kg/m², to one decimal."""

    kind: Literal["bmi"]
    weight_kg: ItemId
    height_cm: ItemId


class Count(_DerivedBase):
    """Rows of a group for which `where` is true (all rows without `where`)."""

    kind: Literal["count"]
    group: ItemId
    where: Condition | None = None


class Test(_DerivedBase):
    """A named condition: true, false or unknown."""

    kind: Literal["condition"]
    when: Condition


class IdealBodyWeight(_DerivedBase):
    """Ideal body weight in kg by the Devine formula; unknown when sex is neither listed male nor female."""

    kind: Literal["ideal_body_weight"]
    formula: Literal["devine"] = "devine"
    sex: ItemId
    height_cm: ItemId
    male: list[Code] = Field(min_length=1)
    female: list[Code] = Field(min_length=1)


class AdjustedBodyWeight(_DerivedBase):
    """Ideal weight plus `factor` times the excess of actual over ideal weight."""

    kind: Literal["adjusted_body_weight"]
    ideal: ItemId
    actual_kg: ItemId
    factor: float = Field(default=0.4, gt=0, lt=1)


Derived = Annotated[
    AgeYears | Bmi | Count | Test | IdealBodyWeight | AdjustedBodyWeight,
    Field(discriminator="kind"),
]

# ---------------------------------------------------------------------------------------------
# Scores


class PointRange(Frozen):
    """Points given when a value lies in [min, max] (either bound may be open)."""

    min: Number | None = None
    max: Number | None = None
    points: Number


class ScoreTerm(Frozen):
    """One addend of a score: an item or derived value, optionally mapped to points.

    A choice item adds its option's score; a boolean adds `if_true` / `if_false`; a number adds
    itself, or the points of the range it falls in when `points` is given.
    """

    item: ItemId | None = None
    derived: ItemId | None = None
    points: list[PointRange] | None = None
    if_true: Number = 1
    if_false: Number = 0

    @model_validator(mode="after")
    def _one_target(self) -> ScoreTerm:
        if (self.item is None) == (self.derived is None):
            raise ValueError("a score term names exactly one of item or derived")
        return self

    @property
    def ref(self) -> str:
        return self.item if self.item is not None else str(self.derived)


class Band(Frozen):
    """A labelled interval of a score, bounds included."""

    min: Number
    max: Number
    label: str
    meaning: str | None = Field(default=None, description="What the band usually calls for.")


class Score(Frozen):
    """A declarative score. `items` is shorthand for a sum of option scores.

    The value is unknown (null) when any input is unknown, or when `requires` is not true.
    Bands must cover the whole possible range with no gap or overlap (the checker proves it).
    """

    id: ItemId
    title: str
    loinc: str | None = None
    items: list[ItemId] | None = None
    terms: list[ScoreTerm] | None = None
    requires: Condition | None = None
    bands: list[Band] = Field(min_length=1)
    source: list[SourceId] = Field(default_factory=list)
    verified: bool = True
    note: str | None = None

    @model_validator(mode="after")
    def _items_or_terms(self) -> Score:
        if (self.items is None) == (self.terms is None):
            raise ValueError("a score has either 'items' (a sum of option scores) or 'terms'")
        return self

    @property
    def all_terms(self) -> list[ScoreTerm]:
        if self.terms is not None:
            return list(self.terms)
        return [ScoreTerm(item=item_id) for item_id in self.items or []]


# ---------------------------------------------------------------------------------------------
# Rules and requirements


class Rule(Frozen):
    """A flag: when `when` is true, the flag fires with its severity, action and source."""

    id: RuleId
    severity: Severity
    title: str = Field(description="A plain statement of what was found.")
    when: Condition
    action: str = Field(description="What the clinic should do.")
    source: list[SourceId] = Field(default_factory=list)
    note: str | None = Field(default=None, description="Where sources disagree, say so here.")
    verified: bool = True
    crisis: bool = Field(default=False, description="Show crisis resources at once when this fires.")


class Requirement(Frozen):
    """A criterion that must be met for the status `candidate` (e.g. TRD criteria)."""

    id: ItemId
    title: str
    when: Condition
    unmet: str = Field(description="What it means when the criterion is not met.")
    source: list[SourceId] = Field(default_factory=list)
    verified: bool = True
    note: str | None = None


# ---------------------------------------------------------------------------------------------
# Plans


class PerKgDose(Frozen):
    """A weight-based dose, shown for actual, ideal and adjusted body weight."""

    kind: Literal["per_kg"]
    mg_per_kg: float = Field(gt=0)
    infusion_minutes: int | None = Field(default=None, gt=0)
    description: str


class OlderAdultDose(Frozen):
    """The doses of a fixed-dose plan from an age on (esketamine at 65 or older in the EU SmPC).

    Numbers or parameters; the age is the screening's `age_years` derived value. While the age
    is unknown, the first dose is given for both age groups, never guessed."""

    from_age: ParamRef | Annotated[int, Field(ge=0)] = Field(
        description="Age in years from which these doses apply, e.g. {param: older_adult_age}."
    )
    first_session_mg: ParamRef | Annotated[float, Field(gt=0)]
    later_session_mg: list[Annotated[float, Field(gt=0)]] | None = Field(
        default=None, min_length=1, description="Later doses at this age; the plan's own when absent."
    )


class FixedDose(Frozen):
    """A fixed dose (e.g. esketamine devices)."""

    kind: Literal["fixed"]
    first_session_mg: float = Field(gt=0)
    later_session_mg: list[float] = Field(min_length=1)
    older_adult: OlderAdultDose | None = None
    description: str


class PlanSession(Frozen):
    day: int = Field(ge=1, description="Day of the course, day 1 being the start date.")
    phase: Slug | None = Field(
        default=None, description="The id of the plan's phase this session belongs to."
    )
    note: str | None = None


class PlanPhase(Frozen):
    """A phase of a plan (induction, weekly, maintenance). Sessions name their phase; a phase with
    no sessions (e.g. maintenance from week 9 on) is described, not dated."""

    id: Slug
    title: str = Field(description="e.g. 'Induction'.")
    weeks: str = Field(description="e.g. '1-4', '9 onward'.")
    frequency: str = Field(description="e.g. 'Twice weekly'.")
    description: str | None = None
    patient_text: str | None = Field(default=None, description="Plain-language version for the handout.")


class PlanStep(Frozen):
    """A step before the first session (e.g. REMS patient enrollment)."""

    title: str
    text: str
    patient_text: str | None = Field(default=None, description="Plain-language version for the handout.")
    source: list[SourceId] = Field(default_factory=list)


class Plan(Frozen):
    """A treatment protocol the psychiatrist can choose."""

    id: Slug
    title: str
    drug: str
    route: str
    regulatory: str = Field(description="Regulatory status, e.g. 'Off-label for depression'.")
    off_label: bool
    dose: Annotated[PerKgDose | FixedDose, Field(discriminator="kind")]
    schedule: str
    phases: list[PlanPhase] = Field(default_factory=list)
    before_first_session: list[PlanStep] = Field(
        default_factory=list, description="Steps before session 1, e.g. REMS patient enrollment."
    )
    sessions: list[PlanSession] = Field(min_length=1)
    before_session: list[str] = Field(default_factory=list)
    monitoring: list[str] = Field(default_factory=list)
    observation: str
    discharge: list[str] = Field(default_factory=list)
    after_session: list[str] = Field(default_factory=list)
    patient_summary: str
    source: list[SourceId] = Field(default_factory=list)
    verified: bool = True
    note: str | None = None


# ---------------------------------------------------------------------------------------------
# Document content


class Evidence(Frozen):
    """A benefit or risk with its figure and source, for the documents."""

    id: ItemId
    kind: Literal["benefit", "risk"]
    plans: list[Slug] = Field(default_factory=list, description="Plans this applies to; empty means all.")
    statement: str
    figure: str | None = None
    patient_text: str | None = Field(default=None, description="Plain-language version for the handout.")
    show_if: Condition | None = Field(
        default=None,
        description="Only for the patients this is true of (e.g. an age group); unknown counts as not.",
    )
    source: list[SourceId] = Field(default_factory=list)
    verified: bool = True
    note: str | None = None


class HandoutBlock(Frozen):
    """A section of the patient handout, in plain language."""

    id: ItemId
    heading: str
    paragraphs: list[str] = Field(default_factory=list)
    bullets: list[str] = Field(default_factory=list)
    plans: list[Slug] = Field(default_factory=list, description="Plans this applies to; empty means all.")
    show_if: Condition | None = None
    emphasis: Literal["normal", "warning", "crisis"] = "normal"
    source: list[SourceId] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Worked examples


class ScoreExpectation(Frozen):
    value: Number | None
    band: str | None = None


class Expectation(Frozen):
    """What a worked example must produce. Only the keys given are checked."""

    status: Status | None = None
    scores: dict[ItemId, Number | ScoreExpectation | None] = Field(default_factory=dict)
    derived: dict[ItemId, Scalar | None] = Field(default_factory=dict)
    flags: list[RuleId] | None = Field(default=None, description="The exact set of flags that fire.")
    flags_include: list[RuleId] = Field(default_factory=list)
    flags_exclude: list[RuleId] = Field(default_factory=list)
    missing: list[str] | None = Field(default=None, description="The exact missing list, in order.")
    missing_include: list[str] = Field(default_factory=list)
    crisis: bool | None = None
    requirements: dict[ItemId, bool | None] = Field(default_factory=dict)
    problems_include: list[str] = Field(default_factory=list)
    review_unmatched: list[RuleId] | None = None
    review_unacknowledged: list[RuleId] | None = None


class Example(Frozen):
    """Answers and what they must produce; `check` runs every example."""

    name: str
    extends: str | None = Field(default=None, description="Start from another example's answers.")
    assessed_on: dt.date | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    unset: list[str] = Field(default_factory=list, description="Answers of the extended example to remove.")
    review: dict[str, Any] | None = None
    expect: Expectation


# ---------------------------------------------------------------------------------------------
# The file


class Questionnaire(Frozen):
    """One questionnaire file: an instrument, or a screening that includes instruments."""

    id: Slug
    kind: Literal["instrument", "screening"]
    version: SemVer
    title: str
    description: str | None = None
    copyright: str | None = None
    loinc: str | None = None
    source: list[SourceId] = Field(default_factory=list)
    includes: list[Slug] = Field(default_factory=list)
    sources: dict[SourceId, Source] = Field(default_factory=dict)
    parameters: dict[ItemId, Parameter] = Field(default_factory=dict)
    choice_sets: dict[ItemId, ChoiceSet] = Field(default_factory=dict)
    sections: list[Section] = Field(min_length=1)
    derived: list[Derived] = Field(default_factory=list)
    scores: list[Score] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    requirements: list[Requirement] = Field(default_factory=list)
    plans: list[Plan] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    handout: list[HandoutBlock] = Field(default_factory=list)
    examples: list[Example] = Field(default_factory=list)

    @model_validator(mode="after")
    def _instruments_do_not_include(self) -> Questionnaire:
        if self.kind == "instrument" and self.includes:
            raise ValueError("an instrument cannot include other questionnaires; make it a screening")
        return self


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the questionnaire format, for editors that check YAML as you type."""
    schema = Questionnaire.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Ketamine screening questionnaire"
    return schema
