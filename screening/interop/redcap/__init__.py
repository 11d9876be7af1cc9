"""REDCap: a questionnaire as a data dictionary, a screening as a flat record, and such a record back.

Layout: the record id (`record_id`) and the date of the screening (`assessed_on`) come first. Each
section of the screening itself is a form (instrument) named by the section id; each included
instrument is one form named by its id (hyphens become underscores). A repeating group (the
antidepressant trials) becomes a repeating form of its own, right after the form it is asked in;
the form it is asked in gets a `<group>_count` field (how many rows were recorded, 0 for an empty
list), so an empty list and an unanswered one stay apart. Choice codes are REDCap's raw values
(REDCap takes letters, digits and underscores), so values come back exactly; an item with codes
REDCap cannot take is numbered 1..n instead, both ways. Yes/no answers are 1/0, dates YYYY-MM-DD.

`show_if` becomes branching logic through the operator table's REDCap templates
(`screening.operators`), `all` as `and`, `any` as `or`; `not` is pushed inwards (De Morgan) and
inverts an operator that has an inverse (`eq`/`ne`, `in`/`not_in`, `gt`/`lte`, `lt`/`gte`).
What REDCap cannot say (a score, a derived value, a band, order on choices, ...) leaves the field
without branching logic and is named in the lines `data_dictionary` returns, as are settings the
dictionary cannot carry (the repeating form, row limits, text lengths, scores).

`import_record` reads such a CSV as hostile input: every value is checked by its item's kind;
one that does not fit becomes missing with a note naming the field, never the value. A record
written by `record_csv` is meant for REDCap's importer; text goes out as it was entered.
"""

from screening.interop.redcap.branching import NotExpressible, branching_logic
from screening.interop.redcap.dictionary import FIELD_TYPES, HEADERS, data_dictionary
from screening.interop.redcap.layout import ASSESSED_ON, RECORD_ID, REPEAT_INSTANCE, REPEAT_INSTRUMENT
from screening.interop.redcap.records import RecordImport, import_record, record_csv

__all__ = [
    "ASSESSED_ON",
    "FIELD_TYPES",
    "HEADERS",
    "RECORD_ID",
    "REPEAT_INSTANCE",
    "REPEAT_INSTRUMENT",
    "NotExpressible",
    "RecordImport",
    "branching_logic",
    "data_dictionary",
    "import_record",
    "record_csv",
]
