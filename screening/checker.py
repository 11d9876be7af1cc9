"""Static checks of a questionnaire file, reported all at once with positions and hints.

What is checked (codes in `screening.issues`): unknown references with "did you mean" (E010),
duplicate ids (E011), cycles among items, derived values and scores, naming only the members of
each cycle (E012), score bands that leave gaps, overlap, or do not match the possible range
(E013–E015), comparisons that do not fit what they compare (E016), scores over unscored answers
(E017), rules and requirements without a source (E020), conditions that can never be true (W001),
items that can never be shown (W002) and required items that can never be shown (W003).

"Never true" is decided exactly for the conditions a questionnaire uses: every comparison is on
one value, so truth can only change at the constants a condition compares with. The checker tries
each value of a finite domain (booleans, choice codes) and, for numbers and dates, the points at,
just above and just below each constant, within the item's range.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from screening.config import PLACEHOLDERS, placeholder_names
from screening.definition import Definition
from screening.engine import apply_operator, score_range
from screening.issues import Code, Issue, did_you_mean
from screening.loading import ParsedFile
from screening.model import (
    AdjustedBodyWeight,
    AgeYears,
    AllOf,
    Answered,
    AnyOf,
    Bmi,
    BooleanItem,
    ChoiceItem,
    Compare,
    Condition,
    Count,
    DateItem,
    FixedDose,
    GroupItem,
    IdealBodyWeight,
    IntegerItem,
    Item,
    MultiChoiceItem,
    NotOf,
    NumberItem,
    OlderAdultDose,
    Option,
    ParamRef,
    Plan,
    Questionnaire,
    Score,
    Test,
    TextItem,
)

Loc = tuple[Any, ...]
_ENUMERATION_LIMIT = 50_000


@dataclass(frozen=True)
class _Ref:
    """A value a condition reads: kind is item, derived, score or field."""

    kind: str
    id: str


def check_definition(parsed: ParsedFile, definition: Definition) -> list[Issue]:
    """Every static problem of the file's own content, resolved against the composed definition.

    `definition.questionnaire` is the file's model (for a file with format errors, the part of it
    that validates)."""
    return _Checker(parsed, definition).run()


class _Checker:
    def __init__(self, parsed: ParsedFile, definition: Definition) -> None:
        self.parsed = parsed
        self.q: Questionnaire = definition.questionnaire
        self.d = definition
        self.issues: list[Issue] = []

    def add(self, code: Code, loc: Loc, message: str, hint: str | None = None) -> None:
        self.issues.append(self.parsed.issue(code, loc, message, hint))

    def run(self) -> list[Issue]:
        self._duplicate_ids()
        self._sections_and_items()
        self._derived()
        self._scores()
        self._rules()
        self._content()
        self._example_references()
        blocking = {Code.UNKNOWN_REFERENCE, Code.DUPLICATE_ID, Code.TYPE_MISMATCH}
        if not any(issue.code in blocking for issue in self.issues):
            self._cycles()
            self._reachability()
        return self.issues

    # ------------------------------------------------------------------ references

    def _suggest(self, name: str, pool: Sequence[str]) -> str | None:
        return did_you_mean(name, pool)

    def _ref(self, kind: str, ref: str, loc: Loc, what: str = "") -> bool:
        actual = self.d.kind_of(ref)
        context = f" in {what}" if what else ""
        if actual is None:
            pools: dict[str, list[str]] = {
                "item": list(self.d.items),
                "derived": list(self.d.derived),
                "score": list(self.d.scores),
            }
            pool = pools[kind]
            hint = self._suggest(ref, pool) or self._suggest(
                ref, [*self.d.items, *self.d.derived, *self.d.scores]
            )
            self.add(Code.UNKNOWN_REFERENCE, loc, f"unknown {kind} '{ref}'{context}", hint)
            return False
        if actual != kind:
            self.add(
                Code.UNKNOWN_REFERENCE,
                loc,
                f"'{ref}' is {_KIND_WORDS[actual]}, not {_KIND_WORDS[kind]}{context}",
                hint=f"write '{actual}: {ref}'",
            )
            return False
        return True

    def _sources(self, source_ids: Sequence[str], loc: Loc) -> None:
        for index, source_id in enumerate(source_ids):
            if source_id not in self.d.sources:
                self.add(
                    Code.UNKNOWN_REFERENCE,
                    (*loc, index),
                    f"unknown source '{source_id}'",
                    self._suggest(source_id, list(self.d.sources)) or "add it under 'sources'",
                )

    def _plans(self, plan_ids: Sequence[str], loc: Loc) -> None:
        for index, plan_id in enumerate(plan_ids):
            if plan_id not in self.d.plans:
                self.add(
                    Code.UNKNOWN_REFERENCE,
                    (*loc, index),
                    f"unknown plan '{plan_id}'",
                    self._suggest(plan_id, list(self.d.plans)),
                )

    # ------------------------------------------------------------------ duplicate ids

    def _duplicate_ids(self) -> None:
        instruments = {i.id: i for i in self.d.instruments}
        included: dict[str, str] = {}
        for instrument in instruments.values():
            for section in instrument.sections:
                for item in section.items:
                    included.setdefault(item.id, instrument.id)
            for derived in instrument.derived:
                included.setdefault(derived.id, instrument.id)
            for score in instrument.scores:
                included.setdefault(score.id, instrument.id)

        seen: dict[str, Loc] = {}

        def claim(identifier: str, loc: Loc, what: str) -> None:
            if identifier in seen:
                first = self.parsed.document.position(seen[identifier])
                self.add(
                    Code.DUPLICATE_ID,
                    loc,
                    f"duplicate id '{identifier}' ({what}); first defined at line {first.line}",
                    "ids of items, derived values and scores share one namespace",
                )
            elif identifier in included:
                self.add(
                    Code.DUPLICATE_ID,
                    loc,
                    f"'{identifier}' is already defined by the included instrument '{included[identifier]}'",
                    "rename it here, or do not redefine what the instrument provides",
                )
            else:
                seen[identifier] = loc

        for s_index, section in enumerate(self.q.sections):
            for i_index, item in enumerate(section.items):
                claim(item.id, ("sections", s_index, "items", i_index, "id"), "item")
        for index, derived in enumerate(self.q.derived):
            claim(derived.id, ("derived", index, "id"), "derived value")
        for index, score in enumerate(self.q.scores):
            claim(score.id, ("scores", index, "id"), "score")

        self._unique([s.id for s in self.q.sections], "sections", "section")
        self._unique([r.id for r in self.q.rules], "rules", "rule")
        self._unique([r.id for r in self.q.requirements], "requirements", "requirement")
        self._unique([p.id for p in self.q.plans], "plans", "plan")
        self._unique([e.id for e in self.q.evidence], "evidence", "evidence entry")
        self._unique([h.id for h in self.q.handout], "handout", "handout block")
        self._unique([e.name for e in self.q.examples], "examples", "example", key="name")
        for instrument in instruments.values():
            for index, rule in enumerate(self.q.rules):
                if any(r.id == rule.id for r in instrument.rules):
                    self.add(
                        Code.DUPLICATE_ID,
                        ("rules", index, "id"),
                        f"rule '{rule.id}' is already defined by the included instrument '{instrument.id}'",
                    )

    def _unique(self, ids: list[str], container: str, what: str, key: str = "id") -> None:
        first: dict[str, int] = {}
        for index, identifier in enumerate(ids):
            if identifier in first:
                line = self.parsed.document.position((container, first[identifier])).line
                self.add(
                    Code.DUPLICATE_ID,
                    (container, index, key),
                    f"duplicate {what} {key} '{identifier}'; first defined at line {line}",
                )
            else:
                first[identifier] = index

    # ------------------------------------------------------------------ sections and items

    def _sections_and_items(self) -> None:
        includes = set(self.q.includes)
        for s_index, section in enumerate(self.q.sections):
            loc: Loc = ("sections", s_index)
            if section.instrument is not None and section.instrument not in includes:
                self.add(
                    Code.UNKNOWN_REFERENCE,
                    (*loc, "instrument"),
                    f"section places instrument '{section.instrument}', which is not in 'includes'",
                    "add it to 'includes'",
                )
            if section.show_if is not None:
                self._condition(section.show_if, (*loc, "show_if"), None)
            for i_index, item in enumerate(section.items):
                self._item(item, (*loc, "items", i_index))

    def _item(self, item: Item, loc: Loc) -> None:
        if item.show_if is not None:
            self._condition(item.show_if, (*loc, "show_if"), None)
        if isinstance(item, (ChoiceItem, MultiChoiceItem)):
            if isinstance(item.options, str):
                if item.options not in self.d.choice_sets:
                    self.add(
                        Code.UNKNOWN_REFERENCE,
                        (*loc, "options"),
                        f"unknown choice set '{item.options}'",
                        self._suggest(item.options, list(self.d.choice_sets)) or "add it under 'choice_sets'",
                    )
            else:
                self._options(item.options, (*loc, "options"))
        if (
            isinstance(item, (IntegerItem, NumberItem))
            and item.min is not None
            and item.max is not None
            and item.min > item.max
        ):
            self.add(Code.FORMAT, (*loc, "min"), f"item '{item.id}': min is above max")
        if isinstance(item, GroupItem):
            if item.min_rows > item.max_rows:
                self.add(Code.FORMAT, (*loc, "min_rows"), f"item '{item.id}': min_rows is above max_rows")
            seen: set[str] = set()
            for f_index, field in enumerate(item.fields):
                field_loc = (*loc, "fields", f_index)
                if field.id in seen:
                    self.add(Code.DUPLICATE_ID, (*field_loc, "id"), f"duplicate field id '{field.id}'")
                seen.add(field.id)
                if field.show_if is not None:
                    self.add(
                        Code.FORMAT,
                        (*field_loc, "show_if"),
                        f"field '{field.id}': conditions inside a repeating group are not supported",
                        "ask the question for every row, or move it out of the group",
                    )
                self._item(field, field_loc)

    def _options(self, options: list[Option], loc: Loc) -> None:
        seen: set[str] = set()
        for index, option in enumerate(options):
            if option.code in seen:
                self.add(Code.DUPLICATE_ID, (*loc, index, "code"), f"duplicate option code '{option.code}'")
            seen.add(option.code)

    # ------------------------------------------------------------------ conditions

    def _condition(self, condition: Condition, loc: Loc, scope: GroupItem | None) -> None:
        if isinstance(condition, AllOf):
            for index, child in enumerate(condition.all):
                self._condition(child, (*loc, "all", index), scope)
        elif isinstance(condition, AnyOf):
            for index, child in enumerate(condition.any):
                self._condition(child, (*loc, "any", index), scope)
        elif isinstance(condition, NotOf):
            self._condition(condition.not_, (*loc, "not"), scope)
        elif isinstance(condition, Answered):
            self._ref("item", condition.answered, (*loc, "answered"))
        else:
            self._compare(condition, loc, scope)

    def _compare(self, condition: Compare, loc: Loc, scope: GroupItem | None) -> None:
        kind, ref = condition.target
        key, operand = condition.operator
        operator_loc = (*loc, key)
        if kind == "field":
            if scope is None:
                self.add(
                    Code.FORMAT,
                    (*loc, "field"),
                    f"'field: {ref}' is only valid inside the 'where' of a count",
                    "use 'item:' to compare an item",
                )
                return
            field = self.d.group_field(scope, ref)
            if field is None:
                self.add(
                    Code.UNKNOWN_REFERENCE,
                    (*loc, "field"),
                    f"group '{scope.id}' has no field '{ref}'",
                    self._suggest(ref, [f.id for f in scope.fields]),
                )
                return
            self._operator_fits(_item_type(field), field, key, operand, loc=operator_loc, ref=ref)
            return
        if not self._ref(kind, ref, (*loc, kind)):
            return
        if kind == "item":
            item = self.d.items[ref]
            self._operator_fits(_item_type(item), item, key, operand, loc=operator_loc, ref=ref)
        elif kind == "derived":
            value_type = "boolean" if isinstance(self.d.derived[ref], Test) else "number"
            self._operator_fits(value_type, None, key, operand, loc=operator_loc, ref=ref)
        else:
            score = self.d.scores[ref]
            if key == "band":
                labels = [band.label for band in score.bands]
                if operand not in labels:
                    self.add(
                        Code.TYPE_MISMATCH,
                        operator_loc,
                        f"score '{ref}' has no band '{operand}'",
                        f"bands are: {', '.join(labels)}",
                    )
                return
            self._operator_fits("number", None, key, operand, loc=operator_loc, ref=ref)

    def _resolve(self, operand: Any, loc: Loc) -> tuple[bool, Any]:
        if isinstance(operand, ParamRef):
            parameter = self.d.parameters.get(operand.param)
            if parameter is None:
                self.add(
                    Code.UNKNOWN_REFERENCE,
                    loc,
                    f"unknown parameter '{operand.param}'",
                    self._suggest(operand.param, list(self.d.parameters)) or "add it under 'parameters'",
                )
                return False, None
            return True, parameter.value
        return True, operand

    def _operator_fits(
        self, value_type: str, item: Item | None, key: str, operand: Any, *, loc: Loc, ref: str
    ) -> None:
        known, value = self._resolve(operand, loc)
        if not known:
            return
        values = value if isinstance(value, list) else [value]
        if key in ("in", "not_in") and not isinstance(value, list):
            self.add(Code.TYPE_MISMATCH, loc, f"'{key}' takes a list of values")
            return
        allowed = _OPERATORS[value_type]
        if key not in allowed:
            self.add(
                Code.TYPE_MISMATCH,
                loc,
                f"'{key}' does not apply to {_TYPE_WORDS[value_type]} '{ref}'",
                f"use one of: {', '.join(allowed)}"
                if allowed
                else "use 'answered', or a count over the group",
            )
            return
        if value_type in ("choice", "multi"):
            assert isinstance(item, (ChoiceItem, MultiChoiceItem))
            options = self.d.options(item)
            codes = [option.code for option in options]
            ordering = key in ("gt", "gte", "lt", "lte")
            for candidate in values:
                if ordering and isinstance(candidate, (int, float)) and not isinstance(candidate, bool):
                    continue
                if not isinstance(candidate, str) or candidate not in codes:
                    self.add(
                        Code.TYPE_MISMATCH,
                        loc,
                        f"'{candidate}' is not a choice of '{ref}'",
                        self._suggest(str(candidate), codes) or f"choices are: {', '.join(codes)}",
                    )
            if ordering and any(option.score is None for option in options):
                self.add(
                    Code.TYPE_MISMATCH,
                    loc,
                    f"'{key}' orders the choices of '{ref}' by score, but not every choice has a score",
                    "compare codes with eq / in instead",
                )
            return
        expected = {
            "boolean": (bool,),
            "number": (int, float),
            "date": (dt.date,),
            "text": (str,),
        }[value_type]
        for candidate in values:
            wrong_bool = value_type != "boolean" and isinstance(candidate, bool)
            if wrong_bool or not isinstance(candidate, expected):
                self.add(
                    Code.TYPE_MISMATCH,
                    loc,
                    f"'{ref}' is {_TYPE_WORDS[value_type]} and cannot be compared with {candidate!r}",
                )

    # ------------------------------------------------------------------ derived values

    def _derived(self) -> None:
        for index, spec in enumerate(self.q.derived):
            loc: Loc = ("derived", index)
            self._sources(spec.source, (*loc, "source"))
            if isinstance(spec, AgeYears):
                self._typed_item(spec.date_of_birth, (*loc, "date_of_birth"), (DateItem,), "a date")
            elif isinstance(spec, Bmi):
                self._numeric(spec.weight_kg, (*loc, "weight_kg"))
                self._numeric(spec.height_cm, (*loc, "height_cm"))
            elif isinstance(spec, Count):
                if self._typed_item(spec.group, (*loc, "group"), (GroupItem,), "a repeating group"):
                    group = self.d.items[spec.group]
                    assert isinstance(group, GroupItem)
                    if spec.where is not None:
                        self._condition(spec.where, (*loc, "where"), group)
            elif isinstance(spec, Test):
                self._condition(spec.when, (*loc, "when"), None)
            elif isinstance(spec, IdealBodyWeight):
                self._numeric(spec.height_cm, (*loc, "height_cm"))
                if self._typed_item(spec.sex, (*loc, "sex"), (ChoiceItem,), "a choice"):
                    sex = self.d.items[spec.sex]
                    assert isinstance(sex, ChoiceItem)
                    codes = [option.code for option in self.d.options(sex)]
                    for key in ("male", "female"):
                        for c_index, code in enumerate(getattr(spec, key)):
                            if code not in codes:
                                self.add(
                                    Code.TYPE_MISMATCH,
                                    (*loc, key, c_index),
                                    f"'{code}' is not a choice of '{spec.sex}'",
                                    self._suggest(code, codes),
                                )
            elif isinstance(spec, AdjustedBodyWeight):
                if self._ref("derived", spec.ideal, (*loc, "ideal")) and not isinstance(
                    self.d.derived[spec.ideal], IdealBodyWeight
                ):
                    self.add(
                        Code.TYPE_MISMATCH, (*loc, "ideal"), f"'{spec.ideal}' is not an ideal body weight"
                    )
                self._numeric(spec.actual_kg, (*loc, "actual_kg"))

    def _typed_item(self, ref: str, loc: Loc, types: tuple[type, ...], words: str) -> bool:
        if not self._ref("item", ref, loc):
            return False
        if not isinstance(self.d.items[ref], types):
            self.add(Code.TYPE_MISMATCH, loc, f"'{ref}' must be {words} item")
            return False
        return True

    def _numeric(self, ref: str, loc: Loc) -> None:
        kind = self.d.kind_of(ref)
        if kind == "derived" and not isinstance(self.d.derived[ref], Test):
            return
        self._typed_item(ref, loc, (IntegerItem, NumberItem), "a number")

    # ------------------------------------------------------------------ scores

    def _scores(self) -> None:
        for index, score in enumerate(self.q.scores):
            loc: Loc = ("scores", index)
            self._sources(score.source, (*loc, "source"))
            ok = True
            if score.items is not None:
                for i_index, item_id in enumerate(score.items):
                    ok &= self._scored_choice(item_id, (*loc, "items", i_index))
            for t_index, term in enumerate(score.terms or []):
                t_loc = (*loc, "terms", t_index)
                if term.item is not None:
                    if not self._ref("item", term.item, (*t_loc, "item")):
                        ok = False
                        continue
                    item = self.d.items[term.item]
                    if isinstance(item, ChoiceItem) and term.points is None:
                        ok &= self._scored_choice(term.item, (*t_loc, "item"))
                    elif not isinstance(item, (ChoiceItem, BooleanItem, IntegerItem, NumberItem)):
                        self.add(
                            Code.TYPE_MISMATCH,
                            (*t_loc, "item"),
                            f"'{term.item}' cannot be scored: use a choice, yes/no or number item",
                        )
                        ok = False
                elif term.derived is not None and not self._ref("derived", term.derived, (*t_loc, "derived")):
                    ok = False
            if score.requires is not None:
                self._condition(score.requires, (*loc, "requires"), None)
            labels: set[str] = set()
            for b_index, band in enumerate(score.bands):
                if band.min > band.max:
                    self.add(
                        Code.BAND_OVERLAP, (*loc, "bands", b_index), f"band '{band.label}': min is above max"
                    )
                    ok = False
                if band.label in labels:
                    self.add(
                        Code.DUPLICATE_ID, (*loc, "bands", b_index, "label"), f"duplicate band '{band.label}'"
                    )
                labels.add(band.label)
            if ok:
                self._bands(score, loc)

    def _scored_choice(self, item_id: str, loc: Loc) -> bool:
        if not self._ref("item", item_id, loc):
            return False
        item = self.d.items[item_id]
        if not isinstance(item, ChoiceItem):
            self.add(Code.TYPE_MISMATCH, loc, f"'{item_id}' is not a choice item; only choices have scores")
            return False
        unscored = [option.code for option in self.d.options(item) if option.score is None]
        if unscored:
            self.add(
                Code.UNSCORED,
                loc,
                f"'{item_id}' is scored but its choices {', '.join(unscored)} have no score",
                "give every option a score, or leave the item out of the score",
            )
            return False
        return True

    def _bands(self, score: Score, loc: Loc) -> None:
        bounds = score_range(self.d, score)
        if bounds is None:
            self.add(
                Code.BAND_RANGE,
                (*loc, "bands"),
                f"the range of score '{score.id}' cannot be worked out",
                "give numeric items of the score a min and max, or map them to points",
            )
            return
        low, high = bounds
        integral = all(_is_whole(v) for v in (low, high)) and all(
            _is_whole(band.min) and _is_whole(band.max) for band in score.bands
        )
        order = sorted(range(len(score.bands)), key=lambda i: (score.bands[i].min, score.bands[i].max))
        first, last = score.bands[order[0]], score.bands[order[-1]]
        span = f"{_fmt(low)}–{_fmt(high)}"
        if first.min > low:
            self.add(
                Code.BAND_GAP,
                (*loc, "bands", order[0], "min"),
                f"score '{score.id}': no band covers {_span(low, first.min - 1 if integral else first.min)}"
                f" (the score ranges {span})",
            )
        elif first.min < low:
            self.add(
                Code.BAND_RANGE,
                (*loc, "bands", order[0], "min"),
                f"score '{score.id}': band '{first.label}' starts at {_fmt(first.min)}, below the lowest"
                f" possible score {_fmt(low)}",
            )
        if last.max < high:
            self.add(
                Code.BAND_GAP,
                (*loc, "bands", order[-1], "max"),
                f"score '{score.id}': no band covers {_span(last.max + 1 if integral else last.max, high)}"
                f" (the score ranges {span})",
            )
        elif last.max > high:
            self.add(
                Code.BAND_RANGE,
                (*loc, "bands", order[-1], "max"),
                f"score '{score.id}': band '{last.label}' ends at {_fmt(last.max)}, above the highest"
                f" possible score {_fmt(high)}",
            )
        for before_index, after_index in itertools.pairwise(order):
            before, after = score.bands[before_index], score.bands[after_index]
            if after.min <= before.max:
                self.add(
                    Code.BAND_OVERLAP,
                    (*loc, "bands", after_index, "min"),
                    f"score '{score.id}': bands '{before.label}' and '{after.label}' overlap"
                    f" at {_span(after.min, min(before.max, after.max))}",
                )
            elif integral and after.min > before.max + 1:
                self.add(
                    Code.BAND_GAP,
                    (*loc, "bands", after_index, "min"),
                    f"score '{score.id}': no band covers {_span(before.max + 1, after.min - 1)}",
                )

    # ------------------------------------------------------------------ rules and content

    def _rules(self) -> None:
        for index, rule in enumerate(self.q.rules):
            loc: Loc = ("rules", index)
            self._condition(rule.when, (*loc, "when"), None)
            if not rule.source:
                self.add(
                    Code.NO_SOURCE,
                    (*loc, "id"),
                    f"rule '{rule.id}' cites no source",
                    "every rule cites where it comes from: add 'source: [id]' naming an entry of 'sources'",
                )
            self._sources(rule.source, (*loc, "source"))
        for index, requirement in enumerate(self.q.requirements):
            loc = ("requirements", index)
            self._condition(requirement.when, (*loc, "when"), None)
            if not requirement.source:
                self.add(Code.NO_SOURCE, (*loc, "id"), f"requirement '{requirement.id}' cites no source")
            self._sources(requirement.source, (*loc, "source"))
        for name, parameter in self.q.parameters.items():
            self._sources(parameter.source, ("parameters", name, "source"))

    def _content(self) -> None:
        for index, plan in enumerate(self.q.plans):
            loc: Loc = ("plans", index)
            self._sources(plan.source, (*loc, "source"))
            days = [session.day for session in plan.sessions]
            if days != sorted(set(days)):
                self.add(
                    Code.FORMAT, (*loc, "sessions"), f"plan '{plan.id}': session days must be increasing"
                )
            self._plan_phases(plan, loc)
            if isinstance(plan.dose, FixedDose) and plan.dose.older_adult is not None:
                self._older_adult_dose(plan.id, plan.dose.older_adult, (*loc, "dose", "older_adult"))
            self._placeholders(plan.patient_summary, (*loc, "patient_summary"))
            for key in ("before_session", "after_session"):
                for line_index, line in enumerate(getattr(plan, key)):
                    self._placeholders(line, (*loc, key, line_index))
        for index, entry in enumerate(self.q.evidence):
            loc = ("evidence", index)
            self._sources(entry.source, (*loc, "source"))
            self._plans(entry.plans, (*loc, "plans"))
            if not entry.source:
                self.add(Code.NO_SOURCE, (*loc, "id"), f"evidence '{entry.id}' cites no source")
            if entry.show_if is not None:
                self._condition(entry.show_if, (*loc, "show_if"), None)
            if entry.patient_text:
                self._placeholders(entry.patient_text, (*loc, "patient_text"))
        for index, block in enumerate(self.q.handout):
            loc = ("handout", index)
            self._sources(block.source, (*loc, "source"))
            self._plans(block.plans, (*loc, "plans"))
            if block.show_if is not None:
                self._condition(block.show_if, (*loc, "show_if"), None)
            self._placeholders(block.heading, (*loc, "heading"))
            for key in ("paragraphs", "bullets"):
                for line_index, line in enumerate(getattr(block, key)):
                    self._placeholders(line, (*loc, key, line_index))
        self._sources(self.q.source, ("source",))

    def _placeholders(self, text: str, loc: Loc) -> None:
        """Text for patients names clinic settings only through the placeholders the documents fill."""
        for name in placeholder_names(text):
            if name not in PLACEHOLDERS:
                known = ", ".join(f"{{{known}}}" for known in PLACEHOLDERS)
                self.add(
                    Code.UNKNOWN_REFERENCE,
                    loc,
                    f"unknown placeholder '{{{name}}}'",
                    did_you_mean(name, PLACEHOLDERS) or f"the documents fill {known} from clinic settings",
                )

    def _plan_phases(self, plan: Plan, loc: Loc) -> None:
        """Phase ids unique within the plan; every session's phase one of them; step sources known."""
        first: dict[str, int] = {}
        for index, phase in enumerate(plan.phases):
            if phase.id in first:
                self.add(
                    Code.DUPLICATE_ID,
                    (*loc, "phases", index, "id"),
                    f"plan '{plan.id}': duplicate phase id '{phase.id}'",
                )
            first.setdefault(phase.id, index)
        for index, session in enumerate(plan.sessions):
            if session.phase is not None and session.phase not in first:
                self.add(
                    Code.UNKNOWN_REFERENCE,
                    (*loc, "sessions", index, "phase"),
                    f"plan '{plan.id}': unknown phase '{session.phase}'",
                    self._suggest(session.phase, list(first)) or "add it under the plan's 'phases'",
                )
        for index, step in enumerate(plan.before_first_session):
            self._sources(step.source, (*loc, "before_first_session", index, "source"))

    def _older_adult_dose(self, plan_id: str, dose: OlderAdultDose, loc: Loc) -> None:
        """Doses by age need the screening's age and parameters that are positive numbers."""
        if not any(isinstance(spec, AgeYears) for spec in self.d.derived.values()):
            self.add(
                Code.UNKNOWN_REFERENCE,
                loc,
                f"plan '{plan_id}' sets doses by age, but the questionnaire has no age",
                "add a derived value of kind age_years",
            )
        for key in ("from_age", "first_session_mg"):
            operand = getattr(dose, key)
            known, value = self._resolve(operand, (*loc, key))
            if not known or not isinstance(operand, ParamRef):
                continue
            positive = key == "first_session_mg"
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (positive and value <= 0):
                self.add(
                    Code.TYPE_MISMATCH,
                    (*loc, key),
                    f"parameter '{operand.param}' is not a {'positive ' if positive else ''}number",
                    f"'{key}' of plan '{plan_id}' needs one",
                )

    def _example_references(self) -> None:
        names = [example.name for example in self.q.examples]
        rule_ids = [rule.id for rule in self.d.rules]
        requirement_ids = [requirement.id for requirement in self.d.requirements]
        for index, example in enumerate(self.q.examples):
            loc: Loc = ("examples", index)
            if example.extends is not None and example.extends not in names:
                self.add(
                    Code.EXAMPLE_INVALID,
                    (*loc, "extends"),
                    f"example '{example.name}' extends '{example.extends}', which is not an example here",
                    self._suggest(example.extends, names),
                )
            expect = example.expect
            expect_loc = (*loc, "expect")
            for key in (
                "flags",
                "flags_include",
                "flags_exclude",
                "review_unmatched",
                "review_unacknowledged",
            ):
                for f_index, flag_id in enumerate(getattr(expect, key) or []):
                    if flag_id not in rule_ids and key not in ("review_unmatched",):
                        self.add(
                            Code.UNKNOWN_REFERENCE,
                            (*expect_loc, key, f_index),
                            f"unknown rule '{flag_id}'",
                            self._suggest(flag_id, rule_ids),
                        )
            for score_id in expect.scores:
                if score_id not in self.d.scores:
                    self.add(
                        Code.UNKNOWN_REFERENCE,
                        (*expect_loc, "scores", score_id),
                        f"unknown score '{score_id}'",
                        self._suggest(score_id, list(self.d.scores)),
                    )
            for derived_id in expect.derived:
                if derived_id not in self.d.derived:
                    self.add(
                        Code.UNKNOWN_REFERENCE,
                        (*expect_loc, "derived", derived_id),
                        f"unknown derived value '{derived_id}'",
                        self._suggest(derived_id, list(self.d.derived)),
                    )
            for requirement_id in expect.requirements:
                if requirement_id not in requirement_ids:
                    self.add(
                        Code.UNKNOWN_REFERENCE,
                        (*expect_loc, "requirements", requirement_id),
                        f"unknown requirement '{requirement_id}'",
                        self._suggest(requirement_id, requirement_ids),
                    )

    # ------------------------------------------------------------------ cycles

    def _cycles(self) -> None:
        graph: dict[str, list[str]] = {}
        own: dict[str, Loc] = {}
        for s_index, section in enumerate(self.q.sections):
            for i_index, item in enumerate(section.items):
                own[f"item:{item.id}"] = ("sections", s_index, "items", i_index, "show_if")
        for index, spec in enumerate(self.q.derived):
            own[f"derived:{spec.id}"] = ("derived", index, "id")
        for index, score in enumerate(self.q.scores):
            own[f"score:{score.id}"] = ("scores", index, "id")

        for view in self.d.sections:
            section_refs = _condition_refs(view.section.show_if) if view.section.show_if else set()
            for item in view.section.items:
                refs = set(section_refs)
                if item.show_if is not None:
                    refs |= _condition_refs(item.show_if)
                graph[f"item:{item.id}"] = sorted(f"{r.kind}:{r.id}" for r in refs)
        for derived_id, spec in self.d.derived.items():
            graph[f"derived:{derived_id}"] = sorted(f"{r.kind}:{r.id}" for r in _derived_refs(spec))
        for score_id, score in self.d.scores.items():
            refs = {_Ref("item" if t.item else "derived", t.ref) for t in score.all_terms}
            if score.requires is not None:
                refs |= _condition_refs(score.requires)
            graph[f"score:{score_id}"] = sorted(f"{r.kind}:{r.id}" for r in refs)

        for component in _strongly_connected(graph):
            members = [node for node in component if node in own]
            if not members:
                continue
            cyclic = len(component) > 1 or component[0] in graph.get(component[0], [])
            if not cyclic:
                continue
            names = [node.split(":", 1)[1] for node in component]
            self.add(
                Code.CYCLE,
                own[members[0]],
                f"cycle: {' → '.join([*names, names[0]])}",
                "a value cannot depend, directly or through others, on itself",
            )

    # ------------------------------------------------------------------ reachability

    def _reachability(self) -> None:
        never_shown: set[str] = set()
        fields = _count_fields(self.d)  # once: the never-true analysis runs for every condition
        changed = True
        while changed:
            changed = False
            for view in self.d.sections:
                section_never = view.section.show_if is not None and _never_true(
                    self.d, view.section.show_if, never_shown, fields
                )
                for item in view.section.items:
                    if item.id in never_shown:
                        continue
                    if section_never or (
                        item.show_if is not None and _never_true(self.d, item.show_if, never_shown, fields)
                    ):
                        never_shown.add(item.id)
                        changed = True

        for s_index, section in enumerate(self.q.sections):
            if section.show_if is not None and _never_true(self.d, section.show_if, never_shown, fields):
                self.add(
                    Code.NEVER_SHOWN,
                    ("sections", s_index, "show_if"),
                    f"section '{section.id}' can never be shown: its condition can never be true",
                )
                continue
            for i_index, item in enumerate(section.items):
                if item.id not in never_shown or item.show_if is None:
                    continue
                loc = ("sections", s_index, "items", i_index, "show_if")
                if item.required:
                    self.add(
                        Code.REQUIRED_NEVER_SHOWN,
                        loc,
                        f"required item '{item.id}' can never be shown: its condition can never be true",
                        "check the condition; an item that is never asked is never answered",
                    )
                else:
                    self.add(
                        Code.NEVER_SHOWN,
                        loc,
                        f"item '{item.id}' can never be shown: its condition can never be true",
                    )

        def warn(condition: Condition, loc: Loc, what: str) -> None:
            if _never_true(self.d, condition, never_shown, fields):
                self.add(
                    Code.NEVER_TRUE,
                    loc,
                    f"the condition of {what} can never be true",
                    "check the values it compares with, and whether the items it reads can be shown",
                )

        for index, rule in enumerate(self.q.rules):
            warn(rule.when, ("rules", index, "when"), f"rule '{rule.id}'")
        for index, requirement in enumerate(self.q.requirements):
            warn(requirement.when, ("requirements", index, "when"), f"requirement '{requirement.id}'")
        for index, spec in enumerate(self.q.derived):
            if isinstance(spec, Test):
                warn(spec.when, ("derived", index, "when"), f"derived value '{spec.id}'")
        for index, block in enumerate(self.q.handout):
            if block.show_if is not None:
                warn(block.show_if, ("handout", index, "show_if"), f"handout block '{block.id}'")
        for index, entry in enumerate(self.q.evidence):
            if entry.show_if is not None:
                warn(entry.show_if, ("evidence", index, "show_if"), f"evidence '{entry.id}'")


# ---------------------------------------------------------------------------------------------
# Helpers shared by the checks

_OPERATORS: dict[str, tuple[str, ...]] = {
    "boolean": ("eq", "ne", "in", "not_in"),
    "choice": ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte"),
    "multi": ("contains",),
    "number": ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte"),
    "date": ("eq", "ne", "gt", "gte", "lt", "lte"),
    "text": ("eq", "ne", "in", "not_in"),
    "group": (),
}
_KIND_WORDS = {"item": "an item", "derived": "a derived value", "score": "a score"}
_TYPE_WORDS = {
    "boolean": "the yes/no item",
    "choice": "the choice item",
    "multi": "the multiple-choice item",
    "number": "the number",
    "date": "the date",
    "text": "the text item",
    "group": "the repeating group",
}


def _item_type(item: Item) -> str:
    if isinstance(item, BooleanItem):
        return "boolean"
    if isinstance(item, ChoiceItem):
        return "choice"
    if isinstance(item, MultiChoiceItem):
        return "multi"
    if isinstance(item, (IntegerItem, NumberItem)):
        return "number"
    if isinstance(item, DateItem):
        return "date"
    if isinstance(item, TextItem):
        return "text"
    return "group"


def _is_whole(value: float) -> bool:
    return float(value).is_integer()


def _fmt(value: float) -> str:
    return f"{value:g}"


def _span(low: float, high: float) -> str:
    return _fmt(low) if low == high else f"{_fmt(low)}–{_fmt(high)}"


def _leaves(condition: Condition) -> Iterator[Compare | Answered]:
    if isinstance(condition, AllOf):
        for child in condition.all:
            yield from _leaves(child)
    elif isinstance(condition, AnyOf):
        for child in condition.any:
            yield from _leaves(child)
    elif isinstance(condition, NotOf):
        yield from _leaves(condition.not_)
    else:
        yield condition


def _condition_refs(condition: Condition) -> set[_Ref]:
    refs: set[_Ref] = set()
    for leaf in _leaves(condition):
        if isinstance(leaf, Answered):
            refs.add(_Ref("item", leaf.answered))
        else:
            kind, ref = leaf.target
            if kind != "field":
                refs.add(_Ref(kind, ref))
    return refs


def _derived_refs(spec: Any) -> set[_Ref]:
    if isinstance(spec, AgeYears):
        return {_Ref("item", spec.date_of_birth)}
    if isinstance(spec, Bmi):
        return {_Ref("item", spec.weight_kg), _Ref("item", spec.height_cm)}
    if isinstance(spec, Count):
        refs = {_Ref("item", spec.group)}
        return refs | (_condition_refs(spec.where) if spec.where else set())
    if isinstance(spec, Test):
        return _condition_refs(spec.when)
    if isinstance(spec, IdealBodyWeight):
        return {_Ref("item", spec.sex), _Ref("item", spec.height_cm)}
    if isinstance(spec, AdjustedBodyWeight):
        return {_Ref("derived", spec.ideal), _Ref("item", spec.actual_kg)}
    return set()


def _strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components in discovery order, members in graph order."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    order = {node: position for position, node in enumerate(graph)}
    for root in graph:
        if root in index_of:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child_index = work.pop()
            if child_index == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = [c for c in graph.get(node, []) if c in graph]
            if child_index < len(children):
                work.append((node, child_index + 1))
                child = children[child_index]
                if child not in index_of:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index_of[child])
                continue
            if low[node] == index_of[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component, key=lambda n: order.get(n, 0)))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


# ---------------------------------------------------------------------------------------------
# Never-true analysis


def _never_true(
    definition: Definition,
    condition: Condition,
    never_shown: set[str],
    fields: dict[str, Item] | None = None,
) -> bool:
    """True when no assignment of values makes the condition true (False when too large to try).

    `fields` is `_count_fields(definition)`, passed in when many conditions are analysed."""
    targets = _targets(definition, condition, _count_fields(definition) if fields is None else fields)
    domains = _domains(definition, condition, never_shown, targets)
    size = 1
    for values in domains.values():
        size *= max(len(values), 1)
        if size > _ENUMERATION_LIMIT:
            return False
    keys = list(domains)
    for combination in itertools.product(*(domains[key] for key in keys)):
        assignment = dict(zip(keys, combination, strict=True))
        if _static_truth(definition, condition, assignment, targets) is True:
            return False
    return True


def _count_fields(definition: Definition) -> dict[str, Item]:
    """The fields of the groups that counts look into: what `field:` in a `where` can name."""
    fields: dict[str, Item] = {}
    for derived in definition.derived.values():
        if isinstance(derived, Count) and derived.where is not None:
            group = definition.items.get(derived.group)
            if isinstance(group, GroupItem):
                fields.update({f.id: f for f in group.fields})
    return fields


def _targets(
    definition: Definition, condition: Condition, scope_fields: dict[str, Item]
) -> dict[_Ref, Item | None]:
    """The item (or group field) definition behind each reference of a condition."""
    targets: dict[_Ref, Item | None] = {}
    for leaf in _leaves(condition):
        if isinstance(leaf, Answered):
            targets[_Ref("item", leaf.answered)] = definition.items.get(leaf.answered)
            continue
        kind, ref_id = leaf.target
        if kind == "item":
            targets[_Ref(kind, ref_id)] = definition.items.get(ref_id)
        elif kind == "field":
            targets[_Ref(kind, ref_id)] = scope_fields.get(ref_id)
        else:
            targets[_Ref(kind, ref_id)] = None
    return targets


def _domains(
    definition: Definition, condition: Condition, never_shown: set[str], targets: dict[_Ref, Item | None]
) -> dict[_Ref, list[Any]]:
    operands: dict[_Ref, list[Any]] = {}
    answered: set[_Ref] = set()
    for leaf in _leaves(condition):
        if isinstance(leaf, Answered):
            ref = _Ref("item", leaf.answered)
            answered.add(ref)
            operands.setdefault(ref, [])
            continue
        kind, ref_id = leaf.target
        ref = _Ref(kind, ref_id)
        key, operand = leaf.operator
        if isinstance(operand, ParamRef):
            parameter = definition.parameters.get(operand.param)
            operand = None if parameter is None else parameter.value
        values = operand if isinstance(operand, list) else [operand]
        if key == "band":
            score = definition.scores.get(ref_id)
            values = [b.min for b in score.bands] + [b.max for b in score.bands] if score else []
        operands.setdefault(ref, []).extend(v for v in values if v is not None)

    domains: dict[_Ref, list[Any]] = {}
    for ref, constants in operands.items():
        if ref.kind == "item" and ref.id in never_shown:
            domains[ref] = [None]
            continue
        values = _candidates(definition, ref, targets.get(ref), constants)
        if ref in answered:
            values = [*values, None]
        domains[ref] = values or [None]
    return domains


def _candidates(definition: Definition, ref: _Ref, item: Item | None, constants: list[Any]) -> list[Any]:
    if isinstance(item, BooleanItem) or (
        ref.kind == "derived" and isinstance(definition.derived.get(ref.id), Test)
    ):
        return [True, False]
    if isinstance(item, ChoiceItem):
        return [option.code for option in definition.options(item)]
    if isinstance(item, MultiChoiceItem):
        codes = sorted({c for c in constants if isinstance(c, str)})
        if len(codes) > 12:
            return [codes]
        return [list(combo) for r in range(len(codes) + 1) for combo in itertools.combinations(codes, r)]
    if isinstance(item, TextItem):
        return [*{c for c in constants if isinstance(c, str)}, "\u0000other"]
    if isinstance(item, DateItem):
        dates = [c for c in constants if isinstance(c, dt.date)]
        one = dt.timedelta(days=1)
        return sorted({d + delta for d in dates for delta in (-one, dt.timedelta(0), one)}) or [
            dt.date(2000, 1, 1)
        ]
    if isinstance(item, GroupItem):
        return [[]]
    low: float | None = None
    high: float | None = None
    whole = True
    if isinstance(item, (IntegerItem, NumberItem)):
        low, high = item.min, item.max
        whole = isinstance(item, IntegerItem)
    elif ref.kind == "score":
        score = definition.scores.get(ref.id)
        bounds = score_range(definition, score) if score else None
        if bounds:
            low, high = bounds
            whole = all(_is_whole(v) for v in bounds)
    elif ref.kind == "derived":
        spec = definition.derived.get(ref.id)
        whole = isinstance(spec, (AgeYears, Count))
        if isinstance(spec, (AgeYears, Count, Bmi, IdealBodyWeight, AdjustedBodyWeight)):
            low = 0
    numbers = [float(c) for c in constants if isinstance(c, (int, float)) and not isinstance(c, bool)]
    points: set[float] = set()
    step = 1.0 if whole else 0.5
    for number in numbers:
        if whole:
            points.update(
                {math.floor(number) - 1, math.floor(number), math.ceil(number), math.ceil(number) + 1}
            )
        else:
            points.update({number - step, number, number + step})
    for bound in (low, high):
        if bound is not None:
            points.add(float(bound))
    if not points:
        points.add(0.0 if low is None else float(low))
    result = sorted(p for p in points if (low is None or p >= low) and (high is None or p <= high))
    return [int(p) if whole and float(p).is_integer() else p for p in result]


def _static_truth(
    definition: Definition,
    condition: Condition,
    assignment: dict[_Ref, Any],
    targets: dict[_Ref, Item | None],
) -> bool | None:
    if isinstance(condition, AllOf):
        results = [_static_truth(definition, child, assignment, targets) for child in condition.all]
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else None
    if isinstance(condition, AnyOf):
        results = [_static_truth(definition, child, assignment, targets) for child in condition.any]
        if any(r is True for r in results):
            return True
        return False if all(r is False for r in results) else None
    if isinstance(condition, NotOf):
        inner = _static_truth(definition, condition.not_, assignment, targets)
        return None if inner is None else not inner
    if isinstance(condition, Answered):
        return assignment.get(_Ref("item", condition.answered)) is not None
    kind, ref_id = condition.target
    key, operand = condition.operator
    value = assignment.get(_Ref(kind, ref_id))
    if value is None:
        return None
    if isinstance(operand, ParamRef):
        parameter = definition.parameters.get(operand.param)
        operand = None if parameter is None else parameter.value
    item = targets.get(_Ref(kind, ref_id))
    if kind == "score" and key == "band":
        score = definition.scores.get(ref_id)
        label = next((b.label for b in score.bands if b.min <= value <= b.max), None) if score else None
        return None if label is None else label == operand
    return apply_operator(key, value, operand, item, definition)
