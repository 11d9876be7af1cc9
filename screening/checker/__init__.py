"""Static checks of a questionnaire file, reported all at once with positions and hints.

What is checked (codes in `screening.issues`, wording in `screening.issues.MESSAGES`), by module:

- `references`: unknown references with "did you mean" (E010), and what worked examples name;
- `ids`: duplicate ids (E011);
- `items`: sections and items, with the checks particular to each kind of item;
- `conditions` and `comparisons`: conditions read defined values, and comparisons fit the type of
  what they compare (E016);
- `derived`, `scores` and `bands`: derived values read items of the right type, scores over
  unscored answers (E017), score bands that leave gaps, overlap, or do not match the possible
  range (E013–E015);
- `rules` and `content`: rules, requirements, plans, evidence and handout blocks, including sources
  that must be cited (E020) and placeholders in text for patients;
- `cycles`: cycles among items, derived values and scores, naming only the members (E012);
- `reachability`: conditions that can never be true (W001), items that can never be shown (W002)
  and required items that can never be shown (W003).

`Context` (in `context`) carries the file, the definition and the issues through every check.
Cycles and reachability run only when references, ids and types are sound.
"""

from __future__ import annotations

from screening.checker.content import check_content
from screening.checker.context import Context
from screening.checker.cycles import check_cycles
from screening.checker.derived import check_derived
from screening.checker.ids import check_duplicate_ids
from screening.checker.items import check_sections_and_items
from screening.checker.reachability import check_reachability
from screening.checker.references import check_example_references
from screening.checker.rules import check_rules
from screening.checker.scores import check_scores
from screening.definition import Definition
from screening.issues import Code, Issue
from screening.parsing import ParsedFile

__all__ = ["check_definition"]


def check_definition(parsed: ParsedFile, definition: Definition) -> list[Issue]:
    """Every static problem of the file's own content, resolved against the composed definition.

    `definition.questionnaire` is the file's model (for a file with format errors, the part of it
    that validates)."""
    ctx = Context(parsed, definition)
    check_duplicate_ids(ctx)
    check_sections_and_items(ctx)
    check_derived(ctx)
    check_scores(ctx)
    check_rules(ctx)
    check_content(ctx)
    check_example_references(ctx)
    if not ctx.found(Code.UNKNOWN_REFERENCE, Code.DUPLICATE_ID, Code.TYPE_MISMATCH):
        check_cycles(ctx)
        check_reachability(ctx)
    return ctx.issues
