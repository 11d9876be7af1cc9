"""What every screening page starts with: the screening from the URL, the live summary in the
sidebar, the suicide-risk banner (with the alerts for the items and the dialog that waits for an
acknowledgement, `ui.crisis`) and any notice left by a callback."""

from __future__ import annotations

import streamlit as st

from screening.workflow import Screening
from ui import crisis, pages, services, state
from ui.summary import crisis_banner, live_summary


def screening_page(title: str) -> tuple[str, Screening]:
    """The current screening (id and the workflow's `Screening`), with the frame drawn; stops the
    page with a way back to the list when there is none."""
    identifier = state.screening_id()
    screening = services.load(identifier) if identifier else None
    if identifier is None or screening is None or screening.discarded:
        st.title(title)
        if identifier is None:
            st.info("Open a screening from the list, or start a new one.")
        elif screening is not None:
            st.info("This draft was discarded; it is kept only in the audit trail.")
        else:
            st.error("This screening does not exist, or its questionnaire cannot be loaded.")
        st.page_link(pages.SCREENINGS, label="Go to screenings", icon=":material/list:")
        st.stop()
    # The user now sees this revision: their next save is checked against it.
    state.set_revision(identifier, screening.revision)
    with st.sidebar:
        live_summary(screening)
    crisis_banner(screening.assessment, services.settings())
    crisis.prepare(screening)
    notice = state.take_notice()
    if notice:
        st.info(notice)
    return identifier, screening
