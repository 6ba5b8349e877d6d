"""The built-in signal types, one module each; importing this package registers them."""

from tipwatch.media.signals import md5, pdq, sha256

__all__ = ["md5", "pdq", "sha256"]
