"""The screenings list says how many screenings match its filters and shows them a page at a time:
each page starts after the last row of the page before (a keyset cursor), Previous page goes back
through the pages seen, and the count stops at 1,000 past the page ("of 1,000+")."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.app_support import COORDINATOR, AppEnv, all_text, assert_ok, open_app


def _opened_names(at: AppTest) -> list[str]:
    prefix = "Open screening of "
    return sorted(
        str(button.label)[len(prefix) :].split(",")[0]
        for button in at.button
        if str(button.label).startswith(prefix)
    )


def test_the_list_counts_what_matches_and_pages_on(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        for number in range(105):  # the first five made are the oldest: the last page
            workflow.create(COORDINATOR, answers={"patient_name": f"Patient {number:03d}"})

    at = open_app(COORDINATOR)
    assert "Showing 1–100 of 105" in all_text(at)
    assert len(_opened_names(at)) == 100
    assert at.button(key="list-previous").disabled
    assert not at.button(key="list-next").disabled

    at.button(key="list-next").click().run()
    assert_ok(at)
    assert "Showing 101–105 of 105" in all_text(at)
    assert _opened_names(at) == [f"Patient {number:03d}" for number in range(5)]
    assert at.button(key="list-next").disabled

    at.button(key="list-previous").click().run()
    assert_ok(at)
    assert "Showing 1–100 of 105" in all_text(at)
    assert "Patient 000" not in _opened_names(at)

    at.button(key="list-next").click().run()
    at.text_input(key="list-search").input("patient 10").run()  # other filters start at page 1
    assert_ok(at)
    assert "Showing 1–5 of 5" in all_text(at)
    assert _opened_names(at) == [f"Patient {number}" for number in range(100, 105)]
    assert not [button for button in at.button if button.key in ("list-previous", "list-next")]

    at.text_input(key="list-search").input("atient").run()  # words are found by their beginning
    assert_ok(at)
    assert "No screenings match." in all_text(at)
