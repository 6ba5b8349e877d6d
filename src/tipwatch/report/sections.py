"""Extension points of the report, so later capabilities add to it without rewriting it.

Two hooks:

- **Sections.** A provider is a callable ``(ctx: ReportContext) -> Section | None`` (None: nothing to show). It reads
  the store through the repositories of ``ctx.store`` (aggregates and top-N only: the store may hold millions of
  posts) and renders its HTML with ``ctx.render(template, **values)``, which uses the report's autoescaping Jinja
  environment and filters (``ad`` for hostile text). Sections are shown by ``order`` (built-ins: ranked posts 100,
  charts 300; networks sit at 200). A provider that raises does not sink the report: its section shows the error
  and the rest is written.
- **Post flags.** A flagger is a callable ``(store, post_ids) -> {post_id: [PostFlag, ...]}`` for the posts on the
  page, shown as badges on each post. ``PostFlag.withhold_images`` hides even the text references of a post's images
  (e.g. a hash-bank match: such images are never copied, shown or linked). The report never embeds images at all.

Register with ``register_section`` / ``register_post_flagger`` (usable as decorators) from a module listed in
``PLUGIN_MODULES``; ``tipwatch.services.report.write_report`` imports those modules that exist, so a capability plugs
in by creating its module, with no change to the report.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from markupsafe import Markup

if TYPE_CHECKING:
    from tipwatch.store.facade import Store

log = logging.getLogger(__name__)

# Modules that may register sections or flaggers; missing ones are skipped (their capability is not built yet).
PLUGIN_MODULES: tuple[str, ...] = (
    "tipwatch.link.report_section",
    "tipwatch.media.report_section",
)


@dataclass(frozen=True, slots=True)
class Section:
    """A block of the report page. ``html`` must come from ``ReportContext.render``; a plain str is escaped."""

    id: str  # anchor, also the navigation target
    title: str
    html: Markup
    order: int = 500
    summary: str = ""  # one line for the navigation bar, e.g. "12 networks"


@dataclass(frozen=True, slots=True)
class PostFlag:
    code: str
    label: str
    detail: str = ""
    level: str = "warn"  # "info" | "warn" | "alert": only changes the badge colour
    withhold_images: bool = False


@dataclass(slots=True)
class ReportContext:
    """What a section provider gets: the store, the options, and the renderer."""

    store: Store
    out_dir: Path
    top: int
    min_risk: float
    env: Environment
    shown_post_ids: list[str] = field(default_factory=list)  # the ranked posts, in order (anchors: post-<rank>)
    extra: dict[str, Any] = field(default_factory=dict)  # shared between built-in sections during one write

    def render(self, template: str, **values: Any) -> Markup:
        return Markup(self.env.get_template(template).render(**values))


SectionProvider = Callable[[ReportContext], "Section | None"]
PostFlagger = Callable[["Store", Sequence[str]], Mapping[str, Sequence[PostFlag]]]

_SECTIONS: list[SectionProvider] = []
_FLAGGERS: list[PostFlagger] = []
_TEMPLATE_PACKAGES: list[str] = []


def register_section(provider: SectionProvider, *, templates_package: str | None = None) -> SectionProvider:
    """Add a section provider (idempotent). ``templates_package`` (e.g. "tipwatch.link") adds that package's
    ``templates/`` folder to the report's template search path."""
    if provider not in _SECTIONS:
        _SECTIONS.append(provider)
    if templates_package and templates_package not in _TEMPLATE_PACKAGES:
        _TEMPLATE_PACKAGES.append(templates_package)
    return provider


def register_post_flagger(flagger: PostFlagger) -> PostFlagger:
    if flagger not in _FLAGGERS:
        _FLAGGERS.append(flagger)
    return flagger


def unregister(obj: object) -> None:
    """Remove a provider or flagger (tests)."""
    for registry in (_SECTIONS, _FLAGGERS):
        while obj in registry:
            registry.remove(obj)  # type: ignore[arg-type]


def load_plugins() -> None:
    for name in PLUGIN_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # Only "this module does not exist yet" is expected; a missing dependency inside it is a real error.
            if exc.name is None or not (name == exc.name or name.startswith(exc.name + ".")):
                raise


def registered_sections() -> list[SectionProvider]:
    return list(_SECTIONS)


def registered_flaggers() -> list[PostFlagger]:
    return list(_FLAGGERS)


def template_packages() -> list[str]:
    return list(_TEMPLATE_PACKAGES)


def run_provider(provider: SectionProvider, ctx: ReportContext) -> Section | None:
    try:
        return provider(ctx)
    except Exception as exc:  # one broken section must not cost the investigator the whole report
        name = getattr(provider, "__qualname__", repr(provider))
        log.exception("report section %s failed", name)
        html = ctx.render("section_error.html", name=name, error=f"{type(exc).__name__}: {exc}")
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        return Section(id=f"error-{slug}", title=f"Section failed: {name}", html=html, order=900)
