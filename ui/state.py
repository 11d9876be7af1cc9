"""The one owner of Streamlit session state and query parameters.

Pages never touch `st.session_state` or `st.query_params` with raw keys: they call these typed
helpers. The database is the source of truth for answers; session state only keeps who is using
the app, where they are, the revision they last saw of each screening, widget values, and
conflicts waiting for the user to resolve.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import streamlit as st

from screening.lifecycle.crisis import CrisisAlert
from screening.storage import JsonValue, User

_USER = "user"
_REVISION = "revision:{screening_id}"
_SYNCED = "synced:{key}"
_CONFLICTS = "conflicts"
_NOTICE = "notice"
_ERROR = "error:{place}"
_ROW_IDS = "rows:{screening_id}:{item_id}"
_CURRENT = "current-screening"
_SECTIONS = "section:{screening_id}"

SCREENING_PARAM = "id"
SECTION_PARAM = "section"


# ------------------------------------------------------------------ who


def user() -> User | None:
    value = st.session_state.get(_USER)
    return value if isinstance(value, User) else None


def set_user(value: User | None) -> None:
    if value is None:
        st.session_state.pop(_USER, None)
    else:
        st.session_state[_USER] = value


# ------------------------------------------------------------------ where (kept in the URL)


_UNSAVED_PREFIX = "new-"


def new_screening() -> str:
    """A fresh stand-in id for a new screening that is not saved yet: the intake shows it empty,
    and its first answer creates the screening (see `ui.actions.save_answer`)."""
    return f"{_UNSAVED_PREFIX}{uuid.uuid4().hex[:12]}"


def is_unsaved(identifier: str) -> bool:
    """Whether `identifier` stands for a new screening that is not saved yet."""
    return identifier.startswith(_UNSAVED_PREFIX)


_CREATED = "created:{token}"


def created_from(token: str) -> str | None:
    """The screening that the first answer given under the stand-in `token` created, if any (so a
    second save under it, in the same run, goes to that screening instead of creating another)."""
    value = st.session_state.get(_CREATED.format(token=token))
    return value if isinstance(value, str) else None


def set_created_from(token: str, identifier: str) -> None:
    st.session_state[_CREATED.format(token=token)] = identifier


def screening_id() -> str | None:
    """The current screening: from the URL (a refresh or a shared link), else the one this session
    last opened, which is then put back into the URL. A new screening not saved yet is only ever
    in the URL of the intake: the other pages have nothing to show for it."""
    value = st.query_params.get(SCREENING_PARAM)
    if value:
        if not is_unsaved(value):
            st.session_state[_CURRENT] = value
        return value
    remembered = st.session_state.get(_CURRENT)
    if isinstance(remembered, str) and remembered:
        st.query_params[SCREENING_PARAM] = remembered
        return remembered
    return None


def open_screening(identifier: str | None, section: int = 0) -> None:
    """Make `identifier` the current screening; the URL carries it so a refresh resumes here."""
    if identifier is None:
        st.session_state.pop(_CURRENT, None)
        st.query_params.pop(SCREENING_PARAM, None)
        st.query_params.pop(SECTION_PARAM, None)
        return
    if is_unsaved(identifier):
        st.session_state.pop(_CURRENT, None)
    else:
        st.session_state[_CURRENT] = identifier
    st.query_params[SCREENING_PARAM] = identifier
    set_section(section, identifier)


_GO_TO = "go-to"


def go_to(page: str) -> None:
    """Ask for another page (from a callback, where switching pages is not possible)."""
    st.session_state[_GO_TO] = page


def take_go_to() -> str | None:
    value = st.session_state.pop(_GO_TO, None)
    return value if isinstance(value, str) else None


def section_index(count: int) -> int:
    """The current section (0-based) of the intake, clamped to the sections there are."""
    raw = st.query_params.get(SECTION_PARAM)
    identifier = screening_id()
    if raw is None and identifier:
        remembered = st.session_state.get(_SECTIONS.format(screening_id=identifier))
        raw = str(remembered) if isinstance(remembered, int) else None
    try:
        index = int(raw) if raw is not None else 0
    except ValueError:
        index = 0
    index = max(0, min(index, count - 1)) if count else 0
    set_section(index, identifier)
    return index


def set_section(index: int, identifier: str | None = None) -> None:
    st.query_params[SECTION_PARAM] = str(index)
    identifier = identifier or screening_id()
    if identifier:
        st.session_state[_SECTIONS.format(screening_id=identifier)] = index


_LIST_PAGE = "list-page"


def list_page(filters: str, pages: int) -> int:
    """The page (0-based) of the screenings list shown with `filters` (a signature of the list's
    filters), clamped to the `pages` there are; other filters than last time start at the first."""
    stored = st.session_state.get(_LIST_PAGE)
    page = 0
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == filters and isinstance(stored[1], int):
        page = stored[1]
    page = max(0, min(page, pages - 1))
    st.session_state[_LIST_PAGE] = (filters, page)
    return page


def set_list_page(filters: str, page: int) -> None:
    """Show page `page` (0-based) of the screenings list with `filters` on the next run."""
    st.session_state[_LIST_PAGE] = (filters, max(0, page))


_FOCUS_MOVE = "focus-move"


def request_focus_move() -> None:
    """Ask the next run of the intake to move the keyboard focus to the first question of the
    section it shows (the user chose another section); later runs leave the focus where it is."""
    st.session_state[_FOCUS_MOVE] = secrets.token_hex(8)


def take_focus_move() -> str | None:
    """The token of the focus move asked for since the last run, once (None: none asked for).
    The browser may draw a script element again while a later run replaces the page, so the page
    remembers the token of the last move carried out and never carries out one twice; a random
    token stays unique across reconnections, where a count would start again."""
    token = st.session_state.pop(_FOCUS_MOVE, None)
    return token if isinstance(token, str) else None


# ------------------------------------------------------------------ revisions and widget sync


def revision(identifier: str) -> int | None:
    value = st.session_state.get(_REVISION.format(screening_id=identifier))
    return value if isinstance(value, int) else None


def set_revision(identifier: str, value: int) -> None:
    st.session_state[_REVISION.format(screening_id=identifier)] = value


def widget_key(identifier: str, item_id: str, *parts: str) -> str:
    """The session-state key of an answer's widget."""
    return ":".join(("w", identifier, item_id, *parts))


def question_key(identifier: str, item_id: str) -> str:
    """The key of the container an item's question is drawn in on the intake."""
    return ":".join(("question", identifier, item_id))


def key_class(key: str) -> str:
    """The class Streamlit gives the element with this key, by which the page's script and style
    sheet find it: `st-key-` and the key, each character other than a letter, digit, `-` or `_`
    replaced by `-`."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def sync_widget(key: str, stored: Any) -> None:
    """Put the stored value into a widget before it is drawn.

    Streamlit forgets widgets that were not drawn in a run (another section was shown), so every
    widget is re-seeded from the database; a value somebody else saved replaces the widget's value
    unless the user has an unresolved conflict on it.
    """
    synced_key = _SYNCED.format(key=key)
    if key not in st.session_state or st.session_state.get(synced_key, _UNSET) != stored:
        st.session_state[key] = stored
        st.session_state[synced_key] = stored


def mark_synced(key: str, stored: Any) -> None:
    """Record that the widget's value is what the database now holds (after a save)."""
    st.session_state[_SYNCED.format(key=key)] = stored


def widget_value(key: str) -> Any:
    return st.session_state.get(key)


def set_widget_value(key: str, value: Any) -> None:
    st.session_state[key] = value


def seed_widget(key: str, value: Any) -> None:
    """Give a widget its first value, once; later runs keep what the user entered."""
    if key not in st.session_state:
        st.session_state[key] = value


def forget_widget(key: str) -> None:
    st.session_state.pop(key, None)
    st.session_state.pop(_SYNCED.format(key=key), None)


class _Unset:
    pass


_UNSET = _Unset()


_AMENDMENT_ROUND = "amendment-round:{screening_id}"


def amendment_round(identifier: str) -> int:
    """How many amendments this session recorded on the screening: part of the amendment widgets'
    keys, so the form of the next amendment starts afresh (an empty reason, the stored values)."""
    value = st.session_state.get(_AMENDMENT_ROUND.format(screening_id=identifier))
    return value if isinstance(value, int) else 0


def next_amendment_round(identifier: str) -> None:
    st.session_state[_AMENDMENT_ROUND.format(screening_id=identifier)] = amendment_round(identifier) + 1


# ------------------------------------------------------------------ repeating-group rows


def row_ids(identifier: str, item_id: str, count: int) -> list[str]:
    """Stable ids for the rows of a repeating group, so widgets follow rows when one is removed."""
    key = _ROW_IDS.format(screening_id=identifier, item_id=item_id)
    ids = list(st.session_state.get(key, []))
    next_id = max((int(i) for i in ids), default=-1) + 1
    while len(ids) < count:
        ids.append(str(next_id))
        next_id += 1
    ids = ids[:count]
    st.session_state[key] = ids
    return ids


def remove_row_id(identifier: str, item_id: str, index: int) -> None:
    key = _ROW_IDS.format(screening_id=identifier, item_id=item_id)
    ids = list(st.session_state.get(key, []))
    if 0 <= index < len(ids):
        del ids[index]
    st.session_state[key] = ids


# ------------------------------------------------------------------ documents

_DOCUMENTS = "documents"


def cached_documents(cache_key: str) -> Any:
    """The documents built for `cache_key` in this session, or None."""
    value = st.session_state.get(_DOCUMENTS)
    if isinstance(value, tuple) and len(value) == 2 and value[0] == cache_key:
        return value[1]
    return None


def keep_documents(cache_key: str, documents: Any) -> None:
    st.session_state[_DOCUMENTS] = (cache_key, documents)


# ------------------------------------------------------------------ conflicts and notices


@dataclass(frozen=True)
class Conflict:
    """A save that somebody else's change blocked; the user's input is kept here until resolved."""

    target: str  # item id, or "review"
    mine: JsonValue
    theirs: JsonValue
    changed_by: str
    changed_at: str


def conflicts() -> dict[str, Conflict]:
    value = st.session_state.get(_CONFLICTS)
    return dict(value) if isinstance(value, dict) else {}


def add_conflict(conflict: Conflict) -> None:
    current = conflicts()
    current[conflict.target] = conflict
    st.session_state[_CONFLICTS] = current


def resolve_conflict(target: str) -> None:
    current = conflicts()
    current.pop(target, None)
    st.session_state[_CONFLICTS] = current


_REJECTED = "rejected"


def rejected_answers(identifier: str) -> dict[str, str]:
    """Answers of this screening that the workflow refused (item id -> why), kept until the item is
    saved or shows its stored value again."""
    value = st.session_state.get(_REJECTED)
    kept = value.get(identifier) if isinstance(value, dict) else None
    return dict(kept) if isinstance(kept, dict) else {}


def reject_answer(identifier: str, item_id: str, message: str) -> None:
    value = st.session_state.get(_REJECTED)
    every = dict(value) if isinstance(value, dict) else {}
    every[identifier] = {**rejected_answers(identifier), item_id: message}
    st.session_state[_REJECTED] = every


def accept_answer(identifier: str, item_id: str) -> None:
    value = st.session_state.get(_REJECTED)
    if not isinstance(value, dict) or item_id not in rejected_answers(identifier):
        return
    every = dict(value)
    every[identifier] = {k: v for k, v in rejected_answers(identifier).items() if k != item_id}
    st.session_state[_REJECTED] = every


def notify(message: str) -> None:
    """A message to show once on the next run (e.g. after a callback)."""
    st.session_state[_NOTICE] = message


def take_notice() -> str | None:
    value = st.session_state.pop(_NOTICE, None)
    return value if isinstance(value, str) else None


def report_error(place: str, message: str) -> None:
    """An error to show once, where `place` draws it on the next run (e.g. under a button whose
    callback failed)."""
    st.session_state[_ERROR.format(place=place)] = message


def take_error(place: str) -> str | None:
    value = st.session_state.pop(_ERROR.format(place=place), None)
    return value if isinstance(value, str) else None


# ------------------------------------------------------------------ suicide-risk alerts

_CRISIS = "crisis:{screening_id}"


def crisis_alerts(identifier: str) -> tuple[CrisisAlert, ...]:
    """The suicide-risk alerts of the screening as the page's frame found them in this run."""
    value = st.session_state.get(_CRISIS.format(screening_id=identifier))
    return value if isinstance(value, tuple) else ()


def set_crisis_alerts(identifier: str, alerts: tuple[CrisisAlert, ...]) -> None:
    st.session_state[_CRISIS.format(screening_id=identifier)] = alerts
