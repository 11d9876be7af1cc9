"""A suicide-risk answer raises the alert at the answer itself: an alert under the item and a
dialog that stays until somebody acknowledges it; the acknowledgement is recorded in the audit
trail, a reload does not ask again, and the banner stays at the top of the page."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from screening.storage import AuditEvent
from tests.app.app_support import (
    COORDINATOR,
    INTAKE_PAGE,
    REVIEW_PAGE,
    AppEnv,
    answer,
    assert_ok,
    crisis_banners,
    key_of,
    keyed_blocks,
    open_app,
    section_of,
    seed_screening,
)
from ui.crisis import ACKNOWLEDGE

INLINE = "Suicide risk: act on this answer now."


def _children(node: Any) -> list[Any]:
    children = getattr(node, "children", None)
    return [children[position] for position in sorted(children)] if isinstance(children, dict) else []


def _after_widget(at: AppTest, key: str) -> Any:
    """The element drawn right after the widget `key`, in the same container (None if none)."""
    found: list[Any] = []

    def visit(node: Any) -> None:
        children = _children(node)
        for position, child in enumerate(children):
            if getattr(child, "key", None) == key and position + 1 < len(children):
                found.append(children[position + 1])
            visit(child)

    visit(at._tree)
    return found[0] if found else None


def _dialogs(at: AppTest) -> list[Any]:
    found: list[Any] = []

    def visit(node: Any) -> None:
        if getattr(node, "type", None) == "dialog":
            found.append(node)
        for child in _children(node):
            visit(child)

    visit(at._tree)
    return found


def _inline_alerts(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error if INLINE in str(e.value)]


def _acknowledgements(app_env: AppEnv, identifier: str) -> list[AuditEvent]:
    with app_env.workflow() as workflow:
        events = workflow.store.get_screening(identifier).events
    return [event for event in events if event.kind == "crisis_acknowledged"]


def test_phq9_item9_raises_the_alert_under_the_item_and_a_dialog_to_acknowledge(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow)
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=section_of("phq9_9"))
    assert not crisis_banners(at) and not _inline_alerts(at) and not _dialogs(at)

    answer(at, "phq9_9", "several_days")

    # under the item that raised it, with the clinic's crisis line and emergency number
    below = _after_widget(at, key_of(at, "phq9_9"))
    assert below is not None and below.type == "error" and INLINE in str(below.value)
    assert "988" in str(below.value) and "911" in str(below.value)
    assert "PHQ\\-9 item 9 positive" in str(below.value) and "Not acknowledged yet" in str(below.value)
    assert len(_inline_alerts(at)) == 1  # under that item only
    # the dialog, which can only be closed by acknowledging
    dialogs = _dialogs(at)
    assert len(dialogs) == 1
    button = at.button(key=f"crisis-ack:{identifier}")
    assert button.label == ACKNOWLEDGE
    assert len(crisis_banners(at)) == 1  # the banner stays too
    assert _acknowledgements(app_env, identifier) == []

    button.click().run()
    assert_ok(at)

    events = _acknowledgements(app_env, identifier)
    assert len(events) == 1
    assert events[0].actor == COORDINATOR
    assert events[0].payload["rules"] == ["ci.rel.phq9_item9_positive"]
    assert not _dialogs(at)
    assert len(crisis_banners(at)) == 1
    assert "Acknowledged" in str(_after_widget(at, key_of(at, "phq9_9")).value)
    with app_env.workflow() as workflow:
        assert workflow.verify(identifier)
        screening = workflow.get(identifier)
    assert screening.answers["phq9_9"] == "several_days"

    # a reload (a new session) does not ask again: the acknowledgement is in the audit trail
    again = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=section_of("phq9_9"))
    assert not _dialogs(again)
    assert len(crisis_banners(again)) == 1
    assert len(_inline_alerts(again)) == 1

    # the history says it in words
    review = open_app(COORDINATOR, page=REVIEW_PAGE, screening=identifier)
    entries = [
        "\n".join(str(markdown.value) for markdown in block.markdown)
        for block in keyed_blocks(review, f"history:{identifier}:")
    ]
    assert "Suicide-risk alert acknowledged" in entries[0]
    assert "PHQ\\-9 item 9 positive" in entries[0]


def test_a_changed_answer_that_still_raises_the_alert_asks_again(app_env: AppEnv) -> None:
    with app_env.workflow() as workflow:
        identifier = seed_screening(workflow)
    at = open_app(COORDINATOR, page=INTAKE_PAGE, screening=identifier, section=section_of("phq9_9"))
    answer(at, "phq9_9", "several_days")
    at.button(key=f"crisis-ack:{identifier}").click().run()
    assert_ok(at)
    assert not _dialogs(at)
    answer(at, "phq9_9", "nearly_every_day")
    assert len(_dialogs(at)) == 1
    answer(at, "phq9_9", "not_at_all")
    assert not _dialogs(at) and not crisis_banners(at) and not _inline_alerts(at)
