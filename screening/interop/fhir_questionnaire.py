"""FHIR R4 export of a questionnaire definition as a Questionnaire.

`questionnaire_resource` gives one item per item of the definition (in order, flat), LOINC codes,
answer options, and `show_if` as `enableWhen` where FHIR can say it; what it cannot say is
returned as one line per item, and that item gets no `enableWhen`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from screening.conditions import AllOf, Answered, AnyOf, Compare, Condition, NotOf, ParamRef
from screening.definition import Definition
from screening.interop.fhir_common import (
    LOINC,
    UCUM,
    code_system,
    is_number,
    link_ids,
    option_coding,
    questionnaire_url,
)
from screening.model import ChoiceItem, GroupItem, Item, MultiChoiceItem, Option, TextItem
from screening.operators import OPERATORS

_EXTENSION = "http://hl7.org/fhir/StructureDefinition"

FHIR_ITEM_TYPES: Mapping[str, str] = {
    "text": "string",
    "date": "date",
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "choice": "choice",
    "multi_choice": "choice",
    "group": "group",
}
"""The FHIR `Questionnaire.item.type` of each item kind (by the kind's `type`); a multi-line text
item is `text`."""

UCUM_UNITS: Mapping[str, str] = {
    "kg": "kg",
    "cm": "cm",
    "mmHg": "mm[Hg]",
    "bpm": "/min",
    "%": "%",
    "kg/m²": "kg/m2",
    "weeks": "wk",
    "months": "mo",
    "years": "a",
}
"""The UCUM code of each unit as questionnaires write it."""


def _fhir_id(text: str) -> str:
    """A FHIR id (letters, digits, '-' and '.', at most 64) from a questionnaire id."""
    cleaned = "".join(char if char.isalnum() or char in "-." else "-" for char in text)
    return cleaned[:64] or "questionnaire"


def questionnaire_resource(definition: Definition) -> tuple[dict[str, Any], list[str]]:
    """The definition as a FHIR R4 Questionnaire, and one line per item whose `show_if` could not
    be written as `enableWhen` (that item is then always enabled)."""
    questionnaire = definition.questionnaire
    not_expressed: list[str] = []
    items: list[dict[str, Any]] = []
    links = link_ids(definition)
    for item_id, item in definition.items.items():
        view = definition.item_section[item_id]
        entry = _question(definition, links, item, view.origin, item_id)
        conditions = [c for c in (view.section.show_if, item.show_if) if c is not None]
        if conditions:
            when = _combine(definition, conditions, "all")
            if isinstance(when, str):
                not_expressed.append(f"{item_id}: show_if is not exported as enableWhen: {when}")
            else:
                clauses, behavior = when
                entry["enableWhen"] = clauses
                if len(clauses) > 1:
                    entry["enableBehavior"] = behavior or "all"
        items.append(entry)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": _fhir_id(questionnaire.id),
        "url": questionnaire_url(questionnaire.id),
        "version": questionnaire.version,
        "title": questionnaire.title,
        "status": "active",
    }
    if questionnaire.description:
        resource["description"] = questionnaire.description
    if questionnaire.copyright:
        resource["copyright"] = questionnaire.copyright
    if questionnaire.loinc:
        resource["code"] = [{"system": LOINC, "code": questionnaire.loinc}]
    resource["item"] = items
    return resource, not_expressed


def _question(
    definition: Definition, links: Mapping[str, str], item: Item, part_id: str, path: str
) -> dict[str, Any]:
    kind = item.type
    entry: dict[str, Any] = {"linkId": links.get(path, path), "text": item.text}
    extensions = _extensions(item)
    if extensions:
        entry["extension"] = extensions
    if item.loinc:
        entry["code"] = [{"system": LOINC, "code": item.loinc}]
    entry["type"] = "text" if isinstance(item, TextItem) and item.multiline else FHIR_ITEM_TYPES[kind]
    if isinstance(item, GroupItem):
        entry["required"] = item.required and item.min_rows > 0
        entry["repeats"] = True
        entry["item"] = [
            _question(definition, links, member, part_id, f"{item.id}.{member.id}") for member in item.fields
        ]
        return entry
    entry["required"] = item.required
    if isinstance(item, MultiChoiceItem):
        entry["repeats"] = True
    if isinstance(item, TextItem):
        entry["maxLength"] = item.max_length
    if isinstance(item, (ChoiceItem, MultiChoiceItem)):
        system = code_system(part_id, path)
        entry["answerOption"] = [_answer_option(option, system) for option in definition.options(item)]
    return entry


def _answer_option(option: Option, system: str) -> dict[str, Any]:
    result: dict[str, Any] = {"valueCoding": option_coding(option, system)}
    if option.exclusive:
        result["extension"] = [{"url": f"{_EXTENSION}/questionnaire-optionExclusive", "valueBoolean": True}]
    return result


def _extensions(item: Item) -> list[dict[str, Any]]:
    """Range, unit, rows and help text as the core Questionnaire extensions."""
    result: list[dict[str, Any]] = []
    low, high = item.limits
    value_key = "valueInteger" if item.whole_numbers else "valueDecimal"
    if low is not None:
        result.append({"url": f"{_EXTENSION}/minValue", value_key: low})
    if high is not None:
        result.append({"url": f"{_EXTENSION}/maxValue", value_key: high})
    unit = item.unit_words
    if unit:
        coding = {"system": UCUM, "code": UCUM_UNITS[unit], "display": unit} if unit in UCUM_UNITS else None
        result.append({"url": f"{_EXTENSION}/questionnaire-unit", "valueCoding": coding or {"display": unit}})
    if isinstance(item, GroupItem):
        if item.min_rows > 0:
            result.append({"url": f"{_EXTENSION}/questionnaire-minOccurs", "valueInteger": item.min_rows})
        result.append({"url": f"{_EXTENSION}/questionnaire-maxOccurs", "valueInteger": item.max_rows})
    return result


# ---------------------------------------------------------------------------------------------
# show_if as enableWhen

_When = tuple[list[dict[str, Any]], str | None]
"""enableWhen clauses and the behaviour they need (None: a single clause, or either would do)."""


def _combine(definition: Definition, conditions: list[Condition], behavior: str) -> _When | str:
    """Several conditions joined by `behavior` (all / any), or why FHIR cannot say it."""
    clauses: list[dict[str, Any]] = []
    for condition in conditions:
        when = _enable_when(definition, condition)
        if isinstance(when, str):
            return when
        inner, inner_behavior = when
        if inner_behavior not in (None, behavior) and len(conditions) > 1:
            return f"it mixes '{inner_behavior}' inside '{behavior}', and an item has one enableBehavior"
        clauses.extend(inner)
        if len(conditions) == 1:
            return clauses, inner_behavior
    return clauses, behavior if len(clauses) > 1 else None


def _enable_when(definition: Definition, condition: Condition) -> _When | str:
    if isinstance(condition, AllOf):
        return _combine(definition, condition.all, "all")
    if isinstance(condition, AnyOf):
        return _combine(definition, condition.any, "any")
    if isinstance(condition, NotOf):
        return "'not' has no enableWhen form"
    if isinstance(condition, Answered):
        return [{"question": condition.answered, "operator": "exists", "answerBoolean": True}], None
    return _comparison(definition, condition)


def _comparison(definition: Definition, condition: Compare) -> _When | str:
    kind, ref = condition.target
    key, operand = condition.operator
    operator = OPERATORS[key]
    if operator.fhir.syntax is None:
        return operator.fhir.note
    if kind != "item":
        return f"it compares the {kind} '{ref}', and enableWhen reads answers only"
    target = definition.items.get(ref)
    if target is None or isinstance(target, GroupItem):
        return f"'{ref}' is not a question enableWhen can read"
    if operator.ordering and target.value_type not in {"number", "date"}:
        return f"'{key}' on '{ref}' compares option scores; {operator.fhir.note}"
    if isinstance(operand, ParamRef):
        parameter = definition.parameters.get(operand.param)
        if parameter is None:
            return f"the parameter '{operand.param}' is not defined"
        operand = parameter.value
    values = operand if operator.takes_list and isinstance(operand, list) else [operand]
    clauses: list[dict[str, Any]] = []
    for value in values:
        answer = _enable_answer(definition, target, value)
        if answer is None:
            return f"the value compared with '{ref}' does not fit the question"
        clauses.append({"question": ref, "operator": operator.fhir.syntax, **answer})
    return clauses, operator.fhir.each if len(clauses) > 1 else None


def _enable_answer(definition: Definition, target: Item, value: Any) -> dict[str, Any] | None:
    """The `answer[x]` of an enableWhen comparing `target` with `value`, or None."""
    if isinstance(target, (ChoiceItem, MultiChoiceItem)):
        option = definition.option(target, value) if isinstance(value, str) else None
        if option is None:
            return None
        part = definition.item_section[target.id].origin
        return {"answerCoding": option_coding(option, code_system(part, target.id))}
    if target.value_type == "boolean":
        return {"answerBoolean": value} if isinstance(value, bool) else None
    if target.value_type == "number":
        return _number_answer(value, whole=target.whole_numbers)
    if target.value_type == "date":
        return _date_answer(value)
    return {"answerString": value} if isinstance(value, str) else None


def _number_answer(value: Any, *, whole: bool) -> dict[str, Any] | None:
    if not is_number(value):
        return None
    if whole and float(value).is_integer():
        return {"answerInteger": int(value)}
    return {"answerDecimal": value}


def _date_answer(value: Any) -> dict[str, Any] | None:
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        return None
    return {"answerDate": day.isoformat()}
