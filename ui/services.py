"""Shared, cached resources of the app: the questionnaire catalog, the store, clinic settings.

Everything here is created once per process (`st.cache_resource`) and shared by every session:
the catalog and definitions are frozen, and the `Store` opens its own database session per call.
Cached functions take plain strings, never models.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from screening.assessment import Assessment
from screening.config import ClinicSettings, ConfigError, load_clinic_settings
from screening.definition import Definition
from screening.engine import assess
from screening.loading import Catalog, default_directory, load_catalog, load_pinned
from screening.storage import ScreeningDetail, Store, database_url

SCREENING_ID = "ketamine-trd-intake"
"""The screening that new screenings use."""


@st.cache_resource(show_spinner="Loading questionnaires…")
def _catalog(directory: str) -> Catalog:
    return load_catalog([Path(directory)])


def catalog() -> Catalog:
    return _catalog(str(default_directory()))


def reload_catalog() -> None:
    """Forget the loaded questionnaires so the next call reads the files again."""
    _catalog.clear()


@st.cache_resource(show_spinner="Opening the database…")
def _store(url: str) -> Store:
    return Store(url)


def store() -> Store:
    return _store(database_url().render_as_string(hide_password=False))


@st.cache_resource
def _settings(_marker: str) -> ClinicSettings | str:
    try:
        return load_clinic_settings()
    except ConfigError as error:
        return str(error)


def settings() -> ClinicSettings:
    """The clinic settings; a broken clinic file falls back to defaults (see `settings_error`)."""
    value = _settings("clinic")
    return value if isinstance(value, ClinicSettings) else ClinicSettings()


def settings_error() -> str | None:
    value = _settings("clinic")
    return value if isinstance(value, str) else None


@st.cache_resource(max_entries=32)
def _pinned(sha256: str, files_json: str) -> Definition | None:
    definition, _issues = load_pinned(json.loads(files_json))
    return definition


def definition_for(detail: ScreeningDetail) -> Definition | None:
    """The definition a screening was taken with: the loaded one when its hash matches, else the
    pinned copy kept with the screening."""
    loaded = catalog().get(detail.questionnaire.id)
    if loaded is not None and loaded.sha256 == detail.questionnaire.sha256:
        return loaded
    return _pinned(detail.questionnaire.sha256, json.dumps(detail.definition_files))


@dataclass(frozen=True)
class Loaded:
    """One screening as the pages show it: the stored record, its definition and its assessment."""

    detail: ScreeningDetail
    definition: Definition
    assessment: Assessment

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.detail.answers)


def assessment_of(
    definition: Definition,
    answers: Mapping[str, Any],
    assessed_on: dt.date | None,
    review: Mapping[str, Any] | None,
) -> Assessment:
    """The assessment of stored (JSON) answers. Cheap and pure, so it runs on every rerun."""
    return assess(definition, answers, assessed_on=assessed_on, review=review)


def load(identifier: str) -> Loaded | None:
    """Load one screening with its definition and assessment (None when it does not exist)."""
    from screening.storage import NotFound  # noqa: PLC0415 - keeps the import list of pages short

    try:
        detail = store().get_screening(identifier, events=False)
    except NotFound:
        return None
    definition = definition_for(detail)
    if definition is None:
        return None
    result = assessment_of(definition, detail.answers, detail.assessed_on, detail.review)
    return Loaded(detail, definition, result)
