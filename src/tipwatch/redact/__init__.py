"""Minimal exports: how much of a network or case export a person may take out, and the masking that gives it.

Three levels, least first:

- ``selectors``: keyed selectors only (HMAC-SHA256 under a sharing group's key, as services.exchange makes them): no
  plain identifier, no text, no URL. Only formats that carry structure (GraphML, GEXF, CSV, the case JSON).
- ``redacted``: identifiers masked (``+91 98xxx xx210``, ``r***@e***.org``), and in every text (titles, reasons, link
  evidence, notes) identifiers and person names masked; picture hashes kept (they tell nothing to anyone without the
  picture, and let a platform find it).
- ``full``: as stored.

Which level a person may use depends on the role, and ``full`` always needs a purpose (``check_level``). The
functions here are pure: the services look up the role, the key and audit the export with its level.
"""

from __future__ import annotations

from tipwatch.redact.apply import check_format, redact_case, redact_graph
from tipwatch.redact.mask import mask_text, mask_value
from tipwatch.redact.policy import LEVELS, RedactionRefused, SelectorFn, ceiling, check_level

__all__ = [
    "LEVELS",
    "RedactionRefused",
    "SelectorFn",
    "ceiling",
    "check_format",
    "check_level",
    "mask_text",
    "mask_value",
    "redact_case",
    "redact_graph",
]
