"""Readers (JSONL, CSV/TSV, saved HTML pages, WARC) yielding RawRecords, and ``to_post`` turning them into Posts.

Everything streams with bounded memory and never stops a run for one bad record: a record that cannot be read
becomes a RawRecord with ``error`` set, which ``to_post`` turns into a Quarantined with that reason.
"""

from tipwatch.sources.base import MAX_LINE_BYTES, MAX_PAGE_BYTES, ReadStats, SourceNotFound
from tipwatch.sources.convert import MAX_TEXT_CHARS, content_id, map_kind, to_post
from tipwatch.sources.dates import parse_datetime
from tipwatch.sources.delimited import read_csv
from tipwatch.sources.htmlpage import fragment_to_text, html_record, read_html_file
from tipwatch.sources.jsonl import read_jsonl
from tipwatch.sources.reader import FORMATS, detect_format, read
from tipwatch.sources.warc import WarcImage, iter_warc_images, read_warc

__all__ = [
    "FORMATS",
    "MAX_LINE_BYTES",
    "MAX_PAGE_BYTES",
    "MAX_TEXT_CHARS",
    "ReadStats",
    "SourceNotFound",
    "WarcImage",
    "content_id",
    "detect_format",
    "fragment_to_text",
    "html_record",
    "iter_warc_images",
    "map_kind",
    "parse_datetime",
    "read",
    "read_csv",
    "read_html_file",
    "read_jsonl",
    "read_warc",
    "to_post",
]
