"""Persistence of screenings, answers, reviews and the audit trail (SQLAlchemy 2).

Storage stores what it is given: it does not import the questionnaire engine (statuses are
computed by the caller and handed in) nor Streamlit. The app creates one `Store` and shares it:

    store = Store()                       # $SCREENING_DATABASE_URL or ./data/screenings.db
    screening = store.create_screening(user=user, questionnaire=pin, definition_files=files,
                                       assessed_on=date.today())
    result = store.set_answer(screening.id, "phq9_1", "several_days", user=user,
                              base_revision=screening.revision, status="incomplete")
    # next write: base_revision=result.base_revision (reload when result.others_changed);
    # see store.py for the concurrency rules
"""

from screening.settings import DATABASE_URL_ENV, default_database_path
from screening.storage.database import database_url
from screening.storage.errors import (
    ConflictError,
    InvalidRequest,
    LockedError,
    NotFound,
    PermissionDenied,
    SchemaVersionError,
    SigningRefused,
    StorageError,
)
from screening.storage.reads import ListCursor
from screening.storage.records import (
    EVENT_KINDS,
    ROLES,
    SCREENING_STATUSES,
    AuditEvent,
    AuditProblem,
    AuditReport,
    ClinicReport,
    JsonInput,
    JsonValue,
    QuestionnairePin,
    Role,
    ScreeningDetail,
    ScreeningStatus,
    ScreeningSummary,
    Signature,
    User,
    WriteResult,
)
from screening.storage.schema import SCHEMA_VERSION
from screening.storage.store import Clock, Store, utc_now

__all__ = [
    "DATABASE_URL_ENV",
    "EVENT_KINDS",
    "ROLES",
    "SCHEMA_VERSION",
    "SCREENING_STATUSES",
    "AuditEvent",
    "AuditProblem",
    "AuditReport",
    "ClinicReport",
    "Clock",
    "ConflictError",
    "InvalidRequest",
    "JsonInput",
    "JsonValue",
    "ListCursor",
    "LockedError",
    "NotFound",
    "PermissionDenied",
    "QuestionnairePin",
    "Role",
    "SchemaVersionError",
    "ScreeningDetail",
    "ScreeningStatus",
    "ScreeningSummary",
    "Signature",
    "SigningRefused",
    "StorageError",
    "Store",
    "User",
    "WriteResult",
    "database_url",
    "default_database_path",
    "utc_now",
]
