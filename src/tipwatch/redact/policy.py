"""Who may export at which level (docs/dpia.md, "minimal exports")."""

from __future__ import annotations

from collections.abc import Callable

LEVELS: tuple[str, ...] = ("selectors", "redacted", "full")  # least first
# The most each role may take out. Viewers never get plain identifiers or text; analysts and above may, for a stated
# purpose (check_level asks every full export for one).
_CEILING = {"viewer": "redacted", "analyst": "full", "supervisor": "full", "admin": "full"}
MAX_PURPOSE = 2000

SelectorFn = Callable[[str, str], str]  # (selector type, stored value) -> keyed selector


class RedactionRefused(Exception):
    """An export refused. ``reason``: bad_level, above_role, no_purpose, no_selectors, bad_format, bundle_needs_full."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def ceiling(role: str) -> str:
    """The most a role may export (an unknown role: the least)."""
    return _CEILING.get(role, "selectors")


def check_level(role: str, level: str, purpose: str = "") -> str:
    """``level`` if ``role`` may export at it with this purpose; RedactionRefused otherwise."""
    if level not in LEVELS:
        raise RedactionRefused("bad_level", f"unknown export level {level!r}: use one of {', '.join(LEVELS)}")
    most = ceiling(role)
    if LEVELS.index(level) > LEVELS.index(most):
        raise RedactionRefused("above_role", f"a {role} may export at most {most!r}, not {level!r}")
    if level == "full" and not (purpose or "").strip():
        raise RedactionRefused("no_purpose", "a full export needs a purpose (kept in the audit log)")
    if len(purpose or "") > MAX_PURPOSE or "\x00" in (purpose or ""):
        raise RedactionRefused("no_purpose", f"the purpose must be text of at most {MAX_PURPOSE} characters")
    return level
