"""The Jinja environment of the report and the page's Content-Security-Policy.

Autoescape is on for every template; hostile text goes through the ``ad`` filter (escape + bidi neutralization). The
stylesheet is inlined in a ``<style>`` element allowed by its SHA-256 hash, so the page is one self-contained file
that works from disk with a policy that allows nothing else: no scripts, no images, no fonts, no connections.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from importlib import resources

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from tipwatch.report.highlight import ad_text, plain_text


def stylesheet() -> str:
    return resources.files("tipwatch.report").joinpath("static/report.css").read_text(encoding="utf-8")


def csp_for(css: str) -> str:
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; "
        f"style-src 'sha256-{digest}'; "
        "script-src 'none'; img-src 'none'; font-src 'none'; connect-src 'none'; media-src 'none'; "
        "object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'"
    )


def fmt_dt(ts: datetime | None) -> str:
    if ts is None:
        return "—"
    if ts.tzinfo is not None:
        return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return ts.strftime("%Y-%m-%d %H:%M")


def fmt_num(value: float | int | None, digits: int = 2, signed: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and not signed:
        return f"{value:,}"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def risk_level(risk: float) -> str:
    # Display bands only, not decisions: the number is always shown next to the colour.
    return "high" if risk >= 0.8 else "med" if risk >= 0.5 else "low"


def lang_attr(code: object) -> str:
    """A BCP 47-looking language code for ``lang=`` (screen readers, fonts), or "" for anything odd."""
    text = plain_text(code).strip()
    parts = text.split("-")
    ok = 2 <= len(parts[0]) <= 3 and parts[0].isascii() and parts[0].isalpha()
    ok = ok and all(p.isascii() and p.isalnum() and 1 <= len(p) <= 8 for p in parts[1:])
    return text if ok else ""


# Scripts written right to left, among languages seen in the region (Urdu, Sindhi, Pashto, Dari/Persian, Arabic).
_RTL_LANGUAGES = frozenset({"ar", "fa", "prs", "ps", "sd", "ur", "ug", "he", "yi", "dv", "ckb", "ks"})


def text_dir(code: object) -> str:
    """Paragraph direction from the detected language, never from the text: a leading RLM or RLO in hostile text
    must not flip the paragraph (``dir="auto"`` would let it)."""
    return "rtl" if lang_attr(code).split("-")[0].lower() in _RTL_LANGUAGES else "ltr"


def make_env(template_packages: list[str] | None = None) -> Environment:
    loaders = [PackageLoader("tipwatch.report", "templates")]
    loaders += [PackageLoader(pkg, "templates") for pkg in template_packages or []]
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ad"] = ad_text
    env.filters["plain"] = plain_text
    env.filters["dt"] = fmt_dt
    env.filters["num"] = fmt_num
    env.filters["level"] = risk_level
    env.filters["lang"] = lang_attr
    env.filters["textdir"] = text_dir
    return env


def inline_css(css: str) -> Markup:
    # Our own file, inserted verbatim: its hash in the policy must match byte for byte.
    return Markup(css)
