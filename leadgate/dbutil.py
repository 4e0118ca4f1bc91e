"""Small database helpers that differ per dialect."""

from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db


def insert_ignoring_conflicts(model, **values):
    """INSERT … ON CONFLICT DO NOTHING (PostgreSQL and SQLite share the syntax)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(model).values(**values).on_conflict_do_nothing()
