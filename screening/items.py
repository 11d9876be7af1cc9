"""The item kinds of the questionnaire format, each with its behaviour in one place.

A kind is a frozen pydantic model (its YAML shape) that also says, for every layer:

- `convert`: how an answer is validated and converted to its Python type (`screening.answers`);
- `value_type`: what comparisons, scores and the checker treat its answers as (one of
  `VALUE_TYPES`);
- `widget`: which of the app's generic input widgets draws it (one of `WIDGETS`; `ui.widgets` maps
  each name to its Streamlit renderer);
- `score_value`, `value_label`, `stored_words`, `document_words`: its answers as numbers for
  ordering and scoring, and in words for screens and documents.

A new kind is one class here, added to the `FieldItem` / `Item` unions; every layer then knows it
through these attributes. Choice options are resolved by the caller (`OptionSource`, which the
`Definition` is), since they may name a choice set of the questionnaire.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, Protocol

from pydantic import Field

from screening.conditions import Condition
from screening.issues import did_you_mean
from screening.modelbase import Code, Frozen, ItemId, Number

VALUE_TYPES = ("boolean", "choice", "multi", "number", "date", "text", "group")
"""What an answer is to comparisons and scores; the checker's operator table is keyed by these."""

WIDGETS = ("text", "date", "integer", "number", "boolean", "choice", "multi_choice", "group")
"""The app's generic input widgets; a kind names the one that draws it."""


class InvalidAnswer(ValueError):
    """One answer cannot be accepted. The message names what was expected, never the value."""


BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
"""Invisible characters that change the display order of the text around them (embeddings,
overrides, isolates and direction marks). In an identifier they make what is shown differ from
what is stored: "\u202e1234-NRM" shows as "MRN-4321"."""


def has_direction_controls(text: str) -> bool:
    """Whether `text` holds one of `BIDI_CONTROLS`."""
    return not BIDI_CONTROLS.isdisjoint(text)


def direction_controls_words(name: str) -> str:
    """The refusal of an identifier with a direction-control character, naming the item."""
    return f"The {name} contains an invisible direction-control character; type it again without it."


class OptionSource(Protocol):
    """Where the options of a choice item come from (a `Definition` resolves choice sets)."""

    def options(self, item: ChoiceItem | MultiChoiceItem) -> list[Option]: ...

    def option(self, item: ChoiceItem | MultiChoiceItem, code: str) -> Option | None: ...


class Answering(OptionSource, Protocol):
    """What validating an answer needs besides the item: options, the date of the screening, and
    the validation of a group's rows (whose problems are reported row by row)."""

    @property
    def assessed_on(self) -> dt.date | None: ...

    def rows(self, group: GroupItem, raw: list[Any]) -> list[dict[str, Any]]: ...


class DocumentWording(OptionSource, Protocol):
    """How documents write numbers, an empty answer and a group row (and the options they name)."""

    @property
    def empty(self) -> str: ...

    def number(self, value: int | float, unit: str | None) -> str: ...

    def row(self, group: GroupItem, row: Any) -> str: ...


@dataclass(frozen=True)
class FormatProblem:
    """A problem of an item's own settings: the name of its message (`screening.issues.MESSAGES`),
    where it is below the item, a suggestion, and the message's fields."""

    name: str
    where: tuple[Any, ...]
    hint: str | None = None
    fields: Mapping[str, object] = field(default_factory=dict)


class Option(Frozen):
    """One answer option of a choice item."""

    code: Code
    label: str
    score: Number | None = None
    loinc: str | None = None
    exclusive: bool = Field(
        default=False, description="Multi-choice only: cannot be combined with other codes."
    )


class ChoiceSet(Frozen):
    """Options shared by several items (e.g. the PHQ frequency scale)."""

    options: list[Option] = Field(min_length=1)
    loinc: str | None = Field(default=None, description="LOINC answer list, e.g. LL358-3.")
    note: str | None = None


class ItemKind(Frozen):
    """What every item kind has, and the defaults of its behaviour."""

    value_type: ClassVar[str]
    widget: ClassVar[str]
    whole_numbers: ClassVar[bool] = False
    """Value type "number" only: whether answers are whole numbers."""

    id: ItemId
    text: str = Field(description="The question as asked.")
    label: str | None = Field(default=None, description="A short name for summaries and tables.")
    number: str | None = Field(
        default=None,
        min_length=1,
        max_length=10,
        pattern=r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$",
        description=(
            'The question\'s number as the instrument prints it (e.g. "1", "4b"), shown before '
            'the text as "1. …"; for texts that refer to questions by number.'
        ),
    )
    help: str | None = None
    required: bool = True
    show_if: Condition | None = None
    loinc: str | None = None

    @property
    def name(self) -> str:
        """The short name for summaries: `label`, else the question text."""
        return self.label or self.text

    @property
    def numbered_text(self) -> str:
        """The question as shown and printed: its text after its number ("1. In the past…")."""
        return self.text if self.number is None else f"{self.number}. {self.text}"

    @property
    def unit_words(self) -> str | None:
        """The unit its answers are in, if any."""
        return None

    def convert(self, raw: Any, answering: Answering) -> Any:
        """The answer converted to its Python type; `InvalidAnswer` when it cannot be accepted.
        `None` (for blank text) means unanswered."""
        raise NotImplementedError  # pragma: no cover - every kind defines it

    def score_value(self, value: Any, options: OptionSource) -> Any:
        """The answer as scores and order comparisons use it (a choice gives its option's score)."""
        return value

    @property
    def limits(self) -> tuple[Number | None, Number | None]:
        """The lowest and highest answer allowed, for kinds of the value type "number"."""
        return None, None

    def own_problems(self, choice_sets: Collection[str]) -> list[FormatProblem]:
        """What is wrong with the item's own settings, for the checker (its `show_if` and, for a
        group, each field's own problems are checked by the checker itself)."""
        return []

    def score_bounds(self, options: OptionSource) -> tuple[Number, Number] | None:
        """The lowest and highest points an answer scores as it is, when known (a yes/no answer
        scores what the score term gives true and false)."""
        return None

    def unfinished(self, value: Any) -> bool:
        """An answer given that still leaves the item missing (an empty required selection, a
        group with fewer rows than it needs)."""
        return False

    def value_label(self, value: Any, options: OptionSource) -> str | None:
        """The label the questionnaire gives this value (a yes/no or option label), if any."""
        return None

    def stored_words(self, value: Any, options: OptionSource) -> str:
        """A stored (JSON) answer, not None, in words for the screens."""
        unit = self.unit_words
        return f"{value} {unit}" if unit else str(value)

    def document_words(self, value: Any, wording: DocumentWording, *, scores: bool = False) -> str:
        """An accepted answer, not None, in words for the documents (`scores`: show option points)."""
        return str(value)


class TextItem(ItemKind):
    value_type: ClassVar[str] = "text"
    widget: ClassVar[str] = "text"

    type: Literal["text"]
    max_length: int = Field(default=500, ge=1, le=100_000)
    multiline: bool = False
    identifier: bool = Field(
        default=False,
        description=(
            "An identifier (e.g. a medical record number): answers with an invisible "
            "direction-control character (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), "
            "which would show the identifier in another order than it is stored, are refused."
        ),
    )

    def convert(self, raw: Any, answering: Answering) -> str | None:
        if not isinstance(raw, str):
            raise InvalidAnswer("expected text")
        if not raw.strip():
            return None
        if len(raw) > self.max_length:
            raise InvalidAnswer(f"longer than {self.max_length} characters")
        if self.identifier and has_direction_controls(raw):
            raise InvalidAnswer(direction_controls_words(self.name))
        return raw


class DateItem(ItemKind):
    value_type: ClassVar[str] = "date"
    widget: ClassVar[str] = "date"

    type: Literal["date"]
    not_after_assessment: bool = Field(
        default=False, description="The date cannot be later than the date of the screening."
    )
    earliest: dt.date | None = None

    def convert(self, raw: Any, answering: Answering) -> dt.date:
        if isinstance(raw, dt.datetime):
            raise InvalidAnswer("expected a date without a time (YYYY-MM-DD)")
        if isinstance(raw, dt.date):
            value = raw
        elif isinstance(raw, str):
            try:
                value = dt.date.fromisoformat(raw.strip())
            except ValueError:
                raise InvalidAnswer("expected a date (YYYY-MM-DD)") from None
        else:
            raise InvalidAnswer("expected a date (YYYY-MM-DD)")
        if self.earliest is not None and value < self.earliest:
            raise InvalidAnswer(f"earlier than {self.earliest.isoformat()}")
        assessed_on = answering.assessed_on
        if self.not_after_assessment and assessed_on is not None and value > assessed_on:
            raise InvalidAnswer("later than the date of the screening")
        return value

    def document_words(self, value: Any, wording: DocumentWording, *, scores: bool = False) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)


def _finite_number(raw: Any) -> int | float:
    # Text is never taken for a number, even "120": an answer of the wrong type is reported.
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise InvalidAnswer("expected a number")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise InvalidAnswer("expected a finite number")
    return raw


def _check_range(value: float, low: float | None, high: float | None, unit: str | None) -> None:
    suffix = f" {unit}" if unit else ""
    if low is not None and value < low:
        raise InvalidAnswer(f"below the minimum of {low:g}{suffix}")
    if high is not None and value > high:
        raise InvalidAnswer(f"above the maximum of {high:g}{suffix}")


class _Measured(ItemKind):
    """A number with an optional unit and range."""

    value_type: ClassVar[str] = "number"

    def own_problems(self, choice_sets: Collection[str]) -> list[FormatProblem]:
        low, high = self.limits
        if low is not None and high is not None and low > high:
            return [FormatProblem("min-above-max", ("min",), fields={"item": self.id})]
        return []

    def score_bounds(self, options: OptionSource) -> tuple[Number, Number] | None:
        low, high = self.limits
        return None if low is None or high is None else (low, high)

    def document_words(self, value: Any, wording: DocumentWording, *, scores: bool = False) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return wording.number(value, self.unit_words)
        return str(value)


class IntegerItem(_Measured):
    widget: ClassVar[str] = "integer"
    whole_numbers: ClassVar[bool] = True

    type: Literal["integer"]
    unit: str | None = None
    min: int | None = None
    max: int | None = None

    @property
    def unit_words(self) -> str | None:
        return self.unit

    @property
    def limits(self) -> tuple[Number | None, Number | None]:
        return self.min, self.max

    def convert(self, raw: Any, answering: Answering) -> int:
        value = _finite_number(raw)
        if isinstance(value, float):
            if not value.is_integer():
                raise InvalidAnswer("expected a whole number")
            value = int(value)
        _check_range(value, self.min, self.max, self.unit)
        return value


class NumberItem(_Measured):
    widget: ClassVar[str] = "number"

    type: Literal["number"]
    unit: str | None = None
    min: Number | None = None
    max: Number | None = None

    @property
    def unit_words(self) -> str | None:
        return self.unit

    @property
    def limits(self) -> tuple[Number | None, Number | None]:
        return self.min, self.max

    def convert(self, raw: Any, answering: Answering) -> int | float:
        value = _finite_number(raw)
        _check_range(value, self.min, self.max, self.unit)
        return value


class BooleanItem(ItemKind):
    value_type: ClassVar[str] = "boolean"
    widget: ClassVar[str] = "boolean"

    type: Literal["boolean"]
    yes_label: str = "Yes"
    no_label: str = "No"

    def convert(self, raw: Any, answering: Answering) -> bool:
        if isinstance(raw, bool):
            return raw
        raise InvalidAnswer("expected yes or no (true or false)")

    def value_label(self, value: Any, options: OptionSource) -> str | None:
        if isinstance(value, bool):
            return self.yes_label if value else self.no_label
        return None

    def stored_words(self, value: Any, options: OptionSource) -> str:
        label = self.value_label(value, options)
        return super().stored_words(value, options) if label is None else label

    def document_words(self, value: Any, wording: DocumentWording, *, scores: bool = False) -> str:
        label = self.value_label(value, wording)
        return str(value) if label is None else label


def _option_label(options: OptionSource, item: ChoiceItem | MultiChoiceItem, code: Any) -> str | None:
    option = options.option(item, code) if isinstance(code, str) else None
    return option.label if option else None


def _options_problems(options: str | list[Option], choice_sets: Collection[str]) -> list[FormatProblem]:
    """A choice-set name that names none, or option codes given twice."""
    if isinstance(options, str):
        if options in choice_sets:
            return []
        hint = did_you_mean(options, list(choice_sets))
        return [FormatProblem("unknown-choice-set", ("options",), hint, {"ref": options})]
    problems: list[FormatProblem] = []
    seen: set[str] = set()
    for index, option in enumerate(options):
        if option.code in seen:
            problems.append(
                FormatProblem("duplicate-option", ("options", index, "code"), fields={"ref": option.code})
            )
        seen.add(option.code)
    return problems


def _codes_words(options: OptionSource, item: ChoiceItem | MultiChoiceItem, value: Any) -> str:
    """One code or a list of codes as their labels (a code without an option as it is)."""
    codes = value if isinstance(value, list) else [value]
    labels = [_option_label(options, item, str(code)) for code in codes]
    return ", ".join(str(code) if label is None else label for code, label in zip(codes, labels, strict=True))


class ChoiceItem(ItemKind):
    value_type: ClassVar[str] = "choice"
    widget: ClassVar[str] = "choice"

    type: Literal["choice"]
    options: ItemId | list[Option] = Field(description="A choice-set name or a list of options.")

    def convert(self, raw: Any, answering: Answering) -> str:
        codes = [option.code for option in answering.options(self)]
        if isinstance(raw, str) and raw in codes:
            return raw
        raise InvalidAnswer(f"not one of the choices ({', '.join(codes)})")

    def value_label(self, value: Any, options: OptionSource) -> str | None:
        return _option_label(options, self, value)

    def own_problems(self, choice_sets: Collection[str]) -> list[FormatProblem]:
        return _options_problems(self.options, choice_sets)

    def stored_words(self, value: Any, options: OptionSource) -> str:
        return _codes_words(options, self, value)

    def score_value(self, value: Any, options: OptionSource) -> Any:
        option = options.option(self, value) if isinstance(value, str) else None
        return option.score if option else None

    def score_bounds(self, options: OptionSource) -> tuple[Number, Number] | None:
        scores = [option.score for option in options.options(self) if option.score is not None]
        return (min(scores), max(scores)) if scores else None

    def document_words(self, value: Any, wording: DocumentWording, *, scores: bool = False) -> str:
        option = wording.option(self, value) if isinstance(value, str) else None
        if option is None:
            return str(value)
        if scores and option.score is not None:
            return f"{option.label} ({wording.number(option.score, None)})"
        return option.label


class MultiChoiceItem(ItemKind):
    value_type: ClassVar[str] = "multi"
    widget: ClassVar[str] = "multi_choice"

    type: Literal["multi_choice"]
    options: ItemId | list[Option]

    def convert(self, raw: Any, answering: Answering) -> list[str]:
        options = answering.options(self)
        codes = [option.code for option in options]
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not all(isinstance(code, str) for code in raw):
            raise InvalidAnswer("expected a list of choices")
        unknown = [code for code in raw if code not in codes]
        if unknown:
            raise InvalidAnswer(f"not among the choices ({', '.join(codes)})")
        if len(set(raw)) != len(raw):
            raise InvalidAnswer("a choice is given more than once")
        exclusive = {option.code for option in options if option.exclusive}
        chosen_exclusive = [code for code in raw if code in exclusive]
        if chosen_exclusive and len(raw) > 1:
            raise InvalidAnswer(f"'{chosen_exclusive[0]}' cannot be combined with other choices")
        # Keep the options' order so that equal selections compare equal.
        return [code for code in codes if code in raw]

    def unfinished(self, value: Any) -> bool:
        return self.required and not value

    def value_label(self, value: Any, options: OptionSource) -> str | None:
        return _option_label(options, self, value)

    def own_problems(self, choice_sets: Collection[str]) -> list[FormatProblem]:
        return _options_problems(self.options, choice_sets)

    def stored_words(self, value: Any, options: OptionSource) -> str:
        return _codes_words(options, self, value)

    def document_words(self, value: Any, wording: DocumentWording, *, scores: bool = False) -> str:
        if not isinstance(value, list):
            return str(value)
        labels = [_option_label(wording, self, code) for code in value]
        words = [code if label is None else label for code, label in zip(value, labels, strict=True)]
        return ", ".join(words) if words else wording.empty


FieldItem = Annotated[
    TextItem | DateItem | IntegerItem | NumberItem | BooleanItem | ChoiceItem,
    Field(discriminator="type"),
]


class GroupItem(ItemKind):
    """A repeating group: a list of rows, each with the same fields (e.g. antidepressant trials)."""

    value_type: ClassVar[str] = "group"
    widget: ClassVar[str] = "group"

    type: Literal["group"]
    fields: list[FieldItem] = Field(min_length=1)
    min_rows: int = Field(default=0, ge=0)
    max_rows: int = Field(default=50, ge=1)
    row_label: str = "Row"

    def convert(self, raw: Any, answering: Answering) -> list[dict[str, Any]]:
        if not isinstance(raw, list):
            raise InvalidAnswer(f"expected a list of {self.row_label.lower()}s")
        if len(raw) > self.max_rows:
            raise InvalidAnswer(f"more than {self.max_rows} rows")
        return answering.rows(self, raw)

    def unfinished(self, value: Any) -> bool:
        return isinstance(value, list) and len(value) < self.min_rows

    def own_problems(self, choice_sets: Collection[str]) -> list[FormatProblem]:
        problems: list[FormatProblem] = []
        if self.min_rows > self.max_rows:
            problems.append(FormatProblem("min-rows-above-max-rows", ("min_rows",), fields={"item": self.id}))
        seen: set[str] = set()
        for index, member in enumerate(self.fields):
            if member.id in seen:
                problems.append(
                    FormatProblem("duplicate-field", ("fields", index, "id"), fields={"ref": member.id})
                )
            seen.add(member.id)
            if member.show_if is not None:
                problems.append(
                    FormatProblem(
                        "condition-in-group", ("fields", index, "show_if"), fields={"field": member.id}
                    )
                )
        return problems

    def stored_words(self, value: Any, options: OptionSource) -> str:
        if isinstance(value, list):
            return f"{len(value)} {self.row_label.lower()}{'s' if len(value) != 1 else ''}"
        return super().stored_words(value, options)

    def document_words(self, value: Any, wording: DocumentWording, *, scores: bool = False) -> str:
        if not isinstance(value, list):
            return str(value)
        if not value:
            return "None listed"
        return "\n".join(
            f"{self.row_label} {number}: {wording.row(self, row)}"
            for number, row in enumerate(value, start=1)
        )


Item = Annotated[
    TextItem | DateItem | IntegerItem | NumberItem | BooleanItem | ChoiceItem | MultiChoiceItem | GroupItem,
    Field(discriminator="type"),
]
ScalarItem = TextItem | DateItem | IntegerItem | NumberItem | BooleanItem | ChoiceItem

ITEM_KINDS: tuple[type[ItemKind], ...] = (
    TextItem,
    DateItem,
    IntegerItem,
    NumberItem,
    BooleanItem,
    ChoiceItem,
    MultiChoiceItem,
    GroupItem,
)
"""Every kind, in the order of the `Item` union."""
