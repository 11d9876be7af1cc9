"""The audit trail is keyed: somebody who can write the database but does not hold the server's
audit key cannot forge, rewrite, cut short, add or delete a screening without `verify_audit` or
`verify_clinic` saying so, however carefully the plain hashes are recomputed."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from screening import settings
from screening.storage import JsonValue, ScreeningDetail, Store
from screening.storage.anchors import ANCHORED_COLUMNS, NOT_ANCHORED, ROW_CHANGED
from screening.storage.audit import actor_fields, event_message, keyed_hash, timestamp
from screening.storage.keys import AuditKeyError, AuditKeys, parse_keys, rotate_key_file
from screening.storage.schema import ScreeningRow
from screening.storage.values import canonical_json
from tests.database_support import FakeClock, audit_keys_of_tests
from tests.storage.storage_support import COORDINATOR, PSYCHIATRIST, StandInJudge

NewScreening = Callable[..., ScreeningDetail]
Tamper = Callable[..., None]
OTHER_SECRET = "6b" * 32


@pytest.fixture
def signable(store: Store, new_screening: NewScreening) -> ScreeningDetail:
    """A draft with a review that could be signed (4 events: created, 2 answers, review)."""
    screening = new_screening(patient_name="Ana Silva", mrn="KC-1")
    store.save_review(screening.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=3)
    return store.get_screening(screening.id)


def _reasons(store: Store, screening_id: str) -> list[str]:
    return [str(problem) for problem in store.verify_audit(screening_id).problems]


def _forge_signature(
    tamper: Tamper, screening: ScreeningDetail, *, key_id: str | None, secret: bytes
) -> None:
    """What somebody with write access to the database (and no key) does to make a draft look
    signed: append a 'signed' event chained to the head, hashed with what they have, and move the
    screening row on to it."""
    last = screening.events[-1]
    seq = last.seq + 1
    at = last.at
    actor = actor_fields(PSYCHIATRIST)
    signed_review: dict[str, JsonValue] = {**(screening.review or {}), "signed_at": "2026-11-20T09:00:00"}
    payload: dict[str, JsonValue] = {"old": screening.review, "new": signed_review}
    payload.update({"status": "candidate", "decision": "defer"})
    message = event_message(
        prev_hash=last.hash,
        screening_id=screening.id,
        seq=seq,
        kind="signed",
        at=at,
        actor=actor,
        payload=payload,
    )
    forged = (
        hashlib.sha256(message).hexdigest()
        if key_id is None
        else keyed_hash(message, AuditKeys(key_id, {key_id: secret}), key_id)
    )
    tamper(
        "INSERT INTO audit_events (screening_id, seq, kind, at, actor_id, actor_name, actor_role,"
        " actor_authenticated, actor_credentials, payload_json, prev_hash, hash, key_id) VALUES"
        " (:id, :seq, 'signed', :at, :actor_id, :actor_name, 'psychiatrist', :auth, 'MD', :payload,"
        " :prev, :hash, :key_id)",
        id=screening.id,
        seq=seq,
        at=at.replace(tzinfo=None),
        actor_id=PSYCHIATRIST.id,
        actor_name=PSYCHIATRIST.name,
        auth=True,
        payload=canonical_json(payload),
        prev=last.hash,
        hash=forged,
        key_id=key_id,
    )
    tamper(
        "UPDATE screenings SET revision = :seq, content_revision = :seq, audit_head = :hash,"
        " lifecycle = 'signed', signed_at = updated_at, signed_by_id = :actor_id,"
        " signed_by_name = :actor_name, signed_by_credentials = 'MD', signed_by_authenticated = :auth"
        " WHERE id = :id",
        seq=seq,
        hash=forged,
        actor_id=PSYCHIATRIST.id,
        actor_name=PSYCHIATRIST.name,
        auth=True,
        id=screening.id,
    )
    tamper(
        "UPDATE reviews SET review_json = :review, revision = :seq WHERE screening_id = :id",
        review=canonical_json(payload["new"]),
        seq=seq,
        id=screening.id,
    )


@pytest.mark.parametrize(
    ("key_id", "secret", "reason"),
    [
        (None, b"", "is not keyed although the events before it are"),
        ("test-key", bytes.fromhex(OTHER_SECRET), "does not match its keyed hash"),
        ("made-up", bytes.fromhex(OTHER_SECRET), "which this server does not hold"),
    ],
    ids=["plain-sha256", "guessed-secret", "made-up-key"],
)
def test_a_forged_signature_with_the_row_updated_fails_verification(
    store: Store, signable: ScreeningDetail, tamper: Tamper, key_id: str | None, secret: bytes, reason: str
) -> None:
    _forge_signature(tamper, signable, key_id=key_id, secret=secret)
    forged = store.get_screening(signable.id)
    assert forged.lifecycle == "signed"  # what the list would show
    report = store.verify_audit(signable.id)
    assert not report.ok
    assert report.first_broken is not None and report.first_broken.seq == signable.revision + 1
    assert reason in str(report)
    assert ROW_CHANGED in [problem.reason for problem in report.problems]


def test_a_whole_trail_rewritten_with_plain_hashes_fails_on_the_anchor(
    store: Store, new_screening: NewScreening, tamper: Tamper
) -> None:
    """Rewriting every event as an unkeyed one (as events written before keys existed are), with
    correct plain SHA-256 links and the row moved to the new head, still fails: the anchor."""
    screening = new_screening(patient_name="Ana Silva", phq9_1="several_days")
    previous = "0" * 64
    for event in screening.events:
        payload = dict(event.payload)
        if event.kind == "answer_set" and payload.get("item") == "phq9_1":
            payload["new"] = "nearly_every_day"
        message = event_message(
            prev_hash=previous,
            screening_id=screening.id,
            seq=event.seq,
            kind=event.kind,
            at=event.at,
            actor=actor_fields(event.actor),
            payload=payload,
        )
        digest = hashlib.sha256(message).hexdigest()
        tamper(
            "UPDATE audit_events SET payload_json = :payload, prev_hash = :prev, hash = :hash, key_id = NULL"
            " WHERE screening_id = :id AND seq = :seq",
            payload=canonical_json(payload),
            prev=previous,
            hash=digest,
            id=screening.id,
            seq=event.seq,
        )
        previous = digest
    tamper("UPDATE screenings SET audit_head = :head WHERE id = :id", head=previous, id=screening.id)
    tamper(
        "UPDATE answers SET value_json = :value WHERE screening_id = :id AND item_id = 'phq9_1'",
        value='"nearly_every_day"',
        id=screening.id,
    )
    assert _reasons(store, screening.id) == [ROW_CHANGED]


def test_a_trail_cut_short_with_the_row_moved_back_fails_on_the_anchor(
    store: Store, signable: ScreeningDetail, tamper: Tamper
) -> None:
    """Deleting the last events and pointing the row at the event before them keeps every link
    intact; the anchor of the row is what no longer matches."""
    kept = signable.events[-2]
    tamper("DELETE FROM audit_events WHERE screening_id = :id AND seq > :seq", id=signable.id, seq=kept.seq)
    tamper("DELETE FROM reviews WHERE screening_id = :id", id=signable.id)
    tamper(
        "UPDATE screenings SET revision = :seq, content_revision = :seq, audit_head = :hash,"
        " decision = NULL WHERE id = :id",
        seq=kept.seq,
        hash=kept.hash,
        id=signable.id,
    )
    assert _reasons(store, signable.id) == [ROW_CHANGED]


@pytest.mark.parametrize(
    ("assignment", "named"),
    [
        ("patient_name = 'Someone Else'", "the list's copy of the answer to 'patient_name'"),
        ("patient_name_key = 'someone else'", "the list's copy of the answer to 'patient_name'"),
        ("mrn = 'KC-999'", "the list's copy of the answer to 'mrn'"),
        ("status = 'contraindicated'", "the stored status differs"),
        ("created_by_name = 'Dr. Nobody'", "the stored creator differs"),
        ("created_by_id = 'u-nobody'", "the stored creator differs"),
        ("created_at = updated_at", "the stored creation time differs"),
    ],
)
def test_an_edit_of_the_list_columns_is_named(
    store: Store, signable: ScreeningDetail, tamper: Tamper, assignment: str, named: str
) -> None:
    if assignment.startswith("created_at"):
        store.set_answer(
            signable.id, "phq9_2", "several_days", user=COORDINATOR, base_revision=signable.revision
        )
    tamper(f"UPDATE screenings SET {assignment} WHERE id = :id", id=signable.id)  # noqa: S608  # fixed text
    reasons = [problem.reason for problem in store.verify_audit(signable.id).problems]
    assert any(reason.startswith(named) for reason in reasons), reasons
    assert reasons[-1] == ROW_CHANGED


def test_every_status_the_list_shows_is_in_the_trail(store: Store, new_screening: NewScreening) -> None:
    screening = new_screening(patient_name="Ana Silva")
    assert screening.status == "candidate"  # the stand-in judge: a name alone, and no flag
    result = store.set_answer(screening.id, "current_psychosis", True, user=COORDINATOR, base_revision=2)
    changed = store.get_screening(screening.id)
    assert changed.status == "contraindicated" and result.latest_revision == changed.revision == 3
    assert changed.events[-1].payload["status"] == {"old": "candidate", "new": "contraindicated"}
    assert store.verify_audit(screening.id).ok


def test_the_anchor_covers_every_column_of_the_screening_row() -> None:
    columns = set(ScreeningRow.__table__.columns.keys())
    assert columns == set(ANCHORED_COLUMNS) | set(NOT_ANCHORED)


# ------------------------------------------------------------------------------- the clinic record


def test_the_clinic_record_holds_every_screening(store: Store, new_screening: NewScreening) -> None:
    first = new_screening(patient_name="Ana Silva")
    second = new_screening(patient_name="Ben Okoro")
    store.record_session("signed_in", user=COORDINATOR, how="local mode")
    report = store.verify_clinic()
    assert report.ok and (report.entries_checked, report.screenings) == (3, 2), str(report)
    assert "3 entries, intact" in str(report)
    assert {first.id, second.id} <= {s.id for s in store.list_screenings()}


def _delete_screening(tamper: Tamper, screening_id: str) -> None:
    for table, column in (
        ("audit_events", "screening_id"),
        ("answers", "screening_id"),
        ("reviews", "screening_id"),
    ):
        tamper(f"DELETE FROM {table} WHERE {column} = :id", id=screening_id)  # noqa: S608  # fixed names
    tamper("DELETE FROM screenings WHERE id = :id", id=screening_id)


def test_a_deleted_screening_is_named(
    store: Store, new_screening: NewScreening, signable: ScreeningDetail, tamper: Tamper
) -> None:
    kept = new_screening(patient_name="Ben Okoro")
    _delete_screening(tamper, signable.id)
    report = store.verify_clinic()
    assert [str(problem) for problem in report.problems] == [
        f"screening {signable.id} recorded in clinic entry #1 (screening_created) is missing: it was deleted"
    ]
    assert "Ana Silva" not in str(report)
    assert store.verify_audit(kept.id).ok


def test_a_screening_row_deleted_but_its_events_kept_is_named(
    store: Store, signable: ScreeningDetail, tamper: Tamper, raw_engine: Engine
) -> None:
    if raw_engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's foreign keys keep the events' screening row")
    tamper("DELETE FROM screenings WHERE id = :id", id=signable.id)
    assert not store.verify_clinic().ok


def test_a_screening_inserted_behind_the_application_is_named(
    store: Store, signable: ScreeningDetail, tamper: Tamper
) -> None:
    """A copy of a real screening's rows under a new id: its own trail even checks out link by
    link (the id is in every hash, so not here), but neither the anchor nor the clinic record."""
    columns = ", ".join(name for name in ANCHORED_COLUMNS if name != "id") + ", anchor, anchor_key_id"
    tamper(
        f"INSERT INTO screenings (id, {columns})"  # noqa: S608  # fixed column names
        f" SELECT 'forged-0000', {columns} FROM screenings WHERE id = :id",
        id=signable.id,
    )
    assert "screening forged-0000 is not in the clinic record" in str(store.verify_clinic())
    reasons = _reasons(store, "forged-0000")
    assert reasons[0] == "the screening has no audit events at all" and reasons[-1] == ROW_CHANGED


def test_an_edited_clinic_entry_is_named(store: Store, signable: ScreeningDetail, tamper: Tamper) -> None:
    store.record_session("signed_in", user=COORDINATOR, how="local mode")
    tamper("UPDATE clinic_events SET actor_name = 'Someone Else' WHERE seq = 2")
    report = store.verify_clinic()
    assert [problem.seq for problem in report.problems] == [2]
    assert "rewritten without the audit key" in str(report)


# --------------------------------------------------------------------------------------- the keys


def test_another_servers_key_cannot_verify(
    database_url: str, clock: FakeClock, judge: StandInJudge, store: Store, signable: ScreeningDetail
) -> None:
    other = Store(database_url, judge=judge, clock=clock, keys=parse_keys(f"other {OTHER_SECRET}", "test"))
    try:
        report = other.verify_audit(signable.id)
        assert "which this server does not hold" in str(report)
        assert not other.verify_clinic().ok
    finally:
        other.close()


def test_a_rotated_key_keeps_the_old_trail_verifiable(
    database_url: str, clock: FakeClock, judge: StandInJudge, store: Store, signable: ScreeningDetail
) -> None:
    rotated = parse_keys(f"test-key {'5a' * 32}\nnext-key {OTHER_SECRET}", "test")
    after = Store(database_url, judge=judge, clock=clock, keys=rotated)
    try:
        assert after.audit_key_id == "next-key"
        after.set_answer(
            signable.id, "phq9_1", "not_at_all", user=COORDINATOR, base_revision=signable.revision
        )
        assert after.verify_audit(signable.id).ok and after.verify_clinic().ok
        assert not store.verify_audit(signable.id).ok  # the old key alone cannot check the new event
    finally:
        after.close()


def test_a_key_file_is_made_for_a_new_database_for_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, judge: StandInJudge
) -> None:
    monkeypatch.delenv(settings.AUDIT_KEYS_ENV, raising=False)
    key_file = tmp_path / "secrets" / "audit.key"
    monkeypatch.setenv(settings.AUDIT_KEY_FILE_ENV, str(key_file))
    url = f"sqlite:///{tmp_path / 'data' / 'screenings.db'}"
    with Store(url, judge=judge) as store:
        key_id = store.audit_key_id
        store.record_session("signed_in", user=COORDINATOR, how="local mode")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert key_id in key_file.read_text(encoding="utf-8")
    with Store(url, judge=judge) as store:  # the same key again
        assert store.audit_key_id == key_id and store.verify_clinic().ok
    new_id = rotate_key_file(key_file, FakeClock()())
    with Store(url, judge=judge) as store:
        assert store.audit_key_id == new_id != key_id and store.verify_clinic().ok
    key_file.unlink()
    with pytest.raises(AuditKeyError, match=f"keyed with the audit key '{key_id}'") as raised:
        Store(url, judge=judge)
    assert "restore the key file" in str(raised.value)
    assert not key_file.exists()  # no new key hides the old trail


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "holds no audit key"),
        ("k1", "expected a key id and a hexadecimal secret"),
        ("k1 abcd", "at least 32 bytes"),
        (f"k1 {'zz' * 32}", "at least 32 bytes"),
        (f"k1 {'5a' * 32}; k1 {'6b' * 32}", "given twice"),
        (f"k/1 {'5a' * 32}", "expected a key id"),
    ],
)
def test_unusable_keys_are_one_line_without_the_secret(text: str, problem: str) -> None:
    with pytest.raises(AuditKeyError, match=problem) as raised:
        parse_keys(text, "$SCREENING_AUDIT_KEYS")
    assert "5a5a" not in str(raised.value) and "6b6b" not in str(raised.value)
    assert "\n" not in str(raised.value)


def test_secrets_are_never_printed() -> None:
    keys = audit_keys_of_tests()
    assert "5a5a" not in repr(keys) and "5a5a" not in str(keys)
    environment = settings.Settings.from_environment({settings.AUDIT_KEYS_ENV: f"k {'5a' * 32}"})
    assert "5a5a" not in repr(environment) and "5a5a" not in str(environment)


def test_the_keyed_hash_is_an_hmac_of_the_canonical_text(signable: ScreeningDetail) -> None:
    first = signable.events[0]
    message = event_message(
        prev_hash=first.prev_hash,
        screening_id=signable.id,
        seq=1,
        kind=first.kind,
        at=first.at,
        actor=actor_fields(first.actor),
        payload=first.payload,
    )
    assert first.hash == hmac.new(bytes.fromhex("5a" * 32), message, "sha256").hexdigest()
    assert first.hash != hashlib.sha256(message).hexdigest()
    assert timestamp(first.at).endswith("Z")
    assert os.environ[settings.AUDIT_KEYS_ENV].startswith("test-key ")
    assert date.fromisoformat("2026-11-20") == signable.assessed_on
