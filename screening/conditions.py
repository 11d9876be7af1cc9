"""Conditions: the structured predicates of the questionnaire format.

A condition is `all` / `any` / `not` over other conditions, `answered`, or a comparison of one
item, score, derived value or group-row field with one operator of `screening.operators`. Nothing
here is code: `screening.evaluator` evaluates conditions with three-valued logic, and the checker
(`screening.checker`) resolves the ids they name.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Discriminator, Field, PrivateAttr, Tag, create_model, model_validator

from screening.modelbase import Code, Frozen, ItemId
from screening.operators import OPERATORS, OperandKind, keys_in_words


class ParamRef(Frozen):
    """A reference to a named parameter of the questionnaire, e.g. `{param: bp_absolute_systolic}`."""

    param: ItemId


Scalar = bool | int | float | dt.date | str
Operand = ParamRef | Scalar
NumberOperand = ParamRef | int | float | str
"""Order comparisons take a number, a parameter, or (for choice items) an option code whose score is used."""


OPERAND_TYPES: dict[OperandKind, Any] = {
    "value": Operand,
    "values": list[Scalar] | ParamRef,
    "number": NumberOperand,
    "code": Code,
    "label": str,
}
"""The type of each kind of operand (`screening.operators.OperandKind`)."""

TARGET_KEYS = ("item", "score", "derived", "field")


class _CompareTarget(Frozen):
    item: ItemId | None = None
    score: ItemId | None = None
    derived: ItemId | None = None
    field: ItemId | None = None


# One optional key per operator of `screening.operators.OPERATORS`, in its order, after the
# targets: a new operator needs no change here.
if TYPE_CHECKING:
    _CompareFields = _CompareTarget
else:
    _CompareFields = create_model(
        "_CompareFields",
        __base__=_CompareTarget,
        __module__=__name__,
        **{
            entry.attribute: (
                OPERAND_TYPES[entry.operand] | None,
                Field(default=None, alias=entry.key) if entry.attribute != entry.key else None,
            )
            for entry in OPERATORS.values()
        },
    )


class Compare(_CompareFields):
    """A comparison on one item, score, derived value, or (inside a count) a field of a group row.

    Exactly one target (`item`, `score`, `derived`, `field`) and exactly one operator.
    Unanswered, hidden or uncomputable targets make the comparison *unknown*.
    """

    # Worked out once at validation: the engine asks for them on every evaluation.
    _target: tuple[str, str] = PrivateAttr()
    _operator: tuple[str, Any] = PrivateAttr()

    @model_validator(mode="after")
    def _one_target_one_operator(self) -> Compare:
        targets = [name for name in TARGET_KEYS if getattr(self, name) is not None]
        if len(targets) != 1:
            raise ValueError(
                "a comparison names exactly one of item, score, derived or field"
                + (f" (found {', '.join(targets)})" if targets else "")
            )
        given = [entry for entry in OPERATORS.values() if entry.attribute in self.model_fields_set]
        if len(given) != 1:
            raise ValueError(
                f"a comparison has exactly one operator: {keys_in_words()}"
                + (f" (found {', '.join(entry.key for entry in given)})" if given else "")
            )
        operator = given[0]
        operand = getattr(self, operator.attribute)
        if operator.reads == "band" and operand is not None and self.score is None:
            raise ValueError(f"'{operator.key}' compares the band label of a score: use it with 'score'")
        self._target = (targets[0], getattr(self, targets[0]))
        self._operator = (operator.key, operand)
        return self

    @property
    def target(self) -> tuple[str, str]:
        """(kind, id) of what is compared: kind is item, score, derived or field."""
        # read from pydantic's store of private attributes directly: `self._target` first fails
        # the ordinary lookup and then goes through `BaseModel.__getattr__`, on every evaluation
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]  # set by the validator
        return private["_target"]  # type: ignore[no-any-return]  # a tuple, as the validator set it

    @property
    def operator(self) -> tuple[str, Any]:
        """(operator key as written in YAML, operand)."""
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]  # set by the validator
        return private["_operator"]  # type: ignore[no-any-return]  # a tuple, as the validator set it


class Answered(Frozen):
    """True when the item is shown and answered; never unknown."""

    answered: ItemId


class AllOf(Frozen):
    """True when every condition is true; false when any is false; otherwise unknown."""

    all: list[Condition] = Field(min_length=1)


class AnyOf(Frozen):
    """True when any condition is true; false when every one is false; otherwise unknown."""

    any: list[Condition] = Field(min_length=1)


class NotOf(Frozen):
    """The negation; unknown stays unknown."""

    not_: Condition = Field(alias="not")


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("all", "any", "not", "answered"):
            if key in value:
                return key
        return "compare"
    return _CONDITION_TAGS.get(type(value))


_CONDITION_TAGS: dict[type, str] = {}

Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Answered, Tag("answered")]
    | Annotated[Compare, Tag("compare")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message=(
            "a condition is a mapping: all / any / not / answered, or item / score / derived / field"
            " with one operator"
        ),
    ),
]

_CONDITION_TAGS.update({AllOf: "all", AnyOf: "any", NotOf: "not", Answered: "answered", Compare: "compare"})
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()
