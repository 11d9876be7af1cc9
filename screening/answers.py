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
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from screening.definition import Definition
from screening.issues import did_you_mean
from screening.model import (
    BooleanItem,
    ChoiceItem,
    DateItem,
    GroupItem,
    IntegerItem,
    Item,
    MultiChoiceItem,
    NumberItem,
    TextItem,
)


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


class _Invalid(Exception):
    """Raised inside this module only, to reject one value with a message."""


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
        item_id = str(key)
        item = definition.items.get(item_id)
        if item is None:
            problems.append(Problem(item_id, _unknown_item_message(item_id, list(definition.items))))
            continue
        if raw is None:
            continue
        try:
            value = convert(definition, item, raw, assessed_on=assessed_on, path=item_id, problems=problems)
        except _Invalid as invalid:
            problems.append(Problem(item_id, str(invalid)))
            continue
        if value is not None:
            values[item_id] = value
    return values, problems


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
    """Convert one answer to its type or raise `_Invalid`. Group rows report into `problems`."""
    if isinstance(item, TextItem):
        return _text(item, raw)
    if isinstance(item, DateItem):
        return _date(item, raw, assessed_on)
    if isinstance(item, IntegerItem):
        return _integer(item, raw)
    if isinstance(item, NumberItem):
        return _number(item, raw)
    if isinstance(item, BooleanItem):
        if isinstance(raw, bool):
            return raw
        raise _Invalid("expected yes or no (true or false)")
    if isinstance(item, ChoiceItem):
        codes = [option.code for option in definition.options(item)]
        if isinstance(raw, str) and raw in codes:
            return raw
        raise _Invalid(f"not one of the choices ({', '.join(codes)})")
    if isinstance(item, MultiChoiceItem):
        return _multi(definition, item, raw)
    return _group(definition, item, raw, assessed_on=assessed_on, path=path, problems=problems)


def _text(item: TextItem, raw: Any) -> str | None:
    if not isinstance(raw, str):
        raise _Invalid("expected text")
    if not raw.strip():
        return None
    if len(raw) > item.max_length:
        raise _Invalid(f"longer than {item.max_length} characters")
    return raw


def _date(item: DateItem, raw: Any, assessed_on: dt.date | None) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise _Invalid("expected a date without a time (YYYY-MM-DD)")
    if isinstance(raw, dt.date):
        value = raw
    elif isinstance(raw, str):
        try:
            value = dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise _Invalid("expected a date (YYYY-MM-DD)") from None
    else:
        raise _Invalid("expected a date (YYYY-MM-DD)")
    if item.earliest is not None and value < item.earliest:
        raise _Invalid(f"earlier than {item.earliest.isoformat()}")
    if item.not_after_assessment and assessed_on is not None and value > assessed_on:
        raise _Invalid("later than the date of the screening")
    return value


def _finite_number(raw: Any) -> int | float:
    # Text is never taken for a number, even "120": an answer of the wrong type is reported.
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise _Invalid("expected a number")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise _Invalid("expected a finite number")
    return raw


def _check_range(value: float, low: float | None, high: float | None, unit: str | None) -> None:
    suffix = f" {unit}" if unit else ""
    if low is not None and value < low:
        raise _Invalid(f"below the minimum of {low:g}{suffix}")
    if high is not None and value > high:
        raise _Invalid(f"above the maximum of {high:g}{suffix}")


def _integer(item: IntegerItem, raw: Any) -> int:
    value = _finite_number(raw)
    if isinstance(value, float):
        if not value.is_integer():
            raise _Invalid("expected a whole number")
        value = int(value)
    _check_range(value, item.min, item.max, item.unit)
    return value


def _number(item: NumberItem, raw: Any) -> int | float:
    value = _finite_number(raw)
    _check_range(value, item.min, item.max, item.unit)
    return value


def _multi(definition: Definition, item: MultiChoiceItem, raw: Any) -> list[str]:
    options = definition.options(item)
    codes = [option.code for option in options]
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(code, str) for code in raw):
        raise _Invalid("expected a list of choices")
    unknown = [code for code in raw if code not in codes]
    if unknown:
        raise _Invalid(f"not among the choices ({', '.join(codes)})")
    if len(set(raw)) != len(raw):
        raise _Invalid("a choice is given more than once")
    exclusive = {option.code for option in options if option.exclusive}
    chosen_exclusive = [code for code in raw if code in exclusive]
    if chosen_exclusive and len(raw) > 1:
        raise _Invalid(f"'{chosen_exclusive[0]}' cannot be combined with other choices")
    # Keep the options' order so that equal selections compare equal.
    return [code for code in codes if code in raw]


def _group(
    definition: Definition,
    item: GroupItem,
    raw: Any,
    *,
    assessed_on: dt.date | None,
    path: str,
    problems: list[Problem],
) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise _Invalid(f"expected a list of {item.row_label.lower()}s")
    if len(raw) > item.max_rows:
        raise _Invalid(f"more than {item.max_rows} rows")
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
            except _Invalid as invalid:
                problems.append(Problem(field_path, str(invalid), where))
                continue
            if converted is not None:
                row[field.id] = converted
        rows.append(row)
    return rows


def _unknown_field_message(field_id: str, known: list[str]) -> str:
    hint = did_you_mean(field_id, known)
    return f"unknown field{f' ({hint})' if hint else ''}; fields are {', '.join(known)}"
