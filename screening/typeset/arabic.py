"""Arabic letter joining with the Unicode presentation forms.

ReportLab draws one glyph per character and does not apply a font's OpenType substitutions (its
optional HarfBuzz support draws unmapped glyphs through private-use code points, which breaks text
extraction, and it does not cooperate with bidi ordering across fonts). Arabic letters must change
shape with their neighbours, so before drawing, each letter is replaced by its isolated, initial,
medial or final presentation form (U+FB50–U+FDFF, U+FE70–U+FEFF), and lam followed by alef becomes
the obligatory lam-alef ligature. The vendored Noto Sans Arabic maps these forms.

The tables come from the Unicode Character Database in :mod:`unicodedata`: every presentation form
decomposes as ``<initial> 0628`` and the like, which gives both the forms of each letter and its
joining type (a letter with an initial or medial form joins on both sides, one with only a final
form joins to the right only). Letters without presentation forms in Unicode (a few used outside
Arabic, Persian and Urdu) keep their nominal shape and break the joining around them: readable,
if not typographically perfect. Transparent characters (harakat and other combining marks) are
skipped when looking for neighbours, ZWJ and tatweel cause joining, ZWNJ prevents it.

The text stays in logical order; visual ordering happens later, in ``bidi``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from itertools import chain

__all__ = ["ZERO_WIDTH_JOINER", "ZERO_WIDTH_NON_JOINER", "has_arabic", "shape_arabic"]

ZERO_WIDTH_JOINER = "\u200d"
ZERO_WIDTH_NON_JOINER = "\u200c"
_TATWEEL = "\u0640"
_LAM = "\u0644"
# Alef with madda above, with hamza above, with hamza below, and plain alef: the four letters that
# form an obligatory ligature after lam.
_ALEFS = frozenset("\u0622\u0623\u0625\u0627")

_FORM_NAMES = ("isolated", "final", "initial", "medial")


def _build_tables() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    forms: dict[str, dict[str, str]] = {}
    lam_alef: dict[str, dict[str, str]] = {}
    for code in chain(range(0xFB50, 0xFE00), range(0xFE70, 0xFF00)):
        char = chr(code)
        decomposition = unicodedata.decomposition(char).split()
        if len(decomposition) < 2 or decomposition[0].strip("<>") not in _FORM_NAMES:
            continue
        form = decomposition[0].strip("<>")
        letters = "".join(chr(int(part, 16)) for part in decomposition[1:])
        if len(letters) == 1:
            forms.setdefault(letters, {}).setdefault(form, char)
        elif len(letters) == 2 and letters[0] == _LAM and letters[1] in _ALEFS:
            lam_alef.setdefault(letters[1], {}).setdefault(form, char)
    return forms, lam_alef


_FORMS, _LAM_ALEF = _build_tables()
_SHAPED = frozenset(_FORMS) | {_LAM}  # the characters whose shape can depend on their neighbours


def _joining_type(char: str) -> str:
    """D (dual), R (right), C (join-causing), T (transparent) or U (non-joining)."""
    if char in (_TATWEEL, ZERO_WIDTH_JOINER):
        return "C"
    if char == ZERO_WIDTH_NON_JOINER:
        return "U"
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return "T"
    forms = _FORMS.get(char)
    if not forms:
        return "U"
    if "initial" in forms or "medial" in forms:
        return "D"
    return "R" if "final" in forms else "U"


def has_arabic(text: str) -> bool:
    """Whether ``text`` has a character whose shape depends on its neighbours."""
    return not _SHAPED.isdisjoint(text)


def shape_arabic(text: str, can_draw: Callable[[str, str], bool]) -> str:
    """``text`` with Arabic letters replaced by their contextual presentation forms.

    ``can_draw(form, letter)`` says whether the font that draws ``letter`` also has ``form``; a
    form it lacks is not used (the letter keeps its nominal shape). Everything other than Arabic
    letters, including ZWJ and ZWNJ, is returned unchanged and in place.
    """
    if not has_arabic(text):
        return text
    types = [_joining_type(char) for char in text]
    n = len(text)

    def joins_before(i: int) -> bool:
        j = i - 1
        while j >= 0 and types[j] == "T":
            j -= 1
        return j >= 0 and types[j] in ("D", "C")

    def joins_after(i: int) -> bool:
        j = i + 1
        while j < n and types[j] == "T":
            j += 1
        return j < n and types[j] in ("D", "R", "C")

    out: list[str] = []
    i = 0
    while i < n:
        char = text[i]
        kind = types[i]
        if kind not in ("D", "R"):
            out.append(char)
            i += 1
            continue
        before = joins_before(i)
        if char == _LAM:
            j = i + 1
            while j < n and types[j] == "T":
                j += 1
            ligatures = _LAM_ALEF.get(text[j]) if j < n else None
            ligature = ligatures.get("final" if before else "isolated") if ligatures else None
            if ligature and can_draw(ligature, char):
                out.append(ligature)
                out.extend(text[i + 1 : j])  # marks on the lam follow the ligature
                i = j + 1
                continue
        after = kind == "D" and joins_after(i)
        form = ("medial" if after else "final") if before else ("initial" if after else "isolated")
        shaped = _FORMS[char].get(form)
        out.append(shaped if shaped and can_draw(shaped, char) else char)
        i += 1
    return "".join(out)
