"""The list's search by name or MRN: the words a screening is found by, and the conditions that
find them without reading the whole table.

A screening's search terms (`screening_search_terms`, see `schema.SearchTermRow`) are derived
from its folded patient name and MRN (`values.search_key`: no case, no accents):

- every word (text between spaces) of the name and of the MRN, and the whole MRN;
- every run of letters and digits inside such a word, so "Fernández-López" is also found by
  "lopez", and "KC-20931" by "20931";
- in scripts written without spaces between words (Chinese, Japanese, Thai, ...), every ending of
  such a run, so "李小龙" is also found by "小龙".

A search is split into words the same way; each word, without punctuation at either end, must be
the beginning of some term of the screening (all words, in any order, of the name or the MRN):
"fern", "maria fern", "kc-2093" and "2093" find "Maria Fernández-López, KC-20931", "ernan" does not.

A word's terms are matched as a range, `term >= word AND term < next(word)`, where `next(word)`
is the first text after every text beginning with `word` in code point order. Both databases
compare the term column by code point, so the range selects the same rows on both and reads just
that slice of the term index on each (unlike LIKE, whose use of an index depends on the database,
its collation and the pattern). How a word's range is used depends on how common the word is
(`search_conditions`): a rare word's screenings are looked up and sorted, a common one is checked
row by row as the list is read in its order, which stops at the end of the page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    update,
)

from screening.storage.schema import ScreeningRow, SearchTermRow
from screening.storage.values import search_key

_PARTS = re.compile(r"[^\W_]+")
"""A run of letters and digits."""

_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
"""Punctuation at either end of a word."""

_UNSPACED_SCRIPTS = ("CJK ", "HIRAGANA ", "KATAKANA ", "THAI ", "LAO ", "KHMER ", "MYANMAR ", "TIBETAN ")
"""Scripts written without spaces between words (by the start of their characters' Unicode names)."""

_FIRST_UNSPACED = "\u0e00"
"""Where the first of those scripts (Thai) begins: no character before it needs its name looked up."""

_LAST_CODE_POINT = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)

_TABLE = SearchTermRow.metadata.tables["screening_search_terms"]


def _unspaced(part: str) -> bool:
    return any(
        char >= _FIRST_UNSPACED and unicodedata.name(char, "").startswith(_UNSPACED_SCRIPTS) for char in part
    )


def _word_terms(key: str) -> set[str]:
    terms: set[str] = set()
    for word in key.split():
        terms.add(word)
        for part in _PARTS.findall(word):
            terms.add(part)
            if _unspaced(part):
                terms.update(part[start:] for start in range(1, len(part)))
    return terms


def search_terms(name_key: str | None, mrn_key: str | None) -> list[str]:
    """The terms a screening with these folded name and MRN is found by, sorted (see the module
    docstring)."""
    terms = _word_terms(name_key or "")
    if mrn_key:
        terms.add(mrn_key)
        terms |= _word_terms(mrn_key)
    return sorted(terms)


def query_words(search: str | None) -> list[str]:
    """The words of a search, folded, without punctuation at either end (a word of punctuation
    only is kept as it is), each once. No words: no search."""
    words: list[str] = []
    for word in search_key(search or "").split():
        trimmed = _EDGES.sub("", word) or word
        if trimmed not in words:
            words.append(trimmed)
    return words


def after_prefix(word: str) -> str | None:
    """The smallest text after every text that begins with `word`, in code point order (None when
    there is none: `word` is made of U+10FFFF only)."""
    chars = list(word)
    while chars:
        last = ord(chars.pop())
        if last < _LAST_CODE_POINT:
            following = last + 1
            if following in _SURROGATES:  # not characters: UTF-8 cannot encode them
                following = _SURROGATES.stop
            return "".join(chars) + chr(following)
    return None


COMMON_WORD_TERMS = 2000
"""A search word that begins at least this many terms is common: the list is then read in its
own order, each row probed for the word, and stops at the page's end; a rarer word's screenings
are looked up through the term index and sorted (fewer rows than the ordered read would pass)."""


def _term_range(word: str) -> list[ColumnElement[bool]]:
    in_range = [SearchTermRow.term >= word]
    upper = after_prefix(word)
    if upper is not None:
        in_range.append(SearchTermRow.term < upper)
    return in_range


def word_condition(word: str, *, probe: bool = False) -> ColumnElement[bool]:
    """The condition on the screenings table that one search word begins a term of the screening:
    the screenings of the word's terms (`probe=False`), or a lookup of the word among the terms
    of each row read (`probe=True`)."""
    if probe:
        return (
            select(SearchTermRow.screening_id)
            .where(SearchTermRow.screening_id == ScreeningRow.id, *_term_range(word))
            .exists()
        )
    return ScreeningRow.id.in_(select(SearchTermRow.screening_id).where(*_term_range(word)))


def word_terms_found(connection: Connection, word: str, limit: int) -> int:
    """How many terms `word` begins, counted no further than `limit` (a range of the term index)."""
    terms: Select[tuple[int]] = (
        select(literal_column("1")).select_from(SearchTermRow).where(*_term_range(word))
    )
    return int(
        connection.execute(select(func.count()).select_from(terms.limit(limit).subquery())).scalar_one()
    )


def search_conditions(search: str | None, connection: Connection | None = None) -> list[ColumnElement[bool]]:
    """The conditions of a search (one per word; none for a search without words).

    With a `connection`, the way each word is matched is chosen by how common it is (see
    `COMMON_WORD_TERMS`): the rarest word is looked up and the others probed, or, when every word
    is common, all are probed. Either way the same screenings are found."""
    words = query_words(search)
    if connection is None or not words:
        return [word_condition(word) for word in words]
    found = {word: word_terms_found(connection, word, COMMON_WORD_TERMS) for word in words}
    rarest = min(words, key=found.__getitem__)
    if found[rarest] >= COMMON_WORD_TERMS:
        return [word_condition(word, probe=True) for word in words]
    return [word_condition(word, probe=word != rarest) for word in words]


def stored_search_terms(connection: Connection, screening_id: str) -> list[str]:
    """The terms stored for a screening (the slots in use), sorted."""
    query = select(_TABLE.c.term).where(_TABLE.c.screening_id == screening_id, _TABLE.c.term.is_not(None))
    return sorted(connection.execute(query).scalars())


def replace_search_terms(
    connection: Connection, screening_id: str, name_key: str | None, mrn_key: str | None
) -> None:
    """Store the search terms of a screening whose folded name or MRN was just set, in the write's
    own transaction (`connection`). Slots are rewritten in place and the ones left over emptied:
    only UPDATE and INSERT, which is all the application's database role may do."""
    wanted = search_terms(name_key, mrn_key)
    stored = dict(
        connection.execute(
            select(_TABLE.c.slot, _TABLE.c.term).where(_TABLE.c.screening_id == screening_id)
        ).all()
    )
    changed = [
        {"sid": screening_id, "s": slot, "t": term}
        for slot, term in enumerate([*wanted, *[None] * max(0, len(stored) - len(wanted))])
        if slot in stored and stored[slot] != term
    ]
    if changed:
        connection.execute(
            update(_TABLE)
            .where(_TABLE.c.screening_id == bindparam("sid"), _TABLE.c.slot == bindparam("s"))
            .values(term=bindparam("t")),
            changed,
        )
    added = [
        {"screening_id": screening_id, "slot": slot, "term": term}
        for slot, term in enumerate(wanted)
        if slot not in stored
    ]
    if added:
        connection.execute(insert(_TABLE), added)


def search_term_rows(screening_id: str, name_key: str | None, mrn_key: str | None) -> list[dict[str, object]]:
    """The rows of a screening's terms, for filling the table in bulk (a new table at the upgrade
    to schema version 4, or a benchmark's database)."""
    terms = search_terms(name_key, mrn_key)
    return [{"screening_id": screening_id, "slot": slot, "term": term} for slot, term in enumerate(terms)]


def fill_search_terms(connection: Connection, rows: Iterable[tuple[str, str | None, str | None]]) -> int:
    """Insert the terms of screenings given as (id, name key, MRN key), which have none stored yet;
    the number of terms inserted."""
    batch: list[dict[str, object]] = []
    inserted = 0
    for screening_id, name_key, mrn_key in rows:
        batch += search_term_rows(screening_id, name_key, mrn_key)
        if len(batch) >= 5_000:
            connection.execute(insert(_TABLE), batch)
            inserted += len(batch)
            batch = []
    if batch:
        connection.execute(insert(_TABLE), batch)
        inserted += len(batch)
    return inserted
