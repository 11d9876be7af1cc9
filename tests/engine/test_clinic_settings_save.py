"""Saving the clinic settings the app edits: validated by the clinic settings model, written
atomically, every other key of the file kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from screening.config import (
    ClinicSettings,
    ConfigError,
    InvalidSettings,
    load_clinic_settings,
    may_edit_settings,
    save_clinic_settings,
    settings_file,
)

EXISTING = """\
name: Riverside
page_size: a4
roles:
  psychiatrists: [R. Okafor]
  coordinators: []
emergency_number: "911"
"""

CHANGES = {
    "name": "  Clinique du Lac ",
    "phone": "+33 1 23 45 67 89",
    "emergency_number": "112",
    "crisis_lines": [{"label": "SOS Amitié", "contact": "09 72 39 40 50"}],
    "treatment_days": ["mon", "Wednesday", "fri"],
    "iv_fasting": "Do not eat for 6 hours before your treatment.",
}


def test_saving_writes_the_changes_and_keeps_every_other_key(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text(EXISTING, encoding="utf-8")
    saved = save_clinic_settings(path, CHANGES)
    assert saved == load_clinic_settings(path)
    assert saved.name == "Clinique du Lac"
    assert saved.phone == "+33 1 23 45 67 89"
    assert saved.emergency_number == "112"
    assert [(line.label, line.contact) for line in saved.crisis_lines] == [("SOS Amitié", "09 72 39 40 50")]
    assert saved.treatment_days == ("monday", "wednesday", "friday")
    assert saved.iv_fasting == "Do not eat for 6 hours before your treatment."
    assert saved.page_size == "a4" and saved.roles.psychiatrists == ["R. Okafor"]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Clinic settings")
    data = yaml.safe_load(text)
    assert list(data)[:4] == ["name", "page_size", "roles", "emergency_number"]  # the file's order kept
    assert data["roles"] == {"psychiatrists": ["R. Okafor"], "coordinators": []}
    assert data["treatment_days"] == ["monday", "wednesday", "friday"]
    assert [p.name for p in tmp_path.iterdir()] == ["clinic.yaml"]  # no temporary file left behind


def test_saving_creates_the_file_when_there_is_none(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    saved = save_clinic_settings(path, {"name": "Riverside", "phone": "(555) 010-2000"})
    assert saved.phone == "(555) 010-2000" and saved.missing_contacts() == []
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {
        "name": "Riverside",
        "phone": "(555) 010-2000",
    }


def test_empty_text_unsets_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text('name: Riverside\nphone: "555 0100"\niv_fasting: "Nothing after midnight."\n', "utf-8")
    saved = save_clinic_settings(path, {"phone": " ", "iv_fasting": None})
    assert saved.phone is None and saved.iv_fasting is None
    assert saved.missing_contacts() == ["clinic phone number"]
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {"name": "Riverside"}


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"phone": "call us"}, "phone"),
        ({"phone": "12"}, "phone"),
        ({"emergency_number": "nine-one-one"}, "emergency_number"),
        ({"emergency_number": ""}, "emergency_number"),
        ({"emergency_number": "+1 (911)"}, "emergency_number"),
        ({"name": "   "}, "name"),
        ({"treatment_days": []}, "treatment_days"),
        ({"treatment_days": ["someday"]}, "treatment_days"),
        ({"crisis_lines": [{"label": "SOS", "contact": " "}]}, "crisis_lines.0.contact"),
    ],
)
def test_a_value_that_does_not_validate_is_named_and_nothing_is_written(
    tmp_path: Path, changes: dict[str, object], where: str
) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text(EXISTING, encoding="utf-8")
    with pytest.raises(InvalidSettings) as raised:
        save_clinic_settings(path, changes)
    assert list(raised.value.errors) == [where]
    assert "Value error" not in raised.value.errors[where]
    assert path.read_text(encoding="utf-8") == EXISTING


def test_a_hand_written_file_loads_where_the_page_would_refuse_the_same_entry(tmp_path: Path) -> None:
    """Loading stays lenient (a clinic file that stops loading would lose its roles too); what is
    saved from the page must have the shape the page asks for."""
    path = tmp_path / "clinic.yaml"
    path.write_text('emergency_number: "call the police"\n', encoding="utf-8")
    assert load_clinic_settings(path).emergency_number == "call the police"
    with pytest.raises(InvalidSettings) as refused:
        save_clinic_settings(path, {"emergency_number": "call the police"})
    assert set(refused.value.errors) == {"emergency_number"}
    assert path.read_text(encoding="utf-8") == 'emergency_number: "call the police"\n'
    assert ClinicSettings(phone="").missing_contacts() == ["clinic phone number"]  # empty: not set


def test_only_the_settings_the_app_edits_can_be_saved(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="roles"):
        save_clinic_settings(tmp_path / "clinic.yaml", {"roles": {"psychiatrists": ["me"]}})
    assert not (tmp_path / "clinic.yaml").exists()


def test_a_broken_file_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        save_clinic_settings(path, {"phone": "555 0100"})
    assert path.read_text(encoding="utf-8") == "name: [unclosed\n"


def test_the_file_written_is_the_configured_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCREENING_CLINIC_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert settings_file() == tmp_path / "clinic.yaml"
    monkeypatch.setenv("SCREENING_CLINIC_FILE", str(tmp_path / "elsewhere.yaml"))
    assert settings_file() == tmp_path / "elsewhere.yaml"


def test_who_may_edit_the_settings() -> None:
    unlisted = ClinicSettings()
    assert may_edit_settings(unlisted, "psychiatrist", "Anyone")
    assert not may_edit_settings(unlisted, "coordinator", "Anyone")
    listed = ClinicSettings.model_validate({"roles": {"psychiatrists": ["r.okafor@clinic.org"]}})
    assert may_edit_settings(listed, "psychiatrist", "R. Okafor", " R.Okafor@clinic.org")
    assert not may_edit_settings(listed, "psychiatrist", "Someone Else", None)
    assert not may_edit_settings(listed, "coordinator", "r.okafor@clinic.org")


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    changes = {"phone": "call us", "crisis_lines": [{"label": "", "contact": "988"}], "emergency_number": "x"}
    with pytest.raises(InvalidSettings) as raised:
        save_clinic_settings(path, changes)
    assert set(raised.value.errors) == {"phone", "emergency_number", "crisis_lines.0.label"}
    assert not path.exists()
