"""Clinic configuration: the clinic's name and contacts, emergency number and crisis lines, the
fasting rule before IV ketamine, page size, treatment days and user roles.

Questionnaire text for patients names the clinic's settings through placeholders that
`ClinicSettings.fill` replaces: ``{emergency_number}`` and ``{iv_fasting}``.

Read from a YAML file: `$SCREENING_CLINIC_FILE`, else `clinic.yaml` in the working directory when it
exists, else built-in defaults (see `screening.settings`). Defaults never invent a clinic's contact
details: an unset phone number prints as "not configured" and the documents report it.

`save_clinic_settings` writes the settings a clinic edits in the app back to that file (validated
by the same model, written atomically, every other key kept).

A file that cannot be used at all raises `ConfigError` (the app then signs nobody in rather than
run on defaults with weaker access than configured). A `treatment_days` list that names an
unknown weekday or is empty does not: the default (Monday to Friday) is used for it and the
settings carry one line saying so in `ClinicSettings.problems`.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
)

from screening import settings
from screening.settings import default_clinic_file
from screening.yamlsource import YamlDocument, load_yaml, read_source

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


_PHONE = re.compile(r"\+?[0-9(][0-9 ()./-]*(?:\s*(?:ext\.?|x)\s*[0-9]+)?", re.IGNORECASE)
_SHORT_NUMBER = re.compile(r"[0-9](?:[0-9 -]*[0-9])?")


def _check_phone(value: str) -> str:
    """A phone number: digits with spaces, + ( ) - . / and an optional extension ("ext. 12")."""
    digits = sum(character.isdigit() for character in value)
    if not _PHONE.fullmatch(value.strip()) or not 3 <= digits <= 20:
        raise ValueError('enter a phone number with digits, e.g. "+1 555 010 2000" or "(555) 010-2000"')
    return value


def _check_emergency_number(value: str) -> str:
    """The number to dial in an emergency: 2 to 15 digits (spaces or hyphens between them allowed)."""
    digits = sum(character.isdigit() for character in value)
    if not _SHORT_NUMBER.fullmatch(value.strip()) or not 2 <= digits <= 15:
        raise ValueError('enter the number to dial in an emergency, digits only, e.g. "911" or "112"')
    return value


class CrisisLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    contact: str


MAX_CREDENTIALS = 60
"""The longest credentials (what follows a signer's name, e.g. "MD, FRCPC") the clinic file takes."""


def _unprintable(text: str) -> bool:
    """Whether `text` holds a control, format (e.g. a direction override) or line-separator
    character: printed under a signature, such a character could hide or reorder what is read."""
    return any(unicodedata.category(character) in {"Cc", "Cf", "Zl", "Zp"} for character in text)


def _check_credentials(value: str) -> str:
    """Credentials printed after a signer's name: one short line of visible text."""
    if not value.strip():
        raise ValueError("empty credentials: write them (e.g. MD) or remove the entry")
    if len(value.strip()) > MAX_CREDENTIALS:
        raise ValueError(f"credentials longer than {MAX_CREDENTIALS} characters")
    if _unprintable(value):
        raise ValueError("credentials with a control or invisible formatting character")
    return value


class Roles(BaseModel):
    """Who may act as what. Entries match a signed-in user's email or, in local mode, name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    psychiatrists: list[str] = Field(default_factory=list)
    coordinators: list[str] = Field(default_factory=list)
    allow_any_verified_account: bool = False
    """With OpenID Connect and no coordinators listed: whether every account of the identity
    provider with a verified email gets in as a coordinator. Off, an empty list admits nobody but
    the listed psychiatrists."""
    credentials: dict[str, Annotated[str, AfterValidator(_check_credentials)]] = Field(default_factory=dict)
    """What is printed after a signer's name ("MD, FRCPC"), by email (OpenID Connect) or, in local
    mode, name, matched like the lists (case and surrounding spaces ignored). They come from here
    and nowhere else: the clinic vouches for them, nobody types their own at sign-in."""

    @field_validator("credentials")
    @classmethod
    def _credential_keys(cls, value: dict[str, str]) -> dict[str, str]:
        seen: set[str] = set()
        for key in value:
            folded = key.strip().casefold()
            if not folded or _unprintable(key):
                raise ValueError("every entry needs a psychiatrist's email or name as its key")
            if folded in seen:
                raise ValueError(f"'{key.strip()}' is listed twice (case is ignored)")
            seen.add(folded)
        return value

    def credentials_for(self, *identities: str | None) -> str | None:
        """The credentials the clinic gives the first of `identities` (an email or, in local mode,
        a name) that has an entry; None when none has one."""
        by_key = {key.strip().casefold(): value.strip() for key, value in self.credentials.items()}
        for identity in identities:
            if identity and identity.strip().casefold() in by_key:
                return by_key[identity.strip().casefold()]
        return None


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
    idle_lock_minutes: int = Field(default=10, ge=1, le=240, strict=True)
    """After this many minutes without anybody using the app, a signed-in session locks: the page is
    hidden until the user identifies again (`ui.lock`). 1 to 240; there is no value that turns the
    lock off, because a shared workstation left signed in shows patient data to whoever walks up."""
    treatment_days: tuple[Weekday, ...] = DEFAULT_TREATMENT_DAYS
    """The weekdays the clinic gives treatments on; session dates fall only on these."""
    roles: Roles = Field(default_factory=Roles)
    allow_unauthenticated_network_access: bool = False
    """Lets anyone who reaches the app over the network sign in under any name, as a psychiatrist
    too, when no OpenID Connect sign-in is configured (local mode) and the server listens on more
    than this computer. Off (the default), local mode signs people in only when the app listens on
    the loopback address (see `screening.local_mode`). Only for a network where every device is
    trusted as much as the clinic's own workstations."""

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
    """The clinic file in use: `$SCREENING_CLINIC_FILE`, else `clinic.yaml` in the working directory;
    None when it does not exist yet (a first run: the built-in defaults apply until the app's setup
    page creates it)."""
    path = settings_file()
    return path if path.exists() else None


def _read_yaml(path: Path) -> YamlDocument:
    """A clinic file parsed, with positions; `ConfigError` (with file, line and column) when it
    cannot be read or parsed."""
    try:
        text = read_source(path)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the clinic file: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: cannot read the clinic file: not UTF-8 text") from None
    document = load_yaml(text)
    if document.problems:
        first = document.problems[0]
        raise ConfigError(f"{path}:{first.position.line}:{first.position.column}: {first.message}")
    return document


def load_clinic_settings(path: Path | None = None) -> ClinicSettings:
    """The clinic settings from `path` (default: see module docstring)."""
    path = path or clinic_file()
    if path is None:
        return ClinicSettings()
    document = _read_yaml(path)
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


EDITABLE_SETTINGS = ("name", "phone", "emergency_number", "crisis_lines", "treatment_days", "iv_fasting")
"""The settings the app's setup page edits; every other key of the clinic file is kept as it is."""

_REQUIRED = ("name", "emergency_number")

_FILE_HEADER = """\
# Clinic settings (see clinic.example.yaml for every setting and what it means).
# Written by the app's Clinic settings page; editing this file by hand works too.
"""


class InvalidSettings(ValueError):
    """Settings that do not validate; `errors` maps each setting (``name``, ``phone``, or e.g.
    ``crisis_lines.1.contact``) to what is wrong with it, in words."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{where}: {message}" for where, message in errors.items()))
        self.errors = dict(errors)


def settings_file() -> Path:
    """The file the clinic settings are written to: `$SCREENING_CLINIC_FILE`, else `clinic.yaml`
    in the working directory (whether or not it exists yet)."""
    return settings.current().clinic_file or default_clinic_file()


def _stored(value: Any) -> Any:
    """A value as the form gives it, tidied for the file: text stripped, empty text is unset."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (list, tuple)):
        return [_stored(entry) for entry in value]
    if isinstance(value, Mapping):
        return {key: "" if (tidy := _stored(entry)) is None else tidy for key, entry in value.items()}
    return value


def _message(detail: Any) -> str:
    message = str(detail["msg"])
    return message.removeprefix("Value error, ")


def _blank_crisis_lines(lines: Any) -> dict[str, str]:
    """A crisis line without its name or its number tells the patient nothing."""
    if not isinstance(lines, list):
        return {}
    return {
        f"crisis_lines.{index}.{part}": "enter both the line's name and its number or text"
        for index, line in enumerate(lines)
        if isinstance(line, Mapping)
        for part in ("label", "contact")
        if isinstance(line.get(part, ""), str) and not line.get(part, "").strip()
    }


def save_clinic_settings(path: Path, changes: Mapping[str, Any]) -> ClinicSettings:
    """Write `changes` (settings of `EDITABLE_SETTINGS`; None or empty text unsets an optional one) into the
    clinic file at `path`, keeping every other key of the file, and return the settings as read back.

    Nothing is written when the result does not validate with `ClinicSettings`: `InvalidSettings`
    names each setting at fault. A file that exists but cannot be read raises `ConfigError`. The file
    is replaced atomically (a temporary file beside it, then a rename); comments are not kept.
    """
    unknown = sorted(set(changes) - set(EDITABLE_SETTINGS))
    if unknown:
        raise ValueError(f"not an editable clinic setting: {', '.join(unknown)}")
    data: dict[str, Any] = {}
    if path.exists():
        found = _read_yaml(path).data
        if found is not None and not isinstance(found, dict):
            raise ConfigError(f"{path}:1:1: the clinic file must be a mapping of settings")
        data = dict(found or {})
    for key, value in changes.items():
        tidy = _stored(value)
        if tidy is None and key in _REQUIRED:
            tidy = ""  # left empty: said so, never replaced by the default
        if tidy is None:
            data.pop(key, None)
        else:
            data[key] = tidy
    errors = _blank_crisis_lines(data.get("crisis_lines")) if "crisis_lines" in changes else {}
    errors.update(_entry_errors(changes, data))
    try:
        validated = ClinicSettings.model_validate(data)
    except ValidationError as error:
        for detail in error.errors():
            where = ".".join(str(part) for part in detail["loc"]) or "file"
            errors.setdefault(where, _message(detail))
    if errors:
        raise InvalidSettings(errors)
    written = validated.model_dump(mode="json")
    for key in changes:
        if key in data:
            data[key] = written[key]
    _write_atomically(path, _FILE_HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return load_clinic_settings(path)


_ENTRY_CHECKS: dict[str, Callable[[str], str]] = {
    "name": lambda value: value if value.strip() else _refuse("enter the clinic's name"),
    "phone": _check_phone,
    "emergency_number": _check_emergency_number,
}
"""What the Setup page asks of what is typed. Loading a file is more lenient on purpose: a clinic
file written by hand with, say, a phone number in words still loads (the settings it holds,
roles included, stay in force); only what is saved from the page must have this shape."""


def _refuse(message: str) -> str:
    raise ValueError(message)


def _entry_errors(changes: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for key, check in _ENTRY_CHECKS.items():
        value = data.get(key)
        if key not in changes or not isinstance(value, str) or (key == "phone" and not value.strip()):
            continue
        try:
            check(value)
        except ValueError as error:
            errors[key] = str(error)
    return errors


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class SignedInIdentity:
    """Who an identity provider's token names, and the role the clinic file gives them."""

    user_id: str
    """``oidc:`` and the provider's subject (``sub``): stable, and never shared by two accounts."""
    name: str
    email: str
    role: Literal["coordinator", "psychiatrist"]


@dataclass(frozen=True)
class SignInRefused:
    """Why a token does not sign anybody in, in words for the person signing in."""

    reason: str


def _verified(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().casefold() == "true")


def _listed(entries: list[str], value: str) -> bool:
    return value.strip().casefold() in {entry.strip().casefold() for entry in entries}


def oidc_sign_in(claims: Mapping[str, Any], clinic: ClinicSettings) -> SignedInIdentity | SignInRefused:
    """The user an OpenID Connect token (its claims) signs in, or why it signs in nobody.

    The user id is the provider's subject (``sub``); a token without one is refused. Roles match
    the email, so the email must be there and verified (``email_verified`` true). A listed
    psychiatrist is a psychiatrist; a listed coordinator a coordinator; with no coordinators listed,
    any other account gets in as a coordinator only when `roles.allow_any_verified_account` is set.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        return SignInRefused(
            "Your identity provider did not give a stable account identifier (the subject), so this"
            " app cannot tell your account from others. Ask the administrator to check the sign-in"
            " configuration."
        )
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        return SignInRefused(
            "Your account has no email address, and the clinic lists its users by email. Ask the"
            " administrator to have the identity provider share your email address."
        )
    if not _verified(claims.get("email_verified")):
        return SignInRefused(
            "Your account's email address is not verified by the identity provider. Verify it"
            " there, then sign in again."
        )
    email = email.strip()
    roles = clinic.roles
    role: Literal["coordinator", "psychiatrist"] | None = None
    if _listed(roles.psychiatrists, email):
        role = "psychiatrist"
    elif _listed(roles.coordinators, email) or (not roles.coordinators and roles.allow_any_verified_account):
        role = "coordinator"
    if role is None:
        return SignInRefused(
            f"Your account ({email}) is not listed for this clinic. Ask the administrator to add it"
            " under roles in the clinic file."
        )
    name = claims.get("name")
    shown = name.strip() if isinstance(name, str) and name.strip() else email
    return SignedInIdentity(user_id=f"oidc:{subject.strip()}", name=shown, email=email, role=role)


def may_edit_settings(settings: ClinicSettings, role: str, *identities: str | None) -> bool:
    """Whether a user administers the clinic settings: a psychiatrist listed in `roles.psychiatrists`
    (matched by email or, in local mode, name), or any psychiatrist while nobody is listed (a clinic
    being set up for the first time)."""
    if role != "psychiatrist":
        return False
    listed = {entry.strip().casefold() for entry in settings.roles.psychiatrists}
    if not listed:
        return True
    return any(identity and identity.strip().casefold() in listed for identity in identities)
