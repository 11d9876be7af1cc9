"""Reading FHIR R4 into the questionnaire format: responses into answers files, questionnaires
into YAML instruments.

A QuestionnaireResponse (or a Bundle of them) becomes the answers file of one questionnaire of
the catalog. Items are matched by LOINC code first (LHC-Forms linkIds such as `/44250-9`, an
item's `code`, or the codes of a Questionnaire in the same Bundle), then by a linkId equal to an
item id. An answer that was declined, unknown, of the wrong type or not one of the item's choices
is left out (the item stays missing) with a note naming the item. Totals in the response are
ignored: the engine recomputes them. A response that is to another questionnaire is refused.

A LOINC-coded Questionnaire (as LHC-Forms publishes PHQ-9 and GAD-7) becomes a YAML instrument:
items, options with their scores, LOINC codes, conditions that can be written as `show_if`, and
a sum score where the Questionnaire computes a total; the rest is named as left for a person to
add. Notes and problems name items, never an answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from screening.answers_file import AnswersFile, dump_answers_file
from screening.definition import Definition
from screening.interop.fhir_elements import (
    LOINC,
    WHAT,
    dicts,
    has_absent_reason,
    loinc_codes,
    safe_name,
    walk,
)
from screening.interop.fhir_instrument import questionnaire_instrument
from screening.interop.inputs import read_json
from screening.items import ChoiceItem, GroupItem, MultiChoiceItem
from screening.loading import Catalog
from screening.model import Item, Questionnaire

ABSENT_SYSTEMS = (
    "http://terminology.hl7.org/CodeSystem/data-absent-reason",
    "http://terminology.hl7.org/CodeSystem/v3-NullFlavor",
)
"""Codings from these systems say why there is no answer (asked-declined, unknown, ASKU, ...)."""

DECLINED_LOINC = frozenset({"LA4489-6"})
"""LOINC answer codes that say there is no answer: LA4489-6 "Unknown"."""

ANSWER_SYNONYMS: Mapping[tuple[str, str], str] = {
    # GAD-7 item 2 (68509-9): LOINC panel 69737-5, as LHC-Forms publishes the GAD-7, codes the
    # value 2 as LA18938-3 "More days than not"; questionnaires/gad7.yaml codes the same answer
    # LA6570-1 "More than half the days" (see that file's description).
    ("68509-9", "LA18938-3"): "LA6570-1",
}
"""(item LOINC code, answer LOINC code) -> the LOINC code of the option it stands for."""

_LOINC_IN = re.compile(r"(?<![\w-])(\d{1,7}-\d)(?![\w-])")


@dataclass(frozen=True)
class FhirImport:
    """What an import produced: the text to write, or the problems that refuse it."""

    kind: Literal["answers", "instrument"] | None  # None when refused
    text: str | None  # answers-file YAML or instrument YAML; None when refused
    problems: list[str] = field(default_factory=list)  # refusals; non-empty => nothing may be written
    notes: list[str] = field(default_factory=list)  # what was left out or became missing


def import_fhir(data: bytes, catalog: Catalog, *, questionnaire_id: str | None = None) -> FhirImport:
    """A QuestionnaireResponse or a Bundle of them -> answers file; a Questionnaire -> instrument."""
    resource, problems = read_json(data, what=WHAT)
    if resource is None:
        return FhirImport(None, None, problems)
    kind = resource.get("resourceType")
    if kind == "Questionnaire":
        notes = ["--questionnaire is not used when importing a Questionnaire"] if questionnaire_id else []
        text, problems, notes = questionnaire_instrument(resource, catalog, notes)
        return FhirImport("instrument" if text else None, text, problems, notes)
    if kind == "QuestionnaireResponse":
        return _responses([resource], [], catalog, questionnaire_id, [])
    if kind == "Bundle":
        return _bundle(resource, catalog, questionnaire_id)
    return _refused(
        f"{WHAT} is {safe_name(kind, 'a resource of another type')}, not a QuestionnaireResponse,"
        " a Bundle of them, or a Questionnaire"
    )


def _refused(*problems: str) -> FhirImport:
    return FhirImport(None, None, list(problems))


# ---------------------------------------------------------------------------------------------
# QuestionnaireResponse -> answers file


def _bundle(bundle: dict[str, Any], catalog: Catalog, questionnaire_id: str | None) -> FhirImport:
    responses: list[dict[str, Any]] = []
    questionnaires: list[dict[str, Any]] = []
    ignored: dict[str, int] = {}
    for entry in dicts(bundle.get("entry")):
        resource = entry.get("resource")
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if kind == "QuestionnaireResponse":
            responses.append(resource)  # type: ignore[arg-type]  # a dict, checked above
        elif kind == "Questionnaire":
            questionnaires.append(resource)  # type: ignore[arg-type]
        else:
            name = kind if isinstance(kind, str) and re.match(r"^[A-Za-z]{1,64}$", kind) else "another type"
            ignored[name] = ignored.get(name, 0) + 1
    notes = [
        f"{count} Bundle entr{'y' if count == 1 else 'ies'} of {name} ignored"
        for name, count in ignored.items()
    ]
    if not responses:
        return _refused(f"{WHAT} is a Bundle without a QuestionnaireResponse")
    return _responses(responses, questionnaires, catalog, questionnaire_id, notes)


def _claim(response: Mapping[str, Any], catalog: Catalog) -> tuple[Questionnaire | None, str | None]:
    """The questionnaire the response says it answers: (the known one, or a LOINC code not known)."""
    canonical = response.get("questionnaire")
    if not isinstance(canonical, str) or not canonical:
        return None, None
    known = {part.id: part for definition in catalog.definitions.values() for part in definition.parts()}
    last = re.split(r"[/:]", canonical.split("|", 1)[0].rstrip("/"))[-1]
    if last in known:
        return known[last], None
    for code in _LOINC_IN.findall(canonical):
        for part in known.values():
            if part.loinc == code:
                return part, None
        return None, code
    return None, None


def _part_items(definition: Definition, part: Questionnaire | None) -> list[Item]:
    if part is None or part.id == definition.id:
        return list(definition.items.values())  # a response to the screening may answer any part
    return [item for section in part.sections for item in section.items]


def _infer(response: Mapping[str, Any], catalog: Catalog) -> Questionnaire | None:
    """The one questionnaire whose items hold every answered item of the response, if only one."""
    wanted = [
        (loinc_codes(item), item.get("linkId") if isinstance(item.get("linkId"), str) else "")
        for item in walk(response.get("item"))
        if item.get("answer")
    ]
    if not wanted:
        return None
    found: dict[str, Questionnaire] = {}
    for definition in catalog.definitions.values():
        for part in definition.parts():
            items = _part_items(definition, part)
            codes = {item.loinc for item in items if item.loinc} | {s.loinc for s in part.scores if s.loinc}
            ids = {item.id for item in items}
            if all(any(code in codes for code in c) or link in ids for c, link in wanted):
                found[part.id] = part
    return next(iter(found.values())) if len(found) == 1 else None


@dataclass
class _Collected:
    answers: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    left_out: set[str] = field(default_factory=set)


class _Refusal(Exception):
    """The input is refused; the message is one line naming no patient data."""


def _responses(
    responses: list[dict[str, Any]],
    questionnaires: list[dict[str, Any]],
    catalog: Catalog,
    questionnaire_id: str | None,
    notes: list[str],
) -> FhirImport:
    try:
        definition = None
        if questionnaire_id is not None:
            definition = catalog.get(questionnaire_id)
            if definition is None:
                name = safe_name(questionnaire_id, "of that id")
                raise _Refusal(f"no usable questionnaire {name} in the catalog")
        parts = [
            _part(response, number, len(responses), catalog, definition, notes)
            for number, response in enumerate(responses, start=1)
        ]
        definition = definition or _definition_of(parts, catalog)
        seen: set[str] = set()
        for part in parts:
            key = part.id if part is not None else definition.id
            if key in seen:
                raise _Refusal(
                    f"the Bundle holds more than one response to '{key}'; import them one at a time"
                )
            seen.add(key)
        link_codes = _questionnaire_codes(questionnaires)
        collected = _Collected(notes=notes)
        for number, (response, part) in enumerate(zip(responses, parts, strict=True), start=1):
            which = f"response {number}" if len(responses) > 1 else "the response"
            _read_response(response, definition, part, link_codes, collected, which)
    except _Refusal as refusal:
        return _refused(str(refusal))
    answers = {
        item_id: collected.answers[item_id] for item_id in definition.items if item_id in collected.answers
    }
    answers_file = AnswersFile(definition.id, _assessed_on(responses, collected.notes), answers, None)
    comment = "\n".join(
        ["Imported from FHIR QuestionnaireResponse; totals are recomputed.", *collected.notes]
    )
    return FhirImport("answers", dump_answers_file(answers_file, comment=comment), [], collected.notes)


def _part(
    response: Mapping[str, Any],
    number: int,
    count: int,
    catalog: Catalog,
    definition: Definition | None,
    notes: list[str],
) -> Questionnaire | None:
    """The questionnaire a response is to (None: the named definition as a whole), or a refusal."""
    which = f"response {number}" if count > 1 else "the response"
    status = response.get("status")
    if status == "entered-in-error":
        raise _Refusal(f"{which} is marked entered-in-error")
    if status in ("in-progress", "stopped"):
        notes.append(f"{which} is marked {status}: it may be incomplete")
    part, unknown_code = _claim(response, catalog)
    if unknown_code is not None:
        target = f" '{definition.id}'" if definition else " any questionnaire of the catalog"
        raise _Refusal(f"{which} is to the questionnaire LOINC {unknown_code}, which is not{target}")
    if definition is not None:
        if part is not None and part.id not in {p.id for p in definition.parts()}:
            raise _Refusal(f"{which} is to '{part.id}', which is not part of '{definition.id}'")
        return part
    if part is None:
        part = _infer(response, catalog)
        if part is None:
            raise _Refusal(f"cannot tell which questionnaire {which} is to; name it with --questionnaire")
        notes.append(f"{which} was taken to be to '{part.id}' from its item codes")
    return part


def _definition_of(parts: list[Questionnaire | None], catalog: Catalog) -> Definition:
    """The one definition all responses are to, when no questionnaire was named."""
    ids = sorted({part.id for part in parts if part is not None})
    covering = [
        definition
        for definition in (catalog.get(part_id) for part_id in ids)
        if definition is not None and set(ids) <= {part.id for part in definition.parts()}
    ]
    if len(ids) > 1 and len(covering) == 1:
        # The Bundle holds a response to the screening itself besides its instruments (as an
        # export writes it): the screening is named.
        return covering[0]
    if len(ids) > 1:
        screenings = sorted(
            d.id for d in catalog.definitions.values() if set(ids) <= {p.id for p in d.parts()}
        )
        hint = f"; name the screening with --questionnaire ({', '.join(screenings)})" if screenings else ""
        raise _Refusal(f"the Bundle holds responses to different questionnaires ({', '.join(ids)}){hint}")
    definition = catalog.get(ids[0])
    if definition is None:
        raise _Refusal(f"'{ids[0]}' is not usable on its own; name the screening with --questionnaire")
    return definition


def _questionnaire_codes(questionnaires: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """(questionnaire url or id, linkId) -> the item's LOINC codes, for Questionnaires in a Bundle."""
    result: dict[tuple[str, str], list[str]] = {}
    for questionnaire in questionnaires:
        names = [
            value for value in (questionnaire.get("url"), questionnaire.get("id")) if isinstance(value, str)
        ]
        for item in walk(questionnaire.get("item")):
            link = item.get("linkId")
            if isinstance(link, str):
                for name in names:
                    result[(name, link)] = loinc_codes(item)
    return result


def _assessed_on(responses: list[dict[str, Any]], notes: list[str]) -> dt.date | None:
    dates: set[dt.date] = set()
    for response in responses:
        authored = response.get("authored")
        if isinstance(authored, str):
            try:
                dates.add(dt.date.fromisoformat(authored[:10]))
            except ValueError:
                notes.append("a response's authored date is not a date; assessed_on left out")
    if len(dates) > 1:
        notes.append("the responses were authored on different days; assessed_on left out")
        return None
    return next(iter(dates), None)


@dataclass(frozen=True)
class _Index:
    """How the items of a response are found among the items of a questionnaire."""

    by_loinc: Mapping[str, Item]
    by_id: Mapping[str, Item]
    score_loinc: Mapping[str, str]
    score_ids: frozenset[str]
    link_codes: Mapping[tuple[str, str], list[str]]
    canonical: str

    @classmethod
    def of(
        cls,
        definition: Definition,
        part: Questionnaire | None,
        response: Mapping[str, Any],
        link_codes: Mapping[tuple[str, str], list[str]],
    ) -> _Index:
        items = _part_items(definition, part)
        whole = part is None or part.id == definition.id
        own = set(definition.scores) if whole or part is None else {score.id for score in part.scores}
        scores = [score for score in definition.scores.values() if score.id in own]
        canonical = response.get("questionnaire")
        return cls(
            by_loinc={item.loinc: item for item in items if item.loinc},
            by_id={item.id: item for item in items},
            score_loinc={score.loinc: score.id for score in scores if score.loinc},
            score_ids=frozenset(own),
            link_codes=link_codes,
            canonical=canonical.split("|", 1)[0] if isinstance(canonical, str) else "",
        )

    def codes(self, element: Mapping[str, Any]) -> list[str]:
        """The element's LOINC codes, with those a Questionnaire of the Bundle gives its linkId."""
        codes = loinc_codes(element)
        link = element.get("linkId")
        if isinstance(link, str):
            short = re.split(r"[/:]", self.canonical.rstrip("/"))[-1]
            given = self.link_codes.get((self.canonical, link), self.link_codes.get((short, link), []))
            codes += [code for code in given if code not in codes]
        return codes

    def item(self, element: Mapping[str, Any]) -> Item | None:
        found = next((self.by_loinc[c] for c in self.codes(element) if c in self.by_loinc), None)
        link = element.get("linkId")
        return found or (self.by_id.get(link) if isinstance(link, str) else None)

    def score(self, element: Mapping[str, Any]) -> str | None:
        found = next((self.score_loinc[c] for c in self.codes(element) if c in self.score_loinc), None)
        link = element.get("linkId")
        return found or (link if isinstance(link, str) and link in self.score_ids else None)


def _read_response(
    response: Mapping[str, Any],
    definition: Definition,
    part: Questionnaire | None,
    link_codes: Mapping[tuple[str, str], list[str]],
    collected: _Collected,
    which: str,
) -> None:
    """Match the response's items and collect their answers; refused when they do not match."""
    index = _Index.of(definition, part, response, link_codes)
    matched = 0
    unmatched: list[str] = []
    stack = list(reversed(dicts(response.get("item"))))
    while stack:
        element = stack.pop()
        answers = dicts(element.get("answer"))
        item = index.item(element)
        if isinstance(item, GroupItem):
            matched += 1
            _row(item, element, definition, collected)
            continue  # the row's fields are read by _row
        nested = dicts(element.get("item")) + [c for a in answers for c in dicts(a.get("item"))]
        stack.extend(reversed(nested))
        if item is not None:
            matched += 1
            _take(item, element, answers, definition, collected)
        elif answers and (score := index.score(element)) is not None:
            collected.notes.append(f"the total given for {score} is ignored; it is recomputed")
        elif answers:
            unmatched.append(safe_name(element.get("linkId"), "an item without a readable linkId"))
    target = f"'{part.id if part is not None else definition.id}'"
    if unmatched:
        shown = ", ".join(unmatched[:3]) + (", ..." if len(unmatched) > 3 else "")
        count = len(unmatched)
        raise _Refusal(
            f"{which} has {count} answered item{'s' if count != 1 else ''} that {target} does not have"
            f" ({shown}); is it a response to another questionnaire?"
        )
    if matched == 0:
        collected.notes.append(f"{which} answers no item of {target}")


def _row(group: GroupItem, element: Mapping[str, Any], definition: Definition, c: _Collected) -> None:
    """One row of a repeating group: a response item holding the row's fields."""
    rows = c.answers.setdefault(group.id, [])
    number = len(rows) + 1
    row: dict[str, Any] = {}
    for child in dicts(element.get("item")):
        link = child.get("linkId")
        codes = loinc_codes(child)
        member = next((f for f in group.fields if f.loinc and f.loinc in codes), None) or (
            definition.group_field(group, link.rsplit(".", 1)[-1]) if isinstance(link, str) else None
        )
        answers = dicts(child.get("answer"))
        where = f"{group.id} row {number}"
        if member is None:
            if answers:
                c.notes.append(f"{where}: a field the group does not have was left out")
        elif has_absent_reason(child) or any(has_absent_reason(answer) for answer in answers):
            c.notes.append(f"{where}: {member.id} asked but not answered (data-absent-reason); left out")
        elif answers:
            value, why = _value(member, answers, definition)
            if why is None:
                row[member.id] = value
            else:
                c.notes.append(f"{where}: {member.id}: {why}; left out")
    if row:
        rows.append(row)
    elif not rows:
        del c.answers[group.id]


def _take(
    item: Item,
    element: Mapping[str, Any],
    answers: list[dict[str, Any]],
    definition: Definition,
    c: _Collected,
) -> None:
    """Convert the answers of one matched item, or leave it missing with a note."""
    if item.id in c.left_out:
        return
    if item.id in c.answers:
        del c.answers[item.id]
        c.left_out.add(item.id)
        c.notes.append(f"{item.id}: answered more than once in the file; left missing")
        return
    if has_absent_reason(element) or any(has_absent_reason(answer) for answer in answers):
        c.left_out.add(item.id)
        c.notes.append(f"{item.id}: asked but not answered (data-absent-reason); left missing")
        return
    if not answers:
        return
    value, why = _value(item, answers, definition)
    if why is not None:
        c.left_out.add(item.id)
        c.notes.append(f"{item.id}: {why}; left missing")
        return
    c.answers[item.id] = value


def _number(value: Any) -> int | float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _whole(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and float(number).is_integer() else None


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None  # a partial date (YYYY or YYYY-MM) is not a date answer
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


_READERS: dict[str, tuple[tuple[str, Any], ...]] = {
    "boolean": (("valueBoolean", lambda v: v if isinstance(v, bool) else None),),
    "integer": (("valueInteger", _whole), ("valueDecimal", _whole)),
    "number": (("valueDecimal", _number), ("valueInteger", _number)),
    "date": (("valueDate", _date),),
    "text": (("valueString", lambda v: v if isinstance(v, str) else None),),
}
"""For each item kind (by the kind's `type`): the answer value[x] it reads, and how (None: unfit)."""

_UNFIT = {
    "boolean": "not true or false",
    "integer": "not a whole number",
    "number": "not a number",
    "date": "not a full date (YYYY-MM-DD)",
    "text": "not text",
}


def _value(item: Item, answers: list[dict[str, Any]], definition: Definition) -> tuple[Any, str | None]:
    """The answer in the questionnaire format, or (None, why it is left out)."""
    if isinstance(item, GroupItem):
        return None, "a repeating group answered as a single value"
    if isinstance(item, (ChoiceItem, MultiChoiceItem)):
        codes: list[str] = []
        for answer in answers:
            code, why = _choice(item, answer, definition)
            if why is not None:
                return None, why
            codes.append(code)
        if isinstance(item, MultiChoiceItem):
            return [option.code for option in definition.options(item) if option.code in codes], None
        return (codes[0], None) if len(codes) == 1 else (None, "more than one answer to a single choice")
    if len(answers) > 1:
        return None, "more than one answer to a single-answer item"
    for key, read in _READERS[item.type]:
        if key in answers[0]:
            value = read(answers[0][key])
            return (value, None) if value is not None else (None, _UNFIT[item.type])
    return None, f"an answer of another type than the item ({item.type}) takes"


def _choice(
    item: ChoiceItem | MultiChoiceItem, answer: Mapping[str, Any], definition: Definition
) -> tuple[str, str | None]:
    """One coded answer as an option code, or ('', why it is left out)."""
    if "valueCoding" not in answer:
        if any(key in answer for key in ("valueInteger", "valueDecimal")):
            return "", "a number where a coded answer belongs"
        return "", "not a coded answer"
    coding = answer["valueCoding"]
    if not isinstance(coding, dict) or not isinstance(coding.get("code"), str):
        return "", "a coded answer without a code"
    code, system = coding["code"], coding.get("system")
    options = definition.options(item)
    if system in ABSENT_SYSTEMS or (system == LOINC and code in DECLINED_LOINC):
        return "", "declined or unknown"
    if system == LOINC or system is None:
        wanted = ANSWER_SYNONYMS.get((item.loinc or "", code), code)
        for option in options:
            if option.loinc == wanted:
                return option.code, None
    if system != LOINC:
        for option in options:
            if option.code == code:
                return option.code, None
    return "", "an answer code that is not one of the item's choices"
