"""Screenings: search the list, resume a draft, discard one opened by mistake, or start a new
screening. Each row says its status, its decision and where it stands in its lifecycle."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import streamlit as st

from screening.storage import ListCursor
from screening.vocabulary import (
    DECISION_WORDS,
    DECISIONS,
    LIFECYCLE_WORDS,
    LIFECYCLES,
    STATUSES,
    decision_words,
    status_words,
)
from screening.workflow import lifecycle_sentence
from ui import actions, discard, frame, pages, services, state
from ui.summary import LIFECYCLE_LOOK, STATUS_LOOK
from ui.text import plain

PAGE_SIZE = 100  # screenings on one page of the list
# how far past a page's first row the list counts the screenings that match ("of 1,000+")
COUNT_AHEAD = 1000


def open_label(patient_name: str | None, assessed_on: dt.date) -> str:
    """The name of a row's "Open" button, which says which screening it opens (a screen reader
    reads the list's buttons out of their rows)."""
    who = plain(" ".join((patient_name or "").split())) or "a patient not named yet"
    return f"Open screening of {who}, {assessed_on.isoformat()}"


user = state.user()
assert user is not None  # app.py shows the sign-in screen first

frame.fold_sidebar_on_tablet()
st.title("Screenings")
notice = state.take_notice()
if notice:
    st.info(notice)

if st.button(
    "New screening",
    type="primary",
    icon=":material/add:",
    key="new-screening",
    help="Opens an empty intake; the screening is saved with its first answer.",
):
    identifier = actions.new_screening()
    if identifier is not None:
        state.open_screening(identifier)
        st.switch_page(pages.INTAKE, query_params={state.SCREENING_PARAM: identifier})
    else:
        st.rerun()

search_column, dates_column = st.columns([3, 2])
search = search_column.text_input(
    "Search by name or MRN", key="list-search", placeholder="e.g. Fernández or KC-2093"
)
lifecycle_column, decision_column, status_column = st.columns(3)
lifecycles = lifecycle_column.multiselect(
    "Lifecycle",
    list(LIFECYCLES),
    format_func=lambda lifecycle: LIFECYCLE_WORDS[lifecycle],
    key="list-lifecycle",
    placeholder="Any",
    help="Draft, signed, or reopened by an amendment and waiting to be signed again.",
)
decisions = decision_column.multiselect(
    "Decision",
    list(DECISIONS),
    format_func=lambda decision: DECISION_WORDS[decision],
    key="list-decision",
    placeholder="Any",
)
statuses = status_column.multiselect(
    "Status", list(STATUSES), format_func=status_words, key="list-status", placeholder="Any"
)
dates = dates_column.date_input(
    "Screening date",
    value=[],
    min_value=dt.date(2000, 1, 1),
    max_value=dt.date(2100, 12, 31),
    key="list-dates",
    format="YYYY-MM-DD",
    help="One day, or a first and last day.",
)
chosen_days = [day for day in (dates if isinstance(dates, tuple) else (dates,)) if isinstance(day, dt.date)]
first_day = chosen_days[0] if chosen_days else None
last_day = chosen_days[-1] if chosen_days else None

filters: dict[str, Any] = {
    "search": search or None,
    "status": [s for s in STATUSES if s in statuses] or None,
    "lifecycle": [state_ for state_ in LIFECYCLES if state_ in lifecycles] or None,
    "decision": [d for d in DECISIONS if d in decisions] or None,
    "assessed_from": first_day,
    "assessed_to": last_day,
}
# The filters' signature keeps the page while they stay the same (a hash: no search text twice).
signature = hashlib.sha256(repr(sorted(filters.items())).encode("utf-8")).hexdigest()
# Each page starts after the last row of the one before (a keyset cursor: the row's time and id),
# so a page costs the same however deep it is; going back pops the cursors kept in the session.
cursors = state.list_cursors(signature)
rows = services.workflow().screenings(**filters, limit=PAGE_SIZE, after=cursors[-1] if cursors else None)
if not rows and cursors:  # the rest of the list went away meanwhile (discarded): start over
    state.set_list_cursors(signature, ())
    cursors = ()
    rows = services.workflow().screenings(**filters, limit=PAGE_SIZE)
skipped = len(cursors) * PAGE_SIZE
# Counted no further than COUNT_AHEAD past the page's first row: "of 1,000+" without reading every match.
counted = services.workflow().count_screenings(**filters, cap=skipped + COUNT_AHEAD + 1)
total = f"{skipped + COUNT_AHEAD:,}+" if counted > skipped + COUNT_AHEAD else f"{counted:,}"
first = skipped + 1
last = skipped + len(rows)
if not rows:
    filtered = search or statuses or lifecycles or decisions or first_day is not None
    st.caption("No screenings match." if filtered else "No screenings yet.")
else:
    st.caption(f"Showing {first:,}–{last:,} of {total}")
for row in rows:
    # The key's class (st-key-row-...) lets the style sheet stack the row's two columns on a tablet.
    with st.container(border=True, key=f"row:{row.id}"):
        about_column, state_column = st.columns([3, 4])
        name = plain(row.patient_name) or "*(no name yet)*"
        mrn = f" · MRN {plain(row.mrn)}" if row.mrn else ""
        about_column.markdown(f"**{name}**{mrn}")
        updated = row.updated_at.astimezone()
        signer = row.signature.signer.signature_name if row.signature is not None else None
        signed_text = f"last signed by {plain(signer)}" if signer else "never signed"
        about_column.caption(
            f"Screening of {row.assessed_on.isoformat()} · {signed_text} · updated {updated:%Y-%m-%d %H:%M}"
        )
        with state_column:
            badges = st.container(horizontal=True, gap="small")
            lifecycle_color, lifecycle_icon = LIFECYCLE_LOOK[row.lifecycle]
            badges.badge(LIFECYCLE_WORDS[row.lifecycle], color=lifecycle_color, icon=lifecycle_icon)
            status_color, meaning = STATUS_LOOK[row.status]
            badges.badge(f"Status: {status_words(row.status)}", color=status_color, help=meaning)
            words = plain(lifecycle_sentence(row))
            if row.lifecycle == "draft":
                words += f": {meaning}"
            if row.lifecycle != "signed" and row.decision:
                words += f" · decision on record, not signed: {decision_words(row.decision)}"
            st.caption(words)
            if not row.status_current:
                st.caption("The status may be out of date.")
        actions_row = st.container(horizontal=True, gap="small")
        with actions_row:
            if st.button(
                open_label(row.patient_name, row.assessed_on),
                key=f"open:{row.id}",
                icon=":material/open_in_new:",
            ):
                state.open_screening(row.id)
                st.switch_page(pages.INTAKE, query_params={state.SCREENING_PARAM: row.id})
            if row.lifecycle == "draft":
                discard.discard_control(row.id, row.revision, leave=False)

if cursors or counted > last:
    paging = st.container(horizontal=True, gap="small")
    paging.button(
        "Previous page",
        key="list-previous",
        icon=":material/chevron_left:",
        disabled=not cursors,
        on_click=state.set_list_cursors,
        args=(signature, cursors[:-1]),
    )
    paging.button(
        "Next page",
        key="list-next",
        icon=":material/chevron_right:",
        disabled=counted <= last or not rows,
        on_click=state.set_list_cursors,
        args=(signature, (*cursors, ListCursor.of(rows[-1])) if rows else cursors),
    )
