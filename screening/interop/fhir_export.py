"""FHIR R4 export: a screening as a Bundle, a questionnaire definition as a Questionnaire.

Both are plain JSON-ready dicts. Nothing is computed here: answers are the accepted answers of
items that are asked, and scores, bands, derived values and fired rules are the `Assessment`'s.

* `screening_bundle` gives a Bundle of type `collection`: the Patient (name, MRN, birth date,
  gender where sex at birth maps to it cleanly), one QuestionnaireResponse per part of the
  definition (the screening and each instrument it includes; items by linkId = item id, group
  rows as repeated nested items), the Observations of `MEASURES` and the blood pressure panel
  (LOINC codes, UCUM units), and a Flag per fired rule. Resource ids are UUIDs derived from the
  screening id (or, without one, from the questionnaire hash, the date and the answers), so the
  same input and `generated_at` give the same bytes.
* `questionnaire_resource` gives a Questionnaire with one item per item of the definition (in
  order, flat), LOINC codes, answer options, and `show_if` as `enableWhen` where FHIR can say
  it; what it cannot say is returned as one line per item, and that item gets no `enableWhen`.

The Bundle is built here; the Questionnaire in `fhir_questionnaire`, and the codes, linkIds and
JSON text both use in `fhir_common`. This module is the one to import from: it re-exports both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from screening.answers import validate_answers
from screening.assessment import Assessment, FlagResult
from screening.definition import Definition
from screening.interop.fhir_common import (
    LOINC,
    UCUM,
    URN,
    code_system,
    is_number,
    link_ids,
    option_coding,
    questionnaire_url,
    to_json,
)
from screening.interop.fhir_questionnaire import FHIR_ITEM_TYPES, UCUM_UNITS, questionnaire_resource
from screening.model import ChoiceItem, GroupItem, Item, MultiChoiceItem, ScalarItem

__all__ = [
    "ANSWER_KEYS",
    "BLOOD_PRESSURE",
    "BLOOD_PRESSURE_PANEL",
    "FHIR_ITEM_TYPES",
    "GENDERS",
    "IDENTIFIER_TYPE",
    "LOINC",
    "MEASURES",
    "OBSERVATION_CATEGORY",
    "PATIENT_ITEMS",
    "SCREENING_SYSTEM",
    "SEVERITY_SYSTEM",
    "SEVERITY_WORDS",
    "UCUM",
    "UCUM_UNITS",
    "URN",
    "Measure",
    "code_system",
    "link_ids",
    "option_coding",
    "questionnaire_resource",
    "questionnaire_url",
    "screening_bundle",
    "to_json",
]

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
SEVERITY_SYSTEM = f"{URN}:rule-severity"
SCREENING_SYSTEM = f"{URN}:screening"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, URN)

ANSWER_KEYS: Mapping[str, str] = {
    "text": "valueString",
    "date": "valueDate",
    "integer": "valueInteger",
    "number": "valueDecimal",
    "boolean": "valueBoolean",
    "choice": "valueCoding",
    "multi_choice": "valueCoding",
}
"""The `QuestionnaireResponse` answer element of each item kind (a group has nested items)."""

PATIENT_ITEMS: Mapping[str, str] = {
    "name": "patient_name",
    "mrn": "mrn",
    "birth_date": "date_of_birth",
    "sex": "sex_at_birth",
}
"""The items the Patient resource is built from."""

GENDERS: Mapping[str, str] = {"female": "female", "male": "male", "unknown": "unknown"}
"""Sex-at-birth codes that map cleanly to FHIR administrative gender (intersex does not)."""

SEVERITY_WORDS: Mapping[str, str] = {
    "absolute": "Absolute contraindication",
    "relative": "Relative contraindication",
    "caution": "Caution",
    "info": "Information",
}


@dataclass(frozen=True)
class Measure:
    """One Observation: its LOINC code, where its value comes from (an item, derived value or
    score id), the unit the questionnaire must write for it, and its UCUM unit (None: a coded
    answer)."""

    loinc: str
    source: Literal["item", "derived", "score"]
    ref: str
    unit: str | None
    ucum: str | None
    category: Literal["vital-signs", "survey"]


MEASURES: tuple[Measure, ...] = (
    Measure("44261-6", "score", "phq9_total", None, "{score}", "survey"),
    Measure("70274-6", "score", "gad7_total", None, "{score}", "survey"),
    Measure("44260-8", "item", "phq9_9", None, None, "survey"),
    Measure("8867-4", "item", "heart_rate", "bpm", "/min", "vital-signs"),
    Measure("59408-5", "item", "spo2", "%", "%", "vital-signs"),
    Measure("29463-7", "item", "weight_kg", "kg", "kg", "vital-signs"),
    Measure("8302-2", "item", "height_cm", "cm", "cm", "vital-signs"),
    Measure("39156-5", "derived", "bmi", "kg/m²", "kg/m2", "vital-signs"),
)
"""The Observations exported, each only when its value is known."""

BLOOD_PRESSURE_PANEL = "85354-9"
BLOOD_PRESSURE: tuple[Measure, ...] = (
    Measure("8480-6", "item", "systolic_bp", "mmHg", "mm[Hg]", "vital-signs"),
    Measure("8462-4", "item", "diastolic_bp", "mmHg", "mm[Hg]", "vital-signs"),
)
"""The components of the blood pressure panel (the panel is exported when either is known)."""


# ---------------------------------------------------------------------------------------------
# The Bundle


@dataclass(frozen=True)
class _Ids:
    """Deterministic resource ids: UUIDs from one key and the resource's role."""

    key: str

    def __call__(self, role: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.key}/{role}"))

    def ref(self, role: str) -> dict[str, str]:
        return {"reference": f"urn:uuid:{self(role)}"}


def _instant(moment: dt.datetime) -> str:
    """An ISO instant with its zone (a naive time is UTC)."""
    aware = moment if moment.utcoffset() is not None else moment.replace(tzinfo=dt.UTC)
    return aware.isoformat()


def screening_bundle(
    definition: Definition,
    assessment: Assessment,
    *,
    answers: Mapping[str, Any],
    assessed_on: dt.date | None,
    review: Mapping[str, Any] | None,
    generated_at: dt.datetime,
    screening_id: str | None = None,
) -> dict[str, Any]:
    """The screening as a FHIR R4 Bundle of type `collection` (see the module's description)."""
    accepted, _problems = validate_answers(definition, answers, assessed_on=assessed_on)
    values = {
        item_id: value
        for item_id, value in accepted.items()
        if (state := assessment.items.get(item_id)) is not None and state.shown
    }
    if screening_id is not None:
        key = f"screening/{screening_id}"
    else:
        content = {"questionnaire": definition.sha256, "assessed_on": str(assessed_on), "answers": answers}
        key = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    ids = _Ids(key)
    context = _Context(definition, assessment, values, assessed_on, review or {}, ids, link_ids(definition))
    resources = [
        ("patient", context.patient()),
        *context.responses(),
        *context.observations(),
        *((f"flag/{flag.id}", context.flag(flag)) for flag in assessment.flags),
    ]
    bundle: dict[str, Any] = {"resourceType": "Bundle", "id": ids("bundle")}
    if screening_id is not None:
        bundle["identifier"] = {"system": SCREENING_SYSTEM, "value": screening_id}
    bundle["type"] = "collection"
    bundle["timestamp"] = _instant(generated_at)
    # Each resource starts with its type and id, then the rest in the order written.
    bundle["entry"] = [
        {"fullUrl": f"urn:uuid:{ids(role)}", "resource": {"resourceType": kind, "id": ids(role), **rest}}
        for role, (kind, rest) in ((role, _split(resource)) for role, resource in resources)
    ]
    return bundle


def _split(resource: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return resource["resourceType"], {key: value for key, value in resource.items() if key != "resourceType"}


def _part_items(definition: Definition) -> dict[str, list[Item]]:
    """Each part's top-level items, in order (the screening first, then each instrument)."""
    parts: dict[str, list[Item]] = {part.id: [] for part in definition.parts()}
    for item_id, item in definition.items.items():
        parts.setdefault(definition.item_section[item_id].origin, []).append(item)
    return parts


@dataclass(frozen=True)
class _Context:
    definition: Definition
    assessment: Assessment
    values: Mapping[str, Any]
    assessed_on: dt.date | None
    review: Mapping[str, Any]
    ids: _Ids
    links: Mapping[str, str]

    @property
    def subject(self) -> dict[str, str]:
        return self.ids.ref("patient")

    # ------------------------------------------------------------------ Patient

    def patient(self) -> dict[str, Any]:
        resource: dict[str, Any] = {"resourceType": "Patient"}
        mrn = self.values.get(PATIENT_ITEMS["mrn"])
        if isinstance(mrn, str):
            resource["identifier"] = [
                {"type": {"coding": [{"system": IDENTIFIER_TYPE, "code": "MR"}]}, "value": mrn}
            ]
        name = self.values.get(PATIENT_ITEMS["name"])
        if isinstance(name, str):
            resource["name"] = [{"text": name}]
        sex = self.values.get(PATIENT_ITEMS["sex"])
        if isinstance(sex, str) and sex in GENDERS:
            resource["gender"] = GENDERS[sex]
        born = self.values.get(PATIENT_ITEMS["birth_date"])
        if isinstance(born, dt.date):
            resource["birthDate"] = born.isoformat()
        return resource

    # ------------------------------------------------------------------ QuestionnaireResponses

    def responses(self) -> Iterator[tuple[str, dict[str, Any]]]:
        versions = {part.id: part.version for part in self.definition.parts()}
        signed = bool(self.review.get("signed_at"))
        clinician = self.review.get("clinician")
        for part_id, part_items in _part_items(self.definition).items():
            resource: dict[str, Any] = {
                "resourceType": "QuestionnaireResponse",
                "questionnaire": f"{questionnaire_url(part_id)}|{versions.get(part_id, '')}".rstrip("|"),
                "status": "completed" if signed else "in-progress",
                "subject": self.subject,
            }
            if self.assessed_on is not None:
                resource["authored"] = self.assessed_on.isoformat()
            if isinstance(clinician, str) and clinician.strip():
                resource["author"] = {"display": clinician}
            items = [
                answered
                for item in part_items
                if item.id in self.values
                for answered in self._answered(item, self.values[item.id], part_id, item.id)
            ]
            if items:
                resource["item"] = items
            yield f"response/{part_id}", resource

    def _answered(self, item: Item, value: Any, part_id: str, path: str) -> list[dict[str, Any]]:
        """The response items of one answer: one, or one per group row (none for empty rows)."""
        if isinstance(item, GroupItem):
            rows: list[dict[str, Any]] = []
            for row in value if isinstance(value, list) else []:
                fields = [
                    answered
                    for member in item.fields
                    if member.id in row
                    for answered in self._answered(member, row[member.id], part_id, f"{path}.{member.id}")
                ]
                if fields:
                    rows.append({"linkId": self.links[path], "text": item.text, "item": fields})
            return rows
        answers = self._answers(item, value, code_system(part_id, path))
        return (
            [{"linkId": self.links.get(path, path), "text": item.text, "answer": answers}] if answers else []
        )

    def _answers(self, item: ScalarItem | MultiChoiceItem, value: Any, system: str) -> list[dict[str, Any]]:
        key = ANSWER_KEYS[item.type]
        if isinstance(item, (ChoiceItem, MultiChoiceItem)):
            codes = value if isinstance(value, list) else [value]
            options = [self.definition.option(item, code) for code in codes]
            return [{key: option_coding(option, system)} for option in options if option is not None]
        if isinstance(value, dt.date):
            value = value.isoformat()
        return [{key: value}]

    # ------------------------------------------------------------------ Observations

    def observations(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for measure in MEASURES:
            observation = self._observation(measure)
            if observation is not None:
                yield f"observation/{measure.loinc}", observation
        components = [
            component for measure in BLOOD_PRESSURE if (component := self._component(measure)) is not None
        ]
        if components:
            panel = self._observation_base("vital-signs", BLOOD_PRESSURE_PANEL, "Blood pressure")
            panel["component"] = components
            yield f"observation/{BLOOD_PRESSURE_PANEL}", panel

    def _observation_base(self, category: str, code: str, text: str) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
            "code": {"coding": [{"system": LOINC, "code": code}], "text": text},
            "subject": self.subject,
        }
        if self.assessed_on is not None:
            resource["effectiveDateTime"] = self.assessed_on.isoformat()
        return resource

    def _value(self, measure: Measure) -> tuple[str, dict[str, Any]] | None:
        """The measure's name and the Observation's value element, or None when unknown."""
        if measure.source == "score":
            return self._score_value(measure)
        if measure.source == "derived":
            derived = self.definition.derived.get(measure.ref)
            number = self.assessment.derived.get(measure.ref)
            if derived is None or derived.unit != measure.unit or not is_number(number):
                return None
            return derived.title, {"valueQuantity": _quantity(number, measure)}
        return self._item_value(measure)

    def _score_value(self, measure: Measure) -> tuple[str, dict[str, Any]] | None:
        score = self.assessment.scores.get(measure.ref)
        if score is None or score.value is None:
            return None
        value: dict[str, Any] = {"valueQuantity": _quantity(score.value, measure)}
        if score.band:
            value["interpretation"] = [{"text": score.band}]
        return score.title, value

    def _item_value(self, measure: Measure) -> tuple[str, dict[str, Any]] | None:
        item = self.definition.items.get(measure.ref)
        answer = self.values.get(measure.ref)
        if item is None or answer is None:
            return None
        if isinstance(item, ChoiceItem) and measure.ucum is None:
            option = self.definition.option(item, answer)
            if option is None:
                return None
            part = self.definition.item_section[item.id].origin
            coding = option_coding(option, code_system(part, item.id))
            return item.name, {"valueCodeableConcept": {"coding": [coding], "text": option.label}}
        if item.unit_words != measure.unit or not is_number(answer):
            return None  # a different unit is never exported under this code
        return item.name, {"valueQuantity": _quantity(answer, measure)}

    def _observation(self, measure: Measure) -> dict[str, Any] | None:
        found = self._value(measure)
        if found is None:
            return None
        text, value = found
        resource = self._observation_base(measure.category, measure.loinc, text)
        if measure.source == "score":
            part = self._part_of_score(measure.ref)
            if part is not None:
                resource["derivedFrom"] = [self.ids.ref(f"response/{part}")]
        interpretation = value.pop("interpretation", None)
        resource.update(value)
        if interpretation is not None:
            resource["interpretation"] = interpretation
        return resource

    def _component(self, measure: Measure) -> dict[str, Any] | None:
        found = self._value(measure)
        if found is None:
            return None
        text, value = found
        return {"code": {"coding": [{"system": LOINC, "code": measure.loinc}], "text": text}, **value}

    def _part_of_score(self, score_id: str) -> str | None:
        for part in self.definition.parts():
            if any(score.id == score_id for score in part.scores):
                return part.id
        return None

    # ------------------------------------------------------------------ Flags

    def flag(self, flag: FlagResult) -> dict[str, Any]:
        return {
            "resourceType": "Flag",
            "identifier": [{"system": self.rule_system, "value": flag.id}],
            "status": "active",
            "category": [
                {
                    "coding": [
                        {
                            "system": SEVERITY_SYSTEM,
                            "code": flag.severity,
                            "display": SEVERITY_WORDS[flag.severity],
                        }
                    ],
                    "text": SEVERITY_WORDS[flag.severity],
                }
            ],
            "code": {
                "coding": [{"system": self.rule_system, "code": flag.id, "display": flag.title}],
                "text": flag.title,
            },
            "subject": self.subject,
            **({"period": {"start": self.assessed_on.isoformat()}} if self.assessed_on else {}),
        }

    @property
    def rule_system(self) -> str:
        return f"{URN}:{self.definition.id}:rules"


def _quantity(value: Any, measure: Measure) -> dict[str, Any]:
    unit = measure.unit or measure.ucum
    return {"value": value, "unit": unit, "system": UCUM, "code": measure.ucum}
