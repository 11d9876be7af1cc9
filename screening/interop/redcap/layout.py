"""The REDCap layout of a questionnaire: its forms (instruments) and fields, with the raw value of
each choice code; shared by the data dictionary, the branching logic, the record and the import."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from screening.conditions import Condition
from screening.definition import Definition
from screening.items import GroupItem
from screening.model import ChoiceItem, Item, MultiChoiceItem

RECORD_ID = "record_id"
ASSESSED_ON = "assessed_on"
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
_RADIO_CODE = re.compile(r"[A-Za-z0-9_]+")
_CHECKBOX_CODE = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True)
class Field:
    name: str
    form: str
    item: Item
    group: GroupItem | None = None  # a field of this repeating group
    counts: GroupItem | None = None  # the row count of this group
    header: str = ""
    conditions: tuple[Condition, ...] = ()
    codes: dict[str, str] = field(default_factory=dict)  # our code -> REDCap raw value

    @property
    def columns(self) -> list[str]:
        if isinstance(self.item, MultiChoiceItem):
            return [f"{self.name}___{raw}" for raw in self.codes.values()]
        return [self.name]


@dataclass
class Layout:
    definition: Definition
    fields: list[Field] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    repeating: dict[str, GroupItem] = field(default_factory=dict)  # form -> group
    lines: list[str] = field(default_factory=list)

    @property
    def first_form(self) -> str:
        return self.forms[0] if self.forms else "screening"

    def columns(self) -> list[str]:
        return [column for entry in self.fields for column in entry.columns]


def _form_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_]", "_", name.lower()).strip("_") or "form"
    base = base if base[0].isalpha() else f"form_{base}"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}_{number}", number + 1
    taken.add(candidate)
    return candidate


def _raw_codes(item: ChoiceItem | MultiChoiceItem, definition: Definition) -> tuple[dict[str, str], bool]:
    codes = [option.code for option in definition.options(item)]
    pattern = _CHECKBOX_CODE if isinstance(item, MultiChoiceItem) else _RADIO_CODE
    if all(pattern.fullmatch(code) for code in codes):
        return {code: code for code in codes}, False
    return {code: str(number) for number, code in enumerate(codes, start=1)}, True


def build_layout(definition: Definition) -> Layout:
    layout = Layout(definition)
    taken_forms: set[str] = set()
    names: set[str] = {RECORD_ID, ASSESSED_ON}
    form_of_part: dict[str, str] = {}
    children: dict[str, list[str]] = {}
    per_form: dict[str, list[Field]] = {}

    def variable(wanted: str, prefix: str) -> str:
        name = wanted
        if name in names or name.startswith("redcap_"):
            name = f"{prefix}_{wanted}"
        number = 2
        while name in names:
            name, number = f"{prefix}_{wanted}_{number}", number + 1
        if name != wanted:
            layout.lines.append(f"{wanted}: exported as the REDCap field '{name}' (the name is taken)")
        names.add(name)
        return name

    def add(form: str, entry: Field) -> None:
        per_form.setdefault(form, []).append(_with_codes(entry, definition, layout.lines))

    for view in definition.sections:
        if view.origin == definition.id:
            form = _form_name(view.id, taken_forms)
            layout.forms.append(form)
        elif view.origin in form_of_part:
            form = form_of_part[view.origin]
        else:
            form = form_of_part[view.origin] = _form_name(view.origin, taken_forms)
            layout.forms.append(form)
        section_conditions = (view.section.show_if,) if view.section.show_if is not None else ()
        header = view.title
        for item in view.section.items:
            conditions = section_conditions + ((item.show_if,) if item.show_if is not None else ())
            if isinstance(item, GroupItem):
                add(
                    form,
                    Field(
                        variable(f"{item.id}_count", item.id),
                        form,
                        item,
                        counts=item,
                        header=header,
                        conditions=conditions,
                    ),
                )
                group_form = _form_name(item.id, taken_forms)
                children.setdefault(form, []).append(group_form)
                layout.repeating[group_form] = item
                for number, member in enumerate(item.fields):
                    add(
                        group_form,
                        Field(
                            variable(member.id, item.id),
                            group_form,
                            member,
                            group=item,
                            header=item.text if number == 0 else "",
                            conditions=conditions,
                        ),
                    )
            else:
                add(form, Field(variable(item.id, "item"), form, item, header=header, conditions=conditions))
            header = ""
    ordered: list[str] = []
    for form in layout.forms:
        ordered.append(form)
        ordered.extend(children.get(form, []))
    layout.forms = ordered
    layout.fields = [entry for form in ordered for entry in per_form.get(form, [])]
    return layout


def _with_codes(entry: Field, definition: Definition, lines: list[str]) -> Field:
    """The field with the REDCap raw value of each choice code."""
    if not isinstance(entry.item, (ChoiceItem, MultiChoiceItem)):
        return entry
    codes, numbered = _raw_codes(entry.item, definition)
    if numbered:
        lines.append(f"{entry.name}: its choice codes are not REDCap raw values; numbered 1 to {len(codes)}")
    return replace(entry, codes=codes)


def number_text(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    return f"{Decimal(text):f}" if "e" in text or "E" in text else text
