"""The Unicode Bidirectional Algorithm (UAX #9) for one line of text.

ReportLab 5.1 only orders right-to-left text through the optional ``rlbidi`` package, which is not
on PyPI, and even then it leaves paragraphs with more than one font or style unordered. We need
mixed fonts (the fallback chain in ``fonts.py``), so ordering is done here, by
``paragraph.TextParagraph`` after ReportLab has broken a paragraph into lines and before each line
is drawn.

What is implemented: paragraph level (P2, P3), explicit embeddings, overrides and isolates (X1 to
X10, depth limit 125), weak types (W1 to W7), paired brackets (N0, BD16), neutrals (N1, N2),
implicit levels (I1, I2), trailing whitespace (L1), reordering (L2), keeping combining marks after
their base inside reversed runs (the "L3" option), and mirroring of paired characters (L4) from a
table of the common mirrored pairs (``_MIRROR_PAIRS``; mirrored characters without a pair there,
such as the integral sign, are left as they are).

Each line is resolved on its own with the paragraph's level (``TextParagraph`` computes the level
once for the whole paragraph). Compared with resolving the whole paragraph first, this only
differs when a weak or neutral character's context lies on the previous or next line, or an
isolate spans a line break; both are rare in names and notes and change no reading order within a
line.

Explicit formatting characters (LRE, RLE, LRO, RLO, PDF), isolate controls (LRI, RLI, FSI, PDI)
and boundary-neutral characters are consumed by the algorithm and not returned. The implicit
directional marks (LRM, RLM, ALM) take part as strong characters and are not returned either:
none of them has a visible glyph.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable

__all__ = [
    "DIRECTIONAL_CONTROLS",
    "FIRST_STRONG_ISOLATE",
    "LEFT_TO_RIGHT_ISOLATE",
    "POP_DIRECTIONAL_ISOLATE",
    "bidi_class",
    "display_text",
    "has_rtl",
    "mirror",
    "paragraph_level",
    "resolve_levels",
    "visual_order",
]

FIRST_STRONG_ISOLATE = "\u2068"
LEFT_TO_RIGHT_ISOLATE = "\u2066"
POP_DIRECTIONAL_ISOLATE = "\u2069"

#: Every character whose only job is to steer this algorithm. None of them is drawn.
DIRECTIONAL_CONTROLS = frozenset(
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
)

_MAX_DEPTH = 125
_STRONG = frozenset({"L", "R", "AL"})
_ISOLATE_INITIATORS = frozenset({"LRI", "RLI", "FSI"})
_ISOLATE_CONTROLS = _ISOLATE_INITIATORS | {"PDI"}
_REMOVED_BY_X9 = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "BN"})
_NEUTRALS = frozenset({"B", "S", "WS", "ON"}) | _ISOLATE_CONTROLS
_RTL_CLASSES = frozenset({"R", "AL", "AN", "RLE", "RLO", "RLI"})

# Bidi_Paired_Bracket pairs (Unicode BidiBrackets.txt), opening then closing.
_BRACKET_PAIRS = (
    (0x0028, 0x0029), (0x005B, 0x005D), (0x007B, 0x007D), (0x0F3A, 0x0F3B), (0x0F3C, 0x0F3D),
    (0x169B, 0x169C), (0x2045, 0x2046), (0x207D, 0x207E), (0x208D, 0x208E), (0x2308, 0x2309),
    (0x230A, 0x230B), (0x2329, 0x232A), (0x2768, 0x2769), (0x276A, 0x276B), (0x276C, 0x276D),
    (0x276E, 0x276F), (0x2770, 0x2771), (0x2772, 0x2773), (0x2774, 0x2775), (0x27C5, 0x27C6),
    (0x27E6, 0x27E7), (0x27E8, 0x27E9), (0x27EA, 0x27EB), (0x27EC, 0x27ED), (0x27EE, 0x27EF),
    (0x2983, 0x2984), (0x2985, 0x2986), (0x2987, 0x2988), (0x2989, 0x298A), (0x298B, 0x298C),
    (0x298D, 0x2990), (0x298F, 0x298E), (0x2991, 0x2992), (0x2993, 0x2994), (0x2995, 0x2996),
    (0x2997, 0x2998), (0x29D8, 0x29D9), (0x29DA, 0x29DB), (0x29FC, 0x29FD), (0x2E22, 0x2E23),
    (0x2E24, 0x2E25), (0x2E26, 0x2E27), (0x2E28, 0x2E29), (0x2E55, 0x2E56), (0x2E57, 0x2E58),
    (0x2E59, 0x2E5A), (0x2E5B, 0x2E5C), (0x3008, 0x3009), (0x300A, 0x300B), (0x300C, 0x300D),
    (0x300E, 0x300F), (0x3010, 0x3011), (0x3014, 0x3015), (0x3016, 0x3017), (0x3018, 0x3019),
    (0x301A, 0x301B), (0xFE59, 0xFE5A), (0xFE5B, 0xFE5C), (0xFE5D, 0xFE5E), (0xFF08, 0xFF09),
    (0xFF3B, 0xFF3D), (0xFF5B, 0xFF5D), (0xFF5F, 0xFF60), (0xFF62, 0xFF63),
)  # fmt: skip

# Mirrored pairs (Unicode BidiMirroring.txt) beyond the brackets: quotation marks, comparison and
# set operators. Used only to pick the glyph drawn at an odd (right-to-left) level.
_OTHER_MIRROR_PAIRS = (
    (0x003C, 0x003E), (0x00AB, 0x00BB), (0x2039, 0x203A), (0x2264, 0x2265), (0x2266, 0x2267),
    (0x226A, 0x226B), (0x226E, 0x226F), (0x2270, 0x2271), (0x2272, 0x2273), (0x227A, 0x227B),
    (0x2282, 0x2283), (0x2286, 0x2287), (0x2208, 0x220B), (0xFE64, 0xFE65), (0xFF1C, 0xFF1E),
)  # fmt: skip

_OPENING_TO_CLOSING = {chr(o): chr(c) for o, c in _BRACKET_PAIRS}
_CLOSING = frozenset(chr(c) for _, c in _BRACKET_PAIRS)
_MIRROR: dict[str, str] = {}
for _a, _b in _BRACKET_PAIRS + _OTHER_MIRROR_PAIRS:
    _MIRROR[chr(_a)] = chr(_b)
    _MIRROR[chr(_b)] = chr(_a)


def bidi_class(char: str) -> str:
    """The Bidi_Class of one character; unassigned code points count as left-to-right."""
    return unicodedata.bidirectional(char) or "L"


def mirror(char: str) -> str:
    """The mirrored glyph character for ``char`` when drawn right to left, or ``char`` itself."""
    return _MIRROR.get(char, char)


# Whether a (non-ASCII) character has a class in _RTL_CLASSES, filled in as characters are met.
_RTL_CHAR: dict[str, bool] = {}


def _is_rtl_char(char: str) -> bool:
    known = _RTL_CHAR.get(char)
    if known is None:
        known = _RTL_CHAR[char] = bidi_class(char) in _RTL_CLASSES
    return known


def has_rtl(text: str) -> bool:
    """Whether ``text`` contains anything that can make a line's order differ from logical order."""
    if text.isascii():
        return False  # ASCII has no character of a right-to-left class
    return any(_is_rtl_char(char) for char in set(text))


def _bracket_key(char: str) -> str:
    # U+2329/U+232A are canonically equivalent to U+3008/U+3009 and must pair with them (BD16).
    return unicodedata.normalize("NFD", char)


def _first_strong(classes: list[str], start: int, end: int) -> int | None:
    """P2/P3 over classes[start:end]: 0 or 1 from the first strong character outside isolates."""
    return _strong_level(itertools.islice(classes, start, end))


def _strong_level(classes: Iterable[str]) -> int | None:
    """0 or 1 from the first strong class outside isolates, None without one; `classes` is read
    only as far as needed (a lazy iterator classifies only the characters it reaches)."""
    depth = 0
    for c in classes:
        if c in _ISOLATE_INITIATORS:
            depth += 1
        elif c == "PDI":
            if depth:
                depth -= 1
        elif c == "B":
            break
        elif depth == 0 and c in _STRONG:
            return 0 if c == "L" else 1
    return None


def paragraph_level(text: str, default: int = 0) -> int:
    """The paragraph embedding level (0 = left to right, 1 = right to left) from rules P2 and P3.

    ``default`` is returned when the text has no strong character outside isolates.
    """
    level = _strong_level(map(bidi_class, text))
    return default if level is None else level


def _matching_pdis(classes: list[str]) -> dict[int, int]:
    """BD9: the index of the matching PDI for every isolate initiator that has one."""
    open_initiators: list[int] = []
    matches: dict[int, int] = {}
    for i, c in enumerate(classes):
        if c in _ISOLATE_INITIATORS:
            open_initiators.append(i)
        elif c == "PDI" and open_initiators:
            matches[open_initiators.pop()] = i
        elif c == "B":
            open_initiators.clear()
    return matches


def _explicit_levels(classes: list[str], base: int, matches: dict[int, int]) -> tuple[list[int], list[str]]:
    """X1 to X8: embedding levels and override-adjusted types for every character."""
    n = len(classes)
    levels = [base] * n
    types = list(classes)
    stack: list[tuple[int, str | None, bool]] = [(base, None, False)]  # level, override, isolate
    overflow_isolates = overflow_embeddings = valid_isolates = 0
    for i, c in enumerate(classes):
        level, override, _ = stack[-1]
        if c in ("RLE", "LRE", "RLO", "LRO"):
            new = (level + 1) | 1 if c[0] == "R" else (level + 2) & ~1
            if new <= _MAX_DEPTH and overflow_isolates == 0 and overflow_embeddings == 0:
                stack.append((new, {"RLO": "R", "LRO": "L"}.get(c), False))
            elif overflow_isolates == 0:
                overflow_embeddings += 1
        elif c in _ISOLATE_INITIATORS:
            if override:
                types[i] = override
            rtl = c == "RLI" or (c == "FSI" and _first_strong(classes, i + 1, matches.get(i, n)) == 1)
            new = (level + 1) | 1 if rtl else (level + 2) & ~1
            if new <= _MAX_DEPTH and overflow_isolates == 0 and overflow_embeddings == 0:
                valid_isolates += 1
                stack.append((new, None, True))
            else:
                overflow_isolates += 1
        elif c == "PDI":
            if overflow_isolates:
                overflow_isolates -= 1
            elif valid_isolates:
                overflow_embeddings = 0
                while not stack[-1][2]:
                    stack.pop()
                stack.pop()
                valid_isolates -= 1
            level, override, _ = stack[-1]
            levels[i] = level
            if override:
                types[i] = override
        elif c == "PDF":
            if overflow_isolates:
                pass
            elif overflow_embeddings:
                overflow_embeddings -= 1
            elif not stack[-1][2] and len(stack) >= 2:
                stack.pop()
        elif c == "B":
            levels[i] = base
        elif c != "BN" and override:
            types[i] = override
        if c != "PDI":
            levels[i] = level if c != "B" else base
    return levels, types


def _isolating_run_sequences(
    classes: list[str], levels: list[int], retained: list[int], matches: dict[int, int]
) -> list[list[int]]:
    """BD13 and X10: the isolating run sequences, as lists of character indices."""
    runs: list[list[int]] = []
    for i in retained:
        if runs and levels[runs[-1][-1]] == levels[i]:
            runs[-1].append(i)
        else:
            runs.append([i])
    run_starting_at = {run[0]: run for run in runs}
    matched_pdis = set(matches.values())
    sequences: list[list[int]] = []
    for run in runs:
        if run[0] in matched_pdis:
            continue  # appended to the sequence of its isolate initiator
        sequence = list(run)
        while classes[sequence[-1]] in _ISOLATE_INITIATORS and sequence[-1] in matches:
            continuation = run_starting_at.get(matches[sequence[-1]])
            if continuation is None:
                break
            sequence.extend(continuation)
        sequences.append(sequence)
    return sequences


def _strong_direction(t: str) -> str | None:
    """N0 and N1 treat European and Arabic numbers as right-to-left."""
    if t == "L":
        return "L"
    if t in ("R", "AL", "EN", "AN"):
        return "R"
    return None


def _resolve_weak(t: list[str], sos: str) -> None:
    """W1 to W7 on the types of one isolating run sequence, in place."""
    n = len(t)
    for k in range(n):  # W1
        if t[k] == "NSM":
            if k == 0:
                t[k] = sos
            else:
                t[k] = "ON" if t[k - 1] in _ISOLATE_CONTROLS else t[k - 1]
    last_strong = sos
    for k in range(n):  # W2
        if t[k] in _STRONG:
            last_strong = t[k]
        elif t[k] == "EN" and last_strong == "AL":
            t[k] = "AN"
    for k in range(n):  # W3
        if t[k] == "AL":
            t[k] = "R"
    for k in range(1, n - 1):  # W4
        if t[k] == "ES" and t[k - 1] == "EN" and t[k + 1] == "EN":
            t[k] = "EN"
        elif t[k] == "CS" and t[k - 1] == t[k + 1] and t[k - 1] in ("EN", "AN"):
            t[k] = t[k - 1]
    k = 0
    while k < n:  # W5
        if t[k] == "ET":
            start = k
            while k < n and t[k] == "ET":
                k += 1
            if (start > 0 and t[start - 1] == "EN") or (k < n and t[k] == "EN"):
                t[start:k] = ["EN"] * (k - start)
        else:
            k += 1
    for k in range(n):  # W6
        if t[k] in ("ES", "ET", "CS"):
            t[k] = "ON"
    last_strong = sos
    for k in range(n):  # W7
        if t[k] in ("L", "R"):
            last_strong = t[k]
        elif t[k] == "EN" and last_strong == "L":
            t[k] = "L"


def _resolve_brackets(t: list[str], chars: list[str], original: list[str], sos: str, embedding: str) -> None:
    """N0: paired brackets take the direction of what they enclose (or of their context)."""
    pairs: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for k, ch in enumerate(chars):
        if t[k] != "ON":
            continue
        if ch in _OPENING_TO_CLOSING:
            if len(stack) == 63:
                break
            stack.append((_bracket_key(_OPENING_TO_CLOSING[ch]), k))
        elif ch in _CLOSING:
            key = _bracket_key(ch)
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == key:
                    pairs.append((stack[depth][1], k))
                    del stack[depth:]
                    break
    opposite = "R" if embedding == "L" else "L"
    for opening, closing in sorted(pairs):
        inside = {_strong_direction(t[k]) for k in range(opening + 1, closing)}
        if embedding in inside:
            direction = embedding
        elif opposite in inside:
            context = sos
            for k in range(opening - 1, -1, -1):
                found = _strong_direction(t[k])
                if found:
                    context = found
                    break
            direction = opposite if context == opposite else embedding
        else:
            continue
        for bracket in (opening, closing):
            t[bracket] = direction
            k = bracket + 1
            while k < len(t) and original[k] == "NSM":
                t[k] = direction
                k += 1


def _resolve_neutrals(t: list[str], sos: str, eos: str, embedding: str) -> None:
    """N1 and N2: runs of neutrals and isolate controls take their context's direction."""
    n = len(t)
    k = 0
    while k < n:
        if t[k] not in _NEUTRALS:
            k += 1
            continue
        start = k
        while k < n and t[k] in _NEUTRALS:
            k += 1
        before = sos if start == 0 else (_strong_direction(t[start - 1]) or embedding)
        after = eos if k == n else (_strong_direction(t[k]) or embedding)
        t[start:k] = [before if before == after else embedding] * (k - start)


def resolve_levels(text: str, base_level: int) -> list[int | None]:
    """Resolved embedding level of every character of one line after rule L1.

    Characters removed by rule X9 (embedding controls, PDF, boundary neutrals) get ``None``.
    """
    n = len(text)
    classes = [bidi_class(c) for c in text]
    matches = _matching_pdis(classes)
    levels, types = _explicit_levels(classes, base_level, matches)
    retained = [i for i in range(n) if classes[i] not in _REMOVED_BY_X9]
    position = {index: k for k, index in enumerate(retained)}
    resolved: list[int | None] = [None] * n
    for sequence in _isolating_run_sequences(classes, levels, retained, matches):
        level = levels[sequence[0]]
        first, last = position[sequence[0]], position[sequence[-1]]
        before = levels[retained[first - 1]] if first > 0 else base_level
        if classes[sequence[-1]] in _ISOLATE_INITIATORS or last == len(retained) - 1:
            after = base_level
        else:
            after = levels[retained[last + 1]]
        sos = "R" if max(before, level) % 2 else "L"
        eos = "R" if max(after, level) % 2 else "L"
        embedding = "R" if level % 2 else "L"
        t = [types[i] for i in sequence]
        _resolve_weak(t, sos)
        _resolve_brackets(t, [text[i] for i in sequence], [classes[i] for i in sequence], sos, embedding)
        _resolve_neutrals(t, sos, eos, embedding)
        for index, final in zip(sequence, t, strict=True):  # I1, I2
            if level % 2 == 0:
                resolved[index] = level + {"R": 1, "AN": 2, "EN": 2}.get(final, 0)
            else:
                resolved[index] = level + (1 if final in ("L", "EN", "AN") else 0)
    trailing = True  # L1
    for i in range(n - 1, -1, -1):
        c = classes[i]
        if c in _REMOVED_BY_X9:
            continue
        if c in ("S", "B"):
            resolved[i] = base_level
            trailing = True
        elif trailing and (c == "WS" or c in _ISOLATE_CONTROLS):
            resolved[i] = base_level
        else:
            trailing = False
    return resolved


def visual_order(text: str, base_level: int) -> list[tuple[int, str]]:
    """One line in display order, left to right: (logical index, character to draw) pairs.

    Characters at odd (right-to-left) levels are mirrored where a mirrored glyph exists. A
    combining mark stays after the character it belongs to even inside a reversed run, so that
    zero-width marks drawn after their base land on it. Directional controls are omitted.
    """
    if base_level == 0 and not has_rtl(text):
        # Every resolved level is even (nothing right-to-left, no right-to-left embedding, override
        # or isolate), so rule L2 reverses nothing and L4 mirrors nothing: the logical order,
        # without what X9 removes and without the directional controls.
        return [
            (i, char)
            for i, char in enumerate(text)
            if char not in DIRECTIONAL_CONTROLS and bidi_class(char) not in _REMOVED_BY_X9
        ]
    levels = resolve_levels(text, base_level)
    clusters: list[list[int]] = []
    for i, level in enumerate(levels):
        if level is None:
            continue
        if (
            clusters
            and bidi_class(text[i]) == "NSM"
            and levels[clusters[-1][0]] == level
            and text[clusters[-1][0]] not in DIRECTIONAL_CONTROLS
        ):
            clusters[-1].append(i)
        else:
            clusters.append([i])
    if clusters:
        cluster_levels = [levels[cluster[0]] or 0 for cluster in clusters]
        highest = max(cluster_levels)
        lowest_odd = min(cluster_levels) | 1
        for level in range(highest, lowest_odd - 1, -1):  # L2
            k = 0
            while k < len(clusters):
                if cluster_levels[k] < level:
                    k += 1
                    continue
                start = k
                while k < len(clusters) and cluster_levels[k] >= level:
                    k += 1
                clusters[start:k] = clusters[start:k][::-1]
                cluster_levels[start:k] = cluster_levels[start:k][::-1]
    result: list[tuple[int, str]] = []
    for cluster in clusters:
        for i in cluster:
            char = text[i]
            if char in DIRECTIONAL_CONTROLS:
                continue
            level = levels[i] or 0
            result.append((i, mirror(char) if level % 2 else char))
    return result


def display_text(text: str, base_level: int | None = None) -> str:
    """``text`` as one line in display order; ``base_level`` None means from the text (P2, P3)."""
    level = paragraph_level(text) if base_level is None else base_level
    return "".join(char for _, char in visual_order(text, level))
