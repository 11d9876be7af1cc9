"""File names for downloaded documents: who, which document and which day, safe on every system.

`download_name(mrn="KC-20931", patient_name="Ana Silva", document="clinician-summary",
on=date(2026, 11, 18), extension="pdf")` is ``KC-20931_clinician-summary_2026-11-18.pdf``; without
an MRN the patient's initials stand for the patient (``AS_…``). Every part is folded to ASCII
letters, digits, ``-`` and ``.``: path separators, control and bidirectional-override characters
and anything else a file system or a mail filter might misread never reach the name.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

__all__ = ["download_name", "initials", "safe_part"]

UNNAMED = "patient"
"""What stands for the patient when there is neither an MRN nor a usable name."""

_MAX_PART = 40

# Letters that Unicode does not decompose into an ASCII letter and a mark.
_FOLD = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
        "ħ": "h",
        "Ħ": "H",
    }
)
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")
_WORD_BREAK = re.compile(r"[\s\-‐‑‒–—_/\\.,;]+")


def _ascii(text: str) -> str:
    """`text` without control, format (bidirectional overrides, zero-width) or combining
    characters, folded to ASCII where a letter has an ASCII base; other characters are dropped."""
    kept = "".join(
        char
        for char in unicodedata.normalize("NFKD", text.translate(_FOLD))
        if unicodedata.category(char)[0] not in ("C", "M")
    )
    return kept.encode("ascii", "ignore").decode("ascii")


def safe_part(text: str | None) -> str:
    """One part of a file name: ASCII letters, digits, single ``-`` between runs and ``.`` inside
    (never leading, so no hidden files and no ``..``), at most 40 characters; "" when nothing is
    left."""
    if not text:
        return ""
    part = _UNSAFE.sub("-", _ascii(text))
    part = re.sub(r"-{2,}", "-", part)
    part = re.sub(r"\.{2,}", ".", part)
    return part[:_MAX_PART].strip("-.")


def initials(name: str | None) -> str:
    """The initials of a name, upper case ASCII ("Ngozi Adébáyọ̀-Hart" gives "NAH"); "" when no
    word of it starts with a letter that folds to ASCII."""
    if not name:
        return ""
    letters = []
    for word in _WORD_BREAK.split(name):
        first = next((char for char in _ascii(word) if char.isalpha()), "")
        letters.append(first.upper())
    return "".join(letters)[:_MAX_PART]


def download_name(
    *, mrn: str | None, patient_name: str | None, document: str, on: dt.date, extension: str
) -> str:
    """``<MRN or initials>_<document>_<YYYY-MM-DD>.<extension>``, safe to save anywhere."""
    subject = safe_part(mrn) or initials(patient_name) or UNNAMED
    kind = safe_part(document) or "document"
    suffix = safe_part(extension).replace(".", "") or "bin"
    return f"{subject}_{kind}_{on.isoformat()}.{suffix}"
