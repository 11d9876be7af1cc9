"""`treatment_days` in the clinic settings: default Monday to Friday; an unknown weekday or an empty
list is one line naming the file, line and key, and the default is used (the rest of the file
still applies)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from screening.config import DEFAULT_TREATMENT_DAYS, ClinicSettings, ConfigError, load_clinic_settings

ROOT = Path(__file__).resolve().parents[2]


def _load(tmp_path: Path, text: str) -> ClinicSettings:
    path = tmp_path / "clinic.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_clinic_settings(path)


def test_default_is_monday_to_friday() -> None:
    settings = ClinicSettings()
    assert settings.treatment_days == DEFAULT_TREATMENT_DAYS
    assert settings.treatment_weekdays == frozenset(range(5))
    assert settings.problems == ()


def test_the_example_file_sets_monday_to_friday() -> None:
    settings = load_clinic_settings(ROOT / "clinic.example.yaml")
    assert settings.treatment_weekdays == frozenset(range(5)) and settings.problems == ()


def test_days_in_any_case_and_short_names_in_week_order(tmp_path: Path) -> None:
    settings = _load(tmp_path, "name: Clinic\ntreatment_days: [Thursday, tue, THU]\n")
    assert settings.treatment_days == ("tuesday", "thursday")
    assert settings.treatment_weekdays == frozenset({1, 3})
    assert settings.problems == ()


@pytest.mark.parametrize(
    ("value", "where", "message"),
    [
        ("[monday, funday]", "3:26", "unknown weekday 'funday' (use monday to sunday)"),
        ("[]", "3:1", "the list is empty"),
        ("weekdays", "3:1", "expected a list of weekdays, e.g. [monday, wednesday, friday]"),
        ("[1, 2]", "3:18", "unknown weekday '1' (use monday to sunday)"),
    ],
)
def test_a_bad_list_is_one_line_and_the_default_is_used(
    tmp_path: Path, value: str, where: str, message: str
) -> None:
    settings = _load(tmp_path, f'name: Riverside\nphone: "+1 555 0100"\ntreatment_days: {value}\n')
    path = tmp_path / "clinic.yaml"
    assert settings.problems == (
        f"{path}:{where}: treatment_days: {message}; Monday to Friday is used instead.",
    )
    assert settings.treatment_days == DEFAULT_TREATMENT_DAYS
    # everything else in the file still applies
    assert settings.name == "Riverside" and settings.phone == "+1 555 0100"


def test_other_problems_still_make_the_file_unusable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"clinic\.yaml:2:1: page_size"):
        _load(tmp_path, "treatment_days: [funday]\npage_size: tabloid\n")


def test_settings_built_in_code_refuse_a_bad_list() -> None:
    with pytest.raises(ValidationError, match="the list is empty"):
        ClinicSettings.model_validate({"treatment_days": []})
    with pytest.raises(ValidationError, match="unknown weekday 'someday'"):
        ClinicSettings.model_validate({"treatment_days": ["someday"]})
