"""What the FHIR R4 Questionnaire and Bundle exports share: code systems, the canonical URL of a
questionnaire, answer codes, linkIds, and the JSON text written.

The same option is coded the same way in a Questionnaire's `answerOption`, in its `enableWhen` and
in a QuestionnaireResponse's answers, and an item has the same linkId in both resources.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from screening.definition import Definition
from screening.model import GroupItem, Option

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
URN = "urn:ketamine-screening"
"""The prefix of the systems and canonical URLs this export writes for its own codes."""


def questionnaire_url(questionnaire_id: str) -> str:
    """The canonical URL of a questionnaire's FHIR Questionnaire."""
    return f"{URN}:questionnaire:{questionnaire_id}"


def code_system(part_id: str, item_path: str) -> str:
    """The system of an item's own answer codes (`item_path` is `item` or `group.field`)."""
    return f"{URN}:{part_id}:{item_path}"


def option_coding(option: Option, system: str) -> dict[str, Any]:
    """An option as a Coding: its LOINC answer code where it has one, else its own code."""
    if option.loinc:
        return {"system": LOINC, "code": option.loinc, "display": option.label}
    return {"system": system, "code": option.code, "display": option.label}


def link_ids(definition: Definition) -> dict[str, str]:
    """The linkId of every item path (`item`, or `group.field` for a group's field): the item or
    field id, or the path for a field whose id is used elsewhere (linkIds are unique)."""
    groups = [item for item in definition.items.values() if isinstance(item, GroupItem)]
    used = Counter([*definition.items, *(member.id for group in groups for member in group.fields)])
    result = {item_id: item_id for item_id in definition.items}
    for group in groups:
        for member in group.fields:
            path = f"{group.id}.{member.id}"
            result[path] = member.id if used[member.id] == 1 else path
    return result


def to_json(resource: Mapping[str, Any]) -> str:
    """A resource as the JSON text this export writes (the same resource gives the same text)."""
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


def is_number(value: Any) -> bool:
    """Whether a value is a number (a boolean is not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)
