"""The bundle's report for a court, and the case export for an authority: self-contained HTML pages (autoescaped;
a policy that allows no script and no connection; the report's images only from the bundle or inline, none at all
in the case export), printed to PDF by Chromium when asked."""

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


_ENV = Environment(loader=PackageLoader("tipwatch.evidence", "templates"), autoescape=True, undefined=StrictUndefined)


def csp(images: str) -> str:
    """The page's policy: its one style block by hash, images from ``images`` only, nothing else."""
    digest = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode("ascii")
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src {images}; script-src 'none'; "
        "connect-src 'none'; base-uri 'none'; form-action 'none'"
    )


def render(context: dict[str, Any]) -> str:
    return _ENV.get_template("report.html").render(css=CSS, csp=csp("'self' data:"), **context)


def render_case(doc: dict[str, Any]) -> str:
    """The case export (``services.case_export``'s document) as a page: no image at all (pictures are hashes)."""
    return _ENV.get_template("case.html").render(css=CSS, csp=csp("'none'"), d=doc)
