"""The analyst's pages: server-rendered HTML (Jinja2, autoescaped) over the same services as the CLI and the API.

One module per page group, each an ``APIRouter`` without the /api prefix, included in ``create_app`` with one line.
Pages answer an anonymous browser with 303 to /login (``common.page_role`` / ``common.page_principal``); every
route keeps its rule in code and a line in tests/web/test_web_route_access.py. All script is in static/app.js and
all style in static/app.css: the CSP allows no inline script or style.
"""
