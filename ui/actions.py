"""What the pages do to a screening: save answers and the review, sign, amend, discard.

A thin caller of `screening.workflow.Workflow`: every function runs in a widget callback or after a
button, calls the workflow with the revision the user saw (`state.revision`), keeps the revision it
gives back, and turns `Refused` (by its `rule`), `Conflict` and a failed database write
(`WRITE_FAILURES`) into messages for the next run. The
workflow computes the status and applies the lifecycle rules; nothing here does. Nothing the user
typed is lost: a conflicting save is kept as a pending `state.Conflict` until the user decides.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from screening.storage import JsonValue, StorageError, User
from screening.workflow import ConflictError, Refused, Screening
from ui import services, state
from ui.text import plain

logger = logging.getLogger(__name__)

# What the app says for a refusal whose own message is written for another audience (it names ids
# or a user id). Every other rule's message is shown as the workflow words it.
_REFUSALS = {
    "locked": "This screening is signed and locked. Record changes as an amendment with a reason.",
    "role": "Only a psychiatrist can do this.",
    "reason": "Give a reason.",
    "no_change": "The amendment changes nothing: choose a new value.",
    "not_signed": "This screening is not signed: change it on the intake and review pages.",
    "discarded": "This draft was discarded.",
    "discard_signed": "A screening that was signed cannot be discarded, only amended.",
    "questionnaire": "The intake questionnaire has errors and cannot be used; see Questionnaires.",
    "definition": "The questionnaire of this screening cannot be loaded.",
}

INTAKE_UNUSABLE = _REFUSALS["questionnaire"]
"""Why no new screening can be started (the intake questionnaire has errors)."""


SAVE_FAILED = (
    "the database could not store it (it could not be reached, or it refused the write). The answer"
    " shown here is not saved: give it again in a moment, and tell the clinic's administrator if"
    " this keeps happening."
)
"""Why an answer was not saved when the database failed, shown next to the answer."""

RECONNECTED_UNSAVED = (
    "The connection to the server was interrupted, and the saved answer shown now differs from the"
    " one the page showed then: a change made to this answer then was not saved. Give it again if"
    " it is still needed."
)
"""Next to an answer whose widget the browser sent with another value than the saved one when it
reconnected to a restarted server (`state.discarded_change`): the page shows the saved answer."""

WRITE_FAILURES = (StorageError, SQLAlchemyError)
"""What a write raises when the database fails rather than refuses by a rule: the storage errors
other than `Refused` and `Conflict` (caught first), and SQLAlchemy's own (a lost connection, a
locked or read-only file, a full disk). Their text may quote the statement and its parameters, that
is patient data, so it is never shown or logged: only the kind of error is."""


def _write_failed(what: str, identifier: str, error: Exception) -> None:
    """Log a failed write by the screening's id and the kind of error only (see WRITE_FAILURES)."""
    logger.error("Could not save %s of screening %s: %s", what, identifier, type(error).__name__)


def refusal_words(refused: Refused) -> str:
    """A refusal in the words the app shows (by its stable `rule`, never by its text)."""
    return _REFUSALS.get(refused.rule, str(refused))


def _base(identifier: str) -> int | None:
    """The revision the user last saw (loaded now when the page has not recorded one)."""
    seen = state.revision(identifier)
    if seen is not None:
        return seen
    screening = services.load(identifier)
    return None if screening is None else screening.revision


def _after_write(identifier: str, base: int, screening: Screening) -> bool:
    """Keep the revision for the user's next write: it only moves past the writes of others once
    the page has shown them. Returns whether others changed the screening meanwhile."""
    state.keep_written(screening)
    state.set_revision(identifier, base if screening.others_changed else screening.revision)
    return screening.others_changed


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


# ------------------------------------------------------------------ drafts


def assessed_on_key(identifier: str) -> str:
    """The key of the intake's "Date of the screening" widget."""
    return f"assessed-on:{identifier}"


def new_screening() -> str | None:
    """The stand-in id of a new, unsaved screening for the intake (nothing is stored until its
    first answer), or None with a notice when the intake questionnaire cannot be used."""
    if services.catalog().get(services.SCREENING_ID) is None:
        state.notify(INTAKE_UNUSABLE)
        return None
    return state.new_screening()


def _create(token: str, item_id: str, value: JsonValue, widget: str | None) -> bool:
    """Create the screening that `token` stands for, with its first answer, in one write; the page
    then shows the stored screening in its place (same section). Returns whether it was saved."""
    user = state.user()
    if user is None:
        return False
    chosen = state.widget_value(assessed_on_key(token))
    try:
        screening = services.workflow().create(
            user,
            questionnaire=services.SCREENING_ID,
            assessed_on=chosen if isinstance(chosen, dt.date) else dt.date.today(),
            answers={item_id: value},
        )
    except Refused as refused:
        if refused.rule in ("invalid_answer", "unknown_item"):
            state.reject_answer(token, item_id, refused.detail or refusal_words(refused))
        else:
            state.notify(refusal_words(refused))
        return False
    except WRITE_FAILURES as error:
        _write_failed("the first answer", token, error)
        state.reject_answer(token, item_id, SAVE_FAILED)
        return False
    state.accept_answer(token, item_id)
    if widget is not None:
        state.mark_synced(widget, state.widget_value(widget))
    state.set_revision(screening.id, screening.revision)
    state.set_created_from(token, screening.id)
    state.open_screening(screening.id, state.section_index(len(screening.definition.sections)))
    return True


def save_answer(identifier: str, item_id: str, value: JsonValue, *, widget: str | None = None) -> bool:
    """Save one answer now. Returns False when it was not saved (a conflict, a lock, a refusal, a
    database that failed: the last two are said next to the answer, which keeps the user's input).
    The first answer of a new screening (`state.is_unsaved`) creates it. A value from a page an
    earlier session drew (`state.browser_on_this_page`) is not the user's change: it is not saved,
    and the page shows the stored answer and says so."""
    if not state.browser_on_this_page():
        return False
    if state.is_unsaved(identifier):
        created = state.created_from(identifier)
        if created is None:
            return value is not None and _create(identifier, item_id, value, widget)
        identifier = created
    user = state.user()
    base = _base(identifier)
    if user is None or base is None:
        return False
    try:
        screening = services.workflow().answer(identifier, {item_id: value}, user=user, base_revision=base)
    except ConflictError as conflict:
        _keep_conflict(item_id, value, conflict)
        return False
    except Refused as refused:
        if refused.rule in ("invalid_answer", "unknown_item"):
            state.reject_answer(identifier, item_id, refused.detail or refusal_words(refused))
        else:
            state.notify(refusal_words(refused))
        return False
    except WRITE_FAILURES as error:
        _write_failed("an answer", identifier, error)
        state.reject_answer(identifier, item_id, SAVE_FAILED)
        return False
    state.resolve_conflict(item_id)
    state.accept_answer(identifier, item_id)
    if widget is not None:
        state.mark_synced(widget, state.widget_value(widget))
    if _after_write(identifier, base, screening):
        state.notify("Someone else also changed this screening; their answers are shown now.")
    return True


def save_answers(identifier: str, answers: Mapping[str, JsonValue]) -> bool:
    """Save several answers in one write, each recorded and audited as its own answer. Returns
    False when nothing was saved (another change to one of them, a lock, a refusal)."""
    user = state.user()
    base = _base(identifier)
    if user is None or base is None or not answers or not state.browser_on_this_page():
        return False
    try:
        screening = services.workflow().answer(identifier, dict(answers), user=user, base_revision=base)
    except ConflictError as conflict:
        state.notify(
            f"Not saved: {plain(conflict.changed_by)} changed some of these answers meanwhile; "
            "they are shown now, look at them again."
        )
        return False
    except Refused as refused:
        state.notify(refusal_words(refused))
        return False
    except WRITE_FAILURES as error:
        _write_failed("answers", identifier, error)
        state.notify(f"Not saved: {SAVE_FAILED}")
        return False
    for item_id in answers:
        state.accept_answer(identifier, item_id)
    if _after_write(identifier, base, screening):
        state.notify("Someone else also changed this screening; their answers are shown now.")
    return True


def keep_theirs(identifier: str, target: str) -> None:
    """Drop the user's conflicting input and show the stored value."""
    state.resolve_conflict(target)
    screening = services.load(identifier)
    if screening is not None:
        state.set_revision(identifier, screening.revision)


def save_mine(identifier: str, target: str) -> None:
    """Save the user's conflicting input over the other change, now that they have seen it."""
    conflict = state.conflicts().get(target)
    screening = services.load(identifier)
    if conflict is None or screening is None:
        return
    state.set_revision(identifier, screening.revision)
    if target == "review":
        save_review(identifier, conflict.mine if isinstance(conflict.mine, dict) else {})
    else:
        save_answer(identifier, target, conflict.mine)


def set_assessed_on(identifier: str, day: dt.date) -> None:
    user = state.user()
    base = _base(identifier)
    if user is None or base is None or not state.browser_on_this_page():
        return
    try:
        screening = services.workflow().set_assessed_on(identifier, day, user=user, base_revision=base)
    except ConflictError as conflict:
        state.notify(f"The screening date was changed by {plain(conflict.changed_by)}; it was not saved.")
        return
    except Refused as refused:
        state.notify(refusal_words(refused))
        return
    except WRITE_FAILURES as error:
        _write_failed("the screening date", identifier, error)
        state.notify(f"The screening date was not saved: {SAVE_FAILED}")
        return
    _after_write(identifier, base, screening)


def save_review(identifier: str, fields: Mapping[str, JsonValue]) -> bool:
    """Record the review fields given (the others are kept; None unsets one). Returns False when
    nothing was saved."""
    user = state.user()
    base = _base(identifier)
    if user is None or base is None:
        return False
    try:
        screening = services.workflow().review(identifier, dict(fields), user=user, base_revision=base)
    except ConflictError as conflict:
        _keep_conflict("review", dict(fields), conflict)
        return False
    except Refused as refused:
        state.notify(refusal_words(refused))
        return False
    state.resolve_conflict("review")
    _after_write(identifier, base, screening)
    return True


def discard(identifier: str, reason: str, *, base_revision: int | None = None) -> str | None:
    """Discard a draft created by mistake. Returns an error message, or None when discarded."""
    user = state.user()
    base = base_revision if base_revision is not None else _base(identifier)
    if user is None or base is None:
        return "The screening could not be loaded."
    try:
        services.workflow().discard(identifier, user=user, base_revision=base, reason=reason)
    except ConflictError as conflict:
        who = plain(conflict.changed_by)
        return f"{who} changed this draft meanwhile; look at it again before discarding it."
    except Refused as refused:
        return refusal_words(refused)
    return None


# ------------------------------------------------------------------ signing and amending


_NOT_EDITS = ("document", "created", "status_changed")
"""History entries that are nobody's change of the content a psychiatrist signs."""


def _unseen_message(identifier: str, base: int, me: User) -> str:
    """Who changed the screening after `base`, for a signature refused because of it."""
    try:
        entries = services.workflow().history(identifier)
    except StorageError:
        entries = []
    names = sorted(
        {
            plain(entry.user_name)
            for entry in entries
            if entry.revision > base and entry.user_id != me.id and entry.kind not in _NOT_EDITS
        }
    )
    who = ", ".join(names) or "Somebody"
    return f"{who} changed the screening after you opened it; review the changes, then sign."


def sign(identifier: str, signer: User, *, clinician: str, recorded_clinician: str | None) -> str | None:
    """Sign what the signer saw: the review names `clinician` (recorded first when the review
    names somebody else), then the workflow signs against the revision on the screen, applying
    its rules. Run it in the button's callback, before the page reloads the screening. Returns an
    error message, or None when signed."""
    workflow = services.workflow()
    base = _base(identifier)
    if base is None:
        return "The screening could not be loaded."
    try:
        if clinician != recorded_clinician:
            named = workflow.review(identifier, {"clinician": clinician}, user=signer, base_revision=base)
            if named.others_changed:
                return _unseen_message(identifier, base, signer)
            base = named.revision
        signed = workflow.sign(identifier, user=signer, base_revision=base)
    except ConflictError as conflict:
        who = plain(conflict.changed_by)
        return f"{who} changed the screening after you opened it; review the changes, then sign."
    except Refused as refused:
        return refusal_words(refused)
    state.set_revision(identifier, signed.revision)
    return None


def amend(
    identifier: str,
    *,
    reason: str,
    answers: Mapping[str, JsonValue] | None = None,
    review: Mapping[str, JsonValue] | None = None,
    assessed_on: dt.date | None = None,
) -> tuple[Screening | None, str | None]:
    """Record an amendment of a signed screening with its reason, against the revision the user
    saw. Returns the screening after it (None on failure) and an error message (None when saved)."""
    user = state.user()
    base = _base(identifier)
    if user is None or base is None:
        return None, "The screening could not be loaded."
    try:
        screening = services.workflow().amend(
            identifier,
            user=user,
            base_revision=base,
            reason=reason,
            answers=answers,
            review=review,
            assessed_on=assessed_on,
        )
    except ConflictError as conflict:
        who = plain(conflict.changed_by)
        return None, f"{who} changed the screening meanwhile; look again and amend again."
    except Refused as refused:
        return None, refusal_words(refused)
    _after_write(identifier, base, screening)
    return screening, None


def record_document(identifier: str, document: str, details: Mapping[str, JsonValue]) -> None:
    user = state.user()
    if user is None:
        return
    try:
        services.workflow().record_document(identifier, user=user, document=document, details=details)
    except Exception:
        # Recording a download must never break the page; the reason is logged without patient data.
        logger.exception("Could not record a document event for screening %s", identifier)


def acknowledge_crisis(identifier: str, rule_ids: list[str], base_revision: int) -> str | None:
    """Record that the user saw the suicide-risk alert of `rule_ids` on the revision shown and is
    addressing the patient's safety. Returns an error message, or None when recorded."""
    user = state.user()
    if user is None:
        return "Sign in again, then acknowledge the alert."
    try:
        services.workflow().acknowledge_crisis(identifier, rule_ids, user=user, base_revision=base_revision)
    except Refused as refused:
        return refusal_words(refused)
    return None


def rerun() -> None:
    st.rerun()
