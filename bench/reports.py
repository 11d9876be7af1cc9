"""Benchmark of the documents: both PDFs of a full screening against plain ReportLab.

    python bench/reports.py [--repeats N]

Measures, with ``time.perf_counter`` and the median of several runs, side by side in one process:

1. ``build_documents`` for the example answers (clinician summary and patient handout,
   story construction included);
2. a plain ReportLab build of the same content: the paragraphs and tables of both stories are
   extracted once (markup, styles, column widths, table styles), then each run makes plain
   ``Paragraph`` and ``Table`` flowables from them and lays them out with the same fonts, page size
   and margins, and a one-line footer per page. No font fallback, bidi, drawability check,
   splitting tables or "Page X of Y".

The ratio of (1) to (2) is the cost of the safety and layout logic; the goal is 1.2 or less.
Prints readable lines, then one JSON object as the very last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from a checkout, without installing

from reportlab.lib.pagesizes import LETTER  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from screening.answers_file import read_answers_file  # noqa: E402
from screening.assessment import Assessment  # noqa: E402
from screening.config import ClinicSettings  # noqa: E402
from screening.definition import Definition  # noqa: E402
from screening.documents.build import build_documents  # noqa: E402
from screening.documents.clinician import clinician_footer, clinician_story  # noqa: E402
from screening.documents.content import Citations, lifecycle_of  # noqa: E402
from screening.documents.handout import handout_story  # noqa: E402
from screening.documents.writer import Warnings, Writer  # noqa: E402
from screening.engine import assess  # noqa: E402
from screening.loading import BUNDLED_DIRECTORY, load_catalog  # noqa: E402
from screening.typeset import (  # noqa: E402
    BODY_FONT,
    CLINICIAN_STYLES,
    HANDOUT_STYLES,
    Margins,
    SplittingTable,
    TextParagraph,
    register_fonts,
)

EXAMPLE_ANSWERS = ROOT / "tests" / "documents" / "golden" / "answers-example.yaml"
GENERATED_AT = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
SETTINGS = ClinicSettings(name="Riverside Interventional Psychiatry", phone="+1 555 0100")
GOAL = 1.2


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    times: list[float] = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ---------------------------------------------------------------------------------------------
# The plain ReportLab side: the same content as specs, turned into plain flowables on each run.


@dataclass(frozen=True)
class ParagraphSpec:
    markup: str
    style: Any
    bullet: str | None


@dataclass(frozen=True)
class TableSpec:
    rows: list[list[list[ParagraphSpec]]]
    weights: list[float]
    header_rows: int
    commands: list[tuple[Any, ...]]


@dataclass(frozen=True)
class GapSpec:
    height: float
    conditional: bool


Spec = ParagraphSpec | TableSpec | GapSpec


def extract(story: Sequence[Any]) -> list[Spec]:
    """The content of a story as specs: paragraph markup and style, tables, spaces."""
    specs: list[Spec] = []
    for flowable in story:
        if isinstance(flowable, TextParagraph):
            specs.append(ParagraphSpec(flowable.text, flowable.style, flowable.bulletText))
        elif isinstance(flowable, SplittingTable):
            rows = [
                [
                    [
                        ParagraphSpec(p.text, p.style, p.bulletText)
                        for p in cell
                        if isinstance(p, TextParagraph)
                    ]
                    for cell in row
                ]
                for row in [*flowable.header, *flowable.body]
            ]
            commands = flowable.style_commands(len(flowable.header), len(flowable.body), 0)
            specs.append(TableSpec(rows, list(flowable.col_weights), len(flowable.header), commands))
        elif isinstance(flowable, CondPageBreak):
            specs.append(GapSpec(float(flowable.height), True))
        elif isinstance(flowable, Spacer):
            specs.append(GapSpec(float(flowable.height), False))
    return specs


def plain_flowables(specs: Sequence[Spec], width: float) -> list[Any]:
    story: list[Any] = []
    for spec in specs:
        if isinstance(spec, ParagraphSpec):
            story.append(Paragraph(spec.markup, spec.style, bulletText=spec.bullet))
        elif isinstance(spec, TableSpec):
            total = sum(spec.weights)
            data = [
                [[Paragraph(p.markup, p.style, bulletText=p.bullet) for p in cell] for cell in row]
                for row in spec.rows
            ]
            style = TableStyle(
                [
                    *spec.commands,
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTNAME", (0, 0), (-1, -1), BODY_FONT),
                ]
            )
            story.append(
                Table(
                    data,
                    colWidths=[width * w / total for w in spec.weights],
                    style=style,
                    repeatRows=spec.header_rows,
                )
            )
        elif spec.conditional:
            story.append(CondPageBreak(spec.height))
        else:
            story.append(Spacer(1, spec.height))
    return story


def plain_pdf(specs: Sequence[Spec], footer: str, footer_style: Any) -> bytes:
    margins = Margins()
    width, height = LETTER
    body_width = width - margins.left - margins.right
    buffer = io.BytesIO()
    document = BaseDocTemplate(buffer, pagesize=LETTER, invariant=1, initialFontName=BODY_FONT)
    frame = Frame(margins.left, margins.bottom + 40, body_width, height - margins.top - margins.bottom - 40)

    def on_page(canvas: Any, doc: Any) -> None:
        paragraph = Paragraph(f"{footer} \u00b7 Page {doc.page}", footer_style)
        paragraph.wrap(body_width, 40)
        paragraph.drawOn(canvas, margins.left, margins.bottom)

    document.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    document.build(plain_flowables(specs, body_width))
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------


def load_example() -> tuple[Definition, Assessment]:
    path = EXAMPLE_ANSWERS
    answers, problems = read_answers_file(path)
    assert answers is not None and not problems, problems
    definition = load_catalog([BUNDLED_DIRECTORY], run_examples=False).get(answers.questionnaire)
    assert definition is not None
    assessment = assess(definition, answers.answers, assessed_on=answers.assessed_on, review=answers.review)
    assert not assessment.problems
    return definition, assessment


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=9, help="runs per measurement (median is reported)")
    args = parser.parse_args(argv)
    register_fonts()
    definition, assessment = load_example()
    lifecycle = lifecycle_of(assessment)

    def ours() -> tuple[bytes, bytes]:
        documents = build_documents(definition, assessment, settings=SETTINGS, generated_at=GENERATED_AT)
        return documents.summary, documents.handout

    warnings = Warnings()
    summary_writer = Writer(CLINICIAN_STYLES, warnings)
    summary_specs = extract(
        clinician_story(
            definition=definition,
            assessment=assessment,
            settings=SETTINGS,
            writer=summary_writer,
            citations=Citations(definition),
            amendments=(),
            lifecycle=lifecycle,
        )
    )
    footer_lines = clinician_footer(definition, assessment, GENERATED_AT, summary_writer, lifecycle)
    footer = " \u00b7 ".join(footer_lines)
    handout_specs = extract(
        handout_story(
            definition,
            assessment,
            SETTINGS,
            Writer(HANDOUT_STYLES, warnings),
            GENERATED_AT,
            lifecycle=lifecycle,
        )
    )

    def plain() -> tuple[bytes, bytes]:
        return (
            plain_pdf(summary_specs, footer, CLINICIAN_STYLES.footer),
            plain_pdf(handout_specs, SETTINGS.name, HANDOUT_STYLES.footer),
        )

    summary, handout = ours()  # warm-up: fonts, caches
    plain_summary, plain_handout = plain()
    assert summary.startswith(b"%PDF") and plain_summary.startswith(b"%PDF")
    paragraphs = sum(isinstance(s, ParagraphSpec) for s in summary_specs + handout_specs)
    tables = sum(isinstance(s, TableSpec) for s in summary_specs + handout_specs)

    ours_times: list[float] = []
    plain_times: list[float] = []
    for _ in range(args.repeats):  # interleaved, so that both sides see the same machine load
        ours_times.append(median_seconds(ours, 1))
        plain_times.append(median_seconds(plain, 1))
    build_s, plain_s = statistics.median(ours_times), statistics.median(plain_times)
    ratio = build_s / plain_s

    print(f"content: {paragraphs} paragraphs and {tables} tables (clinician summary and patient handout)")
    print(f"build_documents (both PDFs):     {build_s * 1000:8.1f} ms  median of {args.repeats}")
    print(f"plain ReportLab, same content:   {plain_s * 1000:8.1f} ms  median of {args.repeats}")
    print(f"ratio: {ratio:.2f} (goal <= {GOAL})")
    print(
        f"sizes: {len(summary):,} + {len(handout):,} bytes"
        f" (plain ReportLab {len(plain_summary):,} + {len(plain_handout):,})"
    )
    result = {
        "build_ms": round(build_s * 1000, 1),
        "plain_ms": round(plain_s * 1000, 1),
        "ratio": round(ratio, 3),
        "goal": GOAL,
        "repeats": args.repeats,
        "paragraphs": paragraphs,
        "tables": tables,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
