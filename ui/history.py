"""The history of a screening: each change with what it changed (from what to what), who made it,
when and why, from `Workflow.history`. Every word that comes from a person (names, answers,
notes, reasons) is shown as text, never as markup."""

from __future__ import annotations

from itertools import groupby

import streamlit as st

from screening.workflow import HistoryEntry
from ui import services
from ui.auth import ROLE_WORDS
from ui.text import plain

KIND_WORDS = {
    "created": "Screening opened",
    "answer": "Answer saved",
    "date": "Screening date changed",
    "review": "Review saved",
    "signed": "Signed",
    "amended": "Amendment",
    "reopened": "Reopened",
    "discarded": "Discarded",
    "document": "Document downloaded",
    "crisis_acknowledged": "Suicide-risk alert acknowledged",
    "status_changed": "Status changed",
}
_WHILE_FILLING_IN = frozenset({"answer", "date", "document"})
"""Left out unless asked for: the many saves of filling in, and the documents previewed, printed,
downloaded and exported."""


def _what(entry: HistoryEntry) -> str:
    """What an entry did, in words: the kind, or for a document what was done with which one
    ("Printed clinician-summary.pdf"; a document name is the app's, never patient text)."""
    if entry.kind == "document" and entry.new_words and entry.target_label:
        return plain(entry.target_label)
    return KIND_WORDS.get(entry.kind, entry.kind)


def _change(entry: HistoryEntry) -> str | None:
    """One line of a change in words: "Heart disease: No → Yes"."""
    label = plain(entry.target_label or "")
    if entry.kind in ("created", "discarded", "document"):
        return None
    if entry.kind == "crisis_acknowledged":
        return f"- {label}: {plain(entry.new_words)}"
    if entry.kind == "signed":
        return f"- Decision signed: {plain(entry.new_words)}"
    if entry.kind == "reopened":
        return f"- {label} ({plain(entry.new_words)})" if entry.new_words else f"- {label}"
    return f"- {label}: {plain(entry.old_words) or 'not set'} → {plain(entry.new_words) or 'not set'}"


def history_panel(identifier: str) -> None:
    """Each change of the screening, newest first, in an expander."""
    with st.expander("History of changes", icon=":material/history:"):
        everything = st.toggle(
            "Also show each answer saved while filling in, and documents previewed, printed or downloaded",
            key=f"history-all:{identifier}",
        )
        entries = services.workflow().history(identifier)
        shown = [entry for entry in entries if everything or entry.kind not in _WHILE_FILLING_IN]
        if not shown:
            st.caption("Nothing recorded yet.")
        for _revision, group in groupby(reversed(shown), key=lambda entry: entry.revision):
            changes = list(reversed(list(group)))  # in the order they were recorded
            first = changes[0]
            kinds = [_what(entry) for entry in changes]
            what = " · ".join(dict.fromkeys(kinds))
            role = ROLE_WORDS.get(first.role, first.role)
            header = (
                f"**{first.at.astimezone():%Y-%m-%d %H:%M}** · {plain(first.user_name)} ({role}) · {what}"
            )
            blocks = [header]
            lines = [line for entry in changes if (line := _change(entry)) is not None]
            if lines:
                blocks.append("\n".join(lines))
            reason = next((entry.reason for entry in changes if entry.reason), None)
            if reason:
                blocks.append(f"*Reason:* {plain(reason)}")
            with st.container(border=True, key=f"history:{identifier}:{first.revision}"):
                st.markdown("\n\n".join(blocks))
