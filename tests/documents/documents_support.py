"""What the document tests share: the clinic settings they print with, the extracted text of a
PDF, and the documents built for one case (the fixtures that build them are in ``conftest.py``)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from pypdf import PdfReader

from screening.assessment import Assessment
from screening.config import ClinicSettings, CrisisLine
from screening.documents.build import Documents

INTAKE_ID = "ketamine-trd-intake"
PDFTOTEXT = shutil.which("pdftotext")

CLINIC = ClinicSettings(
    name="Riverside Interventional Psychiatry",
    phone="+1 555 0100",
    address="12 River Road, Springfield",
    email="care@riverside.example",
    hours="Monday to Friday, 8:00 to 17:00",
)

#: The clinic file the command-line tests write: no phone number configured.
NO_PHONE = CLINIC.model_copy(update={"phone": None})
#: Unusual settings: A4, another emergency number, no phone, markup and an emoji in the name.
ODD_CLINIC = ClinicSettings(
    name='Clínica <São> & "Ñ" \U0001f3e5',
    phone=None,
    address="",
    emergency_number="112",
    crisis_lines=[
        CrisisLine(label="SOS Amitié", contact="09 72 39 40 50"),
        CrisisLine(label="", contact=""),
    ],
    page_size="a4",
)


def flat(text: str) -> str:
    """Whitespace collapsed to single spaces, so that wrapped lines compare as one."""
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Pdf:
    data: bytes

    @cached_property
    def reader(self) -> PdfReader:
        return PdfReader(io.BytesIO(self.data))

    @cached_property
    def pages(self) -> list[str]:
        """pypdf's text of each page."""
        return [page.extract_text() for page in self.reader.pages]

    @cached_property
    def text(self) -> str:
        return flat(" ".join(self.pages))

    @cached_property
    def poppler(self) -> str | None:
        """pdftotext's text (reading order by position), when poppler-utils is installed."""
        if PDFTOTEXT is None:
            return None
        result = subprocess.run(
            [PDFTOTEXT, "-enc", "UTF-8", "-", "-"], input=self.data, capture_output=True, check=True
        )
        return flat(result.stdout.decode("utf-8"))

    def texts(self) -> list[str]:
        """The text from every extractor available (pypdf always, pdftotext when installed)."""
        return [self.text] + ([self.poppler] if self.poppler is not None else [])

    def assert_contains(self, *phrases: str) -> None:
        for text in self.texts():
            for phrase in phrases:
                assert flat(phrase) in text, phrase

    def assert_ids(self, *ids: str) -> None:
        """Ids (which may wrap anywhere in a narrow column) are printed."""
        for text in self.texts():
            joined = text.replace(" ", "")
            for identifier in ids:
                assert identifier in joined, identifier


@dataclass
class Built:
    assessment: Assessment
    documents: Documents
    summary: Pdf = field(init=False)
    handout: Pdf = field(init=False)

    def __post_init__(self) -> None:
        self.summary = Pdf(self.documents.summary)
        self.handout = Pdf(self.documents.handout)


Build = Callable[..., Built]
