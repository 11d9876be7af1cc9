"""The intake: one section per page, every answer saved the moment it is given.

A new screening opens here unsaved (`state.is_unsaved`): the page shows it empty, and its first
answer creates it, so screenings opened and left without an answer never reach the list.

After a server restart the browser reconnects to a new session and sends the values of the page the
old one drew: the page shows the stored answers all the same, and says so next to an answer whose
value on the old page differed (`state.sync_widget`, `state.page_stamp`)."""

from __future__ import annotations

import datetime as dt
import json

import streamlit as st

from screening.answers import Problem
from screening.engine import assess
from screening.storage import QuestionnairePin, ScreeningDetail
from screening.workflow import Screening
from ui import actions, discard, pages, services, state, widgets
from ui.frame import screening_page
from ui.summary import live_summary, screening_state
from ui.text import plain


def _unsaved_page(token: str) -> Screening:
    """The new screening `token` stands for, as it would be stored, with the frame drawn (nothing
    to warn about yet). Stops the page when the intake questionnaire cannot be used."""
    definition = services.catalog().get(services.SCREENING_ID)
    user = state.user()
    if definition is None or user is None:
        st.title("New screening")
        st.error(actions.INTAKE_UNUSABLE)
        st.page_link(pages.SCREENINGS, label="Go to screenings", icon=":material/list:")
        st.stop()
    chosen = state.widget_value(actions.assessed_on_key(token))
    assessed_on = chosen if isinstance(chosen, dt.date) else dt.date.today()
    now = dt.datetime.now(dt.UTC)
    detail = ScreeningDetail(
        id=token,
        questionnaire=QuestionnairePin(definition.id, definition.version, definition.sha256),
        assessed_on=assessed_on,
        patient_name=None,
        mrn=None,
        status="incomplete",
        status_current=True,
        revision=0,
        created_at=now,
        created_by_id=user.id,
        created_by_name=user.name,
        updated_at=now,
        signature=None,
        answers={},
        answer_revisions={},
        assessed_on_revision=0,
        review=None,
        review_revision=None,
        definition_files={},
    )
    unsaved = Screening(detail, definition, assess(definition, {}, assessed_on=assessed_on))
    with st.sidebar:
        live_summary(unsaved)
    notice = state.take_notice()
    if notice:
        st.info(notice)
    return unsaved


# The container of the hidden field of `state.page_stamp` (not shown).
PAGE_STAMP_BOX = "page-stamp-box"

# The container of the script that moves the focus (styled to take no room, `ui.style`).
FOCUS_MOVE_KEY = "focus-move"

_FOCUS_SCRIPT = """<script>/* focus move {move} */(() => {{
  if (window.screeningFocusMove === "{move}") return;  // drawn again by a later run: done already
  window.screeningFocusMove = "{move}";
  let tries = 0;
  const move = () => {{
    const box = document.querySelector({selector});
    const field = box && (box.querySelector("input:enabled:not([type=hidden]), textarea:enabled")
      || box.querySelector("button:enabled:not([data-testid='stWidgetLabel'] *)"));
    if (field) {{ field.focus({{preventScroll: true}}); box.scrollIntoView({{block: "center"}}); }}
    else if (++tries < 40) setTimeout(move, 50);
  }};
  move();
}})();</script>"""


def move_focus(identifier: str, item_id: str, move: str) -> None:
    """Put the keyboard focus on the first field of the question `item_id` (or its first button,
    for a choice of several or an empty repeating group) and scroll it into view, once: the next
    run leaves the script out, and the page carries out a move (`move`, a token) only the first
    time its script is drawn."""
    selector = json.dumps("." + state.key_class(state.question_key(identifier, item_id)))
    with st.container(key=FOCUS_MOVE_KEY):
        st.html(_FOCUS_SCRIPT.format(move=move, selector=selector), unsafe_allow_javascript=True)


def draw_section(screening: Screening, identifier: str, index: int) -> None:
    """The questions of section `index` with their answers, problems and alerts."""
    definition, assessment, detail = screening.definition, screening.assessment, screening.detail
    view = definition.sections[index]
    locked = screening.locked
    problems_by_item: dict[str, list[Problem]] = {}
    for problem in assessment.problems:
        problems_by_item.setdefault(problem.where.item, []).append(problem)

    asked_items = [item for item in view.section.items if assessment.items[item.id].shown]
    book = state.book()  # read once for every item of the section
    for item in asked_items:
        with st.container(key=state.question_key(identifier, item.id)):
            widgets.render_item(
                definition,
                identifier,
                item,
                detail.answers.get(item.id),
                problems=problems_by_item.get(item.id, []),
                locked=locked,
                assessed_on=detail.assessed_on,
                book=book,
            )
            if state.discarded_change(state.widget_key(identifier, item.id), book=book):
                st.warning(actions.RECONNECTED_UNSAVED, icon=":material/sync_problem:")
        widgets.none_of_these(definition, identifier, view, item, detail.answers, assessment, locked=locked)
    if not asked_items:
        st.caption("Nothing to ask in this section for this patient.")
    focus_move = state.take_focus_move()
    if focus_move is not None and asked_items and not locked:  # a locked screening has nothing to fill
        move_focus(identifier, asked_items[0].id, focus_move)


requested = state.screening_id()
created = state.created_from(requested) if requested is not None and state.is_unsaved(requested) else None
if created is not None:  # back at a new screening's first address after its first answer
    state.open_screening(created)
if requested is not None and state.is_unsaved(requested) and created is None:
    identifier, screening = requested, _unsaved_page(requested)
else:
    identifier, screening = screening_page("Intake")
# Before any answer's widget is drawn, and past every early stop of the page (the page then draws
# the stamp field at its end, which ends the check): is the browser still showing an older page?
state.check_page()
unsaved = state.is_unsaved(identifier)
current = identifier
detail, definition, assessment = screening.detail, screening.definition, screening.assessment
locked = screening.locked

name = detail.patient_name
st.title(plain(name) if name else "New screening")
header_left, header_right = st.columns([3, 2])
with header_left:
    screening_state(screening)
with header_right:
    key = actions.assessed_on_key(identifier)
    state.sync_widget(key, detail.assessed_on)
    st.date_input(
        "Date of the screening",
        key=key,
        format="YYYY-MM-DD",
        disabled=locked,
        # An unsaved screening keeps the date in the widget until its first answer creates it.
        on_change=None
        if unsaved
        else lambda: actions.set_assessed_on(current, state.widget_value(key) or detail.assessed_on),
        help="Ages are computed at this date.",
    )
    if state.discarded_change(key):
        st.warning(actions.RECONNECTED_UNSAVED, icon=":material/sync_problem:")
    if unsaved:
        st.caption("Not saved yet: the screening is saved with its first answer.")
    elif screening.lifecycle == "draft":
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
    state.request_focus_move()


def _nav_changed() -> None:
    chosen = state.widget_value(nav_key)
    state.set_section(index if chosen is None else int(chosen))
    state.request_focus_move()


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

draw_section(screening, identifier, index)

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

# The hidden field that tells this session's pages from older ones (`state.page_stamp`): drawn last,
# so the widgets above see the value the browser sent; hidden from sight, keyboard and screen readers.
state.page_stamp()
with st.container(key=PAGE_STAMP_BOX):
    st.html(f"<style>.{state.key_class(PAGE_STAMP_BOX)} {{display: none;}}</style>")
    st.text_input("Page", key=state.PAGE_STAMP_KEY, label_visibility="collapsed")
