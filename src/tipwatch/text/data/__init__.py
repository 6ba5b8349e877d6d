"""Knowledge files (YAML, one cited ``source`` per entry) for the text package, loaded once by their users."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(package: str, name: str) -> Any:
    """Parse the YAML file ``name`` shipped inside ``package`` (safe loader: data files never run code)."""
    with resources.files(package).joinpath(name).open("rb") as fh:
        return yaml.load(fh, Loader=_LOADER)  # safe loader chosen above


def load(name: str) -> Any:
    return load_yaml(__name__, name)
