"""The app's pages, one script each, run by `st.navigation` in app.py. Paths are relative to
app.py, as `st.switch_page` and `AppTest.switch_page` expect."""

from typing import NamedTuple

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
