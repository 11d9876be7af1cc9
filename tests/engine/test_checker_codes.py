"""Every checker code, from a small broken questionnaire to the exact `path:line:col: CODE message`.

Each case writes its files to a temporary directory, loads them as `python -m screening check`
does, and compares the complete list of issues with the expected one. Positions are not written
as numbers: each expectation names the text the issue must point at (its first character), so a
case reads as "E010 at `item: q11`".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from screening.issues import Code, Issue
from screening.loading import load_catalog

WriteFiles = Callable[[dict[str, str]], Path]  # the `write_files` fixture of conftest.py

# Lines 1-14; cases add items from line 15, or further top-level keys.
BASE = """\
id: demo
kind: instrument
version: 1.0.0
title: Demo
sources:
  src: {short: S, citation: C}
sections:
  - id: main
    title: Main
    items:
      - {id: q1, type: boolean, text: Q1}
      - {id: q2, type: choice, text: Q2, options: [{code: a, label: A, score: 0},
                                                    {code: b, label: B, score: 1}]}
      - {id: n, type: integer, text: N, min: 0, max: 10}
"""

INSTRUMENT = """\
id: inst
kind: instrument
version: 1.0.0
title: Instrument
sources:
  isrc: {short: I, citation: I}
sections:
  - id: isec
    title: I
    items:
      - {id: i1, type: boolean, text: I1}
rules:
  - {id: inst.rule, severity: info, title: T, action: A, source: [isrc], when: {item: i1, eq: true}}
"""

SCREENING = """\
id: scr
kind: screening
version: 1.0.0
title: Screening
includes: [inst]
sources:
  src: {short: S, citation: C}
sections:
  - {id: placed, instrument: inst}
  - id: main
    title: Main
    items:
      - {id: q1, type: boolean, text: Q1}
"""

EXAMPLE = """\
examples:
  - name: base
    answers: {q1: true, q2: a, n: 0}
    expect: {status: candidate, flags: []}
"""


@dataclass(frozen=True)
class At:
    """An expected issue: the text it points at, its code and message, and its hint."""

    text: str
    message: str
    hint: str | None = None
    file: str = "demo.yaml"
    nth: int = 1


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str]
    expected: list[At]
    examples: bool = False
    usable: list[str] = field(default_factory=list)


def demo(text: str) -> dict[str, str]:
    return {"demo.yaml": text}


def rule(rule_id: str, when: str, source: str = "[src]") -> str:
    """One rule line of a `rules:` list (no source when `source` is empty)."""
    cited = f", source: {source}" if source else ""
    return f"  - {{id: {rule_id}, severity: info, title: R, action: A{cited}, when: {when}}}\n"


def item(line: str) -> str:
    """BASE with one more item (line 15)."""
    return BASE + f"      - {line}\n"


CASES = [
    # ---------------------------------------------------------------- E001 YAML syntax
    Case(
        "E001 tab indentation",
        demo("id: demo\nkind: instrument\n\tversion: 1.0.0\n"),
        [
            At(
                "\tversion",
                "E001 YAML syntax error: found character '\\t' that cannot start any token",
                "indent with spaces, not tabs",
            )
        ],
    ),
    Case(
        "E001 unquoted colon in a value",
        demo(BASE.replace("title: Demo", "title: Demo: the sequel")),
        [
            At(
                ": the sequel",
                "E001 YAML syntax error: mapping values are not allowed here",
                "a value containing ': ' must be quoted",
            )
        ],
    ),
    Case(
        "E001 unclosed flow mapping",
        demo(BASE + "      - {id: q3, type: boolean, text: Q3\nrules: []\n"),
        [At(": []", "E001 YAML syntax error: expected ',' or '}', but got ':'")],
    ),
    # ---------------------------------------------------------------- E002 duplicate key
    Case(
        "E002 duplicate key inside an item, and at the top",
        demo(item("{id: q3, type: boolean, text: Q3, text: again}") + "title: Again\n"),
        [
            At(
                "text: again",
                "E002 duplicate key 'text' (first given at line 15)",
                "each key may appear once in a mapping; remove or rename one of them",
            ),
            At(
                "title: Again",
                "E002 duplicate key 'title' (first given at line 4)",
                "each key may appear once in a mapping; remove or rename one of them",
            ),
        ],
    ),
    # ---------------------------------------------------------------- E003 format
    Case(
        "E003 unknown key with did-you-mean",
        demo(item("{id: q3, type: boolean, text: Q3, requried: false}")),
        [
            At(
                "requried",
                "E003 sections[0].items[3].requried: unknown key 'requried'",
                "did you mean 'required'?",
            )
        ],
    ),
    Case(
        "E003 unknown key without a close match",
        demo(BASE + "colour: red\n"),
        [At("colour", "E003 colour: unknown key 'colour'", "remove it, or check the format reference")],
    ),
    Case(
        "E003 unknown item type",
        demo(item("{id: q3, type: bool, text: Q3}")),
        [
            At(
                "{id: q3",
                "E003 sections[0].items[3]: unknown type 'bool'",
                "type is one of 'text', 'date', 'integer', 'number', 'boolean', 'choice', 'multi_choice',"
                " 'group'",
            )
        ],
    ),
    Case(
        "E003 required key missing",
        demo(item("{id: q3, type: boolean}")),
        [At("{id: q3", "E003 sections[0].items[3].text: required key 'text' is missing")],
    ),
    Case(
        "E003 id that breaks the id pattern",
        demo(item("{id: Q3, type: boolean, text: Q3}")),
        [
            At(
                "id: Q3",
                "E003 sections[0].items[3].id: 'Q3' is not a valid id here",
                "use lower-case letters, digits and underscores, starting with a letter",
            )
        ],
    ),
    Case(
        "E003 version that is not MAJOR.MINOR.PATCH",
        demo(BASE.replace("version: 1.0.0", "version: '1.0'")),
        [
            At(
                "version",
                "E003 version: '1.0' is not a valid version",
                "versions are MAJOR.MINOR.PATCH, e.g. 1.0.0",
            )
        ],
    ),
    Case(
        "E003 ids of each kind get the hint for their pattern",
        demo(
            BASE.replace("id: demo", "id: Demo_1")
            + "choice_sets:\n"
            + "  scale: {options: [{code: -b, label: B}]}\n"
            + "rules:\n"
            + rule("CI.Rel", "{item: q1, eq: true}")
        ),
        [
            At(
                "id: Demo_1",
                "E003 id: 'Demo_1' is not a valid id here",
                "use lower-case letters, digits and hyphens, e.g. ketamine-trd-intake",
            ),
            At(
                "code: -b",
                "E003 choice_sets.scale.options[0].code: '-b' is not a valid id here",
                "codes are letters, digits, '_', '.' and '-', starting with a letter or digit",
            ),
            At(
                "id: CI.Rel",
                "E003 rules[0].id: 'CI.Rel' is not a valid id here",
                "rule ids are dotted lower-case words, e.g. ci.rel.hypertension_history",
            ),
        ],
    ),
    Case(
        "E003 two operators in one comparison",
        demo(item("{id: q3, type: boolean, text: Q3, show_if: {item: q1, eq: true, ne: false}}")),
        [
            At(
                "show_if",
                "E003 sections[0].items[3].show_if: a comparison has exactly one operator: eq, ne,"
                " in, not_in, gt, gte, lt, lte, contains or band (found eq, ne)",
            )
        ],
    ),
    Case(
        "E003 a typo in an inline option names the option, not the choice-set alternative",
        demo(item("{id: q3, type: choice, text: Q3, options: [{code: x, label: X}, {code: y, lable: Y}]}")),
        [
            At("{code: y", "E003 sections[0].items[3].options[1].label: required key 'label' is missing"),
            At(
                "lable",
                "E003 sections[0].items[3].options[1].lable: unknown key 'lable'",
                "did you mean 'label'?",
            ),
        ],
    ),
    Case(
        "E003 an empty file",
        demo(""),
        [At("", "E003 the file is empty")],
    ),
    Case(
        "E003 a file that is not a mapping",
        demo("- a\n- b\n"),
        [At("- a", "E003 a questionnaire file is a mapping of keys")],
    ),
    Case(
        "E003 an instrument that includes",
        demo(BASE.replace("kind: instrument", "kind: instrument\nincludes: [other]")),
        [
            At(
                "id: demo",
                "E003 the file: an instrument cannot include other questionnaires; make it a screening",
            )
        ],
    ),
    Case(
        "E003 min above max, conditions inside a group, a field outside a count",
        demo(
            item("{id: q3, type: integer, text: Q3, min: 5, max: 1}")
            + "      - {id: g, type: group, text: G, fields: [{id: f, type: boolean, text: F,"
            " show_if: {item: q1, eq: true}}]}\n"
            + "      - {id: q4, type: boolean, text: Q4, show_if: {field: f, eq: true}}\n"
        ),
        [
            At("min: 5", "E003 item 'q3': min is above max"),
            At(
                "show_if: {item: q1",
                "E003 field 'f': conditions inside a repeating group are not supported",
                "ask the question for every row, or move it out of the group",
            ),
            At(
                "field: f",
                "E003 'field: f' is only valid inside the 'where' of a count",
                "use 'item:' to compare an item",
            ),
            # A comparison on a field outside a count is always unknown, so the item is never asked.
            At(
                "show_if: {field",
                "W003 required item 'q4' can never be shown: its condition can never be true",
                "check the condition; an item that is never asked is never answered",
            ),
        ],
    ),
    # ---------------------------------------------------------------- E010 unknown reference
    Case(
        "E010 unknown item with did-you-mean",
        demo(item("{id: q3, type: boolean, text: Q3, show_if: {item: q11, eq: true}}")),
        [At("item: q11", "E010 unknown item 'q11'", "did you mean 'q1'?")],
    ),
    Case(
        "E010 unknown source with did-you-mean, unknown parameter and choice set",
        demo(
            item("{id: q3, type: boolean, text: Q3, show_if: {item: q1, eq: {param: limit}}}")
            + "      - {id: q4, type: choice, text: Q4, options: scale}\n"
            + "rules:\n"
            + rule("r.one", "{item: q1, eq: true}", "[scr]")
        ),
        [
            At("eq: {param", "E010 unknown parameter 'limit'", "add it under 'parameters'"),
            At("options: scale", "E010 unknown choice set 'scale'", "add it under 'choice_sets'"),
            At("scr]", "E010 unknown source 'scr'", "did you mean 'src'?"),
        ],
    ),
    Case(
        "E010 an item compared as a score",
        demo(item("{id: q3, type: boolean, text: Q3, show_if: {score: q2, gt: 0}}")),
        [At("score: q2", "E010 'q2' is an item, not a score", "write 'item: q2'")],
    ),
    Case(
        "E010 unknown plan and an unplaced instrument section",
        {
            "inst.yaml": INSTRUMENT,
            "scr.yaml": SCREENING.replace("instrument: inst}", "instrument: other}")
            + "handout:\n  - {id: h, heading: H, plans: [iv-induction]}\n",
        },
        [
            At(
                "instrument: other",
                "E010 section places instrument 'other', which is not in 'includes'",
                "add it to 'includes'",
                file="scr.yaml",
            ),
            At("iv-induction", "E010 unknown plan 'iv-induction'", file="scr.yaml"),
        ],
        usable=["inst"],
    ),
    Case(
        "E010 and E016 doses by age without an age, from parameters that are not (positive) numbers",
        demo(
            BASE
            + "parameters:\n  word: {title: W, value: old}\n  zero: {title: Z, value: 0}\n"
            + "plans:\n  - id: spray\n    title: S\n    drug: D\n    route: R\n    regulatory: X\n"
            + "    off_label: false\n    schedule: S\n    sessions: [{day: 1}]\n    observation: O\n"
            + "    patient_summary: P\n    dose:\n      kind: fixed\n      first_session_mg: 56\n"
            + "      later_session_mg: [56]\n      description: D\n"
            + "      older_adult: {from_age: {param: word}, first_session_mg: {param: zero}}\n"
        ),
        [
            At(
                "older_adult",
                "E010 plan 'spray' sets doses by age, but the questionnaire has no age",
                "add a derived value of kind age_years",
            ),
            At("from_age", "E016 parameter 'word' is not a number", "'from_age' of plan 'spray' needs one"),
            At(
                "first_session_mg: {param: zero}",
                "E016 parameter 'zero' is not a positive number",
                "'first_session_mg' of plan 'spray' needs one",
            ),
        ],
    ),
    Case(
        "E010 and E011 plan phases: a duplicate phase, a session of an unknown phase, a step's source",
        demo(
            BASE
            + "plans:\n  - id: spray\n    title: S\n    drug: D\n    route: R\n    regulatory: X\n"
            + "    off_label: false\n    schedule: S\n    observation: O\n    patient_summary: P\n"
            + "    dose: {kind: fixed, first_session_mg: 56, later_session_mg: [56], description: D}\n"
            + "    phases:\n"
            + "      - {id: induction, title: I, weeks: 1-4, frequency: Twice weekly}\n"
            + "      - {id: induction, title: I2, weeks: 5-8, frequency: Weekly}\n"
            + "    before_first_session:\n      - {title: Enroll, text: T, source: [rems]}\n"
            + "    sessions: [{day: 1, phase: induction}, {day: 4, phase: inductoin}]\n"
        ),
        [
            At("id: induction, title: I2", "E011 plan 'spray': duplicate phase id 'induction'"),
            At("rems", "E010 unknown source 'rems'", "add it under 'sources'"),
            At(
                "phase: inductoin",
                "E010 plan 'spray': unknown phase 'inductoin'",
                "did you mean 'induction'?",
            ),
        ],
    ),
    # ---------------------------------------------------------------- E011 duplicate id
    Case(
        "E011 duplicate item id in one file",
        demo(item("{id: q1, type: boolean, text: again}")),
        [
            At(
                "id: q1",
                "E011 duplicate id 'q1' (item); first defined at line 11",
                "ids of items, derived values and scores share one namespace",
                nth=2,
            )
        ],
    ),
    Case(
        "E011 a score with an item's id, duplicate option code and band label",
        demo(
            item("{id: q3, type: choice, text: Q3, options: [{code: x, label: X}, {code: x, label: Y}]}")
            + "scores:\n"
            + "  - id: q1\n"
            + "    title: T\n"
            + "    items: [q2]\n"
            + "    bands: [{min: 0, max: 0, label: Low}, {min: 1, max: 1, label: Low}]\n"
        ),
        [
            At("code: x, label: Y", "E011 duplicate option code 'x'"),
            At(
                "id: q1",
                "E011 duplicate id 'q1' (score); first defined at line 11",
                "ids of items, derived values and scores share one namespace",
                nth=2,
            ),
            At("label: Low}]", "E011 duplicate band 'Low'"),
        ],
    ),
    Case(
        "E011 an id already defined by an included instrument, and a rule id too",
        {
            "inst.yaml": INSTRUMENT,
            "scr.yaml": SCREENING
            + "      - {id: i1, type: boolean, text: again}\n"
            + "rules:\n"
            + "  - {id: inst.rule, severity: info, title: T, action: A, source: [src],"
            " when: {item: q1, eq: true}}\n",
        },
        [
            At(
                "id: i1",
                "E011 'i1' is already defined by the included instrument 'inst'",
                "rename it here, or do not redefine what the instrument provides",
                file="scr.yaml",
            ),
            At(
                "id: inst.rule",
                "E011 rule 'inst.rule' is already defined by the included instrument 'inst'",
                file="scr.yaml",
            ),
        ],
        usable=["inst"],
    ),
    Case(
        "E011 duplicate rule id",
        demo(
            BASE + "rules:\n" + rule("r.one", "{item: q1, eq: true}") + rule("r.one", "{item: q1, eq: false}")
        ),
        [At("id: r.one", "E011 duplicate rule id 'r.one'; first defined at line 16", nth=2)],
    ),
    # ---------------------------------------------------------------- E012 cycle
    Case(
        "E012 a cycle names only its members",
        demo(
            item("{id: a, type: boolean, text: A, show_if: {derived: da, eq: true}}")
            + "      - {id: b, type: boolean, text: B, show_if: {item: a, eq: true}}\n"
            + "derived:\n"
            + "  - {id: da, kind: condition, title: DA, when: {item: b, eq: true}}\n"
            + "  - {id: reads_cycle, kind: condition, title: R, when: {derived: da, eq: true}}\n"
        ),
        [
            At(
                "show_if: {derived: da",
                "E012 cycle: a → b → da → a",
                "a value cannot depend, directly or through others, on itself",
            )
        ],
    ),
    Case(
        "E012 a derived value that reads itself",
        demo(BASE + "derived:\n  - {id: me, kind: condition, title: Me, when: {derived: me, eq: true}}\n"),
        [
            At(
                "id: me",
                "E012 cycle: me → me",
                "a value cannot depend, directly or through others, on itself",
            )
        ],
    ),
    # ---------------------------------------------------------------- E013-E015 bands
    Case(
        "E013 band gap inside, below and above the range",
        demo(
            item(
                "{id: q2b, type: choice, text: Q2b,"
                " options: [{code: a, label: A, score: 0}, {code: b, label: B, score: 1}]}"
            )
            + "scores:\n"
            + "  - {id: gap, title: G, items: [q2, q2b],"
            " bands: [{min: 0, max: 0, label: L}, {min: 2, max: 2, label: H}]}\n"
            + "  - {id: low, title: L, items: [q2], bands: [{min: 1, max: 1, label: L}]}\n"
            + "  - {id: high, title: H, items: [q2], bands: [{min: 0, max: 0, label: L}]}\n"
        ),
        [
            At("min: 2", "E013 score 'gap': no band covers 1"),
            At("min: 1, max: 1", "E013 score 'low': no band covers 0 (the score ranges 0–1)"),
            At("max: 0, label: L}]}", "E013 score 'high': no band covers 1 (the score ranges 0–1)"),
        ],
    ),
    Case(
        "E014 band overlap, and a band whose min is above its max",
        demo(
            BASE + "scores:\n" + "  - {id: over, title: O, items: [q2],"
            " bands: [{min: 0, max: 1, label: L}, {min: 1, max: 1, label: H}]}\n"
            + "  - {id: upside, title: U, items: [q2], bands: [{min: 1, max: 0, label: L}]}\n"
        ),
        [
            At("min: 1, max: 1", "E014 score 'over': bands 'L' and 'H' overlap at 1"),
            At("{min: 1, max: 0", "E014 band 'L': min is above max"),
        ],
    ),
    Case(
        "E015 bands beyond the possible range, and a range that cannot be worked out",
        demo(
            item("{id: free, type: integer, text: Free}")
            + "scores:\n"
            + "  - {id: wide, title: W, items: [q2],"
            " bands: [{min: -1, max: 0, label: L}, {min: 1, max: 5, label: H}]}\n"
            + "  - {id: open, title: O, terms: [{item: free}], bands: [{min: 0, max: 9, label: L}]}\n"
        ),
        [
            At("min: -1", "E015 score 'wide': band 'L' starts at -1, below the lowest possible score 0"),
            At("max: 5", "E015 score 'wide': band 'H' ends at 5, above the highest possible score 1"),
            At(
                "bands: [{min: 0, max: 9",
                "E015 the range of score 'open' cannot be worked out",
                "give numeric items of the score a min and max, or map them to points",
            ),
        ],
    ),
    # ---------------------------------------------------------------- E016 type mismatch
    Case(
        "E016 choice code not among the options",
        demo(item("{id: q3, type: boolean, text: Q3, show_if: {item: q2, eq: c}}")),
        [At("eq: c", "E016 'c' is not a choice of 'q2'", "choices are: a, b")],
    ),
    Case(
        "E016 choice code with did-you-mean",
        demo(
            BASE.replace("{code: b, label: B, score: 1}", "{code: often, label: B, score: 1}")
            + "      - {id: q3, type: boolean, text: Q3, show_if: {item: q2, in: [a, oftne]}}\n"
        ),
        [At("in: [a", "E016 'oftne' is not a choice of 'q2'", "did you mean 'often'?")],
    ),
    Case(
        "E016 operand of the wrong type",
        demo(item("{id: q3, type: boolean, text: Q3, show_if: {item: n, eq: 'five'}}")),
        [At("eq: 'five'", "E016 'n' is the number and cannot be compared with 'five'")],
    ),
    Case(
        "E016 operator that does not apply to the type",
        demo(item("{id: q3, type: boolean, text: Q3, show_if: {item: q1, gt: 3}}")),
        [At("gt: 3", "E016 'gt' does not apply to the yes/no item 'q1'", "use one of: eq, ne, in, not_in")],
    ),
    Case(
        "E016 unknown band label",
        demo(
            item("{id: q3, type: boolean, text: Q3, show_if: {score: total, band: Hgh}}")
            + "scores:\n"
            + "  - {id: total, title: T, items: [q2],"
            " bands: [{min: 0, max: 0, label: Low}, {min: 1, max: 1, label: High}]}\n"
        ),
        [At("band: Hgh", "E016 score 'total' has no band 'Hgh'", "bands are: Low, High")],
    ),
    Case(
        "E016 'in' without a list, and ordering unscored choices",
        demo(
            item("{id: q3, type: boolean, text: Q3, show_if: {item: n, in: {param: limit}}}")
            + "      - {id: u, type: choice, text: U, options: [{code: x, label: X}, {code: y, label: Y}]}\n"
            + "      - {id: q4, type: boolean, text: Q4, show_if: {item: u, gte: x}}\n"
            + "parameters:\n"
            + "  limit: {title: L, value: 5}\n"
        ),
        [
            At("in: {param", "E016 'in' takes a list of values"),
            At(
                "gte: x",
                "E016 'gte' orders the choices of 'u' by score, but not every choice has a score",
                "compare codes with eq / in instead",
            ),
        ],
    ),
    # ---------------------------------------------------------------- E017 unscored
    Case(
        "E017 a score over a choice without scores",
        demo(
            item(
                "{id: u, type: choice, text: U,"
                " options: [{code: x, label: X, score: 0}, {code: y, label: Y}]}"
            )
            + "scores:\n"
            + "  - {id: total, title: T, items: [u], bands: [{min: 0, max: 0, label: L}]}\n"
        ),
        [
            At(
                "u], bands",
                "E017 'u' is scored but its choices y have no score",
                "give every option a score, or leave the item out of the score",
            )
        ],
    ),
    # ---------------------------------------------------------------- E018 includes
    Case(
        "E018 unknown include with did-you-mean, and a screening that is not an instrument",
        {
            "inst.yaml": INSTRUMENT,
            "other.yaml": SCREENING.replace("id: scr", "id: other"),
            "scr.yaml": SCREENING.replace("includes: [inst]", "includes: [insts, other]").replace(
                "instrument: inst}", "instrument: other}"
            ),
        },
        [
            At(
                "insts",
                "E018 includes 'insts', which is not a questionnaire in this directory",
                "did you mean 'inst'?",
                file="scr.yaml",
            ),
            At("other]", "E018 includes 'other', which is not an instrument", file="scr.yaml"),
        ],
        usable=["inst", "other"],
    ),
    Case(
        "E018 an instrument with a checker error makes the screening unusable",
        {
            "inst.yaml": INSTRUMENT.replace("{item: i1, eq: true}", "{item: i2, eq: true}"),
            "scr.yaml": SCREENING,
        },
        [
            At("item: i2", "E010 unknown item 'i2'", file="inst.yaml"),
            At(
                "inst]",
                "E018 includes 'inst', which has errors (inst.yaml)",
                "fix that file first; this questionnaire cannot be used until then",
                file="scr.yaml",
            ),
        ],
    ),
    Case(
        "E018 an instrument with a format error makes the screening unusable",
        {
            "inst.yaml": INSTRUMENT.replace("title: Instrument", "title: Instrument\ntitel: typo"),
            "scr.yaml": SCREENING,
        },
        [
            At("titel", "E003 titel: unknown key 'titel'", "did you mean 'title'?", file="inst.yaml"),
            At(
                "inst]",
                "E018 includes 'inst', which has errors (inst.yaml)",
                "fix that file first; this questionnaire cannot be used until then",
                file="scr.yaml",
            ),
        ],
    ),
    # ---------------------------------------------------------------- E019 duplicate questionnaire
    Case(
        "E019 two files with one questionnaire id",
        {"a.yaml": BASE, "b.yaml": BASE},
        [
            At(
                "id: demo",
                "E019 questionnaire id 'demo' is also defined in a.yaml",
                "give each questionnaire file its own id",
                file="b.yaml",
            )
        ],
        usable=["demo"],
    ),
    # ---------------------------------------------------------------- E020 no source
    Case(
        "E020 a rule and a requirement without a source",
        demo(
            BASE
            + "rules:\n"
            + "  - {id: r.one, severity: info, title: R, action: A, when: {item: q1, eq: true}}\n"
            + "requirements:\n"
            + "  - {id: need, title: N, unmet: U, when: {item: q1, eq: true}}\n"
        ),
        [
            At(
                "id: r.one",
                "E020 rule 'r.one' cites no source",
                "every rule cites where it comes from: add 'source: [id]' naming an entry of 'sources'",
            ),
            At("id: need", "E020 requirement 'need' cites no source"),
        ],
    ),
    # ---------------------------------------------------------------- E030 / E031 examples
    Case(
        "E030 an example that does not produce what it expects, one line per difference",
        demo(
            BASE
            + "rules:\n"
            + rule("r.zero", "{item: n, lte: 0}")
            + EXAMPLE.replace("flags: []", "flags: [r.zero]")
            + "  - name: wrong\n"
            + "    extends: base\n"
            + "    answers: {n: 5}\n"
            + "    expect: {status: incomplete, flags: [r.zero], missing: [q1]}\n"
            + "  - name: rejected\n"
            + "    answers: {q1: maybe, q2: a, n: 0}\n"
            + "    expect: {flags: [r.zero]}\n"
        ),
        [
            At(
                "expect: {status: incomplete",
                "E030 example 'wrong': status is 'candidate', expected 'incomplete'"
                " (flags: none; missing: none)",
                "fix the rule or the expectation; the two disagree",
            ),
            At(
                "expect: {status: incomplete",
                "E030 example 'wrong': flags differ: did not fire r.zero",
                "fix the rule or the expectation; the two disagree",
            ),
            At(
                "expect: {status: incomplete",
                "E030 example 'wrong': missing is [], expected [q1]",
                "fix the rule or the expectation; the two disagree",
            ),
            At(
                "expect: {flags: [r.zero]}",
                "E030 example 'rejected': answers were rejected: q1: expected yes or no (true or false)",
                "fix the rule or the expectation; the two disagree",
            ),
        ],
        examples=True,
    ),
    Case(
        "E031 an example that extends an unknown example",
        demo(BASE + EXAMPLE + "  - name: orphan\n    extends: bsae\n    expect: {status: candidate}\n"),
        [
            At(
                "extends: bsae",
                "E031 example 'orphan' extends 'bsae', which is not an example here",
                "did you mean 'base'?",
            )
        ],
        examples=True,
    ),
    Case(
        "E031 examples that extend each other in a circle",
        demo(
            BASE
            + EXAMPLE
            + "  - name: first\n    extends: second\n    expect: {status: candidate}\n"
            + "  - name: second\n    extends: first\n    expect: {status: candidate}\n"
        ),
        [
            At(
                "name: first",
                "E031 example 'first': examples extend each other in a circle: first → second → first",
            ),
            At(
                "name: second",
                "E031 example 'second': examples extend each other in a circle: second → first → second",
            ),
        ],
        examples=True,
        usable=[],
    ),
    # ---------------------------------------------------------------- warnings
    Case(
        "W001 a rule that can never be true",
        demo(
            BASE
            + "rules:\n"
            + rule("r.never", "{item: n, lt: 0}")
            + "  - {id: r.both, severity: info, title: R, action: A, source: [src],"
            " when: {all: [{item: q2, eq: a}, {item: q2, eq: b}]}}\n" + rule("r.edge", "{item: n, lte: 0}")
        ),
        [
            At(
                "when: {item: n, lt: 0}",
                "W001 the condition of rule 'r.never' can never be true",
                "check the values it compares with, and whether the items it reads can be shown",
            ),
            At(
                "when: {all",
                "W001 the condition of rule 'r.both' can never be true",
                "check the values it compares with, and whether the items it reads can be shown",
            ),
        ],
        usable=["demo"],
    ),
    Case(
        "W002 optional items that can never be shown, also through another never-shown item",
        demo(
            item("{id: opt, type: boolean, text: O, required: false, show_if: {item: n, gt: 10}}")
            + "      - {id: dep, type: boolean, text: D, required: false, show_if: {item: opt, eq: true}}\n"
        ),
        [
            At("show_if: {item: n", "W002 item 'opt' can never be shown: its condition can never be true"),
            At("show_if: {item: opt", "W002 item 'dep' can never be shown: its condition can never be true"),
        ],
        usable=["demo"],
    ),
    Case(
        "W003 a required item that can never be shown",
        demo(
            item(
                "{id: req, type: boolean, text: R,"
                " show_if: {all: [{item: q1, eq: true}, {not: {answered: q1}}]}}"
            )
        ),
        [
            At(
                "show_if",
                "W003 required item 'req' can never be shown: its condition can never be true",
                "check the condition; an item that is never asked is never answered",
                nth=1,
            )
        ],
        usable=["demo"],
    ),
    Case(
        "W004 a questionnaire without worked examples",
        demo(BASE),
        [
            At(
                "id: demo",
                "W004 questionnaire 'demo' has no worked examples",
                "add 'examples:' with answers and what they must produce; check runs them",
            )
        ],
        examples=True,
        usable=["demo"],
    ),
]


def _position(text: str, needle: str, nth: int) -> tuple[int, int]:
    """1-based line and column of the nth occurrence of `needle` (1:1 for an empty needle)."""
    if not needle:
        return 1, 1
    index = -1
    for _ in range(nth):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _render(issue: Issue, directory: Path) -> str:
    return str(issue).replace(f"{directory}/", "")


def _expected(case: Case, directory: Path) -> list[str]:
    lines = []
    for at in case.expected:
        line, column = _position(case.files[at.file], at.text, at.nth)
        text = f"{at.file}:{line}:{column}: {at.message}"
        if at.hint:
            text += f"\n    hint: {at.hint}"
        lines.append(text)
    return sorted(lines)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_checker_reports_exactly(case: Case, write_files: WriteFiles) -> None:
    directory = write_files(case.files)
    catalog = load_catalog([directory], run_examples=case.examples)
    issues = [str(issue).replace(f"{directory}/", "") for issue in catalog.issues]
    assert sorted(issues) == _expected(case, directory)
    assert sorted(catalog.definitions) == sorted(case.usable)


def test_every_checker_code_has_a_case() -> None:
    covered = {at.message.split(" ", 1)[0] for case in CASES for at in case.expected}
    covered.add(Code.UNREADABLE.code)  # test_unreadable_file_is_e004 below
    assert covered == {code.code for code in Code}


def test_unreadable_file_is_e004_and_the_others_still_load(write_files: WriteFiles) -> None:
    directory = write_files({"demo.yaml": BASE})
    (directory / "latin1.yaml").write_bytes("id: caf\xe9\n".encode("latin-1"))
    catalog = load_catalog([directory], run_examples=False)
    assert [_render(issue, directory) for issue in catalog.issues] == [
        "latin1.yaml:1:1: E004 cannot read the file: not UTF-8 text"
    ]
    assert sorted(catalog.definitions) == ["demo"]


def test_every_problem_of_a_file_is_reported_in_one_run(write_files: WriteFiles) -> None:
    """A format error does not hide the cross-reference problems of the rest of the file."""
    text = (
        item("{id: q3, type: boolean, text: Q3, requried: false}")
        + "      - {id: q4, type: boolean, text: Q4, show_if: {item: q5, eq: true}}\n"
        + "      - {id: q5, type: boolean, text: Q5, help: H, help: again}\n"
        + "scores:\n"
        + "  - {id: total, title: T, items: [q2], bands: [{min: 1, max: 1, label: L}]}\n"
        + "rules:\n"
        + rule("r.one", "{item: q11, eq: true}", "[scr]")
    )
    directory = write_files({"demo.yaml": text})
    catalog = load_catalog([directory], run_examples=False)
    rendered = [_render(issue, directory).split("\n")[0] for issue in catalog.issues]
    assert [line.split(": ", 1)[1].split(" ", 1)[0] for line in rendered] == [
        "E003",
        "E002",
        "E013",
        "E010",
        "E010",
    ], rendered
    assert any("unknown key 'requried'" in line for line in rendered)
    assert any("duplicate key 'help'" in line for line in rendered)
    assert any("unknown source 'scr'" in line for line in rendered)
    assert any("unknown item 'q11'" in line for line in rendered)
    # q4 reads q5, which is well-formed: no false alarm about it.
    assert not any("'q5'" in line for line in rendered)
    assert catalog.definitions == {}


def test_an_item_left_out_for_a_format_error_raises_no_false_unknown_reference(
    write_files: WriteFiles,
) -> None:
    text = (
        item("{id: q3, type: bool, text: Q3}")
        + "      - {id: q4, type: boolean, text: Q4, show_if: {item: q3, eq: true}}\n"
    )
    directory = write_files({"demo.yaml": text})
    catalog = load_catalog([directory], run_examples=False)
    codes = [issue.code.code for issue in catalog.issues]
    assert codes == ["E003"], [str(issue) for issue in catalog.issues]


def test_one_broken_file_does_not_stop_the_others(write_files: WriteFiles) -> None:
    directory = write_files(
        {
            "broken.yaml": INSTRUMENT.replace("id: inst", "id: broken").replace(
                "version: 1.0.0", "version: x"
            ),
            "inst.yaml": INSTRUMENT,
            "scr.yaml": SCREENING.replace("includes: [inst]", "includes: [inst, broken]"),
            "uses-good.yaml": SCREENING.replace("id: scr", "id: uses-good"),
            "demo.yaml": BASE,
        }
    )
    catalog = load_catalog([directory], run_examples=False)
    assert sorted(catalog.definitions) == ["demo", "inst", "uses-good"]
    errors = {(Path(issue.path).name, issue.code.code) for issue in catalog.errors}
    assert errors == {("broken.yaml", "E003"), ("scr.yaml", "E018")}
    include = next(issue for issue in catalog.errors if issue.code is Code.INCLUDE)
    assert "'broken'" in include.message


def test_issues_print_as_path_line_column_code_message_and_hint() -> None:
    issue = Issue("q.yaml", 12, 7, Code.UNKNOWN_REFERENCE, "unknown item 'x'", "did you mean 'y'?")
    assert str(issue) == "q.yaml:12:7: E010 unknown item 'x'\n    hint: did you mean 'y'?"
    assert str(Issue("q.yaml", 1, 1, Code.NO_EXAMPLES, "none")) == "q.yaml:1:1: W004 none"
    assert issue.is_error
    assert not Issue("q.yaml", 1, 1, Code.NEVER_TRUE, "x").is_error


def test_checker_codes_are_unique_and_well_formed() -> None:
    codes = [code.code for code in Code]
    assert len(codes) == len(set(codes))
    for code in Code:
        assert code.code[0] == ("E" if code.severity == "error" else "W"), code
        assert code.code[1:].isdigit() and len(code.code) == 4
        assert code.meaning
