"""Signing, amending and discarding: the lifecycle writes of `Store`.

The judge decides: whether a screening may be signed, and whether an amendment of a signed
screening keeps it signed, reopens it (the review loses its signature) or is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy.orm import Session

from screening.storage.audit import timestamp
from screening.storage.changes import (
    Change,
    answer_change,
    assessed_on_change,
    changed_since,
    review_change,
    state_after,
)
from screening.storage.core import StoreBase, check_base, logger, require_psychiatrist, write_result
from screening.storage.errors import InvalidRequest, SigningRefused
from screening.storage.judge import AmendmentVerdict
from screening.storage.records import JsonInput, JsonValue, ScreeningStatus, User, WriteResult
from screening.storage.schema import ScreeningRow
from screening.storage.values import (
    answer_json,
    canonical_json,
    check_date,
    check_item_id,
    merge_review,
    normalise_review_fields,
)


class Signing(StoreBase):
    """The signing, amending and discarding calls of `Store`."""

    def sign(self, screening_id: str, *, user: User, base_revision: int) -> WriteResult:
        """Sign the review and lock the screening (a draft, or a reopened screening again).

        :raises PermissionDenied: the user is not a psychiatrist.
        :raises ConflictError: anything changed since `base_revision` (one signs what one saw).
        :raises SigningRefused: a lifecycle rule of the judge refuses it (no decision, 'proceed'
            on a contraindicated or incomplete screening, a note missing).
        :raises SigningRefused: the review's `clinician` names somebody else than `user`
            (rule `signer_name`): the name and credentials stored with a signature and printed
            under it are always the signing user's own (`User.signature_name`).
        :raises LockedError: already signed.
        """
        require_psychiatrist(user, "sign", screening_id)
        with self._writing() as session:
            row = self._lock_live(session, screening_id)
            check_base(row, base_revision)
            if row.content_revision > base_revision:
                # also when somebody else signed meanwhile: one signature wins, the other conflicts
                changed = changed_since(session, row, base_revision)
                raise self._conflict(session, row, changed, base_revision)
            row = self._lock_for_edit(session, screening_id, base_revision)
            state = self._state(session, row)
            _check_signer(screening_id, state.review.get("clinician"), user)
            refusal = self._judge.signing_refusal(state)
            if refusal is not None:
                raise SigningRefused(screening_id, *refusal)
            review = dict(state.review)
            now = self._now()
            status = self._judge.status(state)
            signing = review_change(session, row, {**review, "signed_at": now.isoformat(timespec="seconds")})
            payload = {**signing.payload(), "status": status, "decision": review.get("decision")}
            if row.lifecycle == "reopened":
                payload["lifecycle"] = {"old": "reopened", "new": "signed"}
            seq = self._append(session, row, "signed", payload, user=user, now=now)
            signing.apply(session, row, seq)
            row.signed_at = now
            row.signed_by_id = user.id
            row.signed_by_name = user.name
            row.signed_by_credentials = user.credentials
            row.signed_by_authenticated = user.authenticated
            row.lifecycle = "signed"
            row.reopened_json = None
            row.status = status
            row.status_revision = seq
            result = write_result(row, base_revision, changed=True, others_changed=False)
        logger.info("Screening %s signed at revision %d", screening_id, seq)
        return result

    def amend(
        self,
        screening_id: str,
        *,
        user: User,
        base_revision: int,
        reason: str,
        answers: Mapping[str, JsonInput] | None = None,
        review: Mapping[str, JsonInput] | None = None,
        assessed_on: date | None = None,
    ) -> WriteResult:
        """Change a signed screening, recorded as one `amended` event with the reason.

        Answers map item id -> new value (None clears). `review` changes the review fields it
        names and keeps the others (only a psychiatrist may). The judge decides what the amendment
        does: it stays signed, it reopens the screening (the signed decision no longer stands;
        the review loses its `signed_at`), or it is refused.

        :raises InvalidRequest: not signed, empty reason, or the amendment changes nothing.
        :raises PermissionDenied: a review change by somebody who is not a psychiatrist.
        :raises ConflictError: somebody else changed one of these targets since `base_revision`.
        :raises SigningRefused: the judge refuses the amendment.
        """
        reason, new_answers, review_fields = _amendment_request(
            screening_id, user, reason=reason, answers=answers, review=review, assessed_on=assessed_on
        )
        with self._writing() as session:
            row = self._lock_live(session, screening_id)
            check_base(row, base_revision)
            if row.lifecycle != "signed" and row.content_revision > base_revision:
                # reopened (or otherwise changed) by somebody else since the writer looked
                raise self._conflict(session, row, changed_since(session, row, base_revision), base_revision)
            if row.lifecycle != "signed":
                raise InvalidRequest(
                    f"Screening {screening_id} is not signed: save changes normally, not as an amendment.",
                    screening_id=screening_id,
                    rule="not_signed",
                )
            check_base(row, base_revision)
            before = self._state(session, row)
            current_review = dict(before.review)
            candidates = [answer_change(session, row, item, new) for item, new in new_answers.items()]
            if review_fields is not None:
                candidates.append(review_change(session, row, merge_review(current_review, review_fields)))
            if assessed_on is not None:
                candidates.append(assessed_on_change(row, assessed_on))
            changes = [change for change in candidates if change.changed]
            if not changes:
                raise InvalidRequest(
                    f"The amendment of screening {screening_id} changes nothing.",
                    screening_id=screening_id,
                    rule="no_change",
                )
            conflicting = [change for change in changes if change.conflicts_with(base_revision)]
            if conflicting:
                raise self._conflict(session, row, conflicting, base_revision)
            after = state_after(before, changes)
            review_changed = any(change.field == "review" for change in changes)
            verdict = self._judge.amendment(before, after, review_changed=review_changed)
            if verdict.refusal is not None:
                raise SigningRefused(screening_id, *verdict.refusal)
            if verdict.reopen_because:
                changes = _unsigned(session, row, changes, current_review)
                after = state_after(before, changes)
            status = self._judge.status(after)
            payload = _amendment_payload(reason, status, changes)
            if verdict.reopen_because:
                payload["lifecycle"] = {"old": "signed", "new": "reopened"}
                payload["reopened_because"] = list(verdict.reopen_because)
                payload["changes_in_words"] = list(verdict.changes)
            others = row.content_revision > base_revision
            now = self._now()
            seq = self._append(session, row, "amended", payload, user=user, now=now)
            for change in changes:
                change.apply(session, row, seq)
            row.status = status
            row.status_revision = seq
            if verdict.reopen_because:
                row.lifecycle = "reopened"
                row.reopened_json = _reopened_json(now, user, reason, verdict)
            result = write_result(row, base_revision, changed=True, others_changed=others)
        reopened = " (reopened)" if verdict.reopen_because else ""
        logger.info("Screening %s amended at revision %d%s", screening_id, seq, reopened)
        return result

    def discard(self, screening_id: str, *, user: User, base_revision: int, reason: str) -> WriteResult:
        """Discard a draft created by mistake: recorded in the audit trail, kept out of the list,
        and never written to again. A screening that was ever signed cannot be discarded.

        :raises InvalidRequest: empty reason, or the screening was signed.
        :raises ConflictError: anything changed since `base_revision`.
        """
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason:
            message = "Discarding a draft needs a reason."
            raise InvalidRequest(message, screening_id=screening_id, rule="reason")
        with self._writing() as session:
            row = self._lock_live(session, screening_id)
            if row.lifecycle != "draft" or row.signed_at is not None:
                raise InvalidRequest(
                    f"Screening {screening_id} has been signed; it cannot be discarded, only amended.",
                    screening_id=screening_id,
                    rule="discard_signed",
                )
            check_base(row, base_revision)
            if row.content_revision > base_revision:
                raise self._conflict(session, row, changed_since(session, row, base_revision), base_revision)
            now = self._now()
            seq = self._append(session, row, "discarded", {"reason": reason}, user=user, now=now)
            row.discarded_at = now
            row.status_revision = seq  # the content did not change: its status still holds
            result = write_result(row, base_revision, changed=True, others_changed=False)
        logger.info("Screening %s discarded", screening_id)
        return result


def _amendment_request(
    screening_id: str,
    user: User,
    *,
    reason: str,
    answers: Mapping[str, JsonInput] | None,
    review: Mapping[str, JsonInput] | None,
    assessed_on: date | None,
) -> tuple[str, dict[str, JsonValue], dict[str, JsonValue] | None]:
    """The checked parts of an amendment: its reason, answers and review fields."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise InvalidRequest("An amendment needs a reason.", screening_id=screening_id, rule="reason")
    new_answers = {check_item_id(item): answer_json(item, v) for item, v in (answers or {}).items()}
    review_fields = None
    if review is not None:
        require_psychiatrist(user, "amend the review", screening_id)
        review_fields = normalise_review_fields(review)
    if assessed_on is not None:
        check_date(assessed_on, "assessed_on")
    return reason, new_answers, review_fields


def _unsigned(
    session: Session, row: ScreeningRow, changes: list[Change], current_review: dict[str, JsonValue]
) -> list[Change]:
    """`changes` with the review's signature removed: the signed decision no longer stands."""
    reviewed = next((change.new for change in changes if change.field == "review"), current_review)
    unsigned = dict(reviewed) if isinstance(reviewed, dict) else {}
    unsigned.pop("signed_at", None)
    kept = [change for change in changes if change.field != "review"]
    return [*kept, review_change(session, row, unsigned)]


def _reopened_json(now: datetime, user: User, reason: str, verdict: AmendmentVerdict) -> str:
    return canonical_json(
        {
            "at": timestamp(now),
            "by": user.name,
            "reason": reason,
            "because": list(verdict.reopen_because),
            "changes": list(verdict.changes),
        }
    )


def _amendment_payload(reason: str, status: ScreeningStatus, changes: list[Change]) -> dict[str, JsonValue]:
    payload: dict[str, JsonValue] = {"reason": reason, "status": status}
    answers: list[JsonValue] = [change.payload() for change in changes if change.field == "answer"]
    if answers:
        payload["answers"] = answers
    for change in changes:
        if change.field != "answer":
            payload[change.field] = change.payload()
    return payload


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _check_signer(screening_id: str, clinician: JsonValue, user: User) -> None:
    """Refuse a signature when the review names another clinician than the signing user (their
    spacing and letter case aside): a screening is signed only in the signer's own name."""
    if not isinstance(clinician, str) or not clinician.strip():
        return
    if _folded(clinician) != _folded(user.signature_name):
        raise SigningRefused(
            screening_id,
            "signer_name",
            "The review names another clinician than the psychiatrist signing: a screening is "
            "signed only in the signer's own name, the name and credentials of their sign-in. "
            "Record that name as the reviewing clinician, or let the named clinician sign.",
        )
