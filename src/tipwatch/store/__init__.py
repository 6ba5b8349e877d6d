"""Storage: SQLAlchemy tables, Alembic migrations, and the queries stages need."""
