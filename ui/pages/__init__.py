"""The app's pages, one script each, run by `st.navigation` in app.py. Paths are relative to
app.py, as `st.switch_page` and `AppTest.switch_page` expect."""

SCREENINGS = "ui/pages/screenings.py"
INTAKE = "ui/pages/intake.py"
REVIEW = "ui/pages/review.py"
DOCUMENTS = "ui/pages/documents.py"
QUESTIONNAIRES = "ui/pages/questionnaires.py"
SETUP = "ui/pages/setup.py"
