"""PDF documents: the clinician summary and the patient handout."""
