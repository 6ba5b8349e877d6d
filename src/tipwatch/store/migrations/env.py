"""Alembic environment: runs against the engine handed in by tipwatch.store.db (no alembic.ini needed)."""

from __future__ import annotations

from alembic import context

from tipwatch.store.schema import include_object, metadata

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
