"""The psychiatrist's review: flags with their triggers and sources, notes on them, the plan, the
dose basis, the start date, the decision and the signature; once signed, amendments; and the
history of every change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from screening.assessment import FlagResult
from screening.documents import content
from screening.model import FieldItem, GroupItem, PerKgDose
from screening.plans import Schedule, day_words, schedule, treatment_days_words, weight_doses
from screening.rows import count_use, counted_groups, row_counts, source_words
from screening.storage import JsonValue, User
from screening.vocabulary import DECISION_WORDS, WEIGHT_BASES, WEIGHT_BASIS_WORDS
from ui import actions, amend, pages, services, state, widgets
from ui.frame import screening_page
from ui.history import history_panel
from ui.summary import SEVERITY_TEXT, rule_words, screening_state, signed_by
from ui.text import plain

identifier, screening = screening_page("Review")
user = state.user()
assert user is not None
current = identifier
detail, definition, assessment = screening.detail, screening.definition, screening.assessment
recorded: dict[str, Any] = dict(detail.review or {})
locked = screening.locked
can_edit = user.role == "psychiatrist" and not locked
PROCEED = DECISION_WORDS["proceed"]

st.title("Psychiatrist's review")
patient = plain(detail.patient_name) or "Patient not named yet"
st.markdown(f"**{patient}** · screening of {detail.assessed_on.isoformat()}")
screening_state(screening)
if user.role != "psychiatrist":
    st.info(
        "Only a psychiatrist records the review and signs. You can read it here"
        + (", and amend answers below." if locked else "."),
        icon=":material/visibility:",
    )
if state.conflicts().get("review") is not None:
    widgets.conflict_notice(
        identifier, "review", state.conflicts()["review"], describe=lambda _v: "see the review below"
    )


def _save(changes: dict[str, JsonValue]) -> None:
    """Record the review fields changed (the workflow keeps the others)."""
    actions.save_review(current, changes)


def _key(name: str) -> str:
    return f"review:{identifier}:{name}"


def _triggers(flag: FlagResult) -> str:
    parts = []
    for ref in flag.triggered_by:
        item = definition.items.get(ref)
        if item is not None:
            answer = widgets.describe_value(definition, item, detail.answers.get(ref))
            parts.append(f"{definition.title_of(ref)}: {plain(answer)}")
        else:  # a score or a derived value, in the documents' words ("28.9 kg/m²", "Yes")
            answer = content.answer_words(definition, assessment, ref)
            parts.append(f"{definition.title_of(ref)}: {plain(answer)}")
    return "; ".join(parts)


notes: dict[str, str] = {
    key: str(value)
    for key, value in dict(recorded.get("acknowledged") or {}).items()
    if isinstance(value, str)
}


def _note_box(target_id: str, label: str) -> None:
    """The psychiatrist's note on a fired relative flag or an unmet requirement."""
    key = _key(f"ack:{target_id}")
    state.sync_widget(key, notes.get(target_id, ""))

    def _note(widget: str = key) -> None:
        changed = dict(notes)
        text = str(state.widget_value(widget) or "").strip()
        if text:
            changed[target_id] = text
        else:
            changed.pop(target_id, None)
        _save({"acknowledged": dict(changed)})

    st.text_area(
        label,
        key=key,
        on_change=_note,
        disabled=not can_edit,
        max_chars=10_000,
        placeholder="Why treatment can go ahead despite this, and what is done about it",
    )


# ------------------------------------------------------------------ flags
st.header("Flags")
if not assessment.flags:
    st.success("No flag fired.", icon=":material/check_circle:")
for flag in assessment.flags:
    words, color = SEVERITY_TEXT[flag.severity]
    with st.container(border=True):
        st.badge(words, color=color)
        st.markdown(f"**{flag.title}** · `{flag.id}`")
        st.markdown(f"*Triggered by:* {_triggers(flag)}")
        st.markdown(f"*Action:* {flag.action}")
        source = flag.source + ("" if flag.verified else " — not verified against the primary source")
        st.caption(f"Source: {source}")
        if flag.note:
            st.caption(f"Note: {flag.note}")
        if flag.severity == "relative":
            _note_box(flag.id, f"Psychiatrist's acknowledgement (required before '{PROCEED}')")
review_result = assessment.review
if review_result and review_result.unmatched_acknowledgements:
    st.warning(
        "Acknowledgements of flags that do not fire for these answers (kept, but they apply to nothing): "
        + rule_words(definition, review_result.unmatched_acknowledgements),
        icon=":material/info:",
    )
for requirement in assessment.requirements:
    if requirement.met is not True:
        with st.container(border=True):
            st.warning(
                f"**{requirement.title}: not met.** {requirement.unmet} (Source: {requirement.source})"
            )
            _note_box(
                requirement.id, f"Psychiatrist's note on the unmet requirement (required before '{PROCEED}')"
            )

# ------------------------------------------------------------------ counts over repeating groups
# (the treatment criteria section, shown below the plan)
_COUNTED_WORDS = {True: "Yes", False: "No", None: "Unknown"}


def _counted_cell(counted: bool | None, reason: str) -> str:
    """A row's cell: Yes; No, with the parts of the rule it fails; Unknown, with what is missing."""
    word = _COUNTED_WORDS[counted]
    return f"{word} — {reason}" if reason else word


def _answer_cells(fields: list[FieldItem], row: dict[str, Any]) -> dict[str, str]:
    """A row's answers in words (option labels, yes/no labels, numbers with units), by field name."""
    cells = {}
    for field in fields:
        value = row.get(field.id)
        words = "Not answered" if value is None else widgets.describe_value(definition, field, value)
        cells[plain(field.name)] = plain(words)
    return cells


def _group_counts(group: GroupItem) -> None:
    """A repeating group's counts, each with its total, what reads it and its threshold, the rule a
    row must meet with its sources, and a table of the rows: the row's name (its text fields),
    whether the row counts as the engine counts it (and why not, or what is missing), and the
    answers the rule reads."""
    st.subheader(plain(group.name))
    item_state = assessment.items.get(group.id)
    if item_state is not None and not item_state.shown:
        st.caption(plain(f"Not asked: {item_state.not_asked_reason or 'hidden'}."))
        return
    rows = item_state.value if item_state is not None else None
    row_label = group.row_label.lower()
    for count in row_counts(definition, assessment, group.id):
        use = count_use(definition, count.count)
        total = assessment.derived.get(count.count.id)
        total_words = "not computed (answers missing)" if total is None else f"{total:g}"
        lines = [f"**{plain(f'{count.count.title}: {total_words}')}**"]
        if use.threshold:
            lines.append(plain(f"Needed for {use.title}: {use.threshold}."))
        elif use.title != count.count.title:
            lines.append(plain(f"Used by {use.title}."))
        lines.append(plain(f"A {row_label} counts when: {count.criteria}."))
        st.markdown("  \n".join(lines))
        sources = list(dict.fromkeys([*count.count.source, *use.sources]))
        if sources:
            st.caption(plain(f"Source: {source_words(definition, sources)}"))
        if not isinstance(rows, list) or not rows:
            continue
        # The row's name (its text fields), the verdict, then the answers the rule reads: on a
        # narrow screen the verdict stays in view.
        names = [f for f in group.fields if f.value_type == "text" and f.id not in count.fields]
        read = [f for f in group.fields if f.id in count.fields]
        heading = f"Counts toward {use.title}"
        table = []
        for index, row in enumerate(rows):
            line = {plain(group.row_label): str(index + 1)}
            line.update(_answer_cells(names, row))
            line[plain(heading)] = plain(_counted_cell(count.rows[index], count.reasons[index]))
            line.update(_answer_cells(read, row))
            table.append(line)
        st.table(table, hide_index=True)
    if not isinstance(rows, list) or not rows:
        st.caption(plain(f"No {row_label} listed." if isinstance(rows, list) else "Not answered."))


# ------------------------------------------------------------------ plan
st.header("Plan")
plans = definition.plans
plan_key = _key("protocol")
state.sync_widget(plan_key, recorded.get("protocol"))
st.radio(
    "Protocol",
    list(plans),
    format_func=lambda plan_id: f"{plans[plan_id].title} — {plans[plan_id].regulatory}",
    key=plan_key,
    on_change=lambda: _save({"protocol": state.widget_value(plan_key)}),
    disabled=not can_edit,
)
plan = plans.get(str(recorded.get("protocol") or ""))
if plan is not None:
    st.caption(f"{plan.dose.description} {plan.schedule}")
    if isinstance(plan.dose, PerKgDose):
        doses = weight_doses(definition, assessment, plan)
        table = [
            {
                "Weight basis": dose.label,
                "Weight (kg)": "—" if dose.weight_kg is None else f"{dose.weight_kg:g}",
                f"Dose at {plan.dose.mg_per_kg:g} mg/kg (mg)": (
                    f"{dose.dose_mg:g}" if dose.dose_mg is not None else f"Not computed: {dose.reason}"
                ),
                "mg/kg of actual weight": (
                    "—"
                    if dose.mg_per_kg_actual is None
                    else f"{dose.mg_per_kg_actual:.2f}" + (" ⚠" if dose.above_protocol else "")
                ),
            }
            for dose in doses
        ]
        st.table(table)
        for dose in doses:
            if dose.warning:
                st.warning(dose.warning, icon=":material/warning:")
        basis_key = _key("weight_basis")
        state.sync_widget(basis_key, recorded.get("weight_basis"))
        st.radio(
            "Dose basis (recorded with the decision)",
            list(WEIGHT_BASES),
            format_func=WEIGHT_BASIS_WORDS.get,
            key=basis_key,
            horizontal=True,
            on_change=lambda: _save({"weight_basis": state.widget_value(basis_key)}),
            disabled=not can_edit,
        )
start_key = _key("start_date")
recorded_start = recorded.get("start_date")
state.sync_widget(
    start_key, dt.date.fromisoformat(recorded_start) if isinstance(recorded_start, str) else None
)


def _save_start() -> None:
    chosen = state.widget_value(start_key)
    _save({"start_date": chosen.isoformat() if isinstance(chosen, dt.date) else None})


def _move_session_control(planned: Schedule) -> None:
    """Move one session to another date: recorded as the review's `moved_session` (and so in the
    history), applied to the dated sessions with what it breaks said in words."""
    numbers = [s.number for s in planned.sessions if s.date is not None]
    dates = {s.number: s.rescheduled_from or s.date for s in planned.sessions}
    moved = recorded.get("moved_session")
    number_key, date_key = _key("moved_session:number"), _key("moved_session:date")
    recorded_number = moved.get("session") if isinstance(moved, dict) else None
    recorded_date = moved.get("date") if isinstance(moved, dict) else None
    state.sync_widget(number_key, recorded_number if recorded_number in numbers else None)
    state.sync_widget(
        date_key, dt.date.fromisoformat(recorded_date) if isinstance(recorded_date, str) else None
    )

    def _label(number: int) -> str:
        day = dates.get(number)
        return f"Session {number}" + (f" ({day_words(day)})" if day else "")

    def _move() -> None:
        number, day = state.widget_value(number_key), state.widget_value(date_key)
        if isinstance(number, int) and isinstance(day, dt.date):
            _save({"moved_session": {"session": number, "date": day.isoformat()}})

    with st.expander("Move one session", expanded=moved is not None):
        left, right = st.columns(2)
        left.selectbox("Session", numbers, format_func=_label, key=number_key)
        right.date_input("New date", key=date_key, format="YYYY-MM-DD")
        buttons = st.columns(2)
        buttons[0].button("Move the session", key=_key("moved_session:save"), on_click=_move)
        if moved is not None:
            buttons[1].button(
                "Undo the move",
                key=_key("moved_session:clear"),
                on_click=lambda: _save({"moved_session": None}),
            )


st.date_input("Start date", key=start_key, format="YYYY-MM-DD", on_change=_save_start, disabled=not can_edit)
if plan is not None:
    start = review_result.start_date if review_result else None
    moved_session = review_result.moved_session if review_result else None
    planned = schedule(plan, start, services.settings().treatment_weekdays, moved_session)
    st.markdown(
        "**Sessions:** "
        + ", ".join(
            f"{s.number}: {f'{s.date.isoformat()} ({day_words(s.date)[:3]})' if s.date else f'day {s.day}'}"
            + (" ‡ moved" if s.rescheduled_from else "")
            for s in planned.sessions
        )
    )
    spacing = planned.spacing_days
    st.caption(
        f"Sessions fall on the clinic's treatment days ({treatment_days_words(planned.treatment_days)}),"
        f" at least {spacing} day{'s' * (spacing != 1)} apart as in the protocol."
    )
    changes = [*planned.notices, *(f"Session {s.number}: {s.moved}" for s in planned.moved)]
    if changes:
        lines = "\n".join(f"- {line}" for line in changes)
        if planned.longer_days or planned.move_warnings:
            st.warning(lines, icon=":material/event_busy:")
        else:
            st.info(lines, icon=":material/event:")

    if can_edit and start is not None:
        _move_session_control(planned)

# ------------------------------------------------------------------ treatment criteria
# After the plan, just before the decision they inform.
groups = counted_groups(definition)
if groups:
    st.header("Treatment criteria")
    for group in groups:
        _group_counts(group)

# ------------------------------------------------------------------ decision and signature
st.header("Decision")
decision_key = _key("decision")
state.sync_widget(decision_key, recorded.get("decision"))
st.radio(
    "Decision",
    list(DECISION_WORDS),
    format_func=DECISION_WORDS.get,
    key=decision_key,
    horizontal=True,
    on_change=lambda: _save({"decision": state.widget_value(decision_key)}),
    disabled=not can_edit,
)
decision = recorded.get("decision")
# What stands in the way of signing is what the assessment of this review found (the workflow's
# rules give the final word when the button is pressed).
blocking = [
    finding
    for finding in (review_result.findings if review_result else [])
    if finding.code.startswith("proceed_")
]


def _finding_words(code: str, ids: list[str], text: str) -> str:
    """A finding of the assessment in words, naming flags and requirements by their titles and the
    decision by its words."""
    if code == "proceed_contraindicated":
        return f"'{PROCEED}' is not possible: an absolute contraindication fired."
    if code == "proceed_incomplete":
        return f"'{PROCEED}' is not possible while required answers are missing."
    if code == "proceed_unacknowledged":
        return f"'{PROCEED}' needs a note on every relative flag that fired; none yet on: " + ", ".join(
            titles.get(flag_id, flag_id) for flag_id in ids
        )
    if code == "proceed_requirement":
        return f"'{PROCEED}' needs a note on every unmet requirement; none yet on: " + ", ".join(
            titles.get(requirement_id, requirement_id) for requirement_id in ids
        )
    return text[:1].upper() + text[1:] + "."


titles = {flag.id: flag.title for flag in assessment.flags}
titles.update({requirement.id: requirement.title for requirement in assessment.requirements})
if not locked:
    for finding in blocking:
        st.error(_finding_words(finding.code, finding.ids, finding.text), icon=":material/block:")

if locked:
    st.success(f"Signed by {plain(signed_by(screening))} — locked.", icon=":material/verified:")
elif user.role == "psychiatrist":
    # The signature is the signed-in user's: the name and credentials stored with it and printed
    # under it are those of the sign-in, never typed here.
    st.markdown(f"You sign as **{plain(user.signature_name)}**.")
    if user.authenticated:
        st.caption(
            "The name comes from your clinic account (sign-in) and the credentials from the clinic's "
            "settings; to change them, ask the clinic's administrator, then sign out and sign in again."
        )
    else:
        st.caption(
            "The name is the one you gave when you signed in and the credentials come from the "
            "clinic's settings; to change the name, sign out and sign in again."
        )
    ready = decision in DECISION_WORDS and not blocking

    def _sign(signer: User = user) -> None:
        # A callback runs before the page reloads the screening, so the signature is checked
        # against the revision that was on the screen when the button was pressed: a change made
        # by somebody else meanwhile refuses the signature instead of being signed unseen.
        clinician = recorded.get("clinician")
        error = actions.sign(
            current,
            signer,
            clinician=signer.signature_name,
            recorded_clinician=clinician if isinstance(clinician, str) else None,
        )
        state.notify(f"Not signed: {error}" if error else "Signed and locked.")

    st.button(
        "Sign again and lock" if screening.lifecycle == "reopened" else "Sign and lock",
        type="primary",
        disabled=not ready,
        icon=":material/draw:",
        key=_key("sign"),
        on_click=_sign,
    )
    st.caption("Signing records your name, the time and the status, and locks the screening.")

if locked:
    amend.amend_panel(screening, user)

history_panel(identifier)

st.page_link(
    pages.DOCUMENTS,
    label="Documents",
    icon=":material/picture_as_pdf:",
    query_params={state.SCREENING_PARAM: identifier},
)
