"""The input widgets of the items; every change is saved at once through `ui.actions`.

Each kind of item names one of a few generic widgets (`screening.items.WIDGETS`); `_WIDGETS` at
the end of this module is the one table from those names to their Streamlit renderers, so a new
kind of item that reuses a widget needs nothing here.

Widgets are seeded from the stored answer before they are drawn (`state.sync_widget`), and their
callbacks convert the widget value to the stored JSON form (dates as ISO text) and save it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from screening.answers import Problem
from screening.assessment import Assessment
from screening.definition import Definition, SectionView
from screening.items import (
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
from screening.storage import JsonValue
from ui import actions, crisis, state
from ui.text import plain

_WIDE_DATE_MIN = dt.date(1900, 1, 1)
_WIDE_DATE_MAX = dt.date(2100, 12, 31)
_JS_SAFE_INTEGER = 2**53 - 1  # the largest whole number a number input can hold


def to_widget(item: Item, stored: Any) -> Any:
    """The widget value for a stored (JSON) answer; None when it does not fit the widget."""
    widget = _WIDGETS[item.widget]
    return widget.empty if stored is None else widget.to_widget(item, stored)


def to_stored(item: Item, value: Any) -> JsonValue:
    """The stored (JSON) answer for a widget value; None clears the answer."""
    if value is None:
        return None
    return _WIDGETS[item.widget].to_stored(item, value)


def _on_change(identifier: str, item: Item, key: str, before: Any = None, exclusive: Any = ()) -> None:
    value = state.widget_value(key)
    if exclusive and isinstance(value, list):
        # An option that cannot be combined with others replaces them, and is replaced by them,
        # in the widget itself: the selection saved is always one that can be saved.
        settled = exclusive_choice(before if isinstance(before, list) else [], value, exclusive)
        if settled != value:
            state.set_widget_value(key, settled)
    actions.save_answer(identifier, item.id, to_stored(item, state.widget_value(key)), widget=key)


def exclusive_choice(before: list[str], after: list[str], exclusive: Any) -> list[str]:
    """The selection of a multiple choice after a change from `before` to `after`, where the codes
    in `exclusive` (e.g. "None of these") cannot be combined with others: a newly chosen exclusive
    code clears every other choice; a newly chosen other code clears the exclusive ones."""
    added = [code for code in after if code not in before]
    chosen_exclusive = [code for code in added if code in exclusive]
    if chosen_exclusive:
        return [chosen_exclusive[-1]]
    if added and any(code in exclusive for code in after):
        return [code for code in after if code not in exclusive]
    return list(after)


def render_item(  # noqa: PLR0913 - the item, its answer and how the page draws it, each its own
    definition: Definition,
    identifier: str,
    item: Item,
    stored: Any,
    *,
    problems: list[Problem],
    locked: bool,
    assessed_on: dt.date | None,
    book: state.Book | None = None,
) -> None:
    """Draw one item's widget, its help and any problem with its answer. A page that draws many
    items hands them the session's `book` (`state.book`), read once for all of them."""
    if isinstance(item, GroupItem):
        render_group(definition, identifier, item, stored, problems=problems, locked=locked)
        return
    book = state.book() if book is None else book
    key = state.widget_key(identifier, item.id)
    conflict = state.conflicts(book=book).get(item.id)
    if conflict is None:
        state.sync_widget(key, to_widget(item, stored), book=book)
    label = question_label(item) + ("" if item.required else " (optional)")
    common: dict[str, Any] = {
        "key": key,
        "help": item.help,
        "disabled": locked,
        "on_change": _on_change,
        "args": (identifier, item, key),
    }
    if isinstance(item, MultiChoiceItem):
        exclusive = frozenset(option.code for option in definition.options(item) if option.exclusive)
        if exclusive:
            # The selection the widget shows now, to tell which choice the next change adds.
            common["args"] = (identifier, item, key, state.widget_value(key), exclusive)
    draw(definition, item, label, common, assessed_on=assessed_on)
    crisis.inline_alert(identifier, item.id, book=book)
    for problem in problems:
        st.error(answer_words(definition, item, problem.message), icon=":material/error:")
    rejected_answer(identifier, item, stored, key, definition, book=book)
    if conflict is not None:
        conflict_notice(identifier, item.id, conflict, describe=lambda v: describe_value(definition, item, v))


def question_label(item: Item) -> str:
    """The label of an item's widget: its question, after its number if the item has one. A
    no-break space follows the number's period, so that Markdown does not take "1. …" for a list
    (an escaped period would show, but the accessible name would keep the backslash)."""
    return item.text if item.number is None else f"{item.number}.\N{NO-BREAK SPACE}{item.text}"


def row_name(item: GroupItem, index: int) -> str:
    """A row of a repeating group as the screen names it: the group's `row_label` and the row's
    number ("Trial 2", for the row at `index` 1)."""
    return f"{item.row_label} {index + 1}"


def field_label(item: GroupItem, index: int, field: Item) -> str:
    """The label of a field's widget in a row of a repeating group: the row, then the field's
    short name ("Trial 2: Adequate dose"), so that the name a screen reader gives the widget, or a
    list of the page's fields, says which row it belongs to."""
    return f"{row_name(item, index)}: {field.label or field.text}"


def answer_words(definition: Definition, item: Item, message: str) -> str:
    """A message about an answer in the words of the screen: each option code it quotes ('none')
    named by the option's label (“None of these”). The assessment's problems keep the codes."""
    if isinstance(item, (ChoiceItem, MultiChoiceItem)):
        for option in definition.options(item):
            message = message.replace(f"'{option.code}'", f"“{option.label}”")
    return message


def problem_place(item: GroupItem, problem: Problem) -> str:
    """Where in a repeating group a problem is, in words ("Trial 2, Weeks"), not as a path."""
    where = problem.where
    if where.row is None:
        return item.name
    place = f"{item.row_label} {where.row}"
    field = next((member for member in item.fields if member.id == where.field), None)
    return place if field is None else f"{place}, {field.name}"


def rejected_answer(
    identifier: str,
    item: Item,
    stored: Any,
    key: str | None,
    definition: Definition | None = None,
    *,
    book: state.Book | None = None,
) -> None:
    """Why the workflow refused the answer the widget shows, until the widget shows a saved
    answer again (saved since, or drawn anew from the stored answer)."""
    why = state.rejected_answers(identifier, book=book).get(item.id)
    if why is None:
        return
    if key is not None and state.widget_value(key) == to_widget(item, stored):
        state.accept_answer(identifier, item.id)
        return
    words = why if definition is None else answer_words(definition, item, why)
    st.error(f"Not saved: {plain(words)}", icon=":material/block:")


def draw(
    definition: Definition,
    item: Item,
    label: str,
    common: dict[str, Any],
    *,
    assessed_on: dt.date | None = None,
    compact: bool = False,
) -> None:
    """The Streamlit widget of one (non-group) item, with the given label and widget arguments
    (`key`, and optionally `help`, `disabled`, `on_change`, `args`).

    `compact` draws choices as drop-down lists, for the narrow columns of a repeating group."""
    # The arguments every widget takes.
    shared: dict[str, Any] = {
        "key": common["key"],
        "help": common.get("help"),
        "disabled": common.get("disabled", False),
        "on_change": common.get("on_change"),
        "args": common.get("args"),
    }
    _WIDGETS[item.widget].draw(definition, item, label, shared, assessed_on=assessed_on, compact=compact)


def describe_value(definition: Definition, item: Item, value: JsonValue) -> str:
    """A stored answer in words, for conflict notices and summaries."""
    if value is None:
        return "(no answer)"
    return item.stored_words(value, definition)


def conflict_notice(identifier: str, target: str, conflict: state.Conflict, *, describe: Any) -> None:
    """Tell the user their entry was not saved because of another change, and let them choose."""
    with st.container(border=True):
        st.warning(
            f"Not saved: {plain(conflict.changed_by)} changed this at {conflict.changed_at}. "
            f"Their answer: {plain(describe(conflict.theirs))}. Yours: {plain(describe(conflict.mine))}.",
            icon=":material/sync_problem:",
        )
        left, right = st.columns(2)
        left.button(
            "Keep their answer",
            key=f"theirs:{identifier}:{target}",
            on_click=actions.keep_theirs,
            args=(identifier, target),
        )
        right.button(
            "Save mine instead",
            key=f"mine:{identifier}:{target}",
            on_click=actions.save_mine,
            args=(identifier, target),
            type="primary",
        )


# ---------------------------------------------------------------------------------------------
# "None of these": a block of yes/no history questions answered No in one click

NONE_OF_THESE_MIN = 3
"""The fewest consecutive yes/no questions that make a block with a "None of these" button."""


def yes_no_blocks(definition: Definition, view: SectionView) -> list[list[BooleanItem]]:
    """The blocks of a section that a "None of these" button answers: each run of at least
    `NONE_OF_THESE_MIN` consecutive yes/no questions asked of every patient (no `show_if`), in a
    section of the screening itself. An included instrument (a validated questionnaire such as the
    ASQ) is asked question by question, and a question asked of some patients only (a follow-up
    question, pregnancy) is always answered on its own."""
    if definition.questionnaire.kind != "screening" or view.origin != definition.id:
        return []
    blocks: list[list[BooleanItem]] = []
    run: list[BooleanItem] = []
    for item in [*view.section.items, None]:
        if isinstance(item, BooleanItem) and item.show_if is None:
            run.append(item)
            continue
        if len(run) >= NONE_OF_THESE_MIN:
            blocks.append(run)
        run = []
    return blocks


def none_of_these_answers(
    block: list[BooleanItem], answers: Mapping[str, Any], shown: Collection[str]
) -> dict[str, JsonValue]:
    """What "None of these" saves: No for each question of the block that is shown and has no
    answer yet. An answer already given (a Yes above all) is never changed."""
    return {item.id: False for item in block if item.id in shown and answers.get(item.id) is None}


def _answer_none(identifier: str, answers: dict[str, JsonValue]) -> None:
    actions.save_answers(identifier, answers)


def none_of_these(
    definition: Definition,
    identifier: str,
    view: SectionView,
    item: Item,
    answers: Mapping[str, Any],
    assessment: Assessment,
    *,
    locked: bool,
) -> None:
    """Under the last question of a block (see `yes_no_blocks`), a button that answers No to every
    question of the block still unanswered: one write, in which each is saved and audited as its
    own answer. Nothing is drawn elsewhere, or when every question of the block is answered."""
    block = next((b for b in yes_no_blocks(definition, view) if b[-1].id == item.id), None)
    if block is None or locked or state.is_unsaved(identifier):
        return
    shown = {item_id for item_id, item_state in assessment.items.items() if item_state.shown}
    pending = set(state.conflicts())
    unanswered = {
        item_id: value
        for item_id, value in none_of_these_answers(block, answers, shown).items()
        if item_id not in pending
    }
    if not unanswered:
        return
    any_yes = any(answers.get(member.id) is True for member in block)
    count = len(unanswered)
    questions = "question" if count == 1 else f"{count} questions"
    st.button(
        "No to all the others" if any_yes else "None of these",
        key=f"none-of-these:{identifier}:{block[0].id}",
        on_click=_answer_none,
        args=(identifier, unanswered),
        icon=":material/done_all:",
        help=f"Answers No to the {questions} above with no answer yet; the answers given are kept.",
    )


# ---------------------------------------------------------------------------------------------
# Repeating groups


def _group_rows(identifier: str, item: GroupItem, row_ids: list[str]) -> list[JsonValue]:
    rows: list[JsonValue] = []
    for row_id in row_ids:
        row: dict[str, JsonValue] = {}
        for field in item.fields:
            key = state.widget_key(identifier, item.id, row_id, field.id)
            value = to_stored(field, state.widget_value(key))
            if value is not None:
                row[field.id] = value
        rows.append(row)
    return rows


def _save_group(identifier: str, item: GroupItem, row_ids: list[str]) -> None:
    rows = _group_rows(identifier, item, row_ids)
    if actions.save_answer(identifier, item.id, rows):
        for row_id in row_ids:
            for field in item.fields:
                key = state.widget_key(identifier, item.id, row_id, field.id)
                state.mark_synced(key, state.widget_value(key))


def _add_row(identifier: str, item: GroupItem, stored: list[JsonValue]) -> None:
    actions.save_answer(identifier, item.id, [*stored, {}])


def _remove_row(identifier: str, item: GroupItem, stored: list[JsonValue], index: int) -> None:
    rows = [row for position, row in enumerate(stored) if position != index]
    if actions.save_answer(identifier, item.id, rows):
        state.remove_row_id(identifier, item.id, index)


def _mark_none(identifier: str, item: GroupItem) -> None:
    actions.save_answer(identifier, item.id, [])


def render_group(
    definition: Definition,
    identifier: str,
    item: GroupItem,
    stored: Any,
    *,
    problems: list[Problem],
    locked: bool,
) -> None:
    """A repeating group as one bordered block per row, with add and remove buttons."""
    rows: list[dict[str, JsonValue]] = (
        [row for row in stored if isinstance(row, dict)] if isinstance(stored, list) else []
    )
    st.markdown(f"**{item.text}**" + ("" if item.required else " (optional)"))
    if item.help:
        st.caption(item.help)
    row_ids = state.row_ids(identifier, item.id, len(rows))
    for index, (row_id, row) in enumerate(zip(row_ids, rows, strict=True)):
        # The key's class (st-key-group-row-...) lets the style sheet stack the fields on a tablet.
        with st.container(border=True, key=f"group-row-{item.id}-{row_id}"):
            head, remove = st.columns([5, 1])
            head.markdown(row_name(item, index))
            remove.button(
                f"Remove {row_name(item, index).lower()}",
                key=f"remove:{identifier}:{item.id}:{row_id}",
                on_click=_remove_row,
                args=(identifier, item, rows, index),
                disabled=locked,
                type="tertiary",
            )
            columns = st.columns(len(item.fields))
            for column, field in zip(columns, item.fields, strict=True):
                key = state.widget_key(identifier, item.id, row_id, field.id)
                state.sync_widget(key, to_widget(field, row.get(field.id)))
                with column:
                    draw(
                        definition,
                        field,
                        field_label(item, index, field),
                        {
                            "key": key,
                            "help": field.text if field.label else None,
                            "disabled": locked,
                            "on_change": _save_group,
                            "args": (identifier, item, row_ids),
                        },
                        compact=True,
                    )
    if stored is None:
        st.info(f"Not answered yet. Add each {item.row_label.lower()}, or record that there were none.")
    elif not rows:
        st.caption(f"No {item.row_label.lower()}s recorded.")
    add, none = st.columns(2)
    add.button(
        f"Add a {item.row_label.lower()}",
        key=f"add:{identifier}:{item.id}",
        on_click=_add_row,
        args=(identifier, item, rows),
        disabled=locked or len(rows) >= item.max_rows,
        icon=":material/add:",
    )
    if stored is None:
        none.button(
            f"No {item.row_label.lower()}s",
            key=f"none:{identifier}:{item.id}",
            on_click=_mark_none,
            args=(identifier, item),
            disabled=locked,
        )
    for problem in problems:
        asked = next((member for member in item.fields if member.id == problem.where.field), None)
        message = problem.message if asked is None else answer_words(definition, asked, problem.message)
        st.error(f"{problem_place(item, problem)}: {message}", icon=":material/error:")
    rejected_answer(identifier, item, stored, None, definition)
    conflict = state.conflicts().get(item.id)
    if conflict is not None:
        conflict_notice(identifier, item.id, conflict, describe=lambda v: describe_value(definition, item, v))


# ---------------------------------------------------------------------------------------------
# The generic widgets: each kind of item names the one that draws it (`Item.widget`)


def _text_value(item: Any, stored: Any) -> Any:
    return stored if isinstance(stored, str) else ""


def _text_stored(item: Any, value: Any) -> JsonValue:
    return value if isinstance(value, str) and value.strip() else None


def _draw_text(definition: Definition, item: TextItem, label: str, shared: dict[str, Any], **_: Any) -> None:
    widget = st.text_area if item.multiline else st.text_input
    widget(label, max_chars=item.max_length, **shared)


def _date_value(item: Any, stored: Any) -> Any:
    if isinstance(stored, str):
        try:
            return dt.date.fromisoformat(stored)
        except ValueError:
            return None
    return None


def _date_stored(item: Any, value: Any) -> JsonValue:
    return value.isoformat() if isinstance(value, dt.date) else None


def _draw_date(
    definition: Definition,
    item: DateItem,
    label: str,
    shared: dict[str, Any],
    *,
    assessed_on: dt.date | None,
    **_: Any,
) -> None:
    low = item.earliest or _WIDE_DATE_MIN
    high = assessed_on if item.not_after_assessment and assessed_on else _WIDE_DATE_MAX
    high = max(high, low)  # a screening date before the earliest date allowed: no range is left
    shown = state.widget_value(shared["key"])
    problem = None
    if isinstance(shown, dt.date) and not isinstance(shown, dt.datetime):
        # A stored date outside the limits (a date of birth after a screening date changed since)
        # is drawn as it is, with the limits widened to it, and the page says what is wrong: the
        # workflow refuses a new date outside the limits, so only the stored one can be shown.
        problem = _date_problem(item, shown, low, high)
        low, high = min(low, shown), max(high, shown)
    st.date_input(label, min_value=low, max_value=high, format="YYYY-MM-DD", **shared)
    if problem is not None:
        st.warning(plain(problem), icon=":material/warning:")


def _date_problem(item: DateItem, shown: dt.date, low: dt.date, high: dt.date) -> str | None:
    """What is wrong with a date outside the limits of its widget, in words; None when it fits."""
    if low <= shown <= high:
        return None
    if shown > high and item.not_after_assessment and high != _WIDE_DATE_MAX:
        why = f"later than the date of the screening ({high.isoformat()})"
    elif shown < low:
        why = f"earlier than {low.isoformat()}"
    else:
        why = f"later than {high.isoformat()}"
    return f"The stored date {shown.isoformat()} is {why}. Enter the correct date."


def _integer_value(item: Any, stored: Any) -> Any:
    return int(stored) if isinstance(stored, (int, float)) and not isinstance(stored, bool) else None


def _integer_stored(item: Any, value: Any) -> JsonValue:
    return int(value)


def _number_value(item: Any, stored: Any) -> Any:
    return float(stored) if isinstance(stored, (int, float)) and not isinstance(stored, bool) else None


def _number_stored(item: Any, value: Any) -> JsonValue:
    number = float(value)
    return int(number) if number.is_integer() else number


def _draw_integer(
    definition: Definition, item: IntegerItem, label: str, shared: dict[str, Any], **_: Any
) -> None:
    _number_input(item, label, shared, whole=True)


def _draw_number(
    definition: Definition, item: NumberItem, label: str, shared: dict[str, Any], **_: Any
) -> None:
    _number_input(item, label, shared, whole=False)


def _number_input(item: IntegerItem | NumberItem, label: str, shared: dict[str, Any], *, whole: bool) -> None:
    # "Weeks", not "Weeks (weeks)": the unit is added only when the label does not say it.
    suffix = f" ({item.unit})" if item.unit and item.unit.casefold() not in label.casefold() else ""
    number = int if whole else float
    low = None if item.min is None else number(item.min)
    high = None if item.max is None else number(item.max)
    shown = state.widget_value(shared["key"])
    problem = None
    if isinstance(shown, int | float) and not isinstance(shown, bool) and math.isfinite(shown):
        # A stored number outside the limits is drawn as it is (Streamlit would otherwise put the
        # minimum in its place without a word), with the limits widened to it, and the page says
        # what is wrong: the workflow refuses a new number outside the limits.
        problem = _number_problem(item, shown, low, high)
        if problem is not None:
            widened = number(max(-_JS_SAFE_INTEGER, min(_JS_SAFE_INTEGER, shown)) if whole else shown)
            low = None if low is None else min(low, widened)
            high = None if high is None else max(high, widened)
    st.number_input(
        label + suffix,
        min_value=low,
        max_value=high,
        step=1 if whole else 0.1,
        format=None if whole else "%.1f",
        **shared,
    )
    if problem is not None:
        st.warning(plain(problem), icon=":material/warning:")


def _number_problem(
    item: IntegerItem | NumberItem, shown: float, low: float | None, high: float | None
) -> str | None:
    """What is wrong with a number outside the limits of its widget, in words; None when it fits."""
    unit = f" {item.unit}" if item.unit else ""
    if low is not None and shown < low:
        why = f"below the minimum of {low:g}{unit}"
    elif high is not None and shown > high:
        why = f"above the maximum of {high:g}{unit}"
    else:
        return None
    return f"The stored answer {shown:g}{unit} is {why}. Enter the correct value."


def _boolean_value(item: Any, stored: Any) -> Any:
    return stored if isinstance(stored, bool) else None


def _code_value(item: Any, stored: Any) -> Any:
    return stored if isinstance(stored, str) else None


def _as_is(item: Any, value: Any) -> JsonValue:
    return value if isinstance(value, (bool, str)) else None


def _draw_boolean(
    definition: Definition, item: BooleanItem, label: str, shared: dict[str, Any], **_: Any
) -> None:
    words = {True: item.yes_label, False: item.no_label}

    def word(value: bool) -> str:
        return words[value]

    st.radio(label, [True, False], format_func=word, horizontal=True, **shared)


def _option_names(definition: Definition, item: ChoiceItem | MultiChoiceItem) -> tuple[list[str], Any]:
    labels = {option.code: option.label for option in definition.options(item)}

    def name(code: str) -> str:
        return labels.get(code, code)

    return list(labels), name


def _draw_choice(
    definition: Definition,
    item: ChoiceItem,
    label: str,
    shared: dict[str, Any],
    *,
    compact: bool = False,
    **_: Any,
) -> None:
    codes, name = _option_names(definition, item)
    if len(codes) <= 5 and not compact:
        st.radio(label, codes, format_func=name, horizontal=len(codes) <= 4, **shared)
    else:
        st.selectbox(label, codes, format_func=name, placeholder="Choose…", **shared)


def _multi_value(item: Any, stored: Any) -> Any:
    return [code for code in stored if isinstance(code, str)] if isinstance(stored, list) else []


def _multi_stored(item: Any, value: Any) -> JsonValue:
    return list(value) or None


def _draw_multi(
    definition: Definition, item: MultiChoiceItem, label: str, shared: dict[str, Any], **_: Any
) -> None:
    codes, name = _option_names(definition, item)
    st.pills(label, codes, format_func=name, selection_mode="multi", default=None, **shared)


def _draw_nothing(definition: Definition, item: Any, label: str, shared: dict[str, Any], **_: Any) -> None:
    """A group is drawn by `render_group`, field by field."""


@dataclass(frozen=True)
class _Widget:
    """One generic widget: the widget value of a stored answer (`empty` for none), the stored
    answer of a widget value (not None), and how to draw it."""

    empty: Any
    to_widget: Callable[[Any, Any], Any]
    to_stored: Callable[[Any, Any], JsonValue]
    draw: Callable[..., None]


_WIDGETS: dict[str, _Widget] = {  # one entry for each name of `screening.items.WIDGETS`
    "text": _Widget("", _text_value, _text_stored, _draw_text),
    "date": _Widget(None, _date_value, _date_stored, _draw_date),
    "integer": _Widget(None, _integer_value, _integer_stored, _draw_integer),
    "number": _Widget(None, _number_value, _number_stored, _draw_number),
    "boolean": _Widget(None, _boolean_value, _as_is, _draw_boolean),
    "choice": _Widget(None, _code_value, _as_is, _draw_choice),
    "multi_choice": _Widget([], _multi_value, _multi_stored, _draw_multi),
    "group": _Widget(None, _code_value, _as_is, _draw_nothing),
}
