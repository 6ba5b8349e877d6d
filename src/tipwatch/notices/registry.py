"""The platform registry: who hosts a URL and how to send that platform a notice (``data/platforms.yaml``, or a file
named by the configuration). Loaded into typed records and checked; a bad entry is refused with its key and field.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "platforms.yaml"
_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z0-9-]{2,63}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z0-9-]{1,63}$|^localhost$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
FIELDS = frozenset({"name", "domains", "abuse_email", "web_form", "api_endpoint", "trusted_flagger", "source"})


class RegistryError(ValueError):
    """The registry file is unreadable or an entry is wrong; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Platform:
    key: str
    name: str
    domains: tuple[str, ...]
    abuse_email: str | None
    web_form: str | None
    api_endpoint: str | None
    trusted_flagger: bool
    source: str

    @property
    def channel(self) -> str:
        """How a notice goes out: ``email`` (SMTP), ``webhook`` (HTTP POST) or ``web_form`` (filed by hand)."""
        if self.abuse_email:
            return "email"
        return "webhook" if self.api_endpoint else "web_form"

    @property
    def recipient(self) -> str:
        return self.abuse_email or self.api_endpoint or self.web_form or ""


@dataclass(frozen=True, slots=True)
class Registry:
    platforms: dict[str, Platform]
    removal_markers: tuple[str, ...]

    def for_url(self, url: str) -> Platform | None:
        """The platform hosting ``url``: its host equals one of the platform's domains or is a subdomain of one."""
        return self.for_host(host_of(url))

    def for_host(self, host: str) -> Platform | None:
        """The platform whose domain is ``host`` (lower case, no trailing dot) or a parent of it."""
        if not host:
            return None
        for platform in self.platforms.values():
            if any(host == d or host.endswith("." + d) for d in platform.domains):
                return platform
        return None


def host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def _is_ip(value: str) -> bool:
    """An address as a "domain": a lab or test site served by address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _url(value: Any, where: str) -> str | None:
    if value is None:
        return None
    parts = urlsplit(str(value)) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistryError(f"{where}: not an http(s) URL: {value!r}")
    return str(value)


def _platform(key: Any, raw: Any, where: str) -> Platform:
    if not isinstance(key, str) or not _KEY.match(key):
        raise RegistryError(f"{where}: bad key {key!r} (lower-case letters, digits, _ and -)")
    if not isinstance(raw, dict):
        raise RegistryError(f"{where}: entry {key!r} is not a mapping")
    unknown = set(raw) - FIELDS
    if unknown:
        raise RegistryError(f"{where}: entry {key!r}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    at = f"{where}: entry {key!r}"
    name, source = raw.get("name"), raw.get("source")
    if not isinstance(name, str) or not name.strip():
        raise RegistryError(f"{at}: name is missing")
    if not isinstance(source, str) or not source.strip():
        raise RegistryError(f"{at}: source is missing (every entry says where its contact comes from)")
    domains = raw.get("domains")
    if not isinstance(domains, list) or not domains:
        raise RegistryError(f"{at}: domains must be a non-empty list")
    clean = []
    for d in domains:
        if not isinstance(d, str) or not (_DOMAIN.match(d.strip().lower()) or _is_ip(d.strip())):
            raise RegistryError(f"{at}: bad domain {d!r}")
        clean.append(d.strip().lower())
    email = raw.get("abuse_email")
    if email is not None and (not isinstance(email, str) or not _EMAIL.match(email)):
        raise RegistryError(f"{at}: abuse_email is not an e-mail address: {email!r}")
    form = _url(raw.get("web_form"), f"{at}: web_form")
    api = _url(raw.get("api_endpoint"), f"{at}: api_endpoint")
    if not (email or form or api):
        raise RegistryError(f"{at}: needs an abuse_email, a web_form or an api_endpoint")
    flagger = raw.get("trusted_flagger", False)
    if not isinstance(flagger, bool):
        raise RegistryError(f"{at}: trusted_flagger must be true or false")
    return Platform(key, name.strip(), tuple(clean), email, form, api, flagger, source.strip())


def load_registry(path: Path | None = None) -> Registry:
    """The registry in ``path`` (default: the bundled file). Raises RegistryError naming the bad entry."""
    path = path or DEFAULT_FILE
    where = str(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RegistryError(f"{where}: cannot read the platform registry: {' '.join(str(exc).split())}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("platforms"), dict):
        raise RegistryError(f"{where}: needs a 'platforms' mapping")
    platforms = {str(k): _platform(k, v, where) for k, v in doc["platforms"].items()}
    seen: dict[str, str] = {}
    for p in platforms.values():
        for d in p.domains:
            if d in seen:
                raise RegistryError(f"{where}: entry {p.key!r}: domain {d} is also under {seen[d]!r}")
            seen[d] = p.key
    markers_doc = doc.get("removal_markers") or {}
    markers = markers_doc.get("list", []) if isinstance(markers_doc, dict) else None
    if not isinstance(markers, list) or not all(isinstance(m, str) and m.strip() for m in markers):
        raise RegistryError(f"{where}: removal_markers.list must be a list of phrases")
    return Registry(platforms, tuple(m.strip().lower() for m in markers))
