"""Text normalization with an offset map back to the original characters, the digit view, language detection."""

from tipwatch.text.digits import DigitRun, DigitView, digit_runs, digit_view
from tipwatch.text.language import detect
from tipwatch.text.normalize import Normalized, normalize

__all__ = ["DigitRun", "DigitView", "Normalized", "detect", "digit_runs", "digit_view", "normalize"]
