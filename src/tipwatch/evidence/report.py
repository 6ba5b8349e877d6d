"""The bundle's report for a court: one self-contained HTML page (autoescaped; a policy that allows no script and
no connection, images only from the bundle or inline), printed to PDF by Chromium when asked."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

CSS = (
    "body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #999;padding:.2em .4em;text-align:left;vertical-align:top}"
    "code{word-break:break-all;font-size:.85em}.item{page-break-before:always}"
    ".shot{max-width:100%;border:1px solid #999}"
    ".note{font-size:.9em}"
)


def render(context: dict[str, Any]) -> str:
    env = Environment(
        loader=PackageLoader("tipwatch.evidence", "templates"), autoescape=True, undefined=StrictUndefined
    )
    digest = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode("ascii")
    csp = (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self' data:; script-src 'none'; "
        "connect-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return env.get_template("report.html").render(css=CSS, csp=csp, **context)
