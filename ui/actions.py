"""What the pages do to a screening: save answers and the review, sign, amend.

Every function here runs in a widget callback or after a button, talks to the store, keeps the
revision the user has seen, and turns storage refusals into messages for the next run. Nothing
the user typed is lost: a conflicting save is kept as a pending `Conflict` until the user decides.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

import streamlit as st

from screening.definition import Definition
from screening.model import Status
from screening.storage import (
    ConflictError,
    InvalidRequest,
    JsonValue,
    LockedError,
    NotFound,
    PermissionDenied,
    QuestionnairePin,
    SigningRefused,
    User,
)
from ui import services, state

logger = logging.getLogger(__name__)


def _status_with(
    definition: Definition, answers: Mapping[str, Any], assessed_on: dt.date, review: Mapping[str, Any] | None
) -> Status:
    return services.assessment_of(definition, answers, assessed_on, review).status


def _keep_conflict(target: str, mine: JsonValue, conflict: ConflictError) -> None:
    """Keep the user's refused input, with who changed the target and to what, until they choose."""
    state.add_conflict(
        state.Conflict(
            target=target,
            mine=mine,
            theirs=conflict.current_value,
            changed_by=conflict.changed_by,
            changed_at=conflict.changed_at.astimezone().strftime("%H:%M on %d %b"),
        )
    )


def create_screening(user: User) -> str | None:
    """Open a new screening on today's date with the current intake definition."""
    definition = services.catalog().get(services.SCREENING_ID)
    if definition is None:
        state.notify("The intake questionnaire has errors and cannot be used; see Questionnaires.")
        return None
    detail = services.store().create_screening(
        user=user,
        questionnaire=QuestionnairePin(definition.id, definition.version, definition.sha256),
        definition_files=dict(definition.files),
        assessed_on=dt.date.today(),
        status=_status_with(definition, {}, dt.date.today(), None),
    )
    state.set_revision(detail.id, detail.revision)
    return detail.id


def save_answer(identifier: str, item_id: str, value: JsonValue, *, widget: str | None = None) -> bool:
    """Save one answer now. Returns False when it was not saved (a conflict or a lock)."""
    user = state.user()
    base = state.revision(identifier)
    # The screening as the user saw it: the status handed to the store is only kept when nobody
    # else changed the screening since `base`, and then this is also the screening as it is now.
    loaded = services.load_seen(identifier, base)
    if user is None or loaded is None:
        return False
    if base is None:
        base = loaded.detail.revision
    answers = loaded.answers
    if value is None:
        answers.pop(item_id, None)
    else:
        answers[item_id] = value
    status = _status_with(loaded.definition, answers, loaded.detail.assessed_on, loaded.detail.review)
    try:
        result = services.store().set_answer(
            identifier, item_id, value, user=user, base_revision=base, status=status
        )
    except ConflictError as conflict:
        _keep_conflict(item_id, value, conflict)
        return False
    except LockedError:
        state.notify("This screening is signed and locked. Record changes as an amendment with a reason.")
        return False
    state.set_revision(identifier, result.base_revision)
    state.resolve_conflict(item_id)
    if widget is not None:
        state.mark_synced(widget, state.widget_value(widget))
    if result.others_changed:
        state.notify("Someone else also changed this screening; their answers are shown now.")
    return True


def keep_theirs(identifier: str, item_id: str) -> None:
    """Drop the user's conflicting input and show the stored value."""
    state.resolve_conflict(item_id)
    loaded = services.load(identifier)
    if loaded is not None:
        state.set_revision(identifier, loaded.detail.revision)


def save_mine(identifier: str, item_id: str) -> None:
    """Save the user's conflicting input over the other change, now that they have seen it."""
    conflict = state.conflicts().get(item_id)
    loaded = services.load(identifier)
    if conflict is None or loaded is None:
        return
    state.set_revision(identifier, loaded.detail.revision)
    if item_id == "review":
        mine = conflict.mine if isinstance(conflict.mine, dict) else {}
        save_review(identifier, mine)
    else:
        save_answer(identifier, item_id, conflict.mine)


def set_assessed_on(identifier: str, day: dt.date) -> None:
    user = state.user()
    loaded = services.load(identifier)
    if user is None or loaded is None:
        return
    status = _status_with(loaded.definition, loaded.answers, day, loaded.detail.review)
    base = state.revision(identifier) or loaded.detail.revision
    try:
        result = services.store().set_assessed_on(
            identifier, day, user=user, base_revision=base, status=status
        )
    except ConflictError as conflict:
        state.notify(f"The screening date was changed by {conflict.changed_by}; it was not saved.")
        return
    except LockedError:
        state.notify("This screening is signed and locked.")
        return
    state.set_revision(identifier, result.base_revision)


def save_review(identifier: str, review: Mapping[str, Any]) -> bool:
    """Replace the review (without `signed_at`). Returns False when it was not saved."""
    user = state.user()
    loaded = services.load(identifier)
    if user is None or loaded is None:
        return False
    status = _status_with(loaded.definition, loaded.answers, loaded.detail.assessed_on, review)
    base = state.revision(identifier) or loaded.detail.revision
    clean = {key: value for key, value in review.items() if key != "signed_at"}
    try:
        result = services.store().save_review(identifier, clean, user=user, base_revision=base, status=status)
    except ConflictError as conflict:
        _keep_conflict("review", dict(clean), conflict)
        return False
    except LockedError:
        state.notify("This screening is signed and locked. Record changes as an amendment with a reason.")
        return False
    state.set_revision(identifier, result.base_revision)
    state.resolve_conflict("review")
    return True


_EDITS = frozenset({"answer_set", "answer_cleared", "assessed_on_set", "review_saved", "amended"})


def sign_review(identifier: str, signer: User, review: Mapping[str, Any]) -> str | None:
    """Record the signer's name in the review and sign, both against the revision the signer saw
    (run it in the button's callback, before the page reloads the screening). Returns an error
    message, or None when signed."""
    base = state.revision(identifier)
    try:
        detail = services.store().get_screening(identifier)
    except NotFound:
        return "The screening could not be loaded."
    if base is not None:
        unseen = sorted(
            {event.actor.name for event in detail.events if event.seq > base and event.kind in _EDITS}
        )
        if unseen:
            names = ", ".join(unseen)
            return f"{names} changed the screening after you opened it; review the changes, then sign."
    if not save_review(identifier, {**review, "clinician": signer.signature_name}):
        return "The review was not saved; see the notice above."
    return sign(identifier, signer)


def sign(identifier: str, signer: User) -> str | None:
    """Sign and lock. Returns an error message, or None when signed."""
    loaded = services.load(identifier)
    if loaded is None:
        return "The screening could not be loaded."
    base = state.revision(identifier) or loaded.detail.revision
    try:
        result = services.store().sign(
            identifier, user=signer, base_revision=base, status=loaded.assessment.status
        )
    except PermissionDenied:
        return "Only a psychiatrist can sign."
    except SigningRefused as refused:
        return {
            "no_review": "Save the review before signing.",
            "no_decision": "Record a decision before signing.",
            "proceed_contraindicated": "A contraindicated screening cannot be signed as 'proceed'.",
        }[refused.reason]
    except ConflictError as conflict:
        return (
            f"{conflict.changed_by} changed the screening after you opened it; review the changes, then sign."
        )
    except LockedError:
        return "This screening is already signed."
    state.set_revision(identifier, result.base_revision)
    return None


def amend(
    identifier: str,
    *,
    reason: str,
    answers: Mapping[str, JsonValue] | None = None,
    review: Mapping[str, Any] | None = None,
) -> str | None:
    """Record an amendment of a signed screening. Returns an error message, or None when saved."""
    user = state.user()
    loaded = services.load(identifier)
    if user is None or loaded is None:
        return "The screening could not be loaded."
    new_answers = loaded.answers
    for item_id, value in (answers or {}).items():
        if value is None:
            new_answers.pop(item_id, None)
        else:
            new_answers[item_id] = value
    new_review = dict(review) if review is not None else loaded.detail.review
    status = _status_with(loaded.definition, new_answers, loaded.detail.assessed_on, new_review)
    base = state.revision(identifier) or loaded.detail.revision
    try:
        result = services.store().amend(
            identifier,
            user=user,
            base_revision=base,
            reason=reason,
            status=status,
            answers=answers,
            review=review,
        )
    except InvalidRequest as invalid:
        return str(invalid).split(": ", 1)[-1] if "changes nothing" in str(invalid) else "Give a reason."
    except ConflictError as conflict:
        return f"{conflict.changed_by} changed the screening meanwhile; reload and amend again."
    except PermissionDenied:
        return "Only a psychiatrist can amend the review."
    except SigningRefused:
        return "The amended review would say 'proceed' on a contraindicated screening."
    state.set_revision(identifier, result.base_revision)
    return None


def record_document(identifier: str, document: str, details: Mapping[str, JsonValue]) -> None:
    user = state.user()
    if user is None:
        return
    try:
        services.store().record_document(identifier, user=user, document=document, details=details)
    except Exception:
        # Recording a download must never break the page; the reason is logged without patient data.
        logger.exception("Could not record a document event for screening %s", identifier)


def rerun() -> None:
    st.rerun()
