"""The one owner of Streamlit session state and query parameters.

Pages never touch `st.session_state` or `st.query_params` with raw keys: they call these typed
helpers. The database is the source of truth for answers; session state only keeps who is using
the app, where they are, the revision they last saw of each screening, widget values, and
conflicts waiting for the user to resolve.
"""

from __future__ import annotations

import re
import secrets
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.state.session_state_proxy import get_session_state

from screening.lifecycle.crisis import CrisisAlert
from screening.storage import JsonValue, User
from screening.workflow import Screening

_USER = "user"
"""The signed-in user: an entry of the session state of its own, where tests put a user."""
_BOOK = "book"
"""The one session-state entry that holds everything else this module keeps, apart from widgets'
values (which Streamlit keeps under the widgets' keys): a dict under the names below (`_book`)."""
_REVISION = "revision:{screening_id}"
_SYNCED = "synced-values"
"""The stored value each widget was last seeded with (widget key -> value)."""


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


Book = dict[str, Any]
"""What this module keeps in the session apart from the user and widgets' values (`_BOOK`)."""


def book() -> Book:
    """This session's book, to hand to the helpers that take one (`book=`) while a page draws
    many widgets: each of them would otherwise read the book from the session again.

    One entry rather than one per name, because every entry costs each run: Streamlit goes
    through all of the session's entries each time it draws a widget, and a read of an entry
    passes its locks and its widget bookkeeping (3.5 µs; 5 µs for an entry that is not there,
    which most of these are in most runs), where a read of the book's own names is a dict lookup.
    Hold it for one run only: a new session (a sign-out) starts another book.

    The thread that runs this session's script remembers the book it read (`_held`), with the
    session it belongs to, so the helpers that are called once a run do not each read the
    session again: the book is the same object for the whole session (only this function puts it
    there, and only `clear_session` takes it away, forgetting what the thread remembers)."""
    session = _this_session()
    held: tuple[object, Book] | None = getattr(_held, "book", None)
    if session is not None and held is not None and held[0] is session:
        return held[1]
    entry = st.session_state.get(_BOOK)
    if not isinstance(entry, dict):
        entry = {}
        st.session_state[_BOOK] = entry
    if session is not None:
        _held.book = (session, entry)
    return entry


_held = threading.local()
"""What the thread that runs a script remembers of its session: `book` (the session, its book)
and `written` (the session, the screening its last write left)."""


def _this_session() -> object | None:
    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.session_state


def keep_written(screening: Screening) -> None:
    """Hand the screening as this run's own write left it to the page this run draws next
    (`take_written`), so that page does not ask the database for what the write has just given."""
    _held.written = (_this_session(), screening)


def take_written(screening_id: str) -> Screening | None:
    """The screening `screening_id` as a write of this run left it (see `keep_written`), once; None
    when this run wrote none. It is as recent as a read: the write read it in its own
    transaction, a few milliseconds ago, and the next run reads the stored revision again."""
    held: tuple[object | None, Screening] | None = getattr(_held, "written", None)
    _held.written = None
    session = _this_session()
    if held is None or session is None or held[0] is not session or held[1].id != screening_id:
        return None
    return held[1]


def _book(given: Book | None = None) -> Book:
    """`given` (a book a page handed in), else this session's book."""
    return book() if given is None else given


_SIGN_IN_RECORDED = "signed-in-recorded"


def sign_in_recorded() -> str | None:
    """The id of the user whose sign-in this browser session recorded in the clinic's audit chain
    (None: none recorded yet), so a sign-in is recorded once, not on every run."""
    value = _book().get(_SIGN_IN_RECORDED)
    return value if isinstance(value, str) else None


def set_sign_in_recorded(user_id: str | None) -> None:
    if user_id is None:
        _book().pop(_SIGN_IN_RECORDED, None)
    else:
        _book()[_SIGN_IN_RECORDED] = user_id


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
    value = _book().get(_CREATED.format(token=token))
    return value if isinstance(value, str) else None


def set_created_from(token: str, identifier: str) -> None:
    _book()[_CREATED.format(token=token)] = identifier


def screening_id() -> str | None:
    """The current screening: from the URL (a refresh or a shared link), else the one this session
    last opened, which is then put back into the URL. A new screening not saved yet is only ever
    in the URL of the intake: the other pages have nothing to show for it."""
    value = st.query_params.get(SCREENING_PARAM)
    if value:
        if not is_unsaved(value):
            _book()[_CURRENT] = value
        return value
    remembered = _book().get(_CURRENT)
    if isinstance(remembered, str) and remembered:
        st.query_params[SCREENING_PARAM] = remembered
        return remembered
    return None


def open_screening(identifier: str | None, section: int = 0) -> None:
    """Make `identifier` the current screening; the URL carries it so a refresh resumes here."""
    if identifier is None:
        _book().pop(_CURRENT, None)
        st.query_params.pop(SCREENING_PARAM, None)
        st.query_params.pop(SECTION_PARAM, None)
        return
    if is_unsaved(identifier):
        _book().pop(_CURRENT, None)
    else:
        _book()[_CURRENT] = identifier
    st.query_params[SCREENING_PARAM] = identifier
    set_section(section, identifier)


_GO_TO = "go-to"


def go_to(page: str) -> None:
    """Ask for another page (from a callback, where switching pages is not possible)."""
    _book()[_GO_TO] = page


def take_go_to() -> str | None:
    value = _book().pop(_GO_TO, None)
    return value if isinstance(value, str) else None


def section_index(count: int) -> int:
    """The current section (0-based) of the intake, clamped to the sections there are."""
    raw = st.query_params.get(SECTION_PARAM)
    identifier = screening_id()
    if raw is None and identifier:
        remembered = _book().get(_SECTIONS.format(screening_id=identifier))
        raw = str(remembered) if isinstance(remembered, int) else None
    try:
        index = int(raw) if raw is not None else 0
    except ValueError:
        index = 0
    index = max(0, min(index, count - 1)) if count else 0
    set_section(index, identifier)
    return index


def set_section(index: int, identifier: str | None = None) -> None:
    # Setting a query parameter sends the browser a message (and a new address) even when the
    # value is the same: the intake asks on every run, so only a change is written.
    if st.query_params.get(SECTION_PARAM) != str(index):
        st.query_params[SECTION_PARAM] = str(index)
    identifier = identifier or screening_id()
    if identifier:
        _book()[_SECTIONS.format(screening_id=identifier)] = index


_LIST_PAGE = "list-page"


def list_cursors(filters: str) -> tuple[Any, ...]:
    """Where the pages of the screenings list before the one shown with `filters` (a signature of
    the list's filters) ended: empty on the first page; other filters than last time start there."""
    stored = _book().get(_LIST_PAGE)
    if (
        isinstance(stored, tuple)
        and len(stored) == 2
        and stored[0] == filters
        and isinstance(stored[1], tuple)
    ):
        return stored[1]
    _book()[_LIST_PAGE] = (filters, ())
    return ()


def set_list_cursors(filters: str, cursors: tuple[Any, ...]) -> None:
    """Show the page of the screenings list with `filters` that follows the last of `cursors`
    (the first page when there are none) on the next run."""
    _book()[_LIST_PAGE] = (filters, tuple(cursors))


_FOCUS_MOVE = "focus-move"


def request_focus_move() -> None:
    """Ask the next run of the intake to move the keyboard focus to the first question of the
    section it shows (the user chose another section); later runs leave the focus where it is."""
    _book()[_FOCUS_MOVE] = secrets.token_hex(8)


def take_focus_move() -> str | None:
    """The token of the focus move asked for since the last run, once (None: none asked for).
    The browser may draw a script element again while a later run replaces the page, so the page
    remembers the token of the last move carried out and never carries out one twice; a random
    token stays unique across reconnections, where a count would start again."""
    token = _book().pop(_FOCUS_MOVE, None)
    return token if isinstance(token, str) else None


# ------------------------------------------------------------------ revisions and widget sync


def revision(identifier: str) -> int | None:
    value = _book().get(_REVISION.format(screening_id=identifier))
    return value if isinstance(value, int) else None


def set_revision(identifier: str, value: int) -> None:
    _book()[_REVISION.format(screening_id=identifier)] = value


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


def _session_dict(key: str, book: Book | None = None) -> dict[str, Any]:
    """The dict kept under `key` in the book (made empty the first time), changed in place."""
    book = _book(book)
    values = book.get(key)
    if not isinstance(values, dict):
        values = {}
        book[key] = values
    return values


def _synced() -> dict[str, Any]:
    """The stored value each widget was last seeded with (`_SYNCED`)."""
    return _session_dict(_SYNCED)


def sync_widget(key: str, stored: Any, *, book: Book | None = None) -> None:
    """Put the stored value into a widget before it is drawn.

    Streamlit forgets widgets that were not drawn in a run (another section was shown), so every
    widget is re-seeded from the database; a value somebody else saved replaces the widget's value
    unless the user has an unresolved conflict on it.

    After a server restart the browser reconnects to a new session and sends the values of the
    page an earlier session drew, and it keeps sending them until it has received a page of this
    session. So the stored value is written in every run until the widget is drawn (`_drawn`) and
    the browser's message comes from a page this session drew (`check_page`); a value the
    browser sent meanwhile is kept aside (`discarded_change`), so the page can say that a change
    made across the reconnection was not saved.
    """
    book = _book(book)
    synced = _session_dict(_SYNCED, book)
    if not _drawn(key) or book.get(_OLD_PAGE) is True:
        sent = _sent_by_browser(key)
        if sent is not _UNSET:
            _session_dict(_SENT, book)[key] = sent
        st.session_state[key] = stored
        synced[key] = stored
        return
    if key not in st.session_state or synced.get(key, _UNSET) != stored:
        st.session_state[key] = stored
        synced[key] = stored


_SENT = "sent-values"
"""Values the browser sent for widgets this session had not drawn (widget key -> value), kept
aside by `sync_widget` for `discarded_change`."""


def _drawn(key: str) -> bool:
    """Whether this browser session has drawn the widget `key` (Streamlit maps a key to its widget
    when the widget is drawn, and keeps the mapping for the whole session)."""
    try:
        return get_session_state()._state.get_widget_id_from_key(key) is not None
    except AttributeError:
        return False


def _sent_by_browser(key: str) -> Any:
    """The value (as the browser sent it in this run's message; None for an empty widget) of the
    widget keyed `key`, or `_UNSET` when the browser sent none. Streamlit names a keyed widget
    `$$ID-<hash>-<key>`; until the widget is drawn, the browser's value waits under that name."""
    try:
        inner = get_session_state()._state
        states = inner._new_widget_state.states
    except AttributeError:
        return _UNSET
    for widget_id, held in states.items():
        parts = widget_id.split("-", 2)
        if len(parts) != 3 or parts[0] != "$$ID" or parts[2] != key or not hasattr(held, "value"):
            continue
        if hasattr(held.value, "WhichOneof"):
            return _proto_value(held.value)
        # Read once by Streamlit already (it keeps it read): compared as it would be sent.
        metadata = inner.get_widget_metadata(widget_id)
        try:
            return held.value if metadata is None else metadata.serializer(held.value)
        except (TypeError, ValueError):
            return _UNSET
    return _UNSET


PAGE_STAMP_KEY = "page-stamp"
"""The key of the hidden field that carries the stamp of the session that drew the page."""
_SESSION_STAMP = "session-stamp"
_OLD_PAGE = "old-page"


def check_page() -> None:
    """At the start of a page that draws the hidden stamp field (`page_stamp`): note whether the
    browser's message comes from an older page, so `sync_widget` shows stored values in this run."""
    _book()[_OLD_PAGE] = not browser_on_this_page()


def page_stamp() -> str:
    """This session's stamp (a random token), put into the page's hidden field (`PAGE_STAMP_KEY`)
    just before it is drawn, at the end of the page: the browser sends the field's value back with
    every message, so a message from a page an earlier session drew (before a server restart)
    carries another stamp, or none. Ends what `check_page` started."""
    _book().pop(_OLD_PAGE, None)
    token = _book().get(_SESSION_STAMP)
    if not isinstance(token, str):
        token = secrets.token_hex(8)
        _book()[_SESSION_STAMP] = token
    st.session_state[PAGE_STAMP_KEY] = token
    return token


def browser_on_this_page() -> bool:
    """Whether the browser's message comes from a page this session drew (see `page_stamp`); read
    it in a widget's callback or before the page draws its widgets. A browser that reconnected to
    a restarted server sends the values of the old page until it has received a new one: they are
    not changes the user made, and saving them would put stale answers back."""
    token = _book().get(_SESSION_STAMP)
    sent = _sent_by_browser(PAGE_STAMP_KEY)
    # A message without the field comes from a page without it (the lock screen): the field's
    # value is then the one this session keeps.
    shown = st.session_state.get(PAGE_STAMP_KEY) if sent is _UNSET else sent
    return isinstance(token, str) and shown == token


def _proto_value(proto: Any) -> Any:
    """The plain value of a widget's state as the browser sends it (None when it sent none)."""
    kind = proto.WhichOneof("value") if hasattr(proto, "WhichOneof") else None
    if kind is None:
        return None
    value = getattr(proto, kind)
    return list(value.data) if hasattr(value, "data") else value


def discarded_change(prefix: str, *, book: Book | None = None) -> bool:
    """Whether, in this run, the browser sent a value other than the stored answer for a widget
    whose key is `prefix` or starts with `prefix` + ":", which this session had not drawn (see
    `sync_widget`): a change made on a page drawn before the server restarted, which was not saved
    and is not shown. Call it once the widgets are drawn; each such value is reported once."""
    found = False
    values = _book(book).get(_SENT)
    if not isinstance(values, dict) or not values:
        return False
    for widget in [k for k in values if k == prefix or k.startswith(prefix + ":")]:
        sent = values.pop(widget)
        shown = _serialized(widget)
        found = found or (shown is not _UNSET and not _same(sent, shown))
    return found


def _serialized(key: str) -> Any:
    """The widget's value as Streamlit sends it to the browser (`_UNSET` when the widget is not
    drawn, so nothing can be compared)."""
    try:
        inner = get_session_state()._state
        widget_id = inner.get_widget_id_from_key(key)
        metadata = None if widget_id is None else inner.get_widget_metadata(widget_id)
    except (AttributeError, KeyError):
        return _UNSET
    if metadata is None or key not in st.session_state:
        return _UNSET
    try:
        return metadata.serializer(st.session_state[key])
    except (TypeError, ValueError):
        return _UNSET


def _same(sent: Any, shown: Any) -> bool:
    """Whether a value the browser sent is the value shown (numbers compared as numbers, an empty
    text or selection the same as none)."""
    if isinstance(shown, (list, tuple)):
        shown = list(shown)
    if sent in (None, "", []) and shown in (None, "", []):
        return True
    if isinstance(sent, (int, float)) and isinstance(shown, (int, float)):
        return float(sent) == float(shown)
    return bool(sent == shown)


def mark_synced(key: str, stored: Any) -> None:
    """Record that the widget's value is what the database now holds (after a save)."""
    _synced()[key] = stored


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
    _synced().pop(key, None)


class _Unset:
    pass


_UNSET = _Unset()


_AMENDMENT_ROUND = "amendment-round:{screening_id}"


def amendment_round(identifier: str) -> int:
    """How many amendments this session recorded on the screening: part of the amendment widgets'
    keys, so the form of the next amendment starts afresh (an empty reason, the stored values)."""
    value = _book().get(_AMENDMENT_ROUND.format(screening_id=identifier))
    return value if isinstance(value, int) else 0


def next_amendment_round(identifier: str) -> None:
    _book()[_AMENDMENT_ROUND.format(screening_id=identifier)] = amendment_round(identifier) + 1


# ------------------------------------------------------------------ repeating-group rows


def row_ids(identifier: str, item_id: str, count: int) -> list[str]:
    """Stable ids for the rows of a repeating group, so widgets follow rows when one is removed."""
    key = _ROW_IDS.format(screening_id=identifier, item_id=item_id)
    ids = list(_book().get(key, []))
    next_id = max((int(i) for i in ids), default=-1) + 1
    while len(ids) < count:
        ids.append(str(next_id))
        next_id += 1
    ids = ids[:count]
    _book()[key] = ids
    return ids


def remove_row_id(identifier: str, item_id: str, index: int) -> None:
    key = _ROW_IDS.format(screening_id=identifier, item_id=item_id)
    ids = list(_book().get(key, []))
    if 0 <= index < len(ids):
        del ids[index]
    _book()[key] = ids


# ------------------------------------------------------------------ documents

_DOCUMENTS = "documents"


def cached_documents(cache_key: str) -> Any:
    """The documents built for `cache_key` in this session, or None."""
    value = _book().get(_DOCUMENTS)
    if isinstance(value, tuple) and len(value) == 2 and value[0] == cache_key:
        return value[1]
    return None


def keep_documents(cache_key: str, documents: Any) -> None:
    _book()[_DOCUMENTS] = (cache_key, documents)


_PREVIEWS = "document-previews"
_PRINT = "document-print"


def previewing(cache_key: str, name: str) -> bool:
    """Whether the user asked to preview the document `name` as built for `cache_key` (a document
    whose content changed is previewed, and recorded, on a new request)."""
    value = _book().get(_PREVIEWS)
    return isinstance(value, tuple) and len(value) == 2 and value[0] == cache_key and name in value[1]


def show_preview(cache_key: str, name: str) -> None:
    value = _book().get(_PREVIEWS)
    names = value[1] if isinstance(value, tuple) and len(value) == 2 and value[0] == cache_key else ()
    _book()[_PREVIEWS] = (cache_key, (*names, name))


def request_print(name: str) -> None:
    """Ask the next run to open the browser's print dialog for the document `name`, once; a random
    token lets the page tell this request from one it carried out already."""
    _book()[_PRINT] = (name, secrets.token_hex(8))


def take_print_request(name: str) -> str | None:
    """The token of the print of `name` asked for since the last run, once (None: none asked for)."""
    value = _book().get(_PRINT)
    if not (isinstance(value, tuple) and len(value) == 2 and value[0] == name):
        return None
    _book().pop(_PRINT, None)
    return value[1] if isinstance(value[1], str) else None


# ------------------------------------------------------------------ conflicts and notices


@dataclass(frozen=True)
class Conflict:
    """A save that somebody else's change blocked; the user's input is kept here until resolved."""

    target: str  # item id, or "review"
    mine: JsonValue
    theirs: JsonValue
    changed_by: str
    changed_at: str


def conflicts(*, book: Book | None = None) -> dict[str, Conflict]:
    value = _book(book).get(_CONFLICTS)
    return dict(value) if isinstance(value, dict) else {}


def add_conflict(conflict: Conflict) -> None:
    current = conflicts()
    current[conflict.target] = conflict
    _book()[_CONFLICTS] = current


def resolve_conflict(target: str) -> None:
    current = conflicts()
    current.pop(target, None)
    _book()[_CONFLICTS] = current


_REJECTED = "rejected"


def rejected_answers(identifier: str, *, book: Book | None = None) -> dict[str, str]:
    """Answers of this screening that the workflow refused (item id -> why), kept until the item is
    saved or shows its stored value again."""
    value = _book(book).get(_REJECTED)
    kept = value.get(identifier) if isinstance(value, dict) else None
    return dict(kept) if isinstance(kept, dict) else {}


def reject_answer(identifier: str, item_id: str, message: str) -> None:
    value = _book().get(_REJECTED)
    every = dict(value) if isinstance(value, dict) else {}
    every[identifier] = {**rejected_answers(identifier), item_id: message}
    _book()[_REJECTED] = every


def accept_answer(identifier: str, item_id: str) -> None:
    value = _book().get(_REJECTED)
    if not isinstance(value, dict) or item_id not in rejected_answers(identifier):
        return
    every = dict(value)
    every[identifier] = {k: v for k, v in rejected_answers(identifier).items() if k != item_id}
    _book()[_REJECTED] = every


def notify(message: str) -> None:
    """A message to show once on the next run (e.g. after a callback)."""
    _book()[_NOTICE] = message


def take_notice() -> str | None:
    value = _book().pop(_NOTICE, None)
    return value if isinstance(value, str) else None


def report_error(place: str, message: str) -> None:
    """An error to show once, where `place` draws it on the next run (e.g. under a button whose
    callback failed)."""
    _book()[_ERROR.format(place=place)] = message


def take_error(place: str) -> str | None:
    value = _book().pop(_ERROR.format(place=place), None)
    return value if isinstance(value, str) else None


# ------------------------------------------------------------------ suicide-risk alerts

_CRISIS = "crisis:{screening_id}"


def crisis_alerts(identifier: str, *, book: Book | None = None) -> tuple[CrisisAlert, ...]:
    """The suicide-risk alerts of the screening as the page's frame found them in this run."""
    value = _book(book).get(_CRISIS.format(screening_id=identifier))
    return value if isinstance(value, tuple) else ()


def set_crisis_alerts(identifier: str, alerts: tuple[CrisisAlert, ...]) -> None:
    _book()[_CRISIS.format(screening_id=identifier)] = alerts


# ------------------------------------------------------------------ idle lock

_LAST_ACTIVITY = "idle:last-activity"
_LOCKED = "idle:locked"
_UNLOCK_MISMATCH = "idle:mismatch"
LOCK_SCREEN_PREFIX = "idle-lock:"
"""The keys of the lock screen's own widgets (not kept while locked: they are on screen)."""


def last_activity() -> float | None:
    """When the signed-in user last made the app run (seconds on the lock's clock), or None."""
    value = _book().get(_LAST_ACTIVITY)
    return float(value) if isinstance(value, (int, float)) else None


def record_activity(now: float) -> None:
    _book()[_LAST_ACTIVITY] = now


def is_locked() -> bool:
    return _book().get(_LOCKED) is True


def lock() -> None:
    """Lock the session: the app draws only the lock screen until `unlock`. Nothing else in the
    session is touched, so the page and every widget's value are there again after unlocking."""
    _book()[_LOCKED] = True


def unlock(now: float) -> None:
    """Unlock (from a callback, before the page is drawn again); the unlocking counts as activity,
    so the next run does not lock again at once. The widgets' values are sent to the browser again
    (`resend_widget_values`)."""
    _book().pop(_LOCKED, None)
    _book().pop(_UNLOCK_MISMATCH, None)
    _book()[_LAST_ACTIVITY] = now
    resend_widget_values()


def forget_idle() -> None:
    """Forget the lock and the last activity (nobody is signed in: the next sign-in starts afresh)."""
    for key in (_LOCKED, _LAST_ACTIVITY, _UNLOCK_MISMATCH):
        _book().pop(key, None)


def set_unlock_mismatch(value: bool) -> None:
    """Remember that the name typed on the lock screen was not the signed-in user's."""
    if value:
        _book()[_UNLOCK_MISMATCH] = True
    else:
        _book().pop(_UNLOCK_MISMATCH, None)


def unlock_mismatch() -> bool:
    return _book().get(_UNLOCK_MISMATCH) is True


def hold_widget_values() -> None:
    """Keep the values of widgets that this run does not draw (the lock screen hides the page).

    Streamlit drops the value of a keyed widget at the end of a run that did not draw it; a value
    written through session state in the run is kept instead. So every key is written back with
    its own value, and after unlocking the page's widgets show what the user had entered, saved or
    not. Button-like widgets refuse a value set in the run that draws them, which cannot happen:
    this runs only in locked runs, and unlocking is a callback, run before the page is drawn."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and not key.startswith(LOCK_SCREEN_PREFIX):
            st.session_state[key] = st.session_state[key]


_SETTABLE_VALUES = frozenset(
    {
        "bool_value",
        "int_value",
        "double_value",
        "string_value",
        "string_array_value",
        "int_array_value",
        "double_array_value",
    }
)
"""The kinds of widget value that session state may set (text, numbers, dates, choices, checkboxes);
buttons and uploads refuse a value set in the run that draws them, and hold none worth restoring."""


def _settable(key: str) -> bool:
    """Whether `key` may be written back in a run that draws its widget: a plain key, or the key of
    a widget whose kind of value session state may set. Streamlit does not say this publicly; its
    session state knows each keyed widget's kind of value, and an unknown kind is left alone."""
    try:
        inner = get_session_state()._state
        widget_id = inner.get_widget_id_from_key(key)
        if widget_id is None:
            return True
        metadata = inner.get_widget_metadata(widget_id)
    except (AttributeError, KeyError):
        return False
    return metadata is not None and metadata.value_type in _SETTABLE_VALUES


def resend_widget_values() -> None:
    """Write every widget's value back, so the run that draws the page again sends it to the
    browser. A widget drawn again after some runs without it shows its default in the browser
    unless its value is set in that run, even though session state still holds the value (so the
    browser would show an empty field and the next change would start from there)."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and not key.startswith(LOCK_SCREEN_PREFIX) and _settable(key):
            st.session_state[key] = st.session_state[key]


def clear_session() -> None:
    """Forget everything this browser session holds (who is signed in, unsaved entries, the lock),
    as closing the tab would; the URL (page and screening) stays."""
    _held.book = _held.written = None
    st.session_state.clear()
