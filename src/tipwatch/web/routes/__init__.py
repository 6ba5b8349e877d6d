"""API routers, one module per area; ``web.app.create_app`` includes each."""
