"""Reading FHIR JSON elements as plain dicts, defensively: what the importers share.

Every function takes whatever JSON a file held and never raises on an unexpected shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

LOINC = "http://loinc.org"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
WHAT = "the FHIR file"
"""How messages name the input."""

LOINC_CODE = re.compile(r"^\d{1,7}-\d$")
_SAFE = re.compile(r"^[A-Za-z0-9/_.:-]{1,64}$")


def safe_name(value: Any, otherwise: str) -> str:
    """A structural name (linkId, code, resource type) fit to show, else `otherwise`."""
    return f"'{value}'" if isinstance(value, str) and _SAFE.match(value) else otherwise


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def dicts(value: Any) -> list[dict[str, Any]]:
    return [entry for entry in as_list(value) if isinstance(entry, dict)]


def loinc_codes(element: Mapping[str, Any]) -> list[str]:
    """LOINC codes of an element: its `code` codings with the LOINC system, and a linkId `/CODE`."""
    codes = [
        c["code"]
        for c in dicts(element.get("code"))
        if c.get("system") == LOINC and isinstance(c.get("code"), str)
    ]
    link = element.get("linkId")
    if isinstance(link, str):
        last = link.rstrip("/").rsplit("/", 1)[-1]
        if LOINC_CODE.match(last) and last not in codes:
            codes.append(last)
    return codes


def has_absent_reason(element: Mapping[str, Any]) -> bool:
    """A data-absent-reason extension on the element or on one of its primitive values."""
    holders = [element, *(value for key, value in element.items() if key.startswith("_"))]
    return any(
        ext.get("url") == DATA_ABSENT_REASON
        for holder in holders
        if isinstance(holder, dict)
        for ext in dicts(holder.get("extension"))
    )


def walk(items: Any) -> Iterator[dict[str, Any]]:
    """Every item of a response or questionnaire, depth first, without recursion."""
    stack = list(reversed(dicts(items)))
    while stack:
        item = stack.pop()
        yield item
        nested = dicts(item.get("item")) + [
            child for answer in dicts(item.get("answer")) for child in dicts(answer.get("item"))
        ]
        stack.extend(reversed(nested))
