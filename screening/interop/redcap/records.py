"""A screening as a flat REDCap record (CSV), and such a record read back as hostile input."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from typing import Any

from screening.answers import Problem, convert, validate_answers
from screening.answers_file import AnswersFile, dump_answers_file
from screening.definition import Definition
from screening.interop.inputs import read_text
from screening.interop.redcap.layout import (
    ASSESSED_ON,
    RECORD_ID,
    REPEAT_INSTANCE,
    REPEAT_INSTRUMENT,
    Field,
    Layout,
    build_layout,
    number_text,
)
from screening.items import InvalidAnswer
from screening.model import ChoiceItem, MultiChoiceItem

_IGNORED = ("redcap_event_name", "redcap_data_access_group", "redcap_survey_identifier")
"""REDCap export columns that carry no answer (as are `<form>_complete` and `<form>_timestamp`)."""
_MRN_ITEM = "mrn"
_SAFE_NAME = re.compile(r"[A-Za-z0-9_]{1,100}")
_RECORD_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")
_INTEGER = re.compile(r"[+-]?\d{1,30}")
_DECIMAL = re.compile(r"[+-]?(?:\d{1,30}(?:\.\d{0,30})?|\.\d{1,30})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WHAT = "the REDCap record"
_MAX_NAMED = 20
"""Unknown columns named one by one; the rest are counted."""


def record_csv(definition: Definition, answers_file: AnswersFile) -> str:
    """One screening as REDCap's flat CSV: the record's row, then one row per repeating instance.

    Answers are validated first: one the questionnaire would not accept is left empty. The record
    id is the MRN when REDCap takes it as a record name, else `screening-` and a hash of the
    questionnaire id, name, date of birth and date of the screening (the same answers give the
    same id).
    """
    layout = build_layout(definition)
    values, _problems = validate_answers(
        definition, answers_file.answers, assessed_on=answers_file.assessed_on
    )
    header = [RECORD_ID, REPEAT_INSTRUMENT, REPEAT_INSTANCE, ASSESSED_ON, *layout.columns()]
    record_id = _record_id(definition, values, answers_file.assessed_on)
    main = {RECORD_ID: record_id}
    if answers_file.assessed_on is not None:
        main[ASSESSED_ON] = answers_file.assessed_on.isoformat()
    rows = [main]
    for entry in layout.fields:
        if entry.counts is not None:
            group_rows = values.get(entry.counts.id)
            if isinstance(group_rows, list):
                main[entry.name] = str(len(group_rows))
        elif entry.group is None:
            main.update(_cells(entry, values.get(entry.item.id)))
    for form, group in layout.repeating.items():
        members = [entry for entry in layout.fields if entry.form == form]
        for instance, row in enumerate(values.get(group.id) or [], start=1):
            cells = {RECORD_ID: record_id, REPEAT_INSTRUMENT: form, REPEAT_INSTANCE: str(instance)}
            for entry in members:
                cells.update(_cells(entry, row.get(entry.item.id)))
            rows.append(cells)
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[row.get(column, "") for column in header] for row in rows])
    return output.getvalue()


def _record_id(definition: Definition, values: dict[str, Any], assessed_on: dt.date | None) -> str:
    mrn = values.get(_MRN_ITEM)
    if isinstance(mrn, str) and _RECORD_NAME.fullmatch(mrn):
        return mrn
    seed = "\n".join(
        str(part)
        for part in (definition.id, values.get("patient_name"), values.get("date_of_birth"), assessed_on)
    )
    return f"screening-{hashlib.sha256(seed.encode()).hexdigest()[:16]}"


def _cells(entry: Field, value: Any) -> dict[str, str]:
    if isinstance(entry.item, MultiChoiceItem):
        if not isinstance(value, list):
            return {}
        return {f"{entry.name}___{raw}": "1" if code in value else "0" for code, raw in entry.codes.items()}
    if value is None:
        return {}
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, (int, float)):
        text = number_text(value)
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(entry.item, ChoiceItem):
        text = entry.codes.get(str(value), "")
    else:
        text = str(value)
    return {entry.name: text}


# ---------------------------------------------------------------------------------------------
# Importing a record


@dataclass(frozen=True)
class RecordImport:
    """The answers file (YAML) read from a REDCap record, or None when the CSV was refused."""

    text: str | None
    problems: list[str]
    notes: list[str]


def import_record(data: bytes, definition: Definition) -> RecordImport:
    """Read one record exported as REDCap's flat CSV into an answers file for the questionnaire."""
    text, problems = read_text(data, what=_WHAT)
    if text is None:
        return RecordImport(None, problems, [])
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        return RecordImport(None, [f"{_WHAT} is not a readable CSV ({_csv_reason(error)})"], [])
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        return RecordImport(None, [f"{_WHAT} is empty"], [])
    layout = build_layout(definition)
    header = [cell.strip() for cell in table[0]]
    notes: list[str] = []
    refusal = _check_header(header, layout, notes)
    if refusal:
        return RecordImport(None, [refusal], [])
    records = [dict(zip(header, row + [""] * (len(header) - len(row)), strict=False)) for row in table[1:]]
    if any(len(row) > len(header) for row in table[1:]):
        notes.append("a row has more cells than the header has columns; the extra cells were ignored")
    main_rows = [row for row in records if not row.get(REPEAT_INSTRUMENT, "").strip()]
    if len(main_rows) > 1 or len({row.get(RECORD_ID, "") for row in records}) > 1:
        return RecordImport(None, [f"{_WHAT} holds more than one record; import one record at a time"], [])
    if not records:
        return RecordImport(None, [f"{_WHAT} has a header but no record row"], [])
    main = main_rows[0] if main_rows else {}
    instruments = [row.get(REPEAT_INSTRUMENT, "").strip() for row in records]
    strays = [name for name in instruments if name and name not in layout.repeating]
    if strays:
        notes.append(
            f"{len(strays)} row{'s' if len(strays) != 1 else ''} of a repeating instrument that"
            f" {definition.id} does not have {'were' if len(strays) != 1 else 'was'} ignored"
        )
    assessed_on = _assessed_on(main.get(ASSESSED_ON, ""), notes)
    answers: dict[str, Any] = {}
    for entry in layout.fields:
        if entry.group is not None:
            continue
        if entry.counts is not None:
            _import_group(entry, layout, records, definition, assessed_on, answers, notes)
            continue
        raw = _raw(entry, main, entry.name, notes)
        if raw is None:
            continue
        try:
            value = convert(
                definition, entry.item, raw, assessed_on=assessed_on, path=entry.item.id, problems=[]
            )
        except InvalidAnswer as invalid:
            notes.append(f"{entry.name}: {invalid}; left missing")
            continue
        if value is not None:
            answers[entry.item.id] = value
    answers_file = AnswersFile(definition.id, assessed_on, answers, None)
    comment = f"Imported from a REDCap record for {definition.id} {definition.version}."
    return RecordImport(dump_answers_file(answers_file, comment=comment), [], notes)


def _csv_reason(error: csv.Error) -> str:
    message = str(error)
    return "a cell is too large" if "field larger" in message else "malformed quoting or line endings"


def _check_header(header: list[str], layout: Layout, notes: list[str]) -> str | None:
    known = set(layout.columns())
    system = {RECORD_ID, REPEAT_INSTRUMENT, REPEAT_INSTANCE, ASSESSED_ON, *_IGNORED}
    system |= {f"{form}_{suffix}" for form in layout.forms for suffix in ("complete", "timestamp")}
    seen: set[str] = set()
    unknown: list[str] = []
    for number, name in enumerate(header, start=1):
        if name in seen:
            return f"{_WHAT} has the column {_column(name, number)} twice"
        seen.add(name)
        if name not in known and name not in system:
            unknown.append(_column(name, number))
    notes.extend(
        f"the column {column} is not a field of {layout.definition.id}; ignored"
        for column in unknown[:_MAX_NAMED]
    )
    if len(unknown) > _MAX_NAMED:
        notes.append(
            f"{len(unknown) - _MAX_NAMED} more columns are not fields of {layout.definition.id}; ignored"
        )
    if not known & seen:
        return (
            f"{_WHAT} has none of the fields of {layout.definition.id}: it is not a record of this"
            " questionnaire (a REDCap export must use variable names and raw values, not labels)"
        )
    return None


def _column(name: str, number: int) -> str:
    return f"'{name}'" if _SAFE_NAME.fullmatch(name) else f"number {number}"


def _assessed_on(text: str, notes: list[str]) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        if _DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    notes.append(f"{ASSESSED_ON}: expected a date (YYYY-MM-DD); left missing")
    return None


def _raw(entry: Field, row: dict[str, str], where: str, notes: list[str]) -> Any:
    """The cell(s) of a field as the item kind's `convert` takes them; None when empty or unusable."""
    item = entry.item
    if isinstance(item, MultiChoiceItem):
        return _checked(entry, row, where, notes)
    text = row.get(entry.name, "")
    if item.type == "text":
        return text if text.strip() else None
    text = text.strip()
    if not text:
        return None
    if isinstance(item, ChoiceItem):
        codes = {raw: code for code, raw in entry.codes.items()}
        if text not in codes:
            notes.append(f"{where}: not one of the choices ({', '.join(codes)}); left missing")
        return codes.get(text)
    expected = _parse_scalar(item.type, text)
    if isinstance(expected, str):
        notes.append(f"{where}: {expected}; left missing")
        return None
    return expected[0]


def _checked(entry: Field, row: dict[str, str], where: str, notes: list[str]) -> list[str] | None:
    """The codes checked in a checkbox field's columns (1 checked, 0 not); None when all are empty."""
    cells = {code: row.get(f"{entry.name}___{raw}", "").strip() for code, raw in entry.codes.items()}
    if not any(cells.values()):
        return None
    if any(cell not in ("", "0", "1") for cell in cells.values()):
        notes.append(f"{where}: expected 1 or 0 for each choice; left missing")
        return None
    return [code for code, cell in cells.items() if cell == "1"]


def _parse_scalar(kind: str, text: str) -> tuple[Any] | str:
    """(value,) for a well-formed cell, else what was expected."""
    if kind == "boolean":
        return (text == "1",) if text in ("0", "1") else "expected 1 (yes) or 0 (no)"
    if kind == "date":
        return (text,) if _DATE.fullmatch(text) else "expected a date (YYYY-MM-DD)"
    if kind in ("integer", "count"):
        return (int(text),) if _INTEGER.fullmatch(text) else "expected a whole number"
    if kind == "number":
        if not _DECIMAL.fullmatch(text):
            return "expected a number"
        return (float(text),) if "." in text else (int(text),)
    return (text,)


def _import_group(
    entry: Field,
    layout: Layout,
    records: list[dict[str, str]],
    definition: Definition,
    assessed_on: dt.date | None,
    answers: dict[str, Any],
    notes: list[str],
) -> None:
    group = entry.counts
    assert group is not None
    form = next(name for name, repeating in layout.repeating.items() if repeating is group)
    members = [member for member in layout.fields if member.form == form]
    instances: dict[int, dict[str, str]] = {}
    for row in records:
        if row.get(REPEAT_INSTRUMENT, "").strip() != form:
            continue
        number = row.get(REPEAT_INSTANCE, "").strip()
        if not _INTEGER.fullmatch(number) or int(number) < 1:
            notes.append(f"{form}: a row without a valid {REPEAT_INSTANCE} was ignored")
        elif int(number) in instances:
            notes.append(f"{form}: instance {int(number)} appears twice; the second was ignored")
        else:
            instances[int(number)] = row
    main = next((row for row in records if not row.get(REPEAT_INSTRUMENT, "").strip()), {})
    count_text = main.get(entry.name, "").strip()
    count = _parse_scalar("count", count_text) if count_text else None
    if isinstance(count, str):
        notes.append(f"{entry.name}: {count}; the rows present were used")
        count = None
    if not instances and count is None:
        return
    raw_rows: list[dict[str, Any]] = []
    for position, instance in enumerate(sorted(instances), start=1):
        raw_row: dict[str, Any] = {}
        for member in members:
            raw = _raw(member, instances[instance], f"{group.id}[{position}].{member.item.id}", notes)
            if raw is not None:
                raw_row[member.item.id] = raw
        raw_rows.append(raw_row)
    if count is not None and count[0] != len(raw_rows):
        notes.append(
            f"{entry.name}: the record counts {count[0]} rows but has {len(raw_rows)}; the rows present"
            " were used"
        )
    problems: list[Problem] = []
    try:
        answers[group.id] = convert(
            definition, group, raw_rows, assessed_on=assessed_on, path=group.id, problems=problems
        )
    except InvalidAnswer as invalid:
        notes.append(f"{group.id}: {invalid}; left missing")
    notes.extend(f"{problem.item}: {problem.message}; left missing" for problem in problems)
