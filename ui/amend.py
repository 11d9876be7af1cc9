"""Amending a signed screening: choose what to change (any answer, the screening date, and for a
psychiatrist every review field), give the new value with the widget it is normally given with,
and a reason. The workflow decides whether the signed decision still stands or the screening is
reopened for signing again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from screening.model import GroupItem, Item
from screening.storage import JsonValue, User
from screening.vocabulary import (
    DECISION_WORDS,
    REVIEW_FIELD_WORDS,
    WEIGHT_BASES,
    WEIGHT_BASIS_WORDS,
)
from screening.workflow import Screening
from ui import actions, state, widgets
from ui.text import plain

_ANSWER = "answer:"
_REVIEW = "review:"
_NOTE = "note:"
_DATE = "assessed_on"
_NEW_ROW = -1
_FIELDS_A_LINE = 3


def _targets(screening: Screening, user: User) -> dict[str, str]:
    """What the user may amend, code -> label, in the order of the questionnaire."""
    definition, assessment = screening.definition, screening.assessment
    answers = screening.answers
    targets: dict[str, str] = {}
    for view in definition.sections:
        for item in view.section.items:
            if assessment.items[item.id].shown or item.id in answers:
                targets[_ANSWER + item.id] = f"{view.title} · {item.name}"
    targets[_DATE] = "Screening date"
    if user.role != "psychiatrist":
        return targets
    for field in ("protocol", "weight_basis", "start_date", "decision", "clinician"):
        targets[_REVIEW + field] = f"Review · {REVIEW_FIELD_WORDS[field]}"
    if screening.review is not None and screening.review.protocol in definition.plans:
        targets[_REVIEW + "moved_session"] = f"Review · {REVIEW_FIELD_WORDS['moved_session']}"
    for flag in assessment.flags:
        if flag.severity == "relative":
            targets[_NOTE + flag.id] = f"Review · Note on the flag: {flag.title}"
    for requirement in assessment.requirements:
        if requirement.met is not True:
            targets[_NOTE + requirement.id] = f"Review · Note on the requirement: {requirement.title}"
    titles = {rule.id: rule.title for rule in definition.rules}
    titles.update({requirement.id: requirement.title for requirement in definition.requirements})
    recorded = screening.review.acknowledged if screening.review else {}
    for key in recorded:
        targets.setdefault(_NOTE + key, f"Review · Note: {titles.get(key, key)}")
    return targets


def _row_words(item: GroupItem, row: dict[str, Any], index: int) -> str:
    first = next((str(row[field.id]) for field in item.fields if row.get(field.id) is not None), "")
    return f"{item.row_label} {index + 1}" + (f": {first}" if first else "")


def _group_rows(stored: Any) -> list[dict[str, JsonValue]]:
    return [row for row in stored if isinstance(row, dict)] if isinstance(stored, list) else []


def _draw_group(screening: Screening, item: GroupItem, key: str) -> None:
    """One row of a repeating group (or a new one) with the row's field widgets, or its removal."""
    rows = _group_rows(screening.answers.get(item.id))
    choices = [*range(len(rows)), _NEW_ROW]
    row_key = f"{key}:row"
    chosen = st.selectbox(
        item.row_label,
        choices,
        format_func=lambda index: (
            f"Add a {item.row_label.lower()}" if index == _NEW_ROW else _row_words(item, rows[index], index)
        ),
        key=row_key,
    )
    index = _NEW_ROW if chosen is None else int(chosen)
    row = rows[index] if index != _NEW_ROW else {}
    if index != _NEW_ROW:
        st.checkbox(f"Remove this {item.row_label.lower()}", key=f"{key}:{index}:remove")
    # three fields a line at most, so that each keeps a readable width in a narrow window
    for start in range(0, len(item.fields), _FIELDS_A_LINE):
        line = item.fields[start : start + _FIELDS_A_LINE]
        for column, field in zip(st.columns(_FIELDS_A_LINE), line, strict=False):
            field_key = f"{key}:{index}:{field.id}"
            state.seed_widget(field_key, widgets.to_widget(field, row.get(field.id)))
            with column:
                widgets.draw(
                    screening.definition,
                    field,
                    field.label or field.text,
                    {"key": field_key, "help": field.text if field.label else None},
                    compact=True,
                )


def _group_value(screening: Screening, item: GroupItem, key: str) -> JsonValue:
    rows: list[JsonValue] = list(_group_rows(screening.answers.get(item.id)))
    chosen = state.widget_value(f"{key}:row")
    index = _NEW_ROW if chosen is None else int(chosen)
    if index != _NEW_ROW and state.widget_value(f"{key}:{index}:remove"):
        return [row for position, row in enumerate(rows) if position != index]
    row: dict[str, JsonValue] = {}
    for field in item.fields:
        value = widgets.to_stored(field, state.widget_value(f"{key}:{index}:{field.id}"))
        if value is not None:
            row[field.id] = value
    if index == _NEW_ROW:
        return [*rows, row]
    rows[index] = row
    return rows


def _draw_value(screening: Screening, target: str, key: str) -> None:
    """The widget for the new value of `target`, first showing the value recorded now."""
    definition, detail = screening.definition, screening.detail
    review = dict(detail.review or {})
    if target.startswith(_ANSWER):
        item: Item = definition.items[target.removeprefix(_ANSWER)]
        stored = screening.answers.get(item.id)
        st.caption(f"Now: {plain(widgets.describe_value(definition, item, stored))}")
        if isinstance(item, GroupItem):
            _draw_group(screening, item, key)
            return
        state.seed_widget(key, widgets.to_widget(item, stored))
        widgets.draw(
            definition, item, f"New answer: {item.text}", {"key": key}, assessed_on=screening.assessed_on
        )
    elif target == _DATE:
        state.seed_widget(key, screening.assessed_on)
        st.date_input("New screening date", key=key, format="YYYY-MM-DD")
    elif target == _REVIEW + "protocol":
        plans = definition.plans
        state.seed_widget(key, review.get("protocol"))
        st.radio(
            "New protocol",
            list(plans),
            format_func=lambda plan_id: f"{plans[plan_id].title} — {plans[plan_id].regulatory}",
            key=key,
        )
    elif target == _REVIEW + "weight_basis":
        state.seed_widget(key, review.get("weight_basis"))
        st.radio(
            "New dose basis", list(WEIGHT_BASES), format_func=WEIGHT_BASIS_WORDS.get, key=key, horizontal=True
        )
    elif target == _REVIEW + "start_date":
        recorded = review.get("start_date")
        state.seed_widget(key, dt.date.fromisoformat(recorded) if isinstance(recorded, str) else None)
        st.date_input("New start date", key=key, format="YYYY-MM-DD")
    elif target == _REVIEW + "moved_session":
        plan = definition.plans.get(str(review.get("protocol")))
        moved = review.get("moved_session")
        recorded_moved = moved if isinstance(moved, dict) else {}
        state.seed_widget(f"{key}:session", recorded_moved.get("session"))
        moved_date = recorded_moved.get("date")
        state.seed_widget(key, dt.date.fromisoformat(moved_date) if isinstance(moved_date, str) else None)
        st.selectbox(
            "Session to move",
            list(range(1, len(plan.sessions) + 1)) if plan else [],
            format_func=lambda number: f"Session {number}",
            key=f"{key}:session",
        )
        st.date_input("New date of the session (empty undoes the move)", key=key, format="YYYY-MM-DD")
    elif target == _REVIEW + "decision":
        state.seed_widget(key, review.get("decision"))
        st.radio(
            "New decision", list(DECISION_WORDS), format_func=DECISION_WORDS.get, key=key, horizontal=True
        )
    elif target == _REVIEW + "clinician":
        state.seed_widget(key, review.get("clinician") or "")
        st.text_input("Clinician (name and credentials)", key=key, max_chars=160)
    elif target.startswith(_NOTE):
        notes = screening.review.acknowledged if screening.review else {}
        state.seed_widget(key, notes.get(target.removeprefix(_NOTE), ""))
        st.text_area(
            "New note (empty removes it)",
            key=key,
            max_chars=10_000,
            placeholder="Why treatment can go ahead despite this, and what is done about it",
        )


_Change = tuple[dict[str, JsonValue] | None, dict[str, JsonValue] | None, dt.date | None]
"""An amendment as `actions.amend` takes it: new answers, review fields, screening date."""


def _amend(screening: Screening, target: str, key: str, reason_key: str) -> None:
    # A callback runs before the page reloads the screening, so the amendment is checked against the
    # revision the user saw: an amendment somebody made meanwhile is not overwritten.
    identifier = screening.id
    reason = str(state.widget_value(reason_key) or "")
    change = _change(screening, target, key)
    if change is None:
        return
    answers, review, assessed_on = change
    amended, error = actions.amend(
        identifier, reason=reason, answers=answers, review=review, assessed_on=assessed_on
    )
    if error or amended is None:
        state.report_error(f"amend:{identifier}", error or "The amendment was not recorded.")
        return
    state.next_amendment_round(identifier)
    if amended.lifecycle == "reopened":
        state.notify("Amendment recorded. The screening is reopened: a psychiatrist signs it again.")
    else:
        state.notify("Amendment recorded. The signed decision still stands.")


def _change(screening: Screening, target: str, key: str) -> _Change | None:
    """The amendment the widgets of `target` give; None once what is missing has been reported."""
    value = state.widget_value(key)
    if target.startswith(_ANSWER):
        item = screening.definition.items[target.removeprefix(_ANSWER)]
        new = (
            _group_value(screening, item, key)
            if isinstance(item, GroupItem)
            else widgets.to_stored(item, value)
        )
        return {item.id: new}, None, None
    if target == _DATE:
        if not isinstance(value, dt.date):
            state.report_error(f"amend:{screening.id}", "Choose the new screening date.")
            return None
        return None, None, value
    review = _review_change(screening, target, key, value)
    return None if review is None else (None, review, None)


def _review_change(screening: Screening, target: str, key: str, value: Any) -> dict[str, JsonValue] | None:
    """The review fields a note, a moved session or another review field changes to; None once what
    is missing has been reported."""
    if target.startswith(_NOTE):
        notes: dict[str, JsonValue] = dict(screening.review.acknowledged if screening.review else {})
        text = str(value or "").strip()
        if text:
            notes[target.removeprefix(_NOTE)] = text
        else:
            notes.pop(target.removeprefix(_NOTE), None)
        return {"acknowledged": notes}
    if target == _REVIEW + "moved_session":
        number = state.widget_value(f"{key}:session")
        if isinstance(value, dt.date) and isinstance(number, int):
            return {"moved_session": {"session": number, "date": value.isoformat()}}
        if value is None:
            return {"moved_session": None}
        state.report_error(f"amend:{screening.id}", "Choose the session to move.")
        return None
    field = target.removeprefix(_REVIEW)
    if isinstance(value, dt.date):
        return {field: value.isoformat()}
    if isinstance(value, str):
        return {field: value.strip() or None}
    return {field: None}


def amend_panel(screening: Screening, user: User) -> None:
    """The amendment form of a signed screening."""
    identifier = screening.id
    st.header("Amend")
    who = (
        "any answer, the date or any review field"
        if user.role == "psychiatrist"
        else "any answer or the date"
    )
    st.caption(
        f"The screening is signed and locked. You can change {who} as an amendment with a reason. "
        "An amendment the signed decision no longer covers (a new flag, another status) reopens the "
        "screening: a psychiatrist then reviews and signs it again."
    )
    targets = _targets(screening, user)
    target = st.selectbox(
        "What to change",
        list(targets),
        format_func=lambda code: targets[code],
        index=None,
        placeholder="Choose an answer or a review field",
        key=f"amend-target:{identifier}",
    )
    if target is None or target not in targets:
        return
    round_ = state.amendment_round(identifier)
    key = f"amend-value:{identifier}:{round_}:{target}"
    _draw_value(screening, target, key)
    reason_key = f"amend-reason:{identifier}:{round_}"
    st.text_area(
        "Reason for the amendment",
        key=reason_key,
        max_chars=2000,
        placeholder="Why the signed screening changes, e.g. a letter from the cardiologist",
    )
    st.button(
        "Record the amendment",
        key=f"amend:{identifier}",
        type="primary",
        icon=":material/edit_note:",
        on_click=_amend,
        args=(screening, target, key, reason_key),
    )
    error = state.take_error(f"amend:{identifier}")
    if error:
        st.error(error)
