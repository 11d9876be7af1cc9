"""What every screening page starts with: the screening from the URL, the live summary (in the
sidebar on a wide screen, as a bar at the top of the page on a tablet), the suicide-risk banner
(with the alerts for the items and the dialog that waits for an acknowledgement, `ui.crisis`) and
any notice left by a callback."""

from __future__ import annotations

import streamlit as st

from screening.workflow import Screening
from ui import crisis, pages, services, state
from ui.summary import crisis_banner, live_summary, summary_bar

SIDEBAR_SUMMARY_KEY = "live-summary-sidebar"
"""The sidebar's live summary (class `st-key-live-summary-sidebar`), shown on a wide screen."""
SUMMARY_BAR_KEY = "live-summary-bar"
"""The bar at the top of the page (class `st-key-live-summary-bar`), shown on a tablet."""
SIDEBAR_FOLD_KEY = "sidebar-fold"
"""The container of the script that folds the sidebar on a tablet (styled to take no room)."""

_FOLD_SCRIPT = """<script>/* sidebar fold */(() => {
  // On a tablet (769 to 1000 px; Streamlit folds the sidebar itself up to 768 px) the sidebar
  // starts folded, once per browser tab, unless the user has opened or folded it before (Streamlit
  // keeps that choice under stSidebarCollapsed-...). Streamlit records this fold as a choice too;
  // it is removed, so a wide window still starts with the sidebar open.
  const width = window.innerWidth;
  if (width <= 768 || width > 1000 || sessionStorage.getItem("sidebar-folded-for-tablet")) return;
  sessionStorage.setItem("sidebar-folded-for-tablet", "1");
  const choices = () => Object.keys(localStorage).filter((k) => k.startsWith("stSidebarCollapsed-"));
  if (choices().length) return;
  let tries = 0;
  const fold = () => {
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (sidebar && button) {
      if (sidebar.getAttribute("data-collapsed") === "false") {
        button.click();
        choices().forEach((k) => localStorage.removeItem(k));
      }
    } else if (++tries < 40) setTimeout(fold, 50);
  };
  fold();
})();</script>"""


def fold_sidebar_on_tablet() -> None:
    """Start with the sidebar folded on a tablet, where it would take a third of the width (the
    live summary is then the bar at the top of the page; the navigation opens from the header)."""
    with st.container(key=SIDEBAR_FOLD_KEY):
        st.html(_FOLD_SCRIPT, unsafe_allow_javascript=True)


def screening_page(title: str) -> tuple[str, Screening]:
    """The current screening (id and the workflow's `Screening`), with the frame drawn; stops the
    page with a way back to the list when there is none."""
    identifier = state.screening_id()
    screening = (state.take_written(identifier) or services.load(identifier)) if identifier else None
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
    fold_sidebar_on_tablet()
    # Both forms of the live summary are drawn; the style sheet (ui/style.py, LAYOUT_CSS) shows
    # the sidebar one on a wide screen and the bar on a tablet, by the classes of these keys.
    with st.sidebar, st.container(key=SIDEBAR_SUMMARY_KEY):
        live_summary(screening)
    crisis_banner(screening.assessment, services.settings())
    with st.container(key=SUMMARY_BAR_KEY, border=True):
        summary_bar(screening)
    crisis.prepare(screening)
    notice = state.take_notice()
    if notice:
        st.info(notice)
    return identifier, screening
