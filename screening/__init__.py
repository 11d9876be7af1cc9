"""Domain core of the ketamine intake screening: questionnaire format, checking, assessment,
documents and storage. Nothing in this package imports Streamlit."""
