"""Reading a LOINC-coded FHIR R4 Questionnaire into a YAML instrument of the questionnaire format.

Carried: items (ids made from linkIds or LOINC codes under the format's id pattern), options with
their scores (ordinalValue, itemWeight or iso21090-CO-value extensions), LOINC codes, enableWhen
that can be written as `show_if` (operators from `screening.operators`), and a sum score for a
calculated total whose expression refers to scored items. Everything else (expressions,
variables, bands, worked examples, what cannot be mapped) is named in notes as left for a person
to add. The result is checked as `python -m screening check` would before it is returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from screening.interop.fhir_elements import LOINC, WHAT, as_list, dicts, loinc_codes, safe_name, walk
from screening.loading import Catalog, build_catalog
from screening.operators import OPERATORS
from screening.parsing import parse_text

ORDINAL_EXTENSIONS = (
    "http://hl7.org/fhir/StructureDefinition/ordinalValue",
    "http://hl7.org/fhir/StructureDefinition/itemWeight",
    "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value",
)
"""Extensions that carry an option's score."""

_ITEM_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_OPTION_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_LINK_REF = re.compile(r"linkId\s*=\s*'([^']*)'")
_VARIABLE_REF = re.compile(r"%([A-Za-z_][A-Za-z0-9_]*)")
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")

MAX_ITEMS = 1000
"""The most items (groups and display items included) a Questionnaire may have to be imported."""

Imported = tuple[str | None, list[str], list[str]]
"""(instrument YAML or None, problems, notes)."""

_KINDS = {
    "boolean": "boolean",
    "decimal": "number",
    "quantity": "number",
    "integer": "integer",
    "date": "date",
    "string": "text",
    "text": "text",
    "choice": "choice",
    "coding": "choice",
    "open-choice": "choice",
}
"""FHIR item type -> the questionnaire format's item `type` (a repeating choice is multi_choice)."""


class _Ids:
    """Ids under the format's pattern, unique within the file."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.next: dict[str, int] = {}  # the last number given after each base

    def make(self, link: Any, codes: list[str], fallback: str) -> str:
        if isinstance(link, str) and _ITEM_ID.match(link) and len(link) <= 60:
            base = link
        elif codes:
            base = f"{fallback}_" + codes[0].replace("-", "_")
        else:
            slug = (
                re.sub(r"[^a-z0-9]+", "_", str(link).lower()).strip("_")[:50] if isinstance(link, str) else ""
            )
            base = slug if slug and slug[0].isalpha() else f"{fallback}_{slug}".rstrip("_")
        candidate = base
        while candidate in self.used:
            self.next[base] = self.next.get(base, 1) + 1
            candidate = f"{base}_{self.next[base]}"
        self.used.add(candidate)
        return candidate


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")


def _score_of(option: Mapping[str, Any]) -> float | int | None:
    holders = [option, option.get("valueCoding") if isinstance(option.get("valueCoding"), dict) else {}]
    for holder in holders:
        for ext in dicts(holder.get("extension")):  # type: ignore[union-attr]
            if ext.get("url") in ORDINAL_EXTENSIONS:
                for key in ("valueDecimal", "valueInteger"):
                    value = ext.get(key)
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        return int(value) if float(value).is_integer() else value
    return None


def _option_code(label: str, raw_code: Any, number: int, used: set[str]) -> str:
    """A code for an option: from its label (as the bundled files write them), else its own code."""
    candidates = [re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:64]]
    if isinstance(raw_code, str):
        candidates.append(raw_code[:64])
    code = next((c for c in candidates if c and _OPTION_CODE.match(c) and c not in used), "")
    suffix = number
    while not code or code in used:
        code, suffix = f"option_{suffix}", suffix + 1
    used.add(code)
    return code


def _options(element: Mapping[str, Any], name: str, notes: list[str]) -> list[dict[str, Any]] | None:
    options: list[dict[str, Any]] = []
    used: set[str] = set()
    for number, entry in enumerate(dicts(element.get("answerOption")), start=1):
        coding = entry.get("valueCoding")
        if isinstance(coding, dict):
            raw_code, label = coding.get("code"), coding.get("display") or coding.get("code")
            loinc = raw_code if coding.get("system") == LOINC else None
        elif isinstance(entry.get("valueString"), str) or isinstance(entry.get("valueInteger"), int):
            raw_code = label = str(entry.get("valueString", entry.get("valueInteger")))
            loinc = None
        else:
            notes.append(f"{name}: an answer option of a type that cannot be carried was left out")
            continue
        if not isinstance(label, str) or not label.strip():
            label = f"Option {number}"
        code = _option_code(label, raw_code, number, used)
        option: dict[str, Any] = {"code": code, "label": label.strip()}
        score = _score_of(entry)
        if score is not None:
            option["score"] = score
        if isinstance(loinc, str):
            option["loinc"] = loinc
        options.append(option)
    return options or None


def _expression(element: Mapping[str, Any]) -> str | None:
    for ext in dicts(element.get("extension")):
        url = ext.get("url")
        if isinstance(url, str) and url.endswith("calculatedExpression"):
            value = ext.get("valueExpression")
            expression = value.get("expression") if isinstance(value, dict) else None
            return expression if isinstance(expression, str) else ""
    return None


def _variables(element: Mapping[str, Any]) -> dict[str, str]:
    result: dict[str, str] = {}
    for ext in dicts(element.get("extension")):
        value = ext.get("valueExpression")
        if ext.get("url") == "http://hl7.org/fhir/StructureDefinition/variable" and isinstance(value, dict):
            name, expression = value.get("name"), value.get("expression")
            result[str(name)] = expression if isinstance(expression, str) else ""
    return result


@dataclass
class _Build:
    ids: _Ids = field(default_factory=_Ids)
    notes: list[str] = field(default_factory=list)
    by_link: dict[str, dict[str, Any]] = field(default_factory=dict)  # linkId -> our item
    totals: list[tuple[dict[str, Any], str, str]] = field(default_factory=list)  # (element, id, expression)
    variables: dict[str, str] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)  # linkIds of groups


def questionnaire_instrument(resource: Mapping[str, Any], catalog: Catalog, notes: list[str]) -> Imported:
    """The instrument YAML for a FHIR Questionnaire (a dict), with the problems and notes."""
    count = sum(1 for _ in walk(resource.get("item")))
    if count > MAX_ITEMS:
        return (
            None,
            [f"{WHAT} is a Questionnaire of {count:,} items; more than {MAX_ITEMS:,} are refused"],
            notes,
        )
    build = _Build(notes=notes)
    build.variables = _variables(resource)
    sections: list[dict[str, Any]] = []
    loose: list[dict[str, Any]] = []
    for element in dicts(resource.get("item")):
        if element.get("type") == "group" and not element.get("repeats"):
            if loose:
                sections.append(_loose(resource, build, loose))
                loose = []
            if isinstance(element.get("linkId"), str):
                build.groups.add(element["linkId"])
            section: dict[str, Any] = {
                "id": build.ids.make(element.get("linkId"), loinc_codes(element), "section")
            }
            text = element.get("text")
            section["title"] = text if isinstance(text, str) and text.strip() else "Questions"
            section["items"] = [item for child in _fields(element) if (item := _item(child, build))]
            build.variables.update(_variables(element))
            if section["items"]:
                sections.append(section)
        elif (item := _item(element, build)) is not None:
            loose.append(item)
    if loose:
        sections.append(_loose(resource, build, loose))
    if not sections:
        return None, [f"{WHAT} is a Questionnaire with no item that can be carried"], build.notes
    for element in walk(resource.get("item")):
        link = element.get("linkId")
        if element.get("enableWhen") and isinstance(link, str) and link in build.by_link:
            _condition(element, build)
    return _finish(resource, sections, build, catalog)


def _loose(resource: Mapping[str, Any], build: _Build, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A section for items outside any group, titled with the Questionnaire's title."""
    title = resource.get("title")
    title = title if isinstance(title, str) and title.strip() else "Questions"
    return {"id": build.ids.make(None, [], "questions"), "title": title, "items": items}


def _fields(group: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The items below a group, nested non-repeating groups flattened, without recursion."""
    stack = list(reversed(dicts(group.get("item"))))
    while stack:
        element = stack.pop()
        yield element
        if element.get("type") == "group" and not element.get("repeats"):
            stack.extend(reversed(dicts(element.get("item"))))


def _item(element: Mapping[str, Any], build: _Build) -> dict[str, Any] | None:
    kind, link, codes = element.get("type"), element.get("linkId"), loinc_codes(element)
    build.variables.update(_variables(element))
    name = safe_name(link, "an item")
    if kind == "group" and isinstance(link, str):
        build.groups.add(link)
    if kind in ("group", "display"):
        if kind == "group" and element.get("repeats"):
            build.notes.append(f"the repeating group {name} was left out; add it as a group item by hand")
        return None
    expression = _expression(element)
    if expression is not None or (element.get("readOnly") and kind in ("decimal", "integer")):
        build.totals.append((dict(element), build.ids.make(link, codes, "score"), expression or ""))
        return None
    item_id = build.ids.make(link, codes, "item")
    if not isinstance(kind, str) or kind not in _KINDS:
        build.notes.append(f"item {name} of FHIR type {safe_name(kind, 'unknown')} was left out")
        return None
    our = _KINDS[kind]
    if our == "choice" and element.get("repeats"):
        our = "multi_choice"
    text = element.get("text") if isinstance(element.get("text"), str) and element["text"].strip() else None
    item: dict[str, Any] = {
        "id": item_id,
        "type": our,
        "text": text or (link if isinstance(link, str) else item_id),
    }
    if codes:
        item["loinc"] = codes[0]
    if not element.get("required"):
        item["required"] = False
    if our in ("choice", "multi_choice"):
        options = _options(element, item_id, build.notes)
        if options is None:
            build.notes.append(f"item {name} has no answer options to carry (answerValueSet?); left out")
            return None
        item["options"] = options
        if kind == "open-choice":
            build.notes.append(f"{item_id}: free-text answers of the open choice are not carried")
    if kind == "quantity":
        build.notes.append(f"{item_id}: the unit of the quantity is not carried; add 'unit' by hand")
    if isinstance(link, str):
        build.by_link[link] = item
    return item


def _operand(target: dict[str, Any], condition: Mapping[str, Any]) -> tuple[bool, Any]:
    """The enableWhen answer in the format: (found, value)."""
    for key, value in condition.items():
        if not key.startswith("answer"):
            continue
        if key == "answerCoding" and isinstance(value, dict):
            for option in target.get("options", []):
                if value.get("code") in (option.get("loinc"), option["code"]):
                    return True, option["code"]
            return False, None
        if key in ("answerBoolean", "answerInteger", "answerDecimal", "answerString") and not isinstance(
            value, (dict, list)
        ):
            return True, value
        if key == "answerDate" and isinstance(value, str):
            return True, value
    return False, None


def _condition(element: Mapping[str, Any], build: _Build) -> None:
    item = build.by_link[element["linkId"]]
    clauses: list[dict[str, Any]] = []
    for entry in as_list(element.get("enableWhen")):
        question = entry.get("question") if isinstance(entry, dict) else None
        target = build.by_link.get(question) if isinstance(question, str) else None
        if target is None or not isinstance(entry, dict):
            break
        operator = entry.get("operator")
        if operator == "exists":
            answered = {"answered": target["id"]}
            clauses.append(answered if entry.get("answerBoolean") is not False else {"not": answered})
            continue
        value_type = {"multi_choice": "multi", "integer": "number"}.get(target["type"], target["type"])
        key = next(
            (
                k
                for k, op in OPERATORS.items()
                if op.fhir.syntax == operator and op.fhir.each is None and value_type in op.value_types
            ),
            None,
        )
        found, value = _operand(target, entry)
        if key is None or not found:
            break
        clauses.append({"item": target["id"], key: value})
    else:
        if clauses:
            behaviour = "any" if element.get("enableBehavior") == "any" else "all"
            item["show_if"] = clauses[0] if len(clauses) == 1 else {behaviour: clauses}
            if any("ne" in clause for clause in clauses):
                item.setdefault("_notes", []).append(
                    "'!=' in FHIR is also true when unanswered; check show_if"
                )
            return
    build.notes.append(f"{item['id']}: its enableWhen could not be written as show_if; add show_if by hand")


def _total(
    element: Mapping[str, Any], score_id: str, expression: str, build: _Build
) -> dict[str, Any] | None:
    """A sum score for a calculated total, over the scored items its expression refers to."""
    if re.search(r"[*/]| - | div | mod ", re.sub(r"'[^']*'", "", expression)):
        return None  # more than a sum
    links = set(_LINK_REF.findall(expression))
    for name in _VARIABLE_REF.findall(expression):
        links.update(_LINK_REF.findall(build.variables.get(name, "")))
    links -= build.groups
    if not links or not links <= set(build.by_link):
        return None
    order = {link: position for position, link in enumerate(build.by_link)}
    items = [build.by_link[link] for link in sorted(links, key=order.__getitem__)]
    scored = [item for item in items if any("score" in option for option in item.get("options", []))]
    if len(scored) != len(items):
        return None
    low = sum(min(o["score"] for o in item["options"] if "score" in o) for item in scored)
    high = sum(max(o["score"] for o in item["options"] if "score" in o) for item in scored)
    text = element.get("text")
    score: dict[str, Any] = {
        "id": score_id,
        "title": text if isinstance(text, str) and text.strip() else score_id,
    }
    codes = loinc_codes(element)
    if codes:
        score["loinc"] = codes[0]
    score["items"] = [item["id"] for item in scored]
    score["bands"] = [{"min": low, "max": high, "label": "Not banded"}]
    score["note"] = (
        "Imported as the sum of the option scores of its items; the FHIR expression was not carried."
        " Bands were not given by the FHIR Questionnaire: add them."
    )
    return score


def _scores(build: _Build) -> list[dict[str, Any]]:
    scores = []
    for element, score_id, expression in build.totals:
        score = _total(element, score_id, expression, build)
        name = safe_name(element.get("linkId"), "a calculated item")
        if score is None:
            build.notes.append(
                f"the calculated item {name} could not be read as a sum of scored items; left out"
            )
        else:
            score["source"] = ["fhir_questionnaire"]
            scores.append(score)
            build.notes.append(f"the calculated item {name} became the sum score {score_id}; add its bands")
    if build.variables:
        unusable = sorted(name for name in build.variables if not _FHIR_ID.match(name))
        named = ", ".join(safe_name(name, "?") for name in unusable)
        build.notes.append(
            f"{len(build.variables)} FHIRPath variable(s) not carried"
            + (f" (names that break the FHIR id pattern: {named})" if unusable else "")
        )
    return scores


def _heading(resource: Mapping[str, Any], catalog: Catalog, notes: list[str]) -> dict[str, Any]:
    """The file's id, kind, version, title, texts, LOINC code and the source naming the origin."""
    text = {key: value for key, value in resource.items() if isinstance(value, str)}
    name = text.get("name") or text.get("id") or text.get("title") or ""
    qid = _slug(name) or "imported-questionnaire"
    if any(f.questionnaire and f.questionnaire.id == qid for f in catalog.files):
        notes.append(f"the catalog already has a questionnaire '{qid}'; change the id before adding this one")
    version = text.get("version", "")
    if not _SEMVER.match(version):
        notes.append("the Questionnaire gives no MAJOR.MINOR.PATCH version; version 1.0.0 written")
    title = text.get("title") or name or qid
    document: dict[str, Any] = {
        "id": qid,
        "kind": "instrument",
        "version": version if _SEMVER.match(version) else "1.0.0",
        "title": title,
    }
    document.update({key: text[key] for key in ("description", "copyright") if key in text})
    codes = loinc_codes(resource)
    if codes:
        document["loinc"] = codes[0]
    citation = f"FHIR Questionnaire '{title}'" + (f", version {version}" if version else "")
    citation += f", {text['publisher']}" if "publisher" in text else ""
    source: dict[str, Any] = {"short": "FHIR Questionnaire", "citation": citation + "; imported."}
    if text.get("url", "").startswith(("http://", "https://")):
        source["url"] = text["url"]
    document["source"] = ["fhir_questionnaire"]
    document["sources"] = {"fhir_questionnaire": source}
    return document


def _finish(
    resource: Mapping[str, Any], sections: list[dict[str, Any]], build: _Build, catalog: Catalog
) -> Imported:
    scores = _scores(build)
    for section in sections:
        for item in section["items"]:
            build.notes.extend(f"{item['id']}: {note}" for note in item.pop("_notes", []))
    document = _heading(resource, catalog, build.notes)
    choice_sets = _share_options(sections)
    if choice_sets:
        document["choice_sets"] = choice_sets
    document["sections"] = sections
    if scores:
        document["scores"] = scores
    build.notes.append("worked examples cannot be imported; add 'examples:' (check warns W004 until then)")
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    lines = ["Imported from a FHIR Questionnaire. Left for a person to add:", *build.notes]
    text = "".join(f"# {line}\n" for line in lines) + body
    checked = build_catalog([parse_text(f"{document['id']}.yaml", text)], run_examples=False)
    errors = [
        f"the imported instrument fails the check: {issue.code.code} at line {issue.line}"
        for issue in checked.errors
    ]
    return (None, errors, build.notes) if errors else (text, [], build.notes)


def _share_options(sections: list[dict[str, Any]]) -> dict[str, Any]:
    """Options given identically to several items become one choice set."""
    items = [
        item for section in sections for item in section["items"] if isinstance(item.get("options"), list)
    ]
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(repr(item["options"]), []).append(item)
    choice_sets: dict[str, Any] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        name = f"answers_{len(choice_sets) + 1}"
        choice_sets[name] = {"options": members[0]["options"]}
        for item in members:
            item["options"] = name
    return choice_sets
