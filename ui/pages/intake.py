"""The intake: one section per page, every answer saved the moment it is given."""

from __future__ import annotations

import streamlit as st

from screening.answers import Problem
from ui import actions, discard, pages, state, widgets
from ui.frame import screening_page
from ui.summary import screening_state
from ui.text import plain

identifier, screening = screening_page("Intake")
current = identifier
detail, definition, assessment = screening.detail, screening.definition, screening.assessment
locked = screening.locked

name = detail.patient_name
st.title(plain(name) if name else "New screening")
header_left, header_right = st.columns([3, 2])
with header_left:
    screening_state(screening)
with header_right:
    key = f"assessed-on:{identifier}"
    state.sync_widget(key, detail.assessed_on)
    st.date_input(
        "Date of the screening",
        key=key,
        format="YYYY-MM-DD",
        disabled=locked,
        on_change=lambda: actions.set_assessed_on(current, state.widget_value(key) or detail.assessed_on),
        help="Ages are computed at this date.",
    )
    if screening.lifecycle == "draft":
        discard.discard_control(identifier, screening.revision)
if locked:
    st.info(
        "The screening is locked: it was signed. Record any change as an amendment with a reason, "
        "on the review page.",
        icon=":material/lock:",
    )
    st.page_link(
        pages.REVIEW,
        label="Amend on the review page",
        icon=":material/edit_note:",
        query_params={state.SCREENING_PARAM: identifier},
    )

views = list(definition.sections)
missing_items = {ref.item for ref in assessment.missing_refs}
required_by_section: list[tuple[int, int]] = []
for view in views:
    asked = [item for item in view.section.items if assessment.items[item.id].shown and item.required]
    open_items = [item for item in asked if item.id in missing_items]
    required_by_section.append((len(asked) - len(open_items), len(asked)))

index = state.section_index(len(views))
nav_key = f"section-nav:{identifier}"
state.set_widget_value(nav_key, index)


def _go(target: int) -> None:
    state.set_section(target)


def _nav_changed() -> None:
    chosen = state.widget_value(nav_key)
    state.set_section(index if chosen is None else int(chosen))


def _label(position: int) -> str:
    done, total = required_by_section[position]
    mark = " ✓" if done == total else ""
    return f"{position + 1}. {views[position].title}{mark}"


st.segmented_control(
    "Sections",
    list(range(len(views))),
    format_func=_label,
    key=nav_key,
    on_change=_nav_changed,
    label_visibility="collapsed",
)
done_all = sum(done for done, _ in required_by_section)
total_all = sum(total for _, total in required_by_section) or 1
st.progress(
    done_all / total_all,
    text=f"Section {index + 1} of {len(views)} · {done_all} of {total_all} required answers given",
)

view = views[index]
st.header(view.title)
if view.section.description:
    st.caption(view.section.description)

problems_by_item: dict[str, list[Problem]] = {}
for problem in assessment.problems:
    problems_by_item.setdefault(problem.where.item, []).append(problem)

shown_any = False
for item in view.section.items:
    if not assessment.items[item.id].shown:
        continue
    shown_any = True
    with st.container():
        widgets.render_item(
            definition,
            identifier,
            item,
            detail.answers.get(item.id),
            problems=problems_by_item.get(item.id, []),
            locked=locked,
            assessed_on=detail.assessed_on,
        )
if not shown_any:
    st.caption("Nothing to ask in this section for this patient.")

previous, _gap, following = st.columns([1, 3, 1.4])
if index > 0:
    previous.button("Previous", on_click=_go, args=(index - 1,), icon=":material/arrow_back:", key="previous")
if index < len(views) - 1:
    following.button(
        "Next", on_click=_go, args=(index + 1,), type="primary", icon=":material/arrow_forward:", key="next"
    )
else:
    following.page_link(
        pages.REVIEW,
        label="Go to the psychiatrist's review",
        icon=":material/fact_check:",
        query_params={state.SCREENING_PARAM: identifier},
    )
