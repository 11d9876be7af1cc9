"""Clinic configuration: the clinic's name and contacts, crisis lines, page size and user roles.

Read from a YAML file: `$SCREENING_CLINIC_FILE`, else `clinic.yaml` in the repository root when it
exists, else built-in defaults. Defaults never invent a clinic's contact details: an unset phone
number prints as "not configured" and the documents report it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from screening.yamlsource import load_yaml

CLINIC_FILE_ENV = "SCREENING_CLINIC_FILE"
DEFAULT_CLINIC_FILE = Path(__file__).resolve().parent.parent / "clinic.yaml"


class CrisisLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    contact: str


class Roles(BaseModel):
    """Who may act as what. Entries match a signed-in user's email or, in local mode, name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    psychiatrists: list[str] = Field(default_factory=list)
    coordinators: list[str] = Field(default_factory=list)


class ClinicSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "Ketamine treatment clinic"
    phone: str | None = None
    address: str | None = None
    email: str | None = None
    hours: str | None = None
    emergency_number: str = "911"
    crisis_lines: list[CrisisLine] = Field(
        default_factory=lambda: [
            CrisisLine(label="988 Suicide & Crisis Lifeline (US)", contact="Call or text 988"),
        ]
    )
    page_size: Literal["letter", "a4"] = "letter"
    roles: Roles = Field(default_factory=Roles)

    def missing_contacts(self) -> list[str]:
        """Contact details a patient handout needs that are not configured."""
        return [label for label, value in (("clinic phone number", self.phone),) if not value]


class ConfigError(Exception):
    """The clinic file exists but cannot be used; the message names the file and line."""


def clinic_file() -> Path | None:
    configured = os.environ.get(CLINIC_FILE_ENV)
    if configured:
        return Path(configured)
    return DEFAULT_CLINIC_FILE if DEFAULT_CLINIC_FILE.exists() else None


def load_clinic_settings(path: Path | None = None) -> ClinicSettings:
    """The clinic settings from `path` (default: see module docstring)."""
    path = path or clinic_file()
    if path is None:
        return ClinicSettings()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the clinic file: {error.strerror}") from None
    document = load_yaml(text)
    if document.problems:
        first = document.problems[0]
        raise ConfigError(f"{path}:{first.position.line}:{first.position.column}: {first.message}")
    try:
        return ClinicSettings.model_validate(document.data or {})
    except ValidationError as error:
        detail = error.errors()[0]
        position = document.position(detail["loc"])
        where = ".".join(str(part) for part in detail["loc"]) or "file"
        raise ConfigError(f"{path}:{position.line}:{position.column}: {where}: {detail['msg']}") from None
