"""Reading an answers file (docs/contract.md §1): questionnaire id, date, answers and the optional review."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from screening.answers import Problem
from screening.yamlsource import load_yaml, read_source

_KEYS = ("questionnaire", "assessed_on", "answers", "review")


@dataclass(frozen=True)
class AnswersFile:
    """The parts of an answers file; `answers` and `review` are still unvalidated."""

    questionnaire: str
    assessed_on: dt.date | None
    answers: dict[str, Any] = field(default_factory=dict)
    review: dict[str, Any] | None = None


def parse_answers_text(text: str) -> tuple[AnswersFile | None, list[Problem]]:
    """Parse the text of an answers file. Never raises; problems name the key and line."""
    document = load_yaml(text)
    problems = [Problem(f"line {p.position.line}", p.message) for p in document.problems]
    data = document.data
    if problems and data is None:
        return None, problems
    if not isinstance(data, dict):
        return None, [
            *problems,
            Problem("file", "an answers file is a mapping with 'questionnaire' and 'answers'"),
        ]
    for key in data:
        if key not in _KEYS:
            line = document.position((key,)).line
            problems.append(
                Problem(str(key), f"unknown key at line {line}; an answers file has {', '.join(_KEYS)}")
            )
    questionnaire = data.get("questionnaire")
    if not isinstance(questionnaire, str) or not questionnaire:
        problems.append(
            Problem("questionnaire", "missing: name the questionnaire id, e.g. ketamine-trd-intake")
        )
        return None, problems
    assessed_on = data.get("assessed_on")
    if isinstance(assessed_on, str):
        try:
            assessed_on = dt.date.fromisoformat(assessed_on)
        except ValueError:
            problems.append(Problem("assessed_on", "expected a date (YYYY-MM-DD)"))
            assessed_on = None
    elif isinstance(assessed_on, dt.datetime) or (
        assessed_on is not None and not isinstance(assessed_on, dt.date)
    ):
        problems.append(Problem("assessed_on", "expected a date (YYYY-MM-DD)"))
        assessed_on = None
    answers = data.get("answers")
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        problems.append(Problem("answers", "expected a mapping of item id to answer"))
        answers = {}
    review = data.get("review")
    if review is not None and not isinstance(review, dict):
        problems.append(Problem("review", "expected a mapping"))
        review = None
    return AnswersFile(questionnaire, assessed_on, answers, review), problems


def read_answers_file(path: Path) -> tuple[AnswersFile | None, list[Problem]]:
    """Read and parse an answers file; an unreadable file is a problem, not an exception."""
    try:
        text = read_source(path)
    except (OSError, UnicodeDecodeError) as error:
        reason = (
            "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else (error.strerror or "unreadable")
        )
        return None, [Problem("file", f"cannot read the file: {reason}")]
    return parse_answers_text(text)


def dump_answers_file(answers_file: AnswersFile, *, comment: str | None = None) -> str:
    """The text of an answers file, which `parse_answers_text` reads back to the same values.

    Keys keep their order (questionnaire, assessed_on, answers, review); dates are written as
    YYYY-MM-DD; text stays text (YAML quotes whatever would read as another type). `comment`,
    when given, is written first as `#` lines (say where the answers came from).
    """
    data: dict[str, Any] = {"questionnaire": answers_file.questionnaire}
    if answers_file.assessed_on is not None:
        data["assessed_on"] = answers_file.assessed_on
    data["answers"] = dict(answers_file.answers)
    if answers_file.review is not None:
        data["review"] = dict(answers_file.review)
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    header = "".join(f"# {line}\n" if line else "#\n" for line in (comment or "").splitlines())
    return header + body
