"""Shared, cached resources of the app: the questionnaire catalog, the workflow, clinic settings.

Everything here is created once per process (`st.cache_resource`) and shared by every session:
the catalog and definitions are frozen, and the `Workflow` (with its store) opens its own database
session per call and keeps its own caches of definitions and assessments. Cached functions take
plain strings, never models.
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

from screening import settings as environment
from screening.config import (
    ClinicSettings,
    ConfigError,
    SignedInIdentity,
    load_clinic_settings,
    may_edit_settings,
    oidc_sign_in,
)
from screening.loading import Catalog, default_directory, load_catalog
from screening.storage import User, database_url
from screening.workflow import NotFound, Refused, Screening, Workflow

SCREENING_ID = "ketamine-trd-intake"
"""The screening that new screenings use."""


@st.cache_resource(show_spinner="Loading questionnaires…")
def _catalog(directory: str) -> Catalog:
    return load_catalog([Path(directory)])


def catalog() -> Catalog:
    """The questionnaires of the configured folder (the workflow's own catalog)."""
    return workflow().catalog


@st.cache_resource(show_spinner="Opening the database…")
def _workflow(url: str, directory: str) -> Workflow:
    return Workflow(url, _catalog(directory))


def workflow() -> Workflow:
    """The one workflow of this process for the configured database and questionnaire folder."""
    return _workflow(_current_url(), str(default_directory()))


def reload_catalog() -> None:
    """Forget the loaded questionnaires so the next call reads the files again (with a new
    workflow over them; a page still using the old one finishes its run with it)."""
    _catalog.clear()
    _workflow.clear()


def _current_url() -> str:
    return _store_url(environment.current().database_url or "")


@functools.lru_cache(maxsize=8)
def _store_url(configured: str) -> str:
    """The database URL for a value of $SCREENING_DATABASE_URL (parsed once, not on every call)."""
    return database_url(configured or None).render_as_string(hide_password=False)


@st.cache_resource
def _settings(_marker: str) -> ClinicSettings | str:
    try:
        return load_clinic_settings()
    except ConfigError as error:
        return str(error)


def settings() -> ClinicSettings:
    """The clinic settings; defaults when there is no clinic file. A clinic file that cannot be used
    gives defaults too, but then nobody is signed in (see `clinic_file_problem`)."""
    value = _settings("clinic")
    return value if isinstance(value, ClinicSettings) else ClinicSettings()


def reload_settings() -> None:
    """Forget the clinic settings so every session reads the clinic file again (after it was saved)."""
    _settings.clear()


def administers(user: User) -> bool:
    """Whether `user` may edit the clinic settings (see `screening.config.may_edit_settings`): a
    signed-in user is matched by the verified email of their sign-in, a local-mode user by name."""
    if user.id.startswith("oidc:"):
        identity = oidc_sign_in(st.user.to_dict(), settings()) if st.user.is_logged_in else None
        if not isinstance(identity, SignedInIdentity) or identity.user_id != user.id:
            return False
        return may_edit_settings(settings(), user.role, identity.email)
    return may_edit_settings(settings(), user.role, user.name)


def clinic_file_problem() -> str | None:
    """Why the clinic file cannot be used at all (one line naming the file, line and setting), or
    None. While there is one, nobody is signed in: the app never runs with weaker access than the
    clinic configured. The file is read again on every run while it has one, so a corrected file
    takes effect at the next page load."""
    if isinstance(_settings("clinic"), str):
        _settings.clear()
    value = _settings("clinic")
    return value if isinstance(value, str) else None


def settings_error() -> str | None:
    """What is wrong with the clinic file: why it is not used at all, or which of its settings were
    replaced by their defaults (one line each); None when nothing is."""
    value = _settings("clinic")
    if isinstance(value, str):
        return value
    return " ".join(value.problems) or None


def load(identifier: str) -> Screening | None:
    """One screening with its definition and assessment, as stored now (None when it does not
    exist, or the questionnaire it was taken with cannot be loaded)."""
    try:
        return workflow().get(identifier)
    except NotFound:
        return None
    except Refused as refused:
        if refused.rule == "definition":
            return None
        raise
