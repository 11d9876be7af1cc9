"""User text for PDF documents: normalising, checking that it can be printed, and safe markup.

Document code never puts a user's string into a ReportLab paragraph directly. It calls
:func:`text_markup` (inside a template) or ``paragraph.user_paragraph`` (a whole paragraph), and
before that :func:`describe_undrawable` to report what cannot be printed.

What happens to a user string, in order (:func:`prepare_text`):

1. Line breaks are unified: CR LF, CR, VT, FF, the information separators U+001C–U+001E, NEL,
   U+2028 and U+2029 all become one line break. A tab becomes a space. (ReportLab collapses runs of
   spaces, so indentation and repeated spaces are not kept.)
2. Unicode NFC normalisation, so that "e" followed by a combining circumflex and tilde prints as
   the single precomposed "ễ" the fonts have.
3. Every character is classified:

   * drawable: some embedded font has a glyph for it (``fonts.family_for``);
   * invisible: format characters with no glyph by design (soft hyphen, zero-width space,
     word joiner, byte order mark, variation selectors, tags, …) are dropped, except the bidi
     controls (kept for the bidi algorithm, never drawn) and ZWJ/ZWNJ (kept for Arabic joining,
     then dropped);
   * undrawable: everything else: characters no embedded font has (scripts that need a shaping
     engine such as Devanagari or Thai, and every character beyond the Basic Multilingual Plane:
     emoji such as U+1F600, CJK Extension B and later; see ``fonts.py`` for why), private-use and
     unassigned code points, noncharacters, lone surrogates, and control characters other than
     the line breaks above.

4. **Policy for undrawable characters.** :func:`undrawable_characters` and
   :func:`describe_undrawable` list them, so document code can report a problem ("Patient name
   contains characters that cannot be printed: U+1F44D THUMBS UP SIGN"). If the document is
   printed anyway, each undrawable character is replaced by a visible marker with its code point,
   ``[U+1F44D]``, kept left to right even inside right-to-left text. Nothing is ever drawn as a
   silent empty box, and nothing visible is dropped without a trace. (Symbols and dingbats of the
   Basic Multilingual Plane that DejaVu Sans has, such as ✓ ✗ ☎ ❤ ⚠, are drawable and print in
   monochrome. There is no colour emoji font: none with TrueType outlines and a licence that allows
   bundling was available, and ReportLab cannot embed colour glyph tables anyway.)
5. Arabic letters are given their joined shapes (``arabic.shape_arabic``).

:func:`text_markup` does all this and then escapes the result, so that the only tags in it are the
``<br/>`` tags it writes itself. (It must happen before ReportLab parses the markup: the parser
treats some control characters as spaces and would silently drop them.) ``paragraph.TextParagraph``
applies steps 3 to 5 again, harmlessly, to every piece of text of its paragraph, so the
document's own words are covered too, and splits the text into runs by the font family that draws
each character (:func:`font_runs`), keeping the bold or regular weight that the markup chose.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from screening.typeset.arabic import ZERO_WIDTH_JOINER, ZERO_WIDTH_NON_JOINER, has_arabic, shape_arabic
from screening.typeset.bidi import (
    DIRECTIONAL_CONTROLS,
    FIRST_STRONG_ISOLATE,
    LEFT_TO_RIGHT_ISOLATE,
    POP_DIRECTIONAL_ISOLATE,
)
from screening.typeset.fonts import SANS, FontFamily, family_covers, family_for

__all__ = [
    "UndrawableCharacter",
    "describe_undrawable",
    "escape_markup",
    "font_runs",
    "normalize_text",
    "prepare_text",
    "text_markup",
    "undrawable_characters",
]

_LINE_BREAKS = str.maketrans(
    {
        "\r": "\n",
        "\x0b": "\n",
        "\x0c": "\n",
        "\x1c": "\n",
        "\x1d": "\n",
        "\x1e": "\n",
        "\x85": "\n",
        "\u2028": "\n",
        "\u2029": "\n",
        "\t": " ",
    }
)

_LINE_BREAK_CHARS = frozenset(chr(code_point) for code_point in _LINE_BREAKS)

# Format characters (category Cf) that are visible signs rather than invisible controls: the Arabic
# number signs and end-of-ayah, Syriac abbreviation mark, Kaithi number signs.
_VISIBLE_FORMAT = frozenset(
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)
_JOINER_CONTROLS = frozenset({ZERO_WIDTH_JOINER, ZERO_WIDTH_NON_JOINER})

_MARKUP_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;"))

# Per character, filled in as characters are met (the fonts never change once registered):
# whether preparing keeps it as it is (drawable, not dropped, not a joiner) ...
_KEPT_AS_IS: dict[str, bool] = {}
# ... and whether font_runs keeps it in a run of the body font that it is in.
_STAYS_IN_SANS: dict[str, bool] = {}


@dataclass(frozen=True)
class UndrawableCharacter:
    """A character of user text that no embedded font can print."""

    char: str

    @property
    def code_point(self) -> str:
        """``U+1F44D`` style notation."""
        return f"U+{ord(self.char):04X}"

    @property
    def description(self) -> str:
        """Code point and Unicode name, or what kind of code point it is when it has no name."""
        try:
            name = unicodedata.name(self.char)
        except ValueError:
            name = {
                "Cc": "control character",
                "Co": "private-use character",
                "Cs": "unpaired surrogate",
                "Cn": "unassigned or noncharacter code point",
            }.get(unicodedata.category(self.char), "unnamed character")
            name = f"({name})"
        return f"{self.code_point} {name}"


def _is_invisible(char: str) -> bool:
    """Format characters that have no glyph by design and are dropped (bidi controls excepted)."""
    if char in DIRECTIONAL_CONTROLS or char in _VISIBLE_FORMAT:
        return False
    code_point = ord(char)
    return (
        unicodedata.category(char) == "Cf"
        or 0xFE00 <= code_point <= 0xFE0F  # variation selectors
        or 0xE0100 <= code_point <= 0xE01EF  # variation selectors supplement
        or 0x180B <= code_point <= 0x180F  # Mongolian variation selectors and vowel separator
        or char == "\u034f"  # combining grapheme joiner
    )


def _is_drawable(char: str) -> bool:
    return char == "\n" or char in DIRECTIONAL_CONTROLS or family_for(char) is not None


def _kept_as_is(char: str) -> bool:
    kept = _KEPT_AS_IS.get(char)
    if kept is None:
        kept = char not in _JOINER_CONTROLS and not _is_invisible(char) and _is_drawable(char)
        _KEPT_AS_IS[char] = kept
    return kept


def normalize_text(text: str) -> str:
    """Unified line breaks, tabs as spaces, NFC."""
    text = text.replace("\r\n", "\n")
    if not _LINE_BREAK_CHARS.isdisjoint(text):
        text = text.translate(_LINE_BREAKS)
    return unicodedata.normalize("NFC", text)


def undrawable_characters(text: str) -> tuple[UndrawableCharacter, ...]:
    """The distinct characters of ``text`` that cannot be printed, in order of first appearance."""
    found: dict[str, UndrawableCharacter] = {}
    for char in normalize_text(text):
        if char not in found and not _is_invisible(char) and not _is_drawable(char):
            found[char] = UndrawableCharacter(char)
    return tuple(found.values())


def describe_undrawable(field: str, text: str) -> str | None:
    """A problem message naming ``field`` and the code points that cannot be printed, or None.

    The message quotes code points and character names only, never the text itself, so it is safe
    to log.
    """
    problems = undrawable_characters(text)
    if not problems:
        return None
    listed = ", ".join(problem.description for problem in problems)
    return f"{field} contains characters that cannot be printed: {listed}."


def undrawable_marker(char: str) -> str:
    """The visible stand-in printed for an undrawable character (left-to-right isolated)."""
    return f"{LEFT_TO_RIGHT_ISOLATE}[U+{ord(char):04X}]{POP_DIRECTIONAL_ISOLATE}"


def _same_family(form: str, letter: str) -> bool:
    family = family_for(letter)
    return family is not None and family_for(form) is family


def prepare_text(text: str) -> str:
    """The characters that will be printed for ``text``, in logical order.

    Normalised, invisible characters dropped, undrawable ones replaced by markers, Arabic joined.
    The result contains only drawable characters, line breaks and bidi controls. Preparing
    prepared text changes nothing.
    """
    if text.isascii() and text.isprintable():
        return text  # printable ASCII: nothing to normalise, drop, mark or join (a fast path)
    normalized = normalize_text(text)
    if all(_kept_as_is(char) for char in set(normalized)) and not has_arabic(normalized):
        return normalized  # every character is kept and nothing is joined (a fast path)
    kept: list[str] = []
    for char in normalized:
        if char in _JOINER_CONTROLS:
            kept.append(char)
        elif _is_invisible(char):
            continue
        elif _is_drawable(char):
            kept.append(char)
        else:
            kept.append(undrawable_marker(char))
    shaped = shape_arabic("".join(kept), _same_family)
    return "".join(char for char in shaped if char not in _JOINER_CONTROLS)


def escape_markup(text: str) -> str:
    """Escape the characters ReportLab's paragraph parser treats as markup."""
    for char, escaped in _MARKUP_ESCAPES:  # "&" first, so that no escape is escaped again
        if char in text:
            text = text.replace(char, escaped)
    return text


def _stays_in_sans(char: str) -> bool:
    """Whether ``font_runs`` draws ``char`` in the body font when the run it is in is the body font's."""
    stays = _STAYS_IN_SANS.get(char)
    if stays is None:
        stays = (
            char == "\n"
            or char in DIRECTIONAL_CONTROLS
            or (not unicodedata.category(char).startswith("L") and family_covers(SANS, char))
            or (family_for(char) or SANS) is SANS
        )
        _STAYS_IN_SANS[char] = stays
    return stays


def font_runs(prepared: str, start: FontFamily = SANS) -> list[tuple[FontFamily, str]]:
    """Split prepared text into runs, each drawn by one font family.

    A character that is not a letter (space, digit, punctuation, combining mark, bidi control)
    stays in the current run, which begins as ``start``, when that run's family has it, so that
    "محمد 12" or "王 秀英" do not switch fonts for every space.
    """
    if start is SANS and prepared.isascii() and prepared.isprintable():
        return [(SANS, prepared)] if prepared else []  # the body font has every printable ASCII character
    if start is SANS and prepared and all(_stays_in_sans(char) for char in set(prepared)):
        return [(SANS, prepared)]  # nothing leaves the body font (a fast path)
    runs: list[tuple[FontFamily, list[str]]] = []
    current = start
    for char in prepared:
        stays = char == "\n" or char in DIRECTIONAL_CONTROLS
        if stays or (not unicodedata.category(char).startswith("L") and family_covers(current, char)):
            family = current
        else:
            family = family_for(char) or current  # prepared text has only drawable characters
        if runs and runs[-1][0] is family:
            runs[-1][1].append(char)
        else:
            runs.append((family, [char]))
        current = family
    return [(family, "".join(chars)) for family, chars in runs]


_ISOLATE_INITIATORS = frozenset("\u2066\u2067\u2068")


def _balance_isolates(text: str) -> str:
    """Drop PDIs that close nothing and close isolates left open, so text cannot leave its isolate."""
    if POP_DIRECTIONAL_ISOLATE not in text and _ISOLATE_INITIATORS.isdisjoint(text):
        return text  # nothing to balance
    depth = 0
    kept: list[str] = []
    for char in text:
        if char in _ISOLATE_INITIATORS:
            depth += 1
        elif char == POP_DIRECTIONAL_ISOLATE:
            if depth == 0:
                continue
            depth -= 1
        kept.append(char)
    return "".join(kept) + POP_DIRECTIONAL_ISOLATE * depth


def text_markup(text: str, *, isolate: bool = True) -> str:
    """Paragraph markup that prints ``text`` literally.

    The text is prepared (:func:`prepare_text`: normalised, invisible characters dropped,
    undrawable ones replaced by ``[U+XXXX]`` markers, Arabic joined), then nothing in it is
    interpreted as markup: ``&``, ``<``, ``>`` and quotes are escaped, line breaks become ``<br/>``.
    Fonts and right-to-left order are dealt with by ``paragraph.TextParagraph`` when it draws the
    markup; a plain ReportLab ``Paragraph`` would do neither, so never use one.

    With ``isolate`` (the default) the text is wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL
    ISOLATE, so that right-to-left user text neither reorders the template around it nor is
    reordered by it: ``f"<b>Patient:</b> {text_markup(name)} (MRN {text_markup(mrn)})"`` keeps the
    label, name and MRN in that order whatever scripts the name uses. Isolates in the text itself
    are balanced first, so a stray POP DIRECTIONAL ISOLATE cannot end the isolation early. Use
    ``isolate=False`` when the text is the whole paragraph (``paragraph.user_paragraph`` does), so
    that its first strong character sets the paragraph's direction.
    """
    body = escape_markup(_balance_isolates(prepare_text(text))).replace("\n", "<br/>")
    if isolate and body:
        return f"{FIRST_STRONG_ISOLATE}{body}{POP_DIRECTIONAL_ISOLATE}"
    return body
