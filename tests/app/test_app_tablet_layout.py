"""The tablet layout: the live summary is drawn twice, in the sidebar for a wide screen and as a
bar at the top of the page for a tablet, and the style sheet shows one or the other by the keys of
their containers. Group rows and the rows of the screenings list carry the keys the style sheet
stacks them by."""

from __future__ import annotations

import re
from typing import Any

from tests.app.app_support import (
    COMPLETE_ANSWERS,
    COORDINATOR,
    INTAKE_PAGE,
    PSYCHIATRIST,
    REVIEW_PAGE,
    SCREENINGS_PAGE,
    AppEnv,
    keyed_block,
    keyed_blocks,
    open_app,
    section_of,
    seed_screening,
)
from ui import style
from ui.frame import SIDEBAR_FOLD_KEY, SIDEBAR_SUMMARY_KEY, SUMMARY_BAR_KEY


def _texts(block: object) -> list[str]:
    return [str(element.value) for kind in ("markdown", "caption") for element in getattr(block, kind)]


def _badges(block: object) -> list[str]:
    """The words of the badges in a block (a badge is markdown such as ":orange-badge[Words]")."""
    found = []
    for text in _texts(block):
        match = re.fullmatch(r":\w+-badge\[(?:[^\]]*\] )?(.*)\]", text)
        if match:
            found.append(match.group(1))
    return found


def _bar_line(bar: Any) -> list[str]:
    """The badges of the bar's line (its first child), not those of the drawer under it."""
    return _badges(bar.children[0])


def test_bar_says_the_status_and_counts_the_flags_by_severity_in_words(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow)  # needs review: one relative contraindication
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier)
    bar = keyed_block(at, SUMMARY_BAR_KEY)
    badges = _bar_line(bar)
    assert badges[0] == "Status: Needs review"
    assert "Relative contraindication (1)" in badges
    assert not any(
        badge.startswith(("Absolute", "Caution", "Information", "Flags: none")) for badge in badges
    )
    assert not any(badge.startswith("Missing answers") for badge in badges)  # complete
    drawer = bar.expander
    assert len(drawer) == 1 and drawer[0].label.startswith("Live summary")
    # The drawer holds the whole live summary (without a second "Live summary" title) ...
    inside = "\n".join(_texts(drawer[0]))
    assert "**Scores**" in inside and "**Flags (1)**" in inside
    assert not drawer[0].subheader
    # ... and the sidebar still has its own, under its title, for a wide screen.
    side = keyed_block(at, SIDEBAR_SUMMARY_KEY)
    assert [s.value for s in side.subheader] == ["Live summary"]
    assert "Status: Needs review" in _badges(side)


def test_bar_of_a_new_screening_says_no_flags_and_counts_the_missing_answers(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, {"patient_name": COMPLETE_ANSWERS["patient_name"]})
        missing = len(workflow.get(identifier).assessment.missing)
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier)
    badges = _bar_line(keyed_block(at, SUMMARY_BAR_KEY))
    assert badges == ["Status: Incomplete", "Flags: none", f"Missing answers ({missing})"]
    assert missing > 0


def test_bar_is_on_the_review_page_too(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow)
    at = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=identifier)
    assert "Status: Needs review" in _bar_line(keyed_block(at, SUMMARY_BAR_KEY))
    assert keyed_block(at, SIDEBAR_SUMMARY_KEY)


def test_group_rows_and_list_rows_carry_the_keys_the_style_sheet_stacks(app_env: AppEnv) -> None:
    answers = {
        **COMPLETE_ANSWERS,
        "antidepressant_trials": [
            {
                "drug": "sertraline",
                "weeks": 10,
                "adequate_dose": True,
                "adherent": True,
                "improvement": "lt25",
            },
            {
                "drug": "bupropion",
                "weeks": 8,
                "adequate_dose": False,
                "adherent": True,
                "improvement": "none",
            },
        ],
    }
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, answers)
    at = open_app(
        COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=section_of("antidepressant_trials")
    )
    assert len(keyed_blocks(at, "group-row-antidepressant_trials-")) == 2
    listing = open_app(COORDINATOR, page=SCREENINGS_PAGE)
    assert keyed_block(listing, f"row:{identifier}")


def test_the_list_and_the_screening_pages_fold_the_sidebar_on_a_tablet(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow)
    for at in (
        open_app(COORDINATOR, page=SCREENINGS_PAGE),
        open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier),
    ):
        scripts = [str(element.proto.body) for element in keyed_block(at, SIDEBAR_FOLD_KEY).get("html")]
        assert len(scripts) == 1
        assert "width <= 768 || width > 1000" in scripts[0]
        assert 'data-testid="stSidebarCollapseButton"' in scripts[0]


def test_style_sheet_names_the_keys_and_survives_the_html_sanitizer() -> None:
    css = style.LAYOUT_CSS
    for key in (SUMMARY_BAR_KEY, SIDEBAR_SUMMARY_KEY, SIDEBAR_FOLD_KEY):
        assert f".st-key-{key}" in css
    assert '[class*="st-key-group-row-"]' in css and '[class*="st-key-row-"]' in css
    assert "@media (max-width: 1000px)" in css and "@media (min-width: 1001px)" in css
    # Streamlit's sanitizer drops a style element whose text has a less-than sign.
    assert "<" not in css
