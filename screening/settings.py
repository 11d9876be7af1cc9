"""The settings taken from the environment: the one module that reads environment variables.

Every other module asks `current()` (or the defaults below) instead of reading `os.environ`.
Nothing needs to be set: each setting has a default, and no default depends on where the code is
installed. Paths are relative to the working directory, the folder the app or the command line is
started from (the repository root in the README's quick start).

Variables (an empty value counts as unset):

`SCREENING_DATABASE_URL`
    Any SQLAlchemy URL of the screenings database, e.g.
    ``postgresql+psycopg://user@host/db``. Unset: SQLite at `data/screenings.db` under the working
    directory (`default_database_path`).
`SCREENING_QUESTIONNAIRES`
    A clinic's own questionnaire directory, used instead of the bundled questionnaires
    (`bundled_questionnaires`).
`SCREENING_CLINIC_FILE`
    The clinic file (YAML, see `screening.config`). Unset: `clinic.yaml` in the working directory
    when it exists, else the built-in defaults.
`SCREENING_AUDIT_KEYS`
    The audit keys themselves (see `screening.storage.keys`): lines of "key-id hex-secret",
    separated by newlines or ';', the last one current. For servers that share one database, which
    must all hold the same keys. Unset: the key file.
`SCREENING_AUDIT_KEY_FILE`
    The file holding the audit keys. Unset: `data/audit.key` under the working directory
    (`default_audit_key_path`), created with a fresh key on first use.

The environment is read afresh on every call to `current()` (a few dictionary lookups), so a
changed environment is seen without restarting the process.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

DATABASE_URL_ENV = "SCREENING_DATABASE_URL"
"""Environment variable holding any SQLAlchemy URL; unset means SQLite at `default_database_path()`."""

QUESTIONNAIRES_ENV = "SCREENING_QUESTIONNAIRES"
"""Environment variable naming a clinic's own questionnaire directory (replaces the bundled one)."""

CLINIC_FILE_ENV = "SCREENING_CLINIC_FILE"
"""Environment variable naming the clinic file; unset means `clinic.yaml` in the working directory."""

AUDIT_KEYS_ENV = "SCREENING_AUDIT_KEYS"
"""Environment variable holding the audit keys as text (see `screening.storage.keys`)."""

AUDIT_KEY_FILE_ENV = "SCREENING_AUDIT_KEY_FILE"
"""Environment variable naming the audit key file; unset means `data/audit.key`."""

_BESIDE_PACKAGE = Path(__file__).resolve().parent.parent / "questionnaires"


class Settings(BaseModel):
    """The settings of this process, as the environment gives them (None: not set)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str | None = None
    """`$SCREENING_DATABASE_URL`."""
    questionnaires: Path | None = None
    """`$SCREENING_QUESTIONNAIRES`."""
    clinic_file: Path | None = None
    """`$SCREENING_CLINIC_FILE`."""
    audit_keys: SecretStr | None = None
    """`$SCREENING_AUDIT_KEYS` (a `SecretStr`: printing the settings shows asterisks)."""
    audit_key_file: Path | None = None
    """`$SCREENING_AUDIT_KEY_FILE`."""

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> Settings:
        """The settings named by `environment` (a mapping like `os.environ`)."""
        questionnaires = environment.get(QUESTIONNAIRES_ENV)
        clinic_file = environment.get(CLINIC_FILE_ENV)
        key_file = environment.get(AUDIT_KEY_FILE_ENV)
        return cls(
            database_url=environment.get(DATABASE_URL_ENV) or None,
            questionnaires=Path(questionnaires) if questionnaires else None,
            clinic_file=Path(clinic_file) if clinic_file else None,
            audit_keys=SecretStr(keys) if (keys := environment.get(AUDIT_KEYS_ENV)) else None,
            audit_key_file=Path(key_file) if key_file else None,
        )


_VARIABLES = (DATABASE_URL_ENV, QUESTIONNAIRES_ENV, CLINIC_FILE_ENV, AUDIT_KEYS_ENV, AUDIT_KEY_FILE_ENV)


def current() -> Settings:
    """The settings as the environment gives them now (the variables are read on every call; the
    settings of values seen before are reused, being frozen: the app asks on every page run)."""
    return _settings_of(tuple(os.environ.get(name) for name in _VARIABLES))


@functools.lru_cache(maxsize=16)
def _settings_of(values: tuple[str | None, ...]) -> Settings:
    return Settings.from_environment(
        {name: value for name, value in zip(_VARIABLES, values, strict=True) if value is not None}
    )


def default_database_path() -> Path:
    """`data/screenings.db` under the working directory (an absolute path)."""
    return Path.cwd() / "data" / "screenings.db"


def default_audit_key_path() -> Path:
    """`data/audit.key` under the working directory (an absolute path), beside the default database."""
    return Path.cwd() / "data" / "audit.key"


def default_clinic_file() -> Path:
    """`clinic.yaml` in the working directory (an absolute path; it need not exist)."""
    return Path.cwd() / "clinic.yaml"


def bundled_questionnaires() -> Path:
    """The questionnaires that ship with the product: the `questionnaires` folder beside the
    `screening` package (a source checkout, or an installation that ships the folder with it),
    else `questionnaires/` in the working directory."""
    return _BESIDE_PACKAGE if _BESIDE_PACKAGE.is_dir() else Path.cwd() / "questionnaires"
