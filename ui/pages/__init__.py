"""The app's pages, one script each, run by `st.navigation` in app.py. Paths are relative to
app.py, as `st.switch_page` and `AppTest.switch_page` expect."""

import copy
import threading
from pathlib import Path
from typing import NamedTuple

import streamlit as st
from streamlit.navigation.page import StreamlitPage

_APP_FOLDER = Path(__file__).resolve().parents[2]  # the folder of app.py: page paths are relative to it

SCREENINGS = "ui/pages/screenings.py"
INTAKE = "ui/pages/intake.py"
REVIEW = "ui/pages/review.py"
DOCUMENTS = "ui/pages/documents.py"
QUESTIONNAIRES = "ui/pages/questionnaires.py"
SETUP = "ui/pages/setup.py"


class Entry(NamedTuple):
    """One page of the navigation."""

    path: str
    title: str
    icon: str
    default: bool = False


def menu(administrator: bool) -> dict[str, list[Entry]]:
    """The navigation's sections and their pages, in order; the clinic settings only for the
    clinic's administrators."""
    setup = [Entry(QUESTIONNAIRES, "Questionnaires", ":material/rule:")]
    if administrator:
        setup.append(Entry(SETUP, "Clinic settings", ":material/settings:"))
    return {
        "Screening": [
            Entry(SCREENINGS, "Screenings", ":material/list:", default=True),
            Entry(INTAKE, "Intake", ":material/assignment:"),
            Entry(REVIEW, "Review and sign", ":material/fact_check:"),
            Entry(DOCUMENTS, "Documents", ":material/picture_as_pdf:"),
        ],
        "Setup": setup,
    }


_made: dict[Entry, StreamlitPage] = {}
_made_lock = threading.Lock()


def page(entry: Entry) -> StreamlitPage:
    """The `st.Page` of `entry` for this run: a copy of one made once per process.

    `st.Page` looks its script up on disk each time it is made (a `stat` of every folder on the
    way), and app.py asks for every page on every run. A page's title, icon, address and script
    do not change while the app runs, so the page is made once, from the script's absolute path
    (the same page whatever the main script's folder), and each run gets a shallow copy:
    `st.navigation` marks the pages of the run it is given (the default one, the one it may run),
    and those marks must not pass from one session or run to another."""
    made = _made.get(entry)
    if made is None:
        made = st.Page(_APP_FOLDER / entry.path, title=entry.title, icon=entry.icon, default=entry.default)
        with _made_lock:
            made = _made.setdefault(entry, made)
    return copy.copy(made)
