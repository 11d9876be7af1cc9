"""The app's suicide-risk banner names the clinic's emergency number and crisis lines, and no
other (a clinic that sets emergency 112 gets 112 everywhere)."""

from __future__ import annotations

import re

from tests.app.app_support import (
    COMPLETE_ANSWERS,
    COORDINATOR,
    INTAKE_PAGE,
    AppEnv,
    answer,
    crisis_banners,
    open_app,
    section_of,
    seed_screening,
)
from ui import services

CLINIC_112 = """\
name: Clinique du Lac
emergency_number: "112"
crisis_lines:
  - {label: "SOS Amitié", contact: "09 72 39 40 50"}
"""


def test_crisis_banner_shows_the_clinics_numbers_only(app_env: AppEnv) -> None:
    app_env.clinic_file.write_text(CLINIC_112, encoding="utf-8")
    services.reload_settings()
    answers = {key: value for key, value in COMPLETE_ANSWERS.items() if not key.startswith("asq_")}
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow, answers)
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=section_of("asq_1"))
    answer(at, "asq_3", True)
    banners = crisis_banners(at)
    assert len(banners) == 1
    assert "SOS Amitié: 09 72 39 40 50" in banners[0] and "emergency: 112" in banners[0]
    assert set(re.findall(r"\b(?:911|988|112)\b", banners[0])) == {"112"}
