"""Shared, cached resources of the app: the questionnaire catalog, the workflow, clinic settings.

Everything here is created once per process and shared by every session: the catalog and the
workflow by `st.cache_resource` (which shows a spinner while they are built), then held in plain
dictionaries, as the clinic settings are, so the many calls of a page run do not hash arguments.
The catalog and definitions are frozen, and the `Workflow` (with its store) opens its own database
session per call and keeps its own caches of definitions and assessments. Cached functions take
plain strings, never models. `reload_catalog` and `reload_settings` forget them.
"""

from __future__ import annotations

import functools
import gc
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
    built = Workflow(url, _catalog(directory))
    _freeze_heap()
    return built


def _freeze_heap() -> None:
    """Leave the objects that live as long as the process (Streamlit's, the libraries', the
    catalog and the workflow just built) out of every later garbage collection.

    A full collection walks every tracked object, and this process holds about 110,000 from its
    start alone. With Streamlit's default of a full collection after every run of a page
    (`runner.postScriptGC`, which the shipped config turns off), each click on an answer waited
    some 40-100 ms for objects that never become garbage; Python's own full collections, now and
    then, would walk them too. Frozen, they are skipped; what comes later is still collected.
    Reference counting still frees a frozen object; only a reference cycle among them would be
    kept. So everything is thawed and collected first, which also lets a catalog replaced by
    `reload_catalog` go."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


_held: dict[tuple[str, str], Workflow] = {}
"""The workflow `_workflow` gave for the configuration in use, at hand without hashing the
arguments of a cached call (the pages ask for it several times a run)."""


def workflow() -> Workflow:
    """The one workflow of this process for the configured database and questionnaire folder."""
    key = (_current_url(), str(default_directory()))
    held = _held.get(key)
    if held is None:
        held = _workflow(*key)
        _held.clear()
        _held[key] = held
    return held


def reload_catalog() -> None:
    """Forget the loaded questionnaires so the next call reads the files again (with a new
    workflow over them; a page still using the old one finishes its run with it)."""
    _catalog.clear()
    forget_workflow()


def forget_workflow() -> None:
    """Forget the workflow, not the catalog: the next call opens the database again (a test that
    closed it, say)."""
    _held.clear()
    _workflow.clear()


def _current_url() -> str:
    return _store_url(environment.current().database_url or "")


@functools.lru_cache(maxsize=8)
def _store_url(configured: str) -> str:
    """The database URL for a value of $SCREENING_DATABASE_URL (parsed once, not on every call)."""
    return database_url(configured or None).render_as_string(hide_password=False)


_clinic: dict[str, ClinicSettings | str] = {}
"""The clinic file as last read, or why it cannot be used: one for the process, shared by every
session (read without hashing the arguments of a cached call; the pages ask several times a run)."""


def _settings() -> ClinicSettings | str:
    value = _clinic.get("clinic")
    if value is None:
        try:
            value = load_clinic_settings()
        except ConfigError as error:
            value = str(error)
        _clinic["clinic"] = value
    return value


def settings() -> ClinicSettings:
    """The clinic settings; defaults when there is no clinic file. A clinic file that cannot be used
    gives defaults too, but then nobody is signed in (see `clinic_file_problem`)."""
    value = _settings()
    return value if isinstance(value, ClinicSettings) else ClinicSettings()


def reload_settings() -> None:
    """Forget the clinic settings so every session reads the clinic file again (after it was saved)."""
    _clinic.clear()


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
    if isinstance(_settings(), str):
        reload_settings()
    value = _settings()
    return value if isinstance(value, str) else None


def settings_error() -> str | None:
    """What is wrong with the clinic file: why it is not used at all, or which of its settings were
    replaced by their defaults (one line each); None when nothing is."""
    value = _settings()
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
