"""Storage basics: creating, reading, listing and searching screenings; values kept exactly;
configuration; data surviving a restart; no patient data in messages, logs or reprs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from screening.storage import (
    DATABASE_URL_ENV,
    SCHEMA_VERSION,
    InvalidRequest,
    JsonInput,
    NotFound,
    QuestionnairePin,
    SchemaVersionError,
    ScreeningDetail,
    Store,
    User,
    database_url,
    default_database_path,
)
from tests.storage.storage_support import (
    COORDINATOR,
    DEFINITION_FILES,
    OTHER_COORDINATOR,
    PIN,
    PSYCHIATRIST,
    START,
    FakeClock,
    StandInJudge,
    expected_status,
)

NewScreening = Callable[..., ScreeningDetail]

TRIALS: list[JsonInput] = [
    {"drug": "escitalopram", "weeks": 10, "adequate_dose": True, "adherent": True, "improvement": "lt25"},
    {"drug": "duloxetine", "weeks": 8, "adequate_dose": True, "adherent": True, "improvement": "25to49"},
]


def test_new_screening_pins_the_definition_and_records_its_creation(
    store: Store, new_screening: NewScreening
) -> None:
    created = new_screening(patient_name="Maria Fernández-López", mrn="KC-20931")

    assert created.questionnaire == PIN
    assert created.definition_files == DEFINITION_FILES
    assert list(created.definition_files) == list(DEFINITION_FILES)  # the engine's hash order is kept
    assert created.assessed_on == date(2026, 11, 20)
    assert created.answers == {"patient_name": "Maria Fernández-López", "mrn": "KC-20931"}
    assert (created.patient_name, created.mrn) == ("Maria Fernández-López", "KC-20931")
    assert created.status == "candidate" == expected_status(created) and created.status_current
    assert created.revision == 3 and not created.locked
    assert (created.lifecycle, created.decision, created.reopened, created.discarded) == (
        "draft",
        None,
        None,
        False,
    )
    assert (created.created_by_id, created.created_by_name) == (COORDINATOR.id, COORDINATOR.name)
    assert created.created_at.tzinfo is not None
    assert [e.kind for e in created.events] == ["screening_created", "answer_set", "answer_set"]
    assert [e.seq for e in created.events] == [1, 2, 3]
    assert created.events[0].actor == COORDINATOR
    assert created.events[0].payload["questionnaire"] == {
        "id": PIN.id,
        "version": PIN.version,
        "sha256": PIN.sha256,
    }
    assert store.get_screening(created.id) == created


def test_the_database_folder_is_created(database_url: str, store: Store) -> None:
    if store.dialect == "sqlite":
        assert Path(database_url.removeprefix("sqlite:///")).is_file()


def test_answers_of_every_kind_come_back_exactly(store: Store, new_screening: NewScreening) -> None:
    screening = new_screening()
    values: dict[str, Any] = {
        "patient_name": "Nguyễn Thị Minh Khai 阮氏明開 محمد",
        "date_of_birth": "1979-03-14",
        "weight_kg": 81.5,
        "height_cm": 168,
        "huge_integer": 2**70,
        "asq_1": False,
        "has_escort": True,
        "medication_classes": ["lamotrigine", "benzodiazepine"],
        "antidepressant_trials": TRIALS,
        "quoted": 'He said "no" \\ then left\n',
    }
    revision = screening.revision
    for item_id, value in values.items():
        revision = store.set_answer(
            screening.id, item_id, value, user=COORDINATOR, base_revision=revision
        ).base_revision

    reread = store.get_screening(screening.id)
    assert reread.answers == values
    assert type(reread.answers["height_cm"]) is int and type(reread.answers["weight_kg"]) is float
    assert reread.answers["asq_1"] is False


def test_tuples_and_other_sequences_are_stored_as_lists(store: Store, new_screening: NewScreening) -> None:
    screening = new_screening()
    store.set_answer(screening.id, "medication_classes", ("maoi",), user=COORDINATOR, base_revision=1)
    assert store.get_screening(screening.id).answers["medication_classes"] == ["maoi"]


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        (date(1979, 3, 14), "ISO strings"),
        (datetime(2026, 1, 1, 12, 0), "ISO strings"),
        (float("nan"), "not finite"),
        (float("inf"), "not finite"),
        ("with a NUL \x00 inside", "NUL"),
        ("lone surrogate \ud800", "surrogate"),
        ({1: "a"}, "keys must be strings"),
        ({"drug"}, "unsupported type set"),
        (b"bytes", "unsupported type bytes"),
    ],
)
def test_values_that_are_not_plain_json_are_refused_naming_the_item(
    store: Store, new_screening: NewScreening, value: object, complaint: str
) -> None:
    screening = new_screening()
    with pytest.raises(InvalidRequest, match=complaint) as raised:
        store.set_answer(screening.id, "phq9_1", value, user=COORDINATOR, base_revision=1)  # type: ignore[arg-type]
    assert raised.value.item_id == "phq9_1"
    assert "'phq9_1'" in str(raised.value)
    assert store.get_screening(screening.id).revision == 1


@pytest.mark.parametrize("item_id", ["", "1abc", "has space", "x" * 201, "semi;colon"])
def test_item_ids_are_checked(store: Store, new_screening: NewScreening, item_id: str) -> None:
    screening = new_screening()
    with pytest.raises(InvalidRequest, match="Item ids"):
        store.set_answer(screening.id, item_id, "x", user=COORDINATOR, base_revision=1)


def test_clearing_an_answer_keeps_its_row_and_records_the_old_value(
    store: Store, new_screening: NewScreening
) -> None:
    screening = new_screening(phq9_1="several_days")
    result = store.set_answer(
        screening.id, "phq9_1", None, user=COORDINATOR, base_revision=screening.revision
    )

    reread = store.get_screening(screening.id)
    assert "phq9_1" not in reread.answers
    assert reread.answer_revisions["phq9_1"] == result.latest_revision
    last = reread.events[-1]
    assert last.kind == "answer_cleared"
    assert last.payload == {"item": "phq9_1", "old": "several_days", "new": None}


def test_saving_the_value_already_stored_records_nothing(store: Store, new_screening: NewScreening) -> None:
    screening = new_screening(phq9_1="several_days")
    result = store.set_answer(
        screening.id, "phq9_1", "several_days", user=COORDINATOR, base_revision=screening.revision
    )
    assert not result.changed and result.latest_revision == screening.revision
    cleared = store.set_answer(screening.id, "never_answered", None, user=COORDINATOR, base_revision=1)
    assert not cleared.changed
    assert len(store.get_screening(screening.id).events) == screening.revision


def test_patient_name_and_mrn_follow_the_answers(store: Store, new_screening: NewScreening) -> None:
    screening = new_screening(patient_name="Ana Silva")
    revision = store.set_answer(
        screening.id, "patient_name", "Ana M. Silva", user=COORDINATOR, base_revision=screening.revision
    ).base_revision
    revision = store.set_answer(
        screening.id, "mrn", "MRN-1", user=COORDINATOR, base_revision=revision
    ).base_revision
    assert (store.get_screening(screening.id).patient_name, store.get_screening(screening.id).mrn) == (
        "Ana M. Silva",
        "MRN-1",
    )
    store.set_answer(screening.id, "mrn", None, user=COORDINATOR, base_revision=revision)
    assert store.get_screening(screening.id).mrn is None
    assert store.list_screenings(search="MRN-1") == []


def test_assessment_date_can_change_before_signing(store: Store, new_screening: NewScreening) -> None:
    screening = new_screening()
    result = store.set_assessed_on(
        screening.id, date(2026, 11, 18), user=COORDINATOR, base_revision=screening.revision
    )
    reread = store.get_screening(screening.id)
    assert reread.assessed_on == date(2026, 11, 18)
    assert reread.assessed_on_revision == result.latest_revision
    assert reread.events[-1].payload == {"old": "2026-11-20", "new": "2026-11-18"}
    with pytest.raises(InvalidRequest, match="must be a date"):
        store.set_assessed_on(screening.id, "2026-11-18", user=COORDINATOR, base_revision=2)  # type: ignore[arg-type]


def test_review_is_checked_and_unset_keys_dropped(store: Store, new_screening: NewScreening) -> None:
    screening = new_screening()
    review = {
        "clinician": "Dr. R. Okafor, MD",
        "protocol": "iv-ketamine-induction",
        "weight_basis": "adjusted",
        "start_date": "2026-12-01",
        "decision": None,
        "acknowledged": {"ci.rel.hypertension_history": "Controlled on amlodipine."},
    }
    store.save_review(screening.id, review, user=PSYCHIATRIST, base_revision=1)
    stored = store.get_screening(screening.id).review
    assert stored == {k: v for k, v in review.items() if v is not None}

    bad_reviews: list[tuple[dict[str, Any], str]] = [
        ({"decision": "maybe"}, "decision"),
        ({"weight_basis": "lean"}, "weight_basis"),
        ({"start_date": "next week"}, "start_date"),
        ({"acknowledged": {"ci.rel.glaucoma": 3}}, "acknowledged"),
        ({"acknowledged": ["ci.rel.glaucoma"]}, "acknowledged"),
        ({"clinician": 7}, "clinician"),
        ({"signed_at": "2026-11-20T10:00:00"}, "signed_at is set by signing"),
        ({"notes": "x"}, "Unknown review key"),
    ]
    for bad, complaint in bad_reviews:
        with pytest.raises(InvalidRequest, match=complaint):
            store.save_review(screening.id, bad, user=PSYCHIATRIST, base_revision=2)


def test_an_empty_review_is_the_same_as_none(store: Store, new_screening: NewScreening) -> None:
    screening = new_screening()
    assert not store.save_review(screening.id, {}, user=PSYCHIATRIST, base_revision=1).changed
    assert store.get_screening(screening.id).review is None


def test_documents_are_recorded_without_counting_as_edits(
    store: Store, new_screening: NewScreening, clock: FakeClock
) -> None:
    screening = new_screening(phq9_1="several_days")
    event = store.record_document(
        screening.id, user=PSYCHIATRIST, document="clinician-summary.pdf", details={"sha256": "ab" * 32}
    )
    reread = store.get_screening(screening.id)
    assert event == reread.events[-1]
    assert event.seq == screening.revision + 1 == reread.revision
    assert (event.kind, event.actor, event.at) == ("document_generated", PSYCHIATRIST, clock.peek())
    assert event.payload == {"document": "clinician-summary.pdf", "details": {"sha256": "ab" * 32}}
    assert reread.updated_at == screening.updated_at
    # a document event is not a change to answers: a writer who saw the older revision is fine
    result = store.set_answer(
        screening.id, "phq9_1", "not_at_all", user=COORDINATOR, base_revision=screening.revision
    )
    assert not result.others_changed and result.base_revision == result.latest_revision == event.seq + 1
    with pytest.raises(InvalidRequest, match="needs a name"):
        store.record_document(screening.id, user=PSYCHIATRIST, document="  ")


def test_same_definition_is_stored_once_and_a_mismatch_is_refused(
    store: Store, new_screening: NewScreening, raw_engine: Engine
) -> None:
    new_screening()
    new_screening()
    with raw_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM questionnaire_definitions")).scalar_one() == 1
    with pytest.raises(InvalidRequest, match="different definition"):
        store.create_screening(
            user=COORDINATOR,
            questionnaire=PIN,
            definition_files={"ketamine-trd-intake.yaml": "something else"},
            assessed_on=date(2026, 11, 20),
        )


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"questionnaire": QuestionnairePin("", "1", "a" * 64)}, "id and a version"),
        ({"questionnaire": QuestionnairePin("q", "1", "not-a-hash")}, "64 lowercase"),
        ({"definition_files": {}}, "at least one file"),
        ({"definition_files": {"a.yaml": 3}}, "file contents"),
        ({"assessed_on": datetime(2026, 11, 20, 10, 0)}, "must be a date"),
        ({"answers": {"1st": "x"}}, "Item ids"),
        ({"answers": {"weight_kg": float("nan")}}, "not finite"),
    ],
)
def test_creation_arguments_are_checked(store: Store, changes: dict[str, Any], complaint: str) -> None:
    arguments: dict[str, Any] = {
        "user": COORDINATOR,
        "questionnaire": PIN,
        "definition_files": DEFINITION_FILES,
        "assessed_on": date(2026, 11, 20),
    } | changes
    with pytest.raises(InvalidRequest, match=complaint):
        store.create_screening(**arguments)
    assert store.list_screenings() == []


def test_unknown_screening(store: Store) -> None:
    with pytest.raises(NotFound, match="no-such-id"):
        store.get_screening("no-such-id")
    with pytest.raises(NotFound):
        store.set_answer("no-such-id", "phq9_1", "x", user=COORDINATOR, base_revision=1)
    with pytest.raises(NotFound):
        store.verify_audit("no-such-id")


@pytest.mark.parametrize("base_revision", [0, 3, -1, True, "2"])
def test_a_base_revision_that_was_never_issued_is_refused(
    store: Store, new_screening: NewScreening, base_revision: Any
) -> None:
    screening = new_screening(phq9_1="several_days")
    assert screening.revision == 2
    with pytest.raises(InvalidRequest, match="never issued"):
        store.set_answer(screening.id, "phq9_2", "x", user=COORDINATOR, base_revision=base_revision)


# ---------------------------------------------------------------------- listing and search


@pytest.fixture
def clinic(store: Store, new_screening: NewScreening) -> dict[str, ScreeningDetail]:
    people = {
        "maria": ("Maria Fernández-López", "KC-20931"),
        "jose": ("José Núñez", "KC-11111"),
        "nguyen": ("Nguyễn Văn An", "HN-0042"),
        "li": ("李小龙", "BJ-7"),
        "percent": ("Ann 100% Real_Name", "X-1"),
    }
    return {key: new_screening(patient_name=name, mrn=mrn) for key, (name, mrn) in people.items()}


SEARCHES: list[tuple[str, set[str]]] = [
    ("Fernández", {"maria"}),
    ("fernández", {"maria"}),
    ("FERNANDEZ", {"maria"}),
    ("fernandez-lopez", {"maria"}),
    ("  maria   fernández ", {"maria"}),
    ("núñez", {"jose"}),
    ("NUNEZ", {"jose"}),
    ("Nguyễn", {"nguyen"}),
    ("nguyen van", {"nguyen"}),
    ("小龙", {"li"}),
    ("kc-", {"maria", "jose"}),
    ("20931", {"maria"}),
    ("hn-0042", {"nguyen"}),
    ("100%", {"percent"}),
    ("a_n", set()),  # LIKE wildcards are taken literally
    ("%", set()),  # not the beginning of a word
    ("100", {"percent"}),
    ("real", {"percent"}),
    ("name", {"percent"}),  # a run of letters inside "real_name"
    ("ernan", set()),  # words are found by their beginning, not by any part
    ("lopez maria", {"maria"}),  # every word, in any order
    ("maria silva", set()),
    ("fern kc-2", {"maria"}),  # name and MRN words together
    ("bj-7", {"li"}),
    ("an,", {"nguyen", "percent"}),  # punctuation around a word is ignored
    ("zzz", set()),
    ("", {"maria", "jose", "nguyen", "li", "percent"}),
]


def test_search_by_name_or_mrn_ignores_case_and_accents(
    store: Store, clinic: dict[str, ScreeningDetail]
) -> None:
    keys = {screening.id: key for key, screening in clinic.items()}
    found = {search: {keys[s.id] for s in store.list_screenings(search=search)} for search, _ in SEARCHES}
    assert found == dict(SEARCHES)


def test_listing_filters_orders_and_limits(store: Store, clinic: dict[str, ScreeningDetail]) -> None:
    maria, jose = clinic["maria"], clinic["jose"]
    store.set_answer(maria.id, "current_psychosis", True, user=COORDINATOR, base_revision=maria.revision)
    saved = store.set_answer(
        jose.id, "hypertension_history", True, user=COORDINATOR, base_revision=jose.revision
    )
    saved = store.save_review(
        jose.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=saved.base_revision
    )
    store.sign(jose.id, user=PSYCHIATRIST, base_revision=saved.base_revision)

    listed = store.list_screenings()
    assert [s.id for s in listed[:2]] == [jose.id, maria.id]  # most recently updated first
    assert [s.updated_at for s in listed] == sorted((s.updated_at for s in listed), reverse=True)
    assert [s.id for s in store.list_screenings(status="contraindicated")] == [maria.id]
    assert {s.id for s in store.list_screenings(status=["contraindicated", "needs_review"])} == {
        maria.id,
        jose.id,
    }
    assert len(store.list_screenings(status="candidate")) == 3
    assert [s.id for s in store.list_screenings(signed=True)] == [jose.id]
    assert [s.id for s in store.list_screenings(lifecycle="signed")] == [jose.id]
    assert len(store.list_screenings(lifecycle=["draft", "reopened"])) == 4
    assert store.list_screenings(lifecycle="reopened") == []
    assert [s.id for s in store.list_screenings(decision="defer")] == [jose.id]
    assert [s.id for s in store.list_screenings(decision=["proceed", "defer"], signed=True)] == [jose.id]
    assert store.list_screenings(decision="proceed") == []
    assert jose.id not in {s.id for s in store.list_screenings(signed=False)}
    assert len(store.list_screenings(signed=False)) == 4
    assert len(store.list_screenings(limit=2)) == 2
    assert store.list_screenings(search="núñez", signed=False) == []
    signed = store.list_screenings(signed=True)[0]
    assert signed.locked and signed.signature is not None
    assert signed.signature.signer == PSYCHIATRIST
    for bad_limit in (0, 1001, True):
        with pytest.raises(InvalidRequest, match="limit"):
            store.list_screenings(limit=bad_limit)
    with pytest.raises(InvalidRequest, match="Unknown screening status"):
        store.list_screenings(status="bogus")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest, match="Unknown lifecycle state"):
        store.list_screenings(lifecycle="archived")  # type: ignore[arg-type]  # a wrong value on purpose
    with pytest.raises(InvalidRequest, match="Unknown decision"):
        store.list_screenings(decision="maybe")  # type: ignore[arg-type]  # a wrong value on purpose


def test_listing_by_screening_date(store: Store, new_screening: NewScreening) -> None:
    early = new_screening(assessed_on=date(2026, 11, 2), patient_name="Early")
    middle = new_screening(assessed_on=date(2026, 11, 15), patient_name="Middle")
    late = new_screening(assessed_on=date(2026, 11, 28), patient_name="Late")

    def ids(assessed_from: date | None = None, assessed_to: date | None = None) -> set[str]:
        return {s.id for s in store.list_screenings(assessed_from=assessed_from, assessed_to=assessed_to)}

    assert ids(assessed_from=date(2026, 11, 15)) == {middle.id, late.id}
    assert ids(assessed_to=date(2026, 11, 15)) == {early.id, middle.id}
    assert ids(assessed_from=date(2026, 11, 3), assessed_to=date(2026, 11, 27)) == {middle.id}
    assert ids(assessed_from=date(2026, 11, 29)) == set()
    with pytest.raises(InvalidRequest, match="assessed_from must be a date"):
        store.list_screenings(assessed_from="2026-11-01")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- lifecycle and configuration


def test_data_survives_a_restart(open_store: Callable[[], Store]) -> None:
    first = open_store()
    screening = first.create_screening(
        user=COORDINATOR,
        questionnaire=PIN,
        definition_files=DEFINITION_FILES,
        assessed_on=date(2026, 11, 20),
        answers={"patient_name": "Ana Silva", "antidepressant_trials": TRIALS},
    )
    first.save_review(
        screening.id, {"decision": "proceed"}, user=PSYCHIATRIST, base_revision=screening.revision
    )
    before = first.get_screening(screening.id)
    first.close()

    second = open_store()
    after = second.get_screening(screening.id)
    assert after == before
    assert after.review == {"decision": "proceed"}
    assert after.decision == "proceed" and after.lifecycle == "draft"
    assert second.verify_audit(screening.id).ok
    assert [s.id for s in second.list_screenings(search="silva")] == [screening.id]


def test_a_database_of_another_schema_version_is_refused(
    store: Store, raw_engine: Engine, open_store: Callable[[], Store]
) -> None:
    with raw_engine.begin() as connection:
        connection.execute(text("UPDATE schema_version SET version = :v"), {"v": SCHEMA_VERSION + 1})
    with pytest.raises(SchemaVersionError, match=f"schema version {SCHEMA_VERSION + 1}"):
        open_store()


def test_the_schema_version_row_is_written_once(
    store: Store, open_store: Callable[[], Store], raw_engine: Engine
) -> None:
    open_store()
    with raw_engine.connect() as connection:
        rows = connection.execute(text("SELECT version FROM schema_version")).all()
    assert [tuple(row) for row in rows] == [(SCHEMA_VERSION,)]


def test_url_comes_from_the_environment_or_defaults_to_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    default = default_database_path()
    assert default.parts[-2:] == ("data", "screenings.db")
    assert (default.parent.parent / "screening" / "storage").is_dir()  # the repository root
    assert database_url().database == str(default)

    target = tmp_path / "elsewhere" / "clinic.db"
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{target}")
    assert database_url().database == str(target)
    with Store(judge=StandInJudge()) as store:
        assert store.dialect == "sqlite" and store.url.endswith("clinic.db")
    assert target.is_file()
    assert database_url("sqlite:///explicit.db").database == "explicit.db"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_sqlite_is_refused_with_a_reason(url: str) -> None:
    with pytest.raises(InvalidRequest, match="In-memory SQLite"):
        Store(url, judge=StandInJudge())


def test_sqlite_connections_are_configured_for_a_clinic_server(tmp_path: Path) -> None:
    with (
        Store(f"sqlite:///{tmp_path / 'clinic.db'}", judge=StandInJudge()) as store,
        store._engine.connect() as connection,
    ):
        settings = {
            pragma: connection.exec_driver_sql(f"PRAGMA {pragma}").scalar_one()
            for pragma in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    assert settings == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 15000, "synchronous": 2}


def test_the_clock_decides_every_time(
    store: Store, new_screening: NewScreening, clock: FakeClock, database_url: str
) -> None:
    screening = new_screening()
    assert screening.created_at > START
    store.set_answer(screening.id, "phq9_1", "x", user=COORDINATOR, base_revision=1)
    assert store.get_screening(screening.id).events[-1].at == clock.peek()
    assert store.get_screening(screening.id).updated_at == clock.peek()

    def naive() -> datetime:
        return datetime(2026, 1, 1, 12, 0)

    with pytest.raises(ValueError, match="timezone-aware"):
        Store(database_url, judge=StandInJudge(), clock=naive)


def test_no_patient_data_in_messages_logs_or_reprs(
    store: Store, new_screening: NewScreening, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    name, mrn, secret = "Zelda Quintana-Ybarra", "MRN-998877", "my very private note"
    screening = new_screening(patient_name=name, mrn=mrn)
    draft = new_screening(patient_name=name + " Jr")
    errors: list[Exception] = []
    store.set_answer(screening.id, "notes", secret, user=COORDINATOR, base_revision=screening.revision)
    try:
        store.set_answer(screening.id, "notes", secret + "!", user=OTHER_COORDINATOR, base_revision=1)
    except Exception as error:
        errors.append(error)
    store.save_review(screening.id, {"decision": "defer"}, user=PSYCHIATRIST, base_revision=4)
    store.sign(screening.id, user=PSYCHIATRIST, base_revision=5)
    attempts: list[Callable[[], object]] = [
        lambda: store.set_answer(screening.id, "notes", secret, user=COORDINATOR, base_revision=6),
        lambda: store.amend(screening.id, user=COORDINATOR, base_revision=6, reason=secret),
        lambda: store.sign(screening.id, user=COORDINATOR, base_revision=6),
        lambda: store.update_review(screening.id, {"clinician": secret}, user=COORDINATOR, base_revision=6),
        lambda: store.discard(screening.id, user=PSYCHIATRIST, base_revision=6, reason=secret),
        lambda: store.amend(  # refused: 'proceed' on a contraindicated screening
            screening.id,
            user=PSYCHIATRIST,
            base_revision=6,
            reason=secret,
            answers={"notes": secret + "?", "current_psychosis": True},
            review={"decision": "proceed"},
        ),
    ]
    for attempt in attempts:
        try:
            attempt()
        except Exception as error:
            errors.append(error)
    assert len(errors) == 7
    # an amendment that reopens: the reasons and changes in words name values, but stay out of reprs
    store.amend(
        screening.id,
        user=PSYCHIATRIST,
        base_revision=6,
        reason=secret,
        answers={"notes": secret + "?", "current_psychosis": True},
    )
    discarded = store.discard(draft.id, user=COORDINATOR, base_revision=draft.revision, reason=secret)
    try:
        store.set_answer(draft.id, "notes", secret, user=COORDINATOR, base_revision=discarded.base_revision)
    except Exception as error:
        errors.append(error)
    assert len(errors) == 8
    detail = store.get_screening(screening.id)
    assert detail.reopened is not None and any(secret in change for change in detail.reopened.changes)
    texts = [str(e) for e in errors] + [caplog.text, repr(detail), repr(store.list_screenings())]
    texts += [repr(event) for event in detail.events] + [repr(store.get_screening(draft.id))]
    for written in texts:
        for private in (name, mrn, secret, "Zelda"):
            assert private not in written


def test_users_are_checked() -> None:
    with pytest.raises(ValueError, match="role"):
        User("u1", "Name", "admin", authenticated=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="id"):
        User(" ", "Name", "coordinator", authenticated=True)
    with pytest.raises(ValueError, match="display name"):
        User("u1", "", "coordinator", authenticated=True)
    assert PSYCHIATRIST.signature_name == "Dr. R. Okafor, MD"
    assert COORDINATOR.signature_name == "Casey Intake"
