"""Identifiers and attributes of a text (phones, e-mails, URLs, handles, wallets, prices, ages, places)."""

from tipwatch.extract.core import extract

__all__ = ["extract"]
