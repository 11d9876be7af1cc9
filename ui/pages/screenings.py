"""Screenings: search the list, resume a draft, or start a new screening."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from screening.storage import SCREENING_STATUSES, ScreeningStatus
from ui import actions, pages, services, state
from ui.summary import STATUS_TEXT
from ui.text import plain

user = state.user()
assert user is not None  # app.py shows the sign-in screen first

st.title("Screenings")
notice = state.take_notice()
if notice:
    st.info(notice)

if st.button("New screening", type="primary", icon=":material/add:", key="new-screening"):
    identifier = actions.create_screening(user)
    if identifier is not None:
        state.open_screening(identifier)
        st.switch_page(pages.INTAKE, query_params={state.SCREENING_PARAM: identifier})
    else:
        st.rerun()

search_column, status_column, dates_column, signed_column = st.columns([3, 2, 2, 2])
search = search_column.text_input(
    "Search by name or MRN", key="list-search", placeholder="e.g. Fernández or KC-2093"
)
statuses = status_column.multiselect(
    "Status",
    list(SCREENING_STATUSES),
    format_func=lambda s: STATUS_TEXT[s][0],
    key="list-status",
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
signed_choice = signed_column.radio(
    "Show", ["all", "drafts", "signed"], horizontal=True, key="list-signed", format_func=str.capitalize
)
signed = {"all": None, "drafts": False, "signed": True}[signed_choice or "all"]

wanted: list[ScreeningStatus] | None = [s for s in SCREENING_STATUSES if s in statuses] or None
rows = services.store().list_screenings(
    search=search or None,
    status=wanted,
    signed=signed,
    assessed_from=first_day,
    assessed_to=last_day,
    limit=100,
)

if not rows:
    filtered = search or statuses or signed is not None or first_day is not None
    st.caption("No screenings match." if filtered else "No screenings yet.")
for row in rows:
    with st.container(border=True):
        name_column, status_col, when_column, open_column = st.columns([4, 2, 3, 1.3])
        name = plain(row.patient_name) or "*(no name yet)*"
        mrn = f" · MRN {plain(row.mrn)}" if row.mrn else ""
        name_column.markdown(f"**{name}**{mrn}")
        label, color, _meaning = STATUS_TEXT[row.status]
        status_col.badge(label, color=color)
        if not row.status_current:
            status_col.caption("may be out of date")
        signed_text = f"signed by {plain(row.signature.signer.name)}" if row.signature else "draft"
        updated = row.updated_at.astimezone()
        when_column.caption(
            f"{row.assessed_on.isoformat()} · {signed_text} · updated {updated:%Y-%m-%d %H:%M}"
        )
        if open_column.button("Open", key=f"open:{row.id}"):
            state.open_screening(row.id)
            st.switch_page(pages.INTAKE, query_params={state.SCREENING_PARAM: row.id})
