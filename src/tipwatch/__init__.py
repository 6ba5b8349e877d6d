"""tipwatch: find, link and preserve technology-facilitated human trafficking leads, for human review."""

__version__ = "0.1.0"
