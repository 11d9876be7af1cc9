"""A broken questionnaire folder: the problems are shown on the Questionnaires page, the rest of the
app keeps working, and screenings taken with the earlier files still open from their pinned copy."""

from __future__ import annotations

import shutil

import pytest

from tests.app.app_support import (
    BUNDLED,
    COORDINATOR,
    INTAKE_PAGE,
    QUESTIONNAIRES_PAGE,
    AppEnv,
    all_text,
    assert_ok,
    open_app,
    seed_screening,
    widget,
)


@pytest.fixture
def broken_folder(app_env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> AppEnv:
    """The bundled questionnaires with two mistakes in gad7.yaml: a gap between two bands and a
    citation of a source that does not exist."""
    folder = app_env.tmp_path / "questionnaires"
    shutil.copytree(BUNDLED, folder)
    gad7 = folder / "gad7.yaml"
    text = gad7.read_text(encoding="utf-8")
    broken = text.replace("{min: 5, max: 9, label: Mild}", "{min: 6, max: 9, label: Mild}").replace(
        "source: [spitzer_2006, loinc_gad7]", "source: [spitzer_2006, loinc_gad77]"
    )
    assert broken.count("loinc_gad77") == 1 and "min: 6" in broken
    gad7.write_text(broken, encoding="utf-8")
    monkeypatch.setenv("SCREENING_QUESTIONNAIRES", str(folder))
    return app_env


def test_questionnaires_page_shows_every_problem_with_its_place(broken_folder: AppEnv) -> None:
    at = open_app(COORDINATOR, page=QUESTIONNAIRES_PAGE)
    errors = [str(e.value) for e in at.error]
    assert len(errors) == 1 and "cannot be used until they are fixed" in errors[0]
    problems = [str(c.value) for c in at.code]
    assert len(problems) == 2  # gad7.yaml, and the intake that includes it
    gad7 = next(p for p in problems if "gad7.yaml:64:" in p)
    assert "E010 unknown source 'loinc_gad77'" in gad7 and "did you mean 'loinc_gad7'?" in gad7
    assert "gad7.yaml:67:10: E013 score 'gad7_total': no band covers 5" in gad7
    intake = next(p for p in problems if "ketamine-trd-intake.yaml" in p)
    assert "includes 'gad7', which has errors" in intake
    assert all_text(at).count("· **not usable**") == 2
    # PHQ-9 and the ASQ are still loaded and described
    described = all_text(at)
    assert "`phq9` · version" in described and "`asq` · version" in described
    assert "`ketamine-trd-intake` · version" not in described  # it includes the broken GAD-7


def test_rest_of_the_app_works_and_new_screenings_say_the_intake_cannot_be_used(
    broken_folder: AppEnv,
) -> None:
    with broken_folder.workflow() as workflow:
        identifier = seed_screening(workflow)  # taken with the good files, before the folder broke
    at = open_app(COORDINATOR)
    assert [t.value for t in at.title] == ["Screenings"]
    assert at.button(key=f"open:{identifier}")
    at.button(key="new-screening").click().run()
    assert_ok(at)
    assert "The intake questionnaire has errors and cannot be used; see Questionnaires." in all_text(at)
    assert [t.value for t in at.title] == ["Screenings"]
    with broken_folder.workflow() as workflow:
        assert len(workflow.screenings()) == 1  # nothing was created

    # the earlier screening opens with the definition it was taken with
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=2)
    assert at.header[0].value == "Anxiety symptoms (GAD-7)"
    assert widget(at, "gad7_1").value == "several_days"
    assert "GAD-7 total: 7 · Mild" in all_text(at)


def test_reload_from_disk_picks_up_the_fixed_file(broken_folder: AppEnv) -> None:
    at = open_app(COORDINATOR, page=QUESTIONNAIRES_PAGE)
    assert at.error
    shutil.copy(BUNDLED / "gad7.yaml", broken_folder.tmp_path / "questionnaires" / "gad7.yaml")
    at.button(key="reload-questionnaires").click().run()
    assert_ok(at)
    assert [s.value for s in at.success] == ["Every file checks clean."]
