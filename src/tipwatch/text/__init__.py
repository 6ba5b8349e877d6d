"""Text normalization with an offset map back to the original characters."""

from tipwatch.text.normalize import Normalized, normalize

__all__ = ["Normalized", "normalize"]
