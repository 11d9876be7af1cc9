"""Patient and user text is shown as typed on every page: no link, image, bare URL, e-mail link,
Streamlit directive, icon, emoji, LaTeX, HTML, heading or list is ever made of it.

The user signs in with a hostile name, the clinic file holds hostile settings (the credentials it
gives that name included) and every text answer, note and reason of three screenings (a draft, a
signed one and an amended, reopened one) is hostile (`tests.hostile_text`). Every page is drawn,
and every Markdown string of every element (bodies, labels, help texts, options, captions,
container labels) is checked with `hostile_text.markup_in`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from streamlit.testing.v1 import AppTest

from screening.storage import User
from tests import hostile_text as hostile
from tests.app.app_support import (
    ASSESSED_ON,
    COMPLETE_ANSWERS,
    DOCUMENTS_PAGE,
    INTAKE_PAGE,
    QUESTIONNAIRES_PAGE,
    REVIEW_PAGE,
    AppEnv,
    assert_ok,
    choose_amendment,
    intake_definition,
    open_app,
)
from ui import pages

PSYCHIATRIST = User(
    id="local:evil-psychiatrist",
    name=hostile.USER_NAME,
    role="psychiatrist",
    authenticated=False,
    credentials=hostile.CREDENTIALS,
)
COORDINATOR = User(
    id="local:evil-coordinator", name=hostile.USER_NAME, role="coordinator", authenticated=False
)

ANSWERS: dict[str, Any] = {
    **COMPLETE_ANSWERS,
    "patient_name": hostile.PATIENT_NAME,
    "mrn": hostile.MRN,
    "antidepressant_trials": [
        {**trial, "drug": hostile.MEDIUM} for trial in COMPLETE_ANSWERS["antidepressant_trials"]
    ],
}
REVIEW: dict[str, Any] = {
    "protocol": "iv-ketamine-induction",
    "weight_basis": "actual",
    "start_date": "2026-12-01",
    "decision": "proceed",
    "acknowledged": {"ci.rel.hypertension_history": hostile.LONG},
}
CLINIC = {
    "name": hostile.MEDIUM,
    "phone": hostile.SHORT,
    "emergency_number": hostile.SHORT,
    "crisis_lines": [{"label": hostile.MEDIUM, "contact": hostile.MEDIUM}],
    "iv_fasting": hostile.LONG,
    "roles": {"credentials": {hostile.USER_NAME: hostile.CREDENTIALS}},
}

_MARKDOWN_FIELDS = frozenset({"body", "label", "help", "title", "caption", "captions", "options", "content"})
"""The proto fields the frontend renders as Markdown (widget values and placeholders are plain)."""
_PLAIN_OPTIONS = frozenset({"Selectbox", "MultiSelect"})
"""Widgets whose options the frontend shows as plain text."""


def _is_message(value: Any) -> bool:
    """Whether `value` is a protobuf message (the element protos of the AppTest tree)."""
    return hasattr(value, "ListFields")


def _repeated(value: Any) -> bool:
    return not isinstance(value, (str, bytes, int, float)) and not _is_message(value)


def _strings(message: Any, kind: str) -> Iterator[tuple[str, str]]:
    """(field, text) of every Markdown string field in a proto message and the messages in it."""
    for field, value in message.ListFields():
        values = list(value) if _repeated(value) else [value]
        for each in values:
            if _is_message(each):
                yield from _strings(each, kind)
            elif (
                isinstance(each, str)
                and field.name in _MARKDOWN_FIELDS
                and not (field.name == "options" and kind in _PLAIN_OPTIONS)
            ):
                yield field.name, each


def markdown_on_page(at: AppTest) -> list[tuple[str, str]]:
    """(where, Markdown) of every Markdown string field of every element of the page, the sidebar
    and the dialogs: "Markdown.body", "Button.label", "Block.label", "Table.cell"."""
    found: list[tuple[str, str]] = []
    pending: list[Any] = [at._tree]
    while pending:
        node = pending.pop()
        proto = getattr(node, "proto", None)
        if _is_message(proto):
            kind = type(proto).__name__
            found.extend((f"{kind}.{field}", text) for field, text in _strings(proto, kind))
        if getattr(node, "type", None) == "table":  # st.table: headers and cells are Markdown
            frame = node.value
            cells = [*map(str, frame.columns), *map(str, frame.index), *map(str, frame.to_numpy().ravel())]
            found.extend(("Table.cell", cell) for cell in cells)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            pending.extend(children.values())
    return found


def _screenings(app_env: AppEnv) -> tuple[str, str, str]:
    """A draft with a suicide-risk answer, a signed screening and an amended, reopened one."""
    with app_env.workflow() as workflow:
        draft = workflow.create(
            COORDINATOR, assessed_on=ASSESSED_ON, answers={**ANSWERS, "phq9_9": "several_days"}
        )
        signed = workflow.create(COORDINATOR, assessed_on=ASSESSED_ON, answers=ANSWERS)
        signed = workflow.review(signed.id, REVIEW, user=PSYCHIATRIST, base_revision=signed.revision)
        signed = workflow.sign(signed.id, user=PSYCHIATRIST, base_revision=signed.revision)
        amended = workflow.create(COORDINATOR, assessed_on=ASSESSED_ON, answers=ANSWERS)
        amended = workflow.review(amended.id, REVIEW, user=PSYCHIATRIST, base_revision=amended.revision)
        amended = workflow.sign(amended.id, user=PSYCHIATRIST, base_revision=amended.revision)
        amended = workflow.amend(
            amended.id,
            user=PSYCHIATRIST,
            base_revision=amended.revision,
            reason=hostile.LONG,
            answers={"mrn": hostile.SHORT, "heart_disease": True},
        )
        assert amended.lifecycle == "reopened"
        return draft.id, signed.id, amended.id


def _show_everything(at: AppTest, identifier: str) -> None:
    """Open the history with every saved answer (the toggle of the history panel)."""
    at.toggle(key=f"history-all:{identifier}").set_value(True).run()
    assert_ok(at)


def test_hostile_text_is_never_read_as_markup_on_any_page(app_env: AppEnv) -> None:
    app_env.clinic_file.write_text(yaml.safe_dump(CLINIC, allow_unicode=True), encoding="utf-8")
    draft, signed, amended = _screenings(app_env)
    found: dict[str, list[str]] = {}

    def check(where: str, at: AppTest, *, shown: bool = True) -> None:
        assert_ok(at)
        strings = markdown_on_page(at)
        # The hostile text is on the page (`shown`), so the check has something to find.
        assert any("evil" in text.casefold() for _field, text in strings) == shown, where
        markup = [
            f"{field}: {', '.join(kinds)} in {text[:80]!r}"
            for field, text in strings
            if (kinds := hostile.markup_in(text))
        ]
        if markup:
            found[where] = markup

    at = open_app(None)
    check("sign-in", at, shown=False)
    at.text_input[0].input(hostile.USER_NAME)
    at.radio[0].set_value("psychiatrist")
    at.button[0].click().run()
    assert [title.value for title in at.title] == ["Screenings"]
    assert at.session_state["user"].credentials == hostile.CREDENTIALS
    check("screenings list, signed in", at)

    for position in range(len(intake_definition().sections)):
        check(
            f"intake section {position}",
            open_app(PSYCHIATRIST, page=INTAKE_PAGE, screening=draft, section=position),
        )
    check("intake of a signed screening", open_app(PSYCHIATRIST, page=INTAKE_PAGE, screening=signed))
    check("intake of an amended screening", open_app(PSYCHIATRIST, page=INTAKE_PAGE, screening=amended))
    check("intake as a coordinator", open_app(COORDINATOR, page=INTAKE_PAGE, screening=draft, section=0))

    check("review of a draft", open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=draft))
    at = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=signed)
    check("review of a signed screening", at)
    _show_everything(at, signed)
    check("history of a signed screening", at)
    for target in ("answer:patient_name", "answer:mrn", "answer:antidepressant_trials", "review:clinician"):
        choose_amendment(at, signed, target)
        check(f"amendment form of {target}", at)
    at = open_app(PSYCHIATRIST, page=REVIEW_PAGE, screening=amended)
    check("review of an amended screening", at)
    _show_everything(at, amended)
    check("history of an amended screening", at)
    check("review as a coordinator", open_app(COORDINATOR, page=REVIEW_PAGE, screening=signed))

    check("documents of a draft", open_app(PSYCHIATRIST, page=DOCUMENTS_PAGE, screening=draft))
    check("documents of a signed screening", open_app(PSYCHIATRIST, page=DOCUMENTS_PAGE, screening=signed))
    check("documents of an amended screening", open_app(PSYCHIATRIST, page=DOCUMENTS_PAGE, screening=amended))
    check("questionnaires", open_app(PSYCHIATRIST, page=QUESTIONNAIRES_PAGE))  # the sidebar
    check("clinic settings", open_app(PSYCHIATRIST, page=pages.SETUP))

    assert not found, "\n".join(f"{where}:\n  " + "\n  ".join(items) for where, items in found.items())


def test_the_check_finds_markup_in_unescaped_text() -> None:
    """The check itself: raw hostile text is markup of every kind; the app's own markup is not."""
    assert set(hostile.markup_in(hostile.LONG)) == {
        "link or image",
        "directive",
        "HTML",
        "math",
        "emphasis",
        "code",
        "block at line start",
        "setext heading",
        "bare URL",
        "email autolink",
        "icon",
        "emoji",
        "Streamlit logo",
        "arrow",
    }
    assert (
        hostile.markup_in("**Patient** · :material/list: · :red-badge[Draft] · [docs](https://x.org)") == []
    )
