"""Shared, cached resources of the app: the questionnaire catalog, the store, clinic settings.

Everything here is created once per process (`st.cache_resource`) and shared by every session:
the catalog and definitions are frozen, and the `Store` opens its own database session per call.
Cached functions take plain strings, never models.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import threading
from collections import OrderedDict
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
from screening.storage import DATABASE_URL_ENV, ScreeningDetail, StorageError, Store, database_url

logger = logging.getLogger(__name__)

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
    return _store(_current_url())


def _current_url() -> str:
    return _store_url(os.environ.get(DATABASE_URL_ENV, ""))


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

    @functools.cached_property
    def assessment(self) -> Assessment:
        """Computed when first asked for: saving an answer needs the answers, not the assessment."""
        return assessment_of(
            self.definition, self.detail.answers, self.detail.assessed_on, self.detail.review
        )

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.detail.answers)


def assessment_of(
    definition: Definition,
    answers: Mapping[str, Any],
    assessed_on: dt.date | None,
    review: Mapping[str, Any] | None,
) -> Assessment:
    """The assessment of stored (JSON) answers. Pure, so the last few are kept: the save of an
    answer assesses the new answers for the status it records, and the rerun that follows shows
    the same answers again."""
    key = json.dumps([definition.sha256, answers, assessed_on, review], sort_keys=True, default=_json_default)
    with _assessments_lock:
        kept = _assessments.get(key)
        if kept is not None:
            _assessments.move_to_end(key)
    if kept is not None:
        return kept
    result = assess(definition, answers, assessed_on=assessed_on, review=review)
    with _assessments_lock:
        _assessments[key] = result
        while len(_assessments) > _ASSESSMENTS_LIMIT:
            _assessments.popitem(last=False)
    return result


_ASSESSMENTS_LIMIT = 64
_assessments: OrderedDict[str, Assessment] = OrderedDict()
_assessments_lock = threading.Lock()


def _json_default(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return repr(value)  # never reached for stored answers, which are JSON already


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
    loaded = Loaded(detail, definition)
    _remember(loaded)
    if not detail.status_current:
        _record_status(loaded)
    return loaded


def _record_status(loaded: Loaded) -> None:
    """Record the status of a screening whose stored status is out of date (a save made while
    somebody else also changed it cannot know the whole picture; this load does)."""
    detail = loaded.detail
    try:
        store().update_status(detail.id, loaded.assessment.status, computed_at_revision=detail.revision)
    except StorageError:
        # Only the list page's status badge depends on it; never break the page. No patient data.
        logger.warning("Could not record the status of screening %s", detail.id, exc_info=True)


# A screening at a given revision never changes (every change makes a new revision), so what a
# page loaded can be reused for the save that follows it: `save_answer` needs the screening as the
# user saw it, at the revision it gives as its base. Kept per process, for the last few loads.
_SEEN_LIMIT = 32
_seen: OrderedDict[tuple[str, str, int], Loaded] = OrderedDict()
_seen_lock = threading.Lock()


def _remember(loaded: Loaded) -> None:
    key = (_current_url(), loaded.detail.id, loaded.detail.revision)
    with _seen_lock:
        _seen[key] = loaded
        _seen.move_to_end(key)
        while len(_seen) > _SEEN_LIMIT:
            _seen.popitem(last=False)


def load_seen(identifier: str, revision: int | None) -> Loaded | None:
    """The screening at `revision` (the one the user last saw) when this process loaded it at that
    revision recently, else the screening as it is now (`load`)."""
    if revision is not None:
        with _seen_lock:
            seen = _seen.get((_current_url(), identifier, revision))
        if seen is not None:
            return seen
    return load(identifier)
