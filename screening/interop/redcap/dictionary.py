"""A questionnaire as a REDCap data dictionary (CSV), with what the dictionary cannot express."""

from __future__ import annotations

import csv
import io

from screening.definition import Definition
from screening.interop.redcap.branching import NotExpressible, branching_logic
from screening.interop.redcap.layout import ASSESSED_ON, RECORD_ID, Field, Layout, build_layout, number_text
from screening.model import AgeYears, BooleanItem, ChoiceItem, DateItem, MultiChoiceItem, TextItem

HEADERS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
"""REDCap's data dictionary columns, in REDCap's order."""

FIELD_TYPES: dict[str, tuple[str, str] | None] = {
    "text": ("text", ""),
    "date": ("text", "date_ymd"),
    "integer": ("text", "integer"),
    "number": ("text", "number"),
    "boolean": ("yesno", ""),
    "choice": ("radio", ""),
    "multi_choice": ("checkbox", ""),
    "group": None,  # its fields go to a repeating form of their own
}
"""REDCap field type and text validation by item kind (`type`); a multiline text is `notes`, a
yes/no item with its own labels a radio with the raw values 1 and 0."""

_IDENTIFIER_ITEMS = ("patient_name", "mrn")
"""Items that identify the patient besides every date of birth (marked `Identifier?` = y)."""


def data_dictionary(definition: Definition) -> tuple[str, list[str]]:
    """The REDCap data dictionary (CSV text) and one line per thing it could not express."""
    layout = build_layout(definition)
    lines = list(layout.lines)
    identifiers = set(_IDENTIFIER_ITEMS) | {
        spec.date_of_birth for spec in definition.derived.values() if isinstance(spec, AgeYears)
    }
    first = {"form": layout.first_form, "type": "text"}
    rows = [
        _row({**first, "name": RECORD_ID, "label": "Record ID"}),
        _row({**first, "name": ASSESSED_ON, "label": "Date of the screening", "validation": "date_ymd"}),
    ]
    for entry in layout.fields:
        rows.append(_dictionary_row(entry, layout, identifiers, lines))
    for form, group in layout.repeating.items():
        lines.append(
            f"{group.id}: the form '{form}' repeats (one instance per {group.row_label.lower()}); a data"
            " dictionary cannot declare that: list it under the project's 'Repeating instruments' setting"
        )
        if group.min_rows or group.max_rows:
            lines.append(
                f"{group.id}: the row limits (at least {group.min_rows}, at most {group.max_rows}) are not"
                " in the dictionary; an import checks them"
            )
    for score in definition.scores.values():
        lines.append(
            f"{score.id}: the score is not a calculated field (raw values are the questionnaire's codes,"
            " not points); the screening works it out from the imported answers"
        )
    if definition.derived:
        lines.append(
            f"derived values are not exported ({', '.join(definition.derived)}); the screening works them out"
        )
    output = io.StringIO()
    writer = csv.writer(output, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return output.getvalue(), list(dict.fromkeys(lines))


_COLUMNS = (
    "name",
    "form",
    "header",
    "type",
    "label",
    "choices",
    "note",
    "validation",
    "min",
    "max",
    "identifier",
    "logic",
    "required",
    "alignment",
    "number",
    "matrix",
    "ranking",
    "annotation",
)
"""Our short names for `HEADERS`, in the same order."""


def _row(cells: dict[str, str]) -> list[str]:
    return [cells.get(key, "") for key in _COLUMNS]


def _dictionary_row(entry: Field, layout: Layout, identifiers: set[str], lines: list[str]) -> list[str]:
    cells = {"name": entry.name, "form": entry.form, "header": entry.header}
    try:
        cells["logic"] = branching_logic(entry.conditions, layout)
    except NotExpressible as reason:
        lines.append(f"{entry.name}: show_if is not expressible as branching logic ({reason}); none given")
    group = entry.counts
    if group is not None:
        cells.update(
            type="text",
            label=f"Number of {group.row_label.lower()}s recorded",
            note=f"0 when none; each one is an instance of the form '{group.id}'",
            validation="integer",
            min="0",
            max=str(group.max_rows),
            required="y" if group.required else "",
        )
        return _row(cells)
    item = entry.item
    field_type, validation = FIELD_TYPES[item.type] or ("text", "")
    cells.update(
        type=field_type,
        label=item.text,
        note=" — ".join(words for words in (item.unit_words, item.help) if words),
        validation=validation,
        identifier="y" if entry.group is None and item.id in identifiers else "",
        required="y" if item.required else "",
    )
    cells.update(_choice_cells(entry, layout.definition, lines))
    cells.update(_limit_cells(entry, lines))
    return _row(cells)


def _choice_cells(entry: Field, definition: Definition, lines: list[str]) -> dict[str, str]:
    item = entry.item
    if isinstance(item, ChoiceItem | MultiChoiceItem):
        options = definition.options(item)
        cells = {
            "choices": " | ".join(f"{entry.codes[o.code]}, {_label(o.label, entry, lines)}" for o in options)
        }
        exclusive = [entry.codes[o.code] for o in options if o.exclusive]
        if exclusive and isinstance(item, MultiChoiceItem):
            cells["annotation"] = f"@NONEOFTHEABOVE='{', '.join(exclusive)}'"
        return cells
    if isinstance(item, BooleanItem) and (item.yes_label, item.no_label) != ("Yes", "No"):
        yes, no = _label(item.yes_label, entry, lines), _label(item.no_label, entry, lines)
        return {"type": "radio", "choices": f"1, {yes} | 0, {no}"}
    if isinstance(item, TextItem) and item.multiline:
        return {"type": "notes"}
    return {}


def _limit_cells(entry: Field, lines: list[str]) -> dict[str, str]:
    item = entry.item
    if isinstance(item, TextItem):
        lines.append(
            f"{entry.name}: at most {item.max_length} characters is not in the dictionary;"
            " an import checks it"
        )
    if isinstance(item, DateItem):
        if item.not_after_assessment:
            lines.append(
                f"{entry.name}: 'not after the date of the screening' is not in the dictionary;"
                " an import checks it"
            )
        return {"min": item.earliest.isoformat()} if item.earliest is not None else {}
    low, high = item.limits
    return {
        "min": "" if low is None else number_text(low),
        "max": "" if high is None else number_text(high),
    }


def _label(label: str, entry: Field, lines: list[str]) -> str:
    if "|" in label:
        lines.append(
            f"{entry.name}: '|' in an option label is written as '/' (REDCap separates choices with it)"
        )
        return label.replace("|", "/")
    return label
