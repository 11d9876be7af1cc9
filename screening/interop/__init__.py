"""Exchange with other systems: FHIR R4 and REDCap.

`fhir_export` writes a screening as a FHIR Bundle (`fhir_questionnaire` a questionnaire as a
FHIR Questionnaire; `fhir_common` what both share); `fhir_import` reads QuestionnaireResponses into
answers files and `fhir_instrument` LOINC-coded Questionnaires into YAML instruments
(`fhir_elements` reads their JSON defensively); `redcap` writes a data dictionary and records and
reads records back; `inputs` reads files from outside as hostile input. How each condition
operator is written in FHIR and REDCap is in `screening.operators` (the `fhir` and `redcap`
slots); how each item kind is written is a table in the module of each format.
"""
