"""Validation of answers against a definition.

`validate_answers` never raises. It returns the answers it could accept, converted to their
Python types (dates as `datetime.date`, integers as `int`, repeating groups as lists of dicts),
and one `Problem` per answer it could not accept. Rejected answers are treated as unanswered by
the engine, so nothing downstream ever sees a value of the wrong type.

Problem messages name the item and what was expected; they never repeat the value given, since
answers are patient data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from screening.definition import Definition
from screening.issues import did_you_mean
from screening.items import GroupItem, InvalidAnswer, Option
from screening.model import ChoiceItem, Item, MultiChoiceItem


@dataclass(frozen=True)
class Ref:
    """Where in the answers something is: an item, or a row (1-based) of a repeating group, or a
    field of such a row. Other layers read these parts; they never parse `path` back."""

    item: str
    row: int | None = None
    field: str | None = None

    @property
    def path(self) -> str:
        """`item`, `item[row]` or `item[row].field` (as the assessment JSON prints it)."""
        text = self.item if self.row is None else f"{self.item}[{self.row}]"
        return text if self.field is None else f"{text}.{self.field}"

    def __str__(self) -> str:
        return self.path


@dataclass(frozen=True)
class Problem:
    """An answer that could not be accepted. `item` is the path (an item id or `trials[2].weeks`);
    `ref` the same place in parts."""

    item: str
    message: str
    ref: Ref | None = None

    def __post_init__(self) -> None:
        if self.ref is None:
            object.__setattr__(self, "ref", Ref(self.item))

    @property
    def where(self) -> Ref:
        return self.ref if self.ref is not None else Ref(self.item)

    def __str__(self) -> str:
        return f"{self.item}: {self.message}"


class _Answering:
    """What the item kinds need to validate an answer (`screening.items.Answering`): the options of
    choice items, the date of the screening, and the rows of a group, whose problems are collected
    here with their places."""

    def __init__(
        self, definition: Definition, assessed_on: dt.date | None, path: str, problems: list[Problem]
    ) -> None:
        self.definition = definition
        self.assessed_on = assessed_on
        self.path = path
        self.problems = problems

    def options(self, item: ChoiceItem | MultiChoiceItem) -> list[Option]:
        return self.definition.options(item)

    def option(self, item: ChoiceItem | MultiChoiceItem, code: str) -> Option | None:
        return self.definition.option(item, code)

    def rows(self, group: GroupItem, raw: list[Any]) -> list[dict[str, Any]]:
        return _rows(
            self.definition, group, raw, assessed_on=self.assessed_on, path=self.path, problems=self.problems
        )


def validate_answers(
    definition: Definition, answers: Any, *, assessed_on: dt.date | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """Accepted answers (typed) and the problems of the rest. `None` means unanswered.

    `answers` should be a mapping of item id to answer; anything else is reported, not raised."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    if not isinstance(answers, Mapping):
        return values, [Problem("answers", "must be a mapping of item id to answer")]
    for key, raw in answers.items():
        validate_answer(definition, str(key), raw, assessed_on=assessed_on, values=values, problems=problems)
    return values, problems


def validate_answer(
    definition: Definition,
    item_id: str,
    raw: Any,
    *,
    assessed_on: dt.date | None,
    values: dict[str, Any],
    problems: list[Problem],
) -> None:
    """One answer of `validate_answers`: its value (when it has one) put into `values`, its
    problems appended to `problems`. Depends on nothing but the item, the answer and the date."""
    item = definition.items.get(item_id)
    if item is None:
        problems.append(Problem(item_id, _unknown_item_message(item_id, list(definition.items))))
        return
    if raw is None:
        return
    try:
        value = convert(definition, item, raw, assessed_on=assessed_on, path=item_id, problems=problems)
    except InvalidAnswer as invalid:
        problems.append(Problem(item_id, str(invalid)))
        return
    if value is not None:
        values[item_id] = value


def _unknown_item_message(item_id: str, known: list[str]) -> str:
    hint = did_you_mean(item_id, known, cutoff=0.75)
    return f"unknown item id ({hint})" if hint else "unknown item id"


def convert(
    definition: Definition,
    item: Item,
    raw: Any,
    *,
    assessed_on: dt.date | None,
    path: str,
    problems: list[Problem],
) -> Any:
    """Convert one answer to its type (by its kind) or raise `InvalidAnswer`. Group rows report
    into `problems`."""
    return item.convert(raw, _Answering(definition, assessed_on, path, problems))


def _rows(
    definition: Definition,
    item: GroupItem,
    raw: list[Any],
    *,
    assessed_on: dt.date | None,
    path: str,
    problems: list[Problem],
) -> list[dict[str, Any]]:
    fields = {field.id: field for field in item.fields}
    rows: list[dict[str, Any]] = []
    for index, raw_row in enumerate(raw, start=1):
        row_path = f"{path}[{index}]"
        if not isinstance(raw_row, Mapping):
            problems.append(Problem(row_path, "expected a mapping of field to answer", Ref(path, index)))
            rows.append({})
            continue
        row: dict[str, Any] = {}
        for key, value in raw_row.items():
            field_path = f"{row_path}.{key}"
            where = Ref(path, index, str(key))
            field = fields.get(str(key))
            if field is None:
                problems.append(Problem(field_path, _unknown_field_message(str(key), list(fields)), where))
                continue
            if value is None:
                continue
            try:
                converted = convert(
                    definition, field, value, assessed_on=assessed_on, path=field_path, problems=problems
                )
            except InvalidAnswer as invalid:
                problems.append(Problem(field_path, str(invalid), where))
                continue
            if converted is not None:
                row[field.id] = converted
        rows.append(row)
    return rows


def _unknown_field_message(field_id: str, known: list[str]) -> str:
    hint = did_you_mean(field_id, known)
    return f"unknown field{f' ({hint})' if hint else ''}; fields are {', '.join(known)}"
