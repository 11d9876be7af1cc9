"""Problems found in questionnaire files, with stable codes, positions and hints.

Every problem prints as `path:line:col: CODE message`, followed by an indented hint when there
is one. Codes are stable: tests and clinic tooling may refer to them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Literal


def did_you_mean(name: str, known: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The hint "did you mean 'x'?" naming the closest of `known`, or None when none is close.

    Shared by the checker, answer validation and the review of acknowledgements."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=cutoff)
    return f"did you mean '{close[0]}'?" if close else None


class Code(Enum):
    """The catalogue of checker codes: value is (code, severity, what it means)."""

    YAML_SYNTAX = ("E001", "error", "the file is not valid YAML")
    DUPLICATE_KEY = ("E002", "error", "a key appears twice in one mapping")
    FORMAT = ("E003", "error", "a value does not fit the questionnaire format")
    UNREADABLE = ("E004", "error", "the file cannot be read")
    UNKNOWN_REFERENCE = ("E010", "error", "a reference names nothing defined")
    DUPLICATE_ID = ("E011", "error", "two definitions share an id")
    CYCLE = ("E012", "error", "values depend on each other in a circle")
    BAND_GAP = ("E013", "error", "score bands leave part of the score's range uncovered")
    BAND_OVERLAP = ("E014", "error", "score bands overlap")
    BAND_RANGE = ("E015", "error", "score bands do not match the score's possible range")
    TYPE_MISMATCH = ("E016", "error", "a comparison does not fit the type of what it compares")
    UNSCORED = ("E017", "error", "a score reads an answer that has no score")
    INCLUDE = ("E018", "error", "an included instrument is missing, broken or not an instrument")
    DUPLICATE_QUESTIONNAIRE = ("E019", "error", "two files define the same questionnaire id")
    NO_SOURCE = ("E020", "error", "a rule cites no source")
    EXAMPLE_FAILED = ("E030", "error", "a worked example does not produce what it expects")
    EXAMPLE_INVALID = ("E031", "error", "a worked example cannot be run")
    NEVER_TRUE = ("W001", "warning", "a condition can never be true")
    NEVER_SHOWN = ("W002", "warning", "an item can never be shown")
    REQUIRED_NEVER_SHOWN = ("W003", "warning", "a required item can never be shown")
    NO_EXAMPLES = ("W004", "warning", "a questionnaire has no worked examples")

    @property
    def code(self) -> str:
        return self.value[0]

    @property
    def severity(self) -> Literal["error", "warning"]:
        return "error" if self.value[1] == "error" else "warning"

    @property
    def meaning(self) -> str:
        return self.value[2]


@dataclass(frozen=True)
class Issue:
    """One problem in one file."""

    path: str
    line: int
    column: int
    code: Code
    message: str
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.code.severity == "error"

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: {self.code.code} {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code.code)
