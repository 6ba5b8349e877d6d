"""posted_at values to aware UTC datetimes: ISO 8601, epoch seconds/milliseconds, and common written forms.

Pure and deterministic: a value without a full date (no year, a time alone, "2 days ago") gives None rather than
borrowing today's date. Written day/month order is day first ("12/05/2024" is 12 May), as in India and its
neighbours; when the first number cannot be a day month-first is used ("05/13/2024"). Times without a zone are UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from typing import Any

from dateutil import parser as dateutil_parser

from tipwatch.sources.rules import load_rules

# Posts are from the web era; anything outside this is a wrong unit or a placeholder (0, 9999-12-31).
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_MAX_LEN = 100
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
# Two defaults that differ in every date part: a part the text did not give shows up as a difference.
_DEFAULT_A = datetime(2001, 1, 1)
_DEFAULT_B = datetime(2002, 2, 2)
# Fast paths for the commonest written forms (dateutil costs ~70 microseconds a call; these ~5):
# "12/05/2024", "12-05-2024 10:30", "12.05.2024 4:05 pm", "12 May 2024", "May 12, 2024 10:30".
_TIME = r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?)?"
_NUMERIC = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})" + _TIME)
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
         ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})" + _TIME)
_MONTH_DAY = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})" + _TIME)


@cache
def _tzinfos() -> dict[str, timezone]:
    return {name: timezone(timedelta(seconds=offset)) for name, offset in load_rules().timezones.items()}


def _in_range(value: datetime) -> datetime | None:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return value if EARLIEST <= value < LATEST else None


def from_epoch(number: float) -> datetime | None:
    """Seconds, or milliseconds / microseconds when the number is too big to be seconds of our era."""
    magnitude = abs(number)
    if magnitude >= 1e14:
        number /= 1e6
    elif magnitude >= 1e11:
        number /= 1e3
    try:
        return _in_range(datetime.fromtimestamp(number, tz=UTC))
    except (OverflowError, OSError, ValueError):
        return None


def _written(text: str) -> datetime | None:
    for fuzzy in (False, True):
        try:
            a = dateutil_parser.parse(text, dayfirst=True, fuzzy=fuzzy, default=_DEFAULT_A, tzinfos=_tzinfos())
            b = dateutil_parser.parse(text, dayfirst=True, fuzzy=fuzzy, default=_DEFAULT_B, tzinfos=_tzinfos())
        except (ValueError, OverflowError, TypeError, IndexError, AttributeError):
            continue  # dateutil's ParserError is a ValueError; the others come from odd tokens
        if (a.year, a.month, a.day) == (b.year, b.month, b.day):
            return _in_range(a)
        return None
    return None


def _build(year: str, month: int, day: int, time: tuple[str | None, ...]) -> datetime | None:
    hour_text, minute_text, second_text, meridiem = time
    hour = int(hour_text or 0)
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem[0] in "pP" else 0)
    try:
        value = datetime(int(year), month, day, hour, int(minute_text or 0), int(second_text or 0), tzinfo=UTC)
    except ValueError:
        return None
    return _in_range(value)


def _common(text: str) -> datetime | bool | None:
    """Parse the commonest forms quickly; False when the text has none of them (try dateutil)."""
    found = _NUMERIC.fullmatch(text)
    if found:
        first, second, year = int(found[1]), int(found[2]), found[3]
        day, month = (second, first) if first <= 12 < second else (first, second)  # day first unless impossible
        return _build(year, month, day, found.groups()[3:])
    found = _DAY_MONTH.fullmatch(text)
    if found and found[2].lower() in _MONTHS:
        return _build(found[3], _MONTHS[found[2].lower()], int(found[1]), found.groups()[3:])
    found = _MONTH_DAY.fullmatch(text)
    if found and found[1].lower() in _MONTHS:
        return _build(found[3], _MONTHS[found[1].lower()], int(found[2]), found.groups()[3:])
    return False


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime, or None when the value is missing, unreadable, incomplete or implausible."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _in_range(value)
    if isinstance(value, int | float | Decimal):
        try:
            return from_epoch(float(value))
        except (OverflowError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > _MAX_LEN:
        return None
    if _NUMBER.fullmatch(text):
        digits = len(text.lstrip("+-").split(".")[0])
        if digits == 8:  # 20240512
            return _iso(text)
        return from_epoch(float(text)) if digits >= 9 else None
    iso = _iso(text)
    if iso is not None:
        return iso
    common = _common(text)
    if common is not False:
        return common  # type: ignore[return-value]  # datetime or None here
    return _written(text)


def _iso(text: str) -> datetime | None:
    try:
        return _in_range(datetime.fromisoformat(text))
    except ValueError:
        return None
