"""Discarding a draft created by mistake: a button that opens a confirmation with a reason box."""

from __future__ import annotations

import streamlit as st

from ui import actions, pages, state


def _discard(identifier: str, revision: int, reason_key: str, *, leave: bool) -> None:
    # In the callback, against the revision the user saw: a draft somebody changed meanwhile is
    # not discarded unseen.
    error = actions.discard(identifier, str(state.widget_value(reason_key) or ""), base_revision=revision)
    if error:
        state.report_error(f"discard:{identifier}", error)
        return
    state.forget_widget(reason_key)
    state.notify("The draft was discarded. The audit trail keeps it; the list no longer shows it.")
    if leave:
        state.open_screening(None)
        state.go_to(pages.SCREENINGS)


def discard_control(identifier: str, revision: int, *, leave: bool = True) -> None:
    """The "Discard draft" button: a confirmation with a reason, then the draft leaves the list
    (and, with `leave`, the page goes back to the list)."""
    with st.popover("Discard draft", icon=":material/delete:"):
        st.markdown(
            "Discard this draft if it was opened by mistake. It disappears from the list; "
            "the audit trail keeps it. A signed screening cannot be discarded."
        )
        reason_key = f"discard-reason:{identifier}:{revision}"
        st.text_input(
            "Reason for discarding", key=reason_key, max_chars=500, placeholder="e.g. opened twice by mistake"
        )
        st.button(
            "Discard this draft",
            key=f"discard:{identifier}",
            type="primary",
            icon=":material/delete:",
            on_click=_discard,
            args=(identifier, revision, reason_key),
            kwargs={"leave": leave},
        )
        error = state.take_error(f"discard:{identifier}")
        if error:
            st.error(error)
