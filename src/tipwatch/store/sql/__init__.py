"""The SQLAlchemy implementation of the storage interfaces (SQLite and PostgreSQL). Only this package, with the
tables and migrations beside it, speaks SQL."""
