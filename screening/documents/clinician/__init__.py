"""The clinician summary: what the screening found, for the psychiatrist to review and sign.

Sections, in order:

* header: clinic, patient, date of birth and age, MRN, screening date, reviewing clinician;
* a suicide-risk box when the assessment has ``crisis`` (the crisis flags and the crisis lines);
* the status box: the status in words, symbol and border, and next to it where the screening
  stands (draft, signed with the decision, or reopened); what the status means and what was done
  about it (still to review while a draft, reviewed and signed, or to review and sign again after
  the amendment that reopened it, with why); what is missing, rules that could not be evaluated
  and the review's notices;
* 1 Flags: severity, title and id, what triggered it with the answer given, action, sources and
  the rule's note, the psychiatrist's acknowledgement; then acknowledgements that match no flag
  and relative flags still without a note;
* 2 Scores with value, band, range and every band;
* 3 Treatment criteria: each requirement met or not with its sources, the counts over repeating
  groups with the rule that counts a row, and each row (e.g. antidepressant trial) marked as
  counted or not, as the engine counts it;
* 4 Vitals, body measures and dose: the first section's measurements, BMI, ideal and adjusted
  body weight (or why they are not computed), and the dose of each per-kg plan on each weight
  basis with the chosen one marked, its mg/kg of actual body weight, and a dose check that warns
  when a basis gives more mg/kg of actual body weight than the protocol;
* 5 Benefits and risks of the chosen plan (every plan when none is chosen), with figures and
  numbered citations;
* 6 Proposed plan: protocol, regulatory status, dose (with the dose check's warning for the chosen
  basis), sessions dated on the clinic's treatment days with every move said in words,
  monitoring, observation, discharge, after each session, and no driving until the next day after
  sleep;
* 7 Decision and signature (blank lines while unsigned; a reopened screening shows its old
  signature as no longer standing and blank lines for the new one) and 8 Amendments (when, who,
  why, and each change from the old value to the new one);
* Appendix: every item in questionnaire order with its answer in words, items not asked with the
  reason, required items missing, answers that were not accepted;
* Sources: the numbered list of every source cited above.

The footer of every page names the patient, the questionnaire id, version and SHA-256 prefix, the
generation time, "Page X of Y", and says the psychiatrist decides (and that a draft is not signed,
or that a reopened screening needs re-signing). A reopened screening also has a banner at the top
of every page (``build.build_documents``).
"""

from screening.documents.clinician.summary import clinician_footer, clinician_story

__all__ = ["clinician_footer", "clinician_story"]
