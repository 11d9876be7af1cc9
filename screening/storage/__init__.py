"""Persistence of screenings, answers, reviews and the audit trail (SQLAlchemy 2)."""
