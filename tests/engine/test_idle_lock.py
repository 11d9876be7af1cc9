"""The idle-lock decision (`ui.idle`, plain times in, a decision out) and the clinic setting that
sets its limit (`idle_lock_minutes`: 1 to 240 minutes, default 10, no value that switches it off)."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.config import ClinicSettings, ConfigError, load_clinic_settings
from ui.idle import idle_seconds, should_lock

T0 = 1_800_000_000.0


def test_the_lock_comes_after_the_limit_not_at_it() -> None:
    assert not should_lock(T0 + 10 * 60, T0, 10)
    assert should_lock(T0 + 10 * 60 + 1, T0, 10)
    assert not should_lock(T0 + 59, T0, 1)
    assert should_lock(T0 + 61, T0, 1)


def test_a_fresh_session_is_not_idle() -> None:
    assert idle_seconds(T0, None) == 0
    assert not should_lock(T0, None, 1)


def test_a_clock_set_back_does_not_lock_and_counts_no_time() -> None:
    assert idle_seconds(T0 - 3600, T0) == 0
    assert not should_lock(T0 - 3600, T0, 10)


@pytest.mark.parametrize("limit", [0, -5])
def test_no_limit_switches_the_lock_off(limit: int) -> None:
    """A value the clinic file refuses still locks, after the shortest limit."""
    assert should_lock(T0 + 61, T0, limit)
    assert not should_lock(T0 + 59, T0, limit)


def test_the_longest_limit_is_four_hours() -> None:
    assert should_lock(T0 + 240 * 60 + 1, T0, 100_000)
    assert not should_lock(T0 + 240 * 60, T0, 240)


def _load(tmp_path: Path, text: str) -> ClinicSettings:
    path = tmp_path / "clinic.yaml"
    path.write_text(text, encoding="utf-8")
    return load_clinic_settings(path)


def test_the_setting_defaults_to_ten_minutes(tmp_path: Path) -> None:
    assert ClinicSettings().idle_lock_minutes == 10
    assert _load(tmp_path, "name: Riverside\n").idle_lock_minutes == 10
    assert _load(tmp_path, "idle_lock_minutes: 1\n").idle_lock_minutes == 1
    assert _load(tmp_path, "idle_lock_minutes: 240\n").idle_lock_minutes == 240


@pytest.mark.parametrize("value", ["0", "-1", "241", "true", '"10"', "2.5", "off", "null"])
def test_a_setting_out_of_range_is_refused_naming_the_line(tmp_path: Path, value: str) -> None:
    """The file is refused (nobody signs in until it is fixed) rather than the lock switched off."""
    with pytest.raises(ConfigError, match=r"clinic\.yaml:2:\d+: idle_lock_minutes"):
        _load(tmp_path, f"name: Riverside\nidle_lock_minutes: {value}\n")


def test_the_example_clinic_file_documents_the_setting() -> None:
    example = Path(__file__).resolve().parents[2] / "clinic.example.yaml"
    assert "idle_lock_minutes: 10" in example.read_text(encoding="utf-8")
    assert load_clinic_settings(example).idle_lock_minutes == 10
