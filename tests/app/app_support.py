"""Helpers of the AppTest suite: users, opening the app on a page, and answering items through the
widget each item type is drawn with."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget

from screening.definition import Definition
from screening.loading import Catalog, load_catalog
from screening.model import (
    BooleanItem,
    ChoiceItem,
    DateItem,
    GroupItem,
    IntegerItem,
    Item,
    MultiChoiceItem,
    NumberItem,
    TextItem,
)
from screening.storage import User
from screening.workflow import Workflow
from ui import services

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
BUNDLED = ROOT / "questionnaires"
SCREENINGS_PAGE = "ui/pages/screenings.py"
INTAKE_PAGE = "ui/pages/intake.py"
REVIEW_PAGE = "ui/pages/review.py"
DOCUMENTS_PAGE = "ui/pages/documents.py"
QUESTIONNAIRES_PAGE = "ui/pages/questionnaires.py"

RUN_TIMEOUT = 60  # seconds; a first run also loads the questionnaires

COORDINATOR = User(
    id="local:casey-coordinator", name="Casey Coordinator", role="coordinator", authenticated=False
)
OTHER_COORDINATOR = User(id="local:jo-nurse", name="Jo Nurse", role="coordinator", authenticated=False)
PSYCHIATRIST = User(
    id="local:r-okafor", name="R. Okafor", role="psychiatrist", authenticated=False, credentials="MD"
)

on_both_databases = pytest.mark.parametrize(
    "app_env", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
"""Run an AppTest on SQLite and also on a PostgreSQL schema of its own (see conftest.app_env)."""

_CATALOG: list[Catalog] = []


@dataclass(frozen=True)
class AppEnv:
    """Where the app under test keeps its data."""

    database_url: str
    clinic_file: Path
    tmp_path: Path

    def workflow(self) -> Workflow:
        """A second workflow on the app's database, as another process (another server, an
        importer) would open it."""
        return Workflow(self.database_url, bundled_catalog())


def bundled_catalog() -> Catalog:
    """The bundled questionnaires, loaded once for the whole suite."""
    if not _CATALOG:
        _CATALOG.append(load_catalog([BUNDLED]))
    return _CATALOG[0]


def intake_definition() -> Definition:
    """The bundled intake screening (item types and sections)."""
    definition = bundled_catalog().get("ketamine-trd-intake")
    assert definition is not None
    return definition


def section_of(item_id: str) -> int:
    """The position of the intake section that asks `item_id`."""
    for position, view in enumerate(intake_definition().sections):
        if any(item.id == item_id for item in view.section.items):
            return position
    raise KeyError(item_id)


def open_app(
    user: User | None,
    *,
    page: str | None = None,
    screening: str | None = None,
    section: int | None = None,
    run: bool = True,
) -> AppTest:
    """A fresh browser session on the app: signed in as `user` (None: the sign-in screen), on `page`,
    with `?id=` and `?section=` as a refresh or a shared link would carry them."""
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
    if user is not None:
        at.session_state["user"] = user
    if screening is not None:
        at.query_params["id"] = screening
    if section is not None:
        at.query_params["section"] = str(section)
    if page is not None:
        at.switch_page(page)
    if run:
        at.run()
        assert_ok(at)
    return at


def restart_server() -> None:
    """Forget everything the app caches per process, as a server restart does: the workflow (its
    database connections closed first), the questionnaires and the clinic settings."""
    services.workflow().close()
    services.reload_catalog()
    services.reload_settings()
    st.cache_resource.clear()


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def screening_id(at: AppTest) -> str:
    value = at.query_params.get("id")
    assert isinstance(value, str) and value, f"no screening in the URL: {at.query_params}"
    return value


def current_section(at: AppTest) -> int:
    return int(at.query_params["section"])


def key_of(at: AppTest, item_id: str, *parts: str) -> str:
    return ":".join(("w", screening_id(at), item_id, *parts))


def all_text(at: AppTest) -> str:
    """Every piece of text on the page and in the sidebar, one per line."""
    pieces: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "error",
        "warning",
        "info",
        "success",
    ):
        pieces.extend(str(element.value) for element in getattr(at, kind))
    return "\n".join(pieces)


def sidebar_text(at: AppTest) -> str:
    pieces: list[str] = []
    for kind in ("markdown", "caption", "error", "warning", "info"):
        pieces.extend(str(element.value) for element in getattr(at.sidebar, kind))
    return "\n".join(pieces)


def crisis_banners(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error if "Suicide-risk screen positive" in str(e.value)]


def widget_for(at: AppTest, item: Item, key: str) -> Widget:
    """The AppTest element of the widget an item of this type is drawn with."""
    if isinstance(item, TextItem):
        return at.text_area(key=key) if item.multiline else at.text_input(key=key)
    if isinstance(item, DateItem):
        return at.date_input(key=key)
    if isinstance(item, (IntegerItem, NumberItem)):
        return at.number_input(key=key)
    if isinstance(item, BooleanItem):
        return at.radio(key=key)
    if isinstance(item, MultiChoiceItem):
        return at.pills(key=key)
    if isinstance(item, ChoiceItem):
        try:
            return at.radio(key=key)
        except KeyError:
            return at.selectbox(key=key)
    raise TypeError(f"no single widget for {type(item).__name__}")


def widget(at: AppTest, item_id: str) -> Widget:
    return widget_for(at, intake_definition().items[item_id], key_of(at, item_id))


def to_widget_value(item: Item, value: Any) -> Any:
    if isinstance(item, DateItem) and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if isinstance(item, NumberItem) and isinstance(value, int):
        return float(value)
    return value


def answer(at: AppTest, item_id: str, value: Any, *, run: bool = True) -> AppTest:
    """Answer one item through its widget on the current page (the item must be shown)."""
    item = intake_definition().items[item_id]
    assert not isinstance(item, GroupItem), "use add_trial for repeating groups"
    element = widget_for(at, item, key_of(at, item_id))
    element.set_value(to_widget_value(item, value))
    if run:
        at.run()
        assert_ok(at)
    return at


def answer_all(at: AppTest, answers: Iterable[tuple[str, Any]]) -> AppTest:
    """Answer several items of the current section, one rerun each (as a user clicks through)."""
    for item_id, value in answers:
        answer(at, item_id, value)
    return at


def go_to_section(at: AppTest, index: int) -> AppTest:
    """Choose a section in the section navigation (the segmented control)."""
    at.segmented_control(key=f"section-nav:{screening_id(at)}").set_value(index).run()
    assert_ok(at)
    assert current_section(at) == index
    return at


def add_trial(at: AppTest, row: dict[str, Any]) -> str:
    """Add one antidepressant trial with the 'Add a trial' button, then fill its row's widgets.
    Returns the row's id (part of its widgets' keys)."""
    identifier = screening_id(at)
    before = {w.key for w in at.text_input if w.key and w.key.endswith(":drug")}
    at.button(key=f"add:{identifier}:antidepressant_trials").click().run()
    assert_ok(at)
    new = [w.key for w in at.text_input if w.key and w.key.endswith(":drug") and w.key not in before]
    assert len(new) == 1, new
    row_id = new[0].split(":")[-2]
    for field_id, value in row.items():
        set_trial_field(at, row_id, field_id, value)
    return row_id


def set_trial_field(at: AppTest, row_id: str, field_id: str, value: Any) -> AppTest:
    """Answer one field of a trial row through its widget."""
    group = intake_definition().items["antidepressant_trials"]
    assert isinstance(group, GroupItem)
    field = next(f for f in group.fields if f.id == field_id)
    widget_for(at, field, key_of(at, "antidepressant_trials", row_id, field_id)).set_value(
        to_widget_value(field, value)
    )
    at.run()
    assert_ok(at)
    return at


# ---------------------------------------------------------------------------------------------
# Screenings made directly in the database, for the pages that need one to show


NO_HISTORY = (
    "ketamine_hypersensitivity",
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_hemorrhage_history",
    "recent_cardiovascular_event",
    "current_psychosis",
    "current_mania",
    "psychosis_history",
    "bipolar_disorder",
    "substance_use_disorder_active",
    "substance_use_disorder_history",
    "heart_disease",
    "hypertensive_encephalopathy_history",
    "raised_intracranial_pressure",
    "glaucoma",
    "hyperthyroidism_uncontrolled",
    "pulmonary_disease_or_sleep_apnea",
    "hepatic_impairment",
    "bladder_symptoms",
    "porphyria",
    "pregnant",
    "breastfeeding",
)

COMPLETE_ANSWERS: dict[str, Any] = {
    "patient_name": "Tomás Ngata-Whitfield",
    "mrn": "RK-40417",
    "date_of_birth": "1981-04-09",
    "sex_at_birth": "female",
    "weight_kg": 78.5,
    "height_cm": 166,
    "systolic_bp": 124,
    "diastolic_bp": 80,
    "heart_rate": 72,
    "spo2": 98,
    **{f"phq9_{n}": "more_than_half_the_days" for n in range(1, 9)},
    "phq9_9": "not_at_all",
    **{f"gad7_{n}": "several_days" for n in range(1, 8)},
    **{f"asq_{n}": False for n in range(1, 5)},
    "episode_duration_months": 20,
    "antidepressant_trials": [
        {"drug": "sertraline", "weeks": 10, "adequate_dose": True, "adherent": True, "improvement": "lt25"},
        {"drug": "bupropion", "weeks": 8, "adequate_dose": True, "adherent": True, "improvement": "none"},
    ],
    "msm_severity": "moderate",
    "augmentation_used": False,
    "ect_used": False,
    **dict.fromkeys(NO_HISTORY, False),
    "hypertension_history": True,
    "medication_classes": ["none"],
    "has_escort": True,
    "can_follow_fasting": True,
}
"""A fictional patient whose screening is complete and needs review (one relative flag)."""

ASSESSED_ON = dt.date(2026, 11, 20)


def seed_screening(
    workflow: Workflow,
    answers: dict[str, Any] | None = None,
    *,
    review: dict[str, Any] | None = None,
    signer: User | None = None,
    assessed_on: dt.date = ASSESSED_ON,
) -> str:
    """A screening made through the workflow, as another instance of the app would make it: the
    coordinator's answers, then (when asked) the psychiatrist's review and signature."""
    answers = COMPLETE_ANSWERS if answers is None else answers
    screening = workflow.create(COORDINATOR, assessed_on=assessed_on, answers=answers)
    if review is not None:
        author = signer or PSYCHIATRIST
        screening = workflow.review(screening.id, review, user=author, base_revision=screening.revision)
        if signer is not None:
            workflow.sign(screening.id, user=signer, base_revision=screening.revision)
    return screening.id


def elements_with_key(at: AppTest, key: str) -> list[Any]:
    """Every element of the page whose key is `key` (also kinds AppTest does not model, such as the
    PDF viewer)."""
    found: list[Any] = []
    pending: list[Any] = [at._tree]
    while pending:
        node = pending.pop()
        if getattr(node, "key", None) == key:
            found.append(node)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            pending.extend(children.values())
    return found


# ---------------------------------------------------------------------------------------------
# Amending a signed screening on the review page


_WIDGET_KINDS = (
    "radio",
    "selectbox",
    "text_area",
    "text_input",
    "number_input",
    "date_input",
    "pills",
    "checkbox",
)


def widget_keyed(at: AppTest, prefix: str, suffix: str = "") -> Widget:
    """The one widget whose key starts with `prefix` and ends with `suffix` (amendment widgets
    carry a round number in their keys, so the next amendment's form starts afresh)."""
    found: list[Widget] = [
        element
        for kind in _WIDGET_KINDS
        for element in getattr(at, kind)
        if element.key and element.key.startswith(prefix) and element.key.endswith(suffix)
    ]
    assert len(found) == 1, [element.key for element in found]
    return found[0]


def amendment_reason(at: AppTest, identifier: str) -> Widget:
    return widget_keyed(at, f"amend-reason:{identifier}:")


def choose_amendment(at: AppTest, identifier: str, target: str) -> AppTest:
    """Choose what to amend: `answer:<item id>`, `assessed_on`, `review:<field>` or `note:<id>`."""
    at.selectbox(key=f"amend-target:{identifier}").set_value(target).run()
    assert_ok(at)
    return at


def amend_on_review_page(at: AppTest, identifier: str, target: str, value: Any, reason: str) -> AppTest:
    """Amend one answer or review field with the amendment form of the review page."""
    choose_amendment(at, identifier, target)
    if target.startswith("answer:"):
        item = intake_definition().items[target.removeprefix("answer:")]
        value = to_widget_value(item, value)
    element = widget_keyed(at, f"amend-value:{identifier}:", f":{target}")
    element.set_value(value)
    amendment_reason(at, identifier).set_value(reason)
    at.button(key=f"amend:{identifier}").click().run()
    assert_ok(at)
    return at


def keyed_blocks(at: AppTest, prefix: str) -> list[Any]:
    """The containers drawn with `st.container(key=...)` whose key starts with `prefix`, in page order."""
    found: list[Any] = []

    def visit(node: Any) -> None:
        block_id = re.sub(r"^\$\$ID-[0-9a-f]+-", "", str(getattr(node, "_block_id", "")))
        if block_id.startswith(prefix):
            found.append(node)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for position in sorted(children):
                visit(children[position])

    visit(at._tree)
    return found


def keyed_block(at: AppTest, key: str) -> Any:
    """The container drawn with `st.container(key=key)`."""
    blocks = [block for block in keyed_blocks(at, key) if str(block._block_id).endswith(f"-{key}")]
    assert len(blocks) == 1, key
    return blocks[0]
