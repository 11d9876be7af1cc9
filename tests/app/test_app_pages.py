"""Every page of the app draws without an exception and shows its key elements; local sign-in."""

from __future__ import annotations

import datetime as dt

from tests.app.app_support import (
    ASSESSED_ON,
    COMPLETE_ANSWERS,
    COORDINATOR,
    INTAKE_PAGE,
    PSYCHIATRIST,
    QUESTIONNAIRES_PAGE,
    REVIEW_PAGE,
    AppEnv,
    all_text,
    answer,
    assert_ok,
    current_section,
    go_to_section,
    open_app,
    screening_id,
    section_of,
    seed_screening,
    sidebar_text,
    widget,
)
from ui.text import plain


def test_local_sign_in_warns_that_it_is_not_authenticated_then_opens_the_screenings(app_env: AppEnv) -> None:
    at = open_app(None)
    assert [t.value for t in at.title] == ["Ketamine intake screening"]
    assert any("not authenticated" in str(w.value) for w in at.warning)
    assert not at.segmented_control and not at.sidebar.button  # no navigation before sign-in

    at.button[0].click().run()  # "Continue" with no name
    assert_ok(at)
    assert "Enter your name." in [e.value for e in at.error]

    at.text_input[0].input("Dr. Ana Reyes")
    at.radio[0].set_value("psychiatrist")
    at.button[0].click().run()
    assert_ok(at)
    assert [t.value for t in at.title] == ["Screenings"]
    user = at.session_state["user"]
    assert (user.name, user.role, user.authenticated, user.credentials) == (
        "Dr. Ana Reyes",
        "psychiatrist",
        False,
        None,  # credentials come from the clinic file only, which lists none here
    )
    assert "Dr. Ana Reyes" in sidebar_text(at) and "not authenticated" in sidebar_text(at)

    at.sidebar.button(key="sign-out").click().run()
    assert_ok(at)
    assert [t.value for t in at.title] == ["Ketamine intake screening"]


def test_screenings_page_lists_drafts_and_searches_by_name(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        seed_screening(workflow)
        seed_screening(workflow, {"patient_name": "Li Wei", "mrn": "RK-1"})
    at = open_app(COORDINATOR)
    assert [t.value for t in at.title] == ["Screenings"]
    assert at.button(key="new-screening").label == "New screening"
    names = [m.value for m in at.markdown if str(m.value).startswith("**")]
    assert len(names) == 2 and any("Tomás Ngata" in n for n in names)
    at.text_input(key="list-search").input("ngata").run()
    assert_ok(at)
    names = [m.value for m in at.markdown if str(m.value).startswith("**")]
    assert len(names) == 1 and "Ngata" in names[0] and "RK\\-40417" in names[0]


def test_list_buttons_say_which_screening_they_open(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        named = seed_screening(workflow, {"patient_name": "Ana Silva"}, assessed_on=dt.date(2026, 11, 20))
        unnamed = seed_screening(workflow, {"mrn": "KC-1"}, assessed_on=dt.date(2026, 11, 21))
    at = open_app(COORDINATOR)
    assert at.button(key=f"open:{named}").label == "Open screening of Ana Silva, 2026-11-20"
    assert at.button(key=f"open:{unnamed}").label == "Open screening of a patient not named yet, 2026-11-21"


def test_new_screening_is_stored_with_its_first_answer_only(app_env: AppEnv) -> None:
    at = open_app(COORDINATOR)
    at.button(key="new-screening").click().run()
    assert_ok(at)
    unsaved = screening_id(at)
    assert [t.value for t in at.title] == ["New screening"]
    assert "Not saved yet" in all_text(at)
    assert not [b for b in at.button if str(b.key).startswith("discard:")]  # nothing to discard
    # moving around and choosing the date store nothing
    go_to_section(at, section_of("phq9_1"))
    at.date_input(key=f"assessed-on:{unsaved}").set_value(dt.date(2026, 11, 18)).run()
    assert_ok(at)
    with app_env.workflow() as workflow:
        assert workflow.screenings() == []
    # leaving without an answer leaves nothing behind
    left = open_app(COORDINATOR)
    assert "No screenings yet." in all_text(left)

    answer(at, "phq9_1", "several_days")
    identifier = screening_id(at)
    assert identifier != unsaved
    assert current_section(at) == section_of("phq9_1")  # the same section, now of the stored screening
    assert widget(at, "phq9_1").value == "several_days"
    with app_env.workflow() as workflow:
        stored = workflow.get(identifier)
        assert stored.answers == {"phq9_1": "several_days"}
        assert stored.assessed_on == dt.date(2026, 11, 18)
        assert [row.id for row in workflow.screenings()] == [identifier]
    answer(at, "phq9_2", "not_at_all")  # later answers go to the same screening
    with app_env.workflow() as workflow:
        assert len(workflow.screenings()) == 1
        assert workflow.get(identifier).answers == {"phq9_1": "several_days", "phq9_2": "not_at_all"}
    # the discard action of a draft is on its intake
    assert at.button(key=f"discard:{identifier}")

    # back at the first address of the new screening: the stored one is shown
    at.query_params["id"] = unsaved
    at.run()
    assert_ok(at)
    assert screening_id(at) == identifier


def test_an_invalid_first_answer_creates_nothing(app_env: AppEnv) -> None:
    at = open_app(COORDINATOR)
    at.button(key="new-screening").click().run()
    answer(at, "patient_name", "Ana\x00Silva")  # a database cannot keep a NUL character
    assert any("Not saved" in str(e.value) for e in at.error)
    assert screening_id(at).startswith("new-")
    with app_env.workflow() as workflow:
        assert workflow.screenings() == []


def test_other_pages_of_an_unsaved_screening_point_to_the_list(app_env: AppEnv) -> None:
    at = open_app(COORDINATOR)
    at.button(key="new-screening").click().run()
    at.switch_page(REVIEW_PAGE).run()
    assert_ok(at)
    assert "does not exist" in all_text(at) or "Open a screening from the list" in all_text(at)


def test_open_from_the_list_goes_to_the_intake(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow)
    at = open_app(COORDINATOR)
    at.button(key=f"open:{identifier}").click().run()
    assert_ok(at)
    assert screening_id(at) == identifier
    assert at.title[0].value == "Tomás Ngata\\-Whitfield"
    assert at.text_input(key=f"w:{identifier}:patient_name").value == COMPLETE_ANSWERS["patient_name"]


def test_intake_page_without_a_screening_points_to_the_list(app_env: AppEnv) -> None:
    at = open_app(COORDINATOR, page=INTAKE_PAGE)
    assert [t.value for t in at.title] == ["Intake"]
    assert "Open a screening from the list" in all_text(at)
    assert at.get("page_link")


def test_intake_page_of_an_unknown_screening_says_so(app_env: AppEnv) -> None:
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening="no-such-screening")
    assert "does not exist" in all_text(at)


def test_intake_page_shows_sections_progress_summary_and_widgets(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow)
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier)
    nav = at.segmented_control(key=f"section-nav:{identifier}")
    assert len(nav.options) == 8 and nav.value == 0
    assert all(option.endswith("✓") for option in nav.options)  # every required answer given
    assert at.get("progress")
    assert [h.value for h in at.header] == ["Patient and vitals"]
    assert "Live summary" in [s.value for s in at.sidebar.subheader]
    assert "Status: Needs review" in sidebar_text(at)
    assert at.button(key="next")


def test_review_page_smoke(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow)
    at = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    assert [t.value for t in at.title] == ["Psychiatrist's review"]
    assert [h.value for h in at.header] == ["Flags", "Plan", "Treatment criteria", "Decision"]
    assert "Hypertension" in all_text(at)
    assert at.radio(key=f"review:{identifier}:protocol")
    assert at.button(key=f"review:{identifier}:sign").disabled  # no decision yet


def test_review_page_without_a_screening_points_to_the_list(app_env: AppEnv) -> None:
    at = open_app(PSYCHIATRIST, page=REVIEW_PAGE)
    assert [t.value for t in at.title] == ["Review"]
    assert "Open a screening from the list, or start a new one." in all_text(at)


def test_questionnaires_page_lists_every_bundled_file_clean(app_env: AppEnv) -> None:
    at = open_app(COORDINATOR, page=QUESTIONNAIRES_PAGE)
    assert [t.value for t in at.title] == ["Questionnaires"]
    assert [s.value for s in at.success] == ["Every file checks clean."]
    subheaders = " | ".join(str(s.value) for s in at.subheader)
    for title in ("PHQ-9", "GAD-7", "Ketamine and esketamine intake"):
        assert title in subheaders
    assert not at.code  # no problems listed
    at.button(key="reload-questionnaires").click().run()
    assert_ok(at)
    assert [s.value for s in at.success] == ["Every file checks clean."]


def test_patient_text_is_shown_as_text_not_markup(app_env: AppEnv) -> None:
    answers = {**COMPLETE_ANSWERS, "patient_name": "**Bold** [link](http://x) :red[alarm] $x$"}
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, answers)
    at = open_app(PSYCHIATRIST)
    escaped = plain(answers["patient_name"])
    assert (
        escaped.startswith("\\*\\*Bold\\*\\* \\[link\\]") and "\\:red\\[" in escaped and "\\$x\\$" in escaped
    )
    listed = [m.value for m in at.markdown if "Bold" in str(m.value)]
    assert listed == [f"**{escaped}** · MRN RK\\-40417"]
    at.button(key=f"open:{identifier}").click().run()
    assert at.title[0].value == escaped
    at = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    assert any(str(m.value).startswith(f"**{escaped}**") for m in at.markdown)


def test_signing_in_after_a_refresh_resumes_the_page_in_the_url(app_env: AppEnv) -> None:
    """Local mode keeps the user with the browser session, so a refresh asks for the name again;
    after signing in, the page, screening and section of the URL are shown, not the list."""
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow)
    at = open_app(None, page=INTAKE_PAGE, screening=identifier, section=2)
    assert [t.value for t in at.title] == ["Ketamine intake screening"]
    at.text_input[0].input("Casey Coordinator")
    at.button[0].click().run()
    assert_ok(at)
    assert at.title[0].value == plain(COMPLETE_ANSWERS["patient_name"])
    assert at.header[0].value == "Anxiety symptoms (GAD-7)"
    assert at.query_params == {"id": identifier, "section": "2"}


def test_the_list_filters_by_screening_date(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        seed_screening(workflow)
    at = open_app(COORDINATOR)
    today = dt.date.today()

    def opened() -> int:
        return len([button for button in at.button if button.label.startswith("Open screening of ")])

    assert opened() == 1
    taken = at.date_input(key="list-dates")
    taken.set_value((dt.date(2000, 1, 1), dt.date(2100, 1, 1))).run()
    assert_ok(at)
    assert opened() == 1
    at.date_input(key="list-dates").set_value((dt.date(2001, 1, 1), dt.date(2001, 1, 31))).run()
    assert opened() == 0
    assert "No screenings match." in [caption.value for caption in at.caption]
    at.date_input(key="list-dates").set_value((today, today)).run()
    assert opened() == (1 if today == ASSESSED_ON else 0)
