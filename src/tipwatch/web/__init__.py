"""The web workspace and its JSON API (FastAPI): a front door like the CLI. ``app.create_app(config)`` builds it;
``auth`` holds the security dependencies every route uses; one module per area in ``routes/`` and ``schemas/``."""
