"""What every screening page starts with: the screening from the URL, the live summary in the
sidebar, the suicide-risk banner and any notice left by a callback."""

from __future__ import annotations

import streamlit as st

from ui import pages, services, state
from ui.services import Loaded
from ui.summary import crisis_banner, live_summary


def screening_page(title: str) -> tuple[str, Loaded]:
    """The current screening (id and loaded record), with the frame drawn; stops the page with a
    way back to the list when there is none."""
    identifier = state.screening_id()
    loaded = services.load(identifier) if identifier else None
    if identifier is None or loaded is None:
        st.title(title)
        if identifier is None:
            st.info("Open a screening from the list, or start a new one.")
        else:
            st.error("This screening does not exist, or its questionnaire cannot be loaded.")
        st.page_link(pages.SCREENINGS, label="Go to screenings", icon=":material/list:")
        st.stop()
    # The user now sees this revision: their next save is checked against it.
    state.set_revision(identifier, loaded.detail.revision)
    with st.sidebar:
        live_summary(loaded.definition, loaded.assessment)
    crisis_banner(loaded.assessment, services.settings())
    notice = state.take_notice()
    if notice:
        st.info(notice)
    return identifier, loaded
