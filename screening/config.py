"""Clinic configuration: the clinic's name and contacts, emergency number and crisis lines, the
fasting rule before IV ketamine, page size, treatment days and user roles.

Questionnaire text for patients names the clinic's settings through placeholders that
`ClinicSettings.fill` replaces: ``{emergency_number}`` and ``{iv_fasting}``.

Read from a YAML file: `$SCREENING_CLINIC_FILE`, else `clinic.yaml` in the working directory when it
exists, else built-in defaults (see `screening.settings`). Defaults never invent a clinic's contact
details: an unset phone number prints as "not configured" and the documents report it.

A file that cannot be used at all raises `ConfigError`. A `treatment_days` list that names an
unknown weekday or is empty does not: the default (Monday to Friday) is used for it and the
settings carry one line saying so in `ClinicSettings.problems`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from screening import settings
from screening.settings import default_clinic_file
from screening.yamlsource import load_yaml

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = get_args(Weekday)
"""In the order of `datetime.date.weekday()` (Monday is 0)."""
DEFAULT_TREATMENT_DAYS: tuple[Weekday, ...] = WEEKDAYS[:5]
_WEEKDAY_BY_NAME: dict[str, Weekday] = {
    **{day: day for day in WEEKDAYS},
    **{day[:3]: day for day in WEEKDAYS},
}


class WeekdayError(ValueError):
    """A treatment-days value that is not a non-empty list of weekdays; `index` is the entry at
    fault (None: the value as a whole)."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


def parse_treatment_days(value: Any) -> tuple[Weekday, ...]:
    """Weekday names (full or the first three letters, any case) in week order, each once.

    Raises `WeekdayError`, with the reason in words, for anything else or an empty list.
    """
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise WeekdayError("expected a list of weekdays, e.g. [monday, wednesday, friday]")
    if not value:
        raise WeekdayError("the list is empty")
    days: set[Weekday] = set()
    for index, entry in enumerate(value):
        day = _WEEKDAY_BY_NAME.get(entry.strip().lower()) if isinstance(entry, str) else None
        if day is None:
            shown = str(entry)
            shown = shown if len(shown) <= 40 else shown[:39] + "\u2026"
            raise WeekdayError(f"unknown weekday '{shown}' (use monday to sunday)", index)
        days.add(day)
    return tuple(day for day in WEEKDAYS if day in days)


IV_FASTING_DEFAULT = "Follow the clinic's instructions about food and drink."
"""What the documents say about fasting before IV ketamine when the clinic has not set its rule
(fasting is not standardised for subanaesthetic infusions: no number is ever made up)."""

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = ("emergency_number", "iv_fasting")
"""The placeholders questionnaire text for patients may use (see `ClinicSettings.fill`)."""


def placeholder_names(text: str) -> list[str]:
    """The placeholder names in ``text``, known or not, in order."""
    return _PLACEHOLDER.findall(text)


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
    iv_fasting: str | None = None
    """The clinic's own fasting rule before IV ketamine, in words for the patient (e.g. "Do not eat
    for 6 hours before your treatment. You may drink clear liquids until 2 hours before."). Not set:
    the documents tell the patient to follow the clinic's instructions."""
    page_size: Literal["letter", "a4"] = "letter"
    treatment_days: tuple[Weekday, ...] = DEFAULT_TREATMENT_DAYS
    """The weekdays the clinic gives treatments on; session dates fall only on these."""
    roles: Roles = Field(default_factory=Roles)

    _problems: tuple[str, ...] = PrivateAttr(default=())

    @field_validator("treatment_days", mode="before")
    @classmethod
    def _weekdays(cls, value: Any) -> tuple[Weekday, ...]:
        return parse_treatment_days(value)

    @property
    def treatment_weekdays(self) -> frozenset[int]:
        """The treatment days as `datetime.date.weekday()` numbers (Monday is 0)."""
        return frozenset(WEEKDAYS.index(day) for day in self.treatment_days)

    @property
    def problems(self) -> tuple[str, ...]:
        """Settings of the file that were not usable and were replaced by their defaults, one line
        each (naming the file, line and key)."""
        return self._problems

    def placeholders(self) -> dict[str, str]:
        """What each placeholder of questionnaire text stands for at this clinic.

        ``{emergency_number}`` is the emergency number, ``{iv_fasting}`` the clinic's fasting rule
        before IV ketamine (or :data:`IV_FASTING_DEFAULT`).
        """
        fasting = (self.iv_fasting or "").strip()
        return {
            "emergency_number": self.emergency_number.strip(),
            "iv_fasting": fasting or IV_FASTING_DEFAULT,
        }

    def fill(self, text: str) -> str:
        """``text`` with its placeholders (see :meth:`placeholders`) replaced; anything else in
        braces is left as it is."""
        if "{" not in text:
            return text
        words = self.placeholders()
        return _PLACEHOLDER.sub(lambda match: words.get(match.group(1), match.group(0)), text)

    def missing_contacts(self) -> list[str]:
        """Contact details a patient handout needs that are not configured."""
        return [label for label, value in (("clinic phone number", self.phone),) if not value]


class ConfigError(Exception):
    """The clinic file exists but cannot be used; the message names the file and line."""


def clinic_file() -> Path | None:
    """`$SCREENING_CLINIC_FILE`, else `clinic.yaml` in the working directory when it exists."""
    configured = settings.current().clinic_file
    if configured is not None:
        return configured
    default = default_clinic_file()
    return default if default.exists() else None


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
    data = document.data or {}
    problems: list[str] = []
    if isinstance(data, dict) and "treatment_days" in data:
        try:
            parse_treatment_days(data["treatment_days"])
        except WeekdayError as error:
            key: tuple[str | int, ...] = ("treatment_days",)
            position = document.position(key if error.index is None else (*key, error.index))
            problems.append(
                f"{path}:{position.line}:{position.column}: treatment_days: {error};"
                " Monday to Friday is used instead."
            )
            data = {name: value for name, value in data.items() if name != "treatment_days"}
    try:
        settings = ClinicSettings.model_validate(data)
    except ValidationError as error:
        detail = error.errors()[0]
        position = document.position(detail["loc"])
        where = ".".join(str(part) for part in detail["loc"]) or "file"
        raise ConfigError(f"{path}:{position.line}:{position.column}: {where}: {detail['msg']}") from None
    settings._problems = tuple(problems)
    return settings
