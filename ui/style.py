"""The app's own style sheet: the few rules Streamlit's theme does not give (the tablet layout,
readable locked fields, text contrast). Drawn once per run by app.py; Streamlit puts a style-only
`st.html` out of the page flow, so it takes no room."""

from __future__ import annotations

import streamlit as st

LAYOUT_CSS = """
/* layout: the tablet layout (up to 1000 px wide: an iPad in portrait is 820).
   Selectors relied on: Streamlit's data-testid attributes stSidebar (and its data-collapsed),
   stLayoutWrapper, stHorizontalBlock and stColumn, and the class "st-key-" + key that Streamlit
   gives a container drawn with a key: sidebar-fold, live-summary-sidebar and live-summary-bar
   (ui/frame.py), "group-row-" + item + row (ui/widgets.py, render_group) and "row:" + screening
   (ui/pages/screenings.py).
   No less-than sign in this sheet: Streamlit's HTML sanitizer drops a style element whose text
   has one. */
/* The script that folds the sidebar on a tablet (ui/frame.py) takes no room. */
.st-key-sidebar-fold,
[data-testid="stLayoutWrapper"]:has(> .st-key-sidebar-fold) { display: none; }
@media (min-width: 1001px) {
  /* The container and the wrapper Streamlit draws around it (which would still take a gap). */
  .st-key-live-summary-bar,
  [data-testid="stLayoutWrapper"]:has(> .st-key-live-summary-bar) { display: none; }
}
@media (max-width: 1000px) {
  /* The live summary is the bar at the top of the page, not the sidebar's column. */
  .st-key-live-summary-sidebar,
  [data-testid="stLayoutWrapper"]:has(> .st-key-live-summary-sidebar) { display: none; }
  /* A group row's fields (the row of three or more columns) wrap, each at least 12rem wide, so
     labels and chosen options read whole. */
  [class*="st-key-group-row-"]
    [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"]:nth-child(3)) {
    flex-wrap: wrap;
    row-gap: 0.75rem;
  }
  [class*="st-key-group-row-"]
    [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"]:nth-child(3))
    > [data-testid="stColumn"] {
    flex: 1 1 12rem !important;
    min-width: 12rem !important;
  }
  /* A row of the screenings list: who it is above where it stands, each the row's full width. */
  [class*="st-key-row-"] [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"]) {
    flex-direction: column;
  }
  [class*="st-key-row-"] [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {
    width: 100% !important;
    flex: 1 1 auto !important;
  }
}
@media (min-width: 769px) and (max-width: 1000px) {
  /* Streamlit folds the sidebar by itself up to 768 px; above that, up to 1000 px, it starts
     folded (ui/frame.py) and, opened, lies over the page as a drawer instead of narrowing it. */
  section[data-testid="stSidebar"] {
    /* important: the sidebar's resizer sets its position and height on the element itself */
    position: fixed !important;
    top: 0;
    bottom: 0;
    left: 0;
    height: 100dvh !important;
    box-shadow: 0 0 2rem rgba(0, 0, 0, 0.25);
  }
  section[data-testid="stSidebar"][data-collapsed="true"] {
    box-shadow: none;
  }
}
"""

_LOCK_ICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E"
    "%3Cpath d='M7 10V7a5 5 0 0 1 10 0v3h1a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V11"
    "a1 1 0 0 1 1-1zm2 0h6V7a3 3 0 0 0-6 0z'/%3E%3C/svg%3E"
)
"""A padlock (drawn in the text colour through a mask), after the label of a locked field."""

READABILITY_CSS = (
    """
/* readability: locked fields. A disabled widget (a signed screening) keeps its label, options and
   value in the normal text colour (Streamlit fades them below 4.5:1); its box is dashed, its label
   carries a padlock, and the chosen option of a locked choice is bold, so it still looks locked.
   Disabled buttons (add, remove) keep Streamlit's faded look: they are actions, not values. */
[data-testid="stElementContainer"]:has([data-testid="stWidgetLabel"][disabled]) * {
  color: inherit;
  -webkit-text-fill-color: currentColor;
}
[data-testid="stWidgetLabel"][disabled] [data-testid="stMarkdownContainer"] p::after {
  content: "";
  display: inline-block;
  width: 0.8em;
  height: 0.8em;
  margin-left: 0.4em;
  vertical-align: -0.05em;
  background-color: currentColor;
  -webkit-mask: var(--locked-icon) center / contain no-repeat;
  mask: var(--locked-icon) center / contain no-repeat;
"""
    f'  --locked-icon: url("{_LOCK_ICON}");'
    """
}
[data-testid="stElementContainer"]:has([data-testid="stWidgetLabel"][disabled]) :is(
  [data-testid="stTextInputRootElement"], [data-testid="stTextAreaRootElement"],
  [data-testid="stNumberInputContainer"], [data-testid="stDateInputField"],
  [data-testid="stSelectbox"] [role="group"]) {
  border-style: dashed;
  border-color: currentColor;
}
[data-testid="stRadioOption"][data-disabled="true"][data-selected="true"] p,
button[data-variant="pills"][data-disabled="true"][aria-pressed="true"] p {
  font-weight: 600;
}
button[data-variant="pills"][data-disabled="true"][aria-pressed="true"] {
  border: 2px solid currentColor;
}
/* The script that moves the focus to the first question of a section takes no room. */
.st-key-focus-move {
  display: none;
}
"""
)


CONTRAST_CSS = """
/* contrast: text at WCAG AA (4.5:1) at least. Streamlit draws captions at 60 % opacity (3.7:1 on
   white), and the chosen option of a segmented control or of pills in the primary colour on its
   own tint (4.47:1). */
[data-testid="stCaptionContainer"] { opacity: 0.8; }
[data-testid="stButtonGroup"] button[data-selected="true"] p { color: #a8303d; }
"""


def apply() -> None:
    """Add the style sheet to the page (call once per run, before the page draws)."""
    st.html(f"<style>{LAYOUT_CSS}{READABILITY_CSS}{CONTRAST_CSS}</style>")
