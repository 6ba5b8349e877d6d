"""Fuzzing every reader end to end into a real store (issue 8): hypothesis builds records, writes them in each input
format, then damages the file the way hostile or broken exports do (stray and unclosed quotes, cut lines, NUL and
invalid UTF-8, over-long fields, wrong WARC lengths, flipped bytes, truncated or corrupt gzip). For every file:

- the run reconciles: read = stored + duplicates + quarantined, and read = the number of records the reader gave;
- every stored post's text occurs in the input (nothing invented, nothing garbled by decoding);
- no stored post holds two records (the generated texts are single-line: a stored newline means rows merged);
- a gzip file that does not decompress cleanly to its end stores nothing.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tipwatch.model import Assessment, Post, PostResult, RawRecord
from tipwatch.sources import read, to_post
from tipwatch.sources.base import gzip_damage
from tipwatch.sources.clean import clean_text
from tipwatch.sources.htmlpage import decode_page
from tipwatch.store.db import open_engine
from tipwatch.store.tables import posts
from tipwatch.store.writer import PostWriter, finish_run, start_run

_settings = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Plain single-line text that needs no escaping in any format, so that it must appear verbatim in the input.
_text = st.text(alphabet=st.sampled_from(list("abcdefghijklmnop qrstuvwxyz0123456789éüकख")), min_size=1, max_size=40)
_ids = st.one_of(st.integers(0, 10**40), st.text(alphabet="abcXYZ0123456789-_", min_size=1, max_size=12))
_records = st.lists(st.tuples(_ids, _text), min_size=1, max_size=12)
LINE_DAMAGE = ("none", "stray_quote", "open_quote", "cut", "nul", "bad_utf8", "long_field", "blank", "crlf")
GZIP_DAMAGE = ("plain", "gzip", "gzip_truncated", "gzip_crc")


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    return open_engine(f"sqlite:///{tmp_path / 'fuzz.db'}")


def _damage_line(line: bytes, how: str) -> bytes:
    if how == "stray_quote":
        return line[: len(line) // 2] + b'"' + line[len(line) // 2 :]
    if how == "open_quote":
        return line.replace(b",", b',"', 1) if b"," in line else b'"' + line
    if how == "cut":
        return line[: max(1, len(line) // 2)]
    if how == "nul":
        return line[:3] + b"\x00" + line[3:]
    if how == "bad_utf8":
        return line[:3] + b"\xff\xfe" + line[3:]
    if how == "long_field":
        return line + b"x" * 200_000
    if how == "blank":
        return b"   "
    if how == "crlf":
        return line + b"\r"
    return line


def _jsonl(records: list[tuple[object, str]]) -> list[bytes]:
    return [json.dumps({"id": i, "body": t}, ensure_ascii=False).encode() for i, t in records]


def _csv(records: list[tuple[object, str]], sep: str) -> list[bytes]:
    return [f"id{sep}body".encode()] + [f"{i}{sep}{t}".encode() for i, t in records]


def _apply(lines: list[bytes], damage: list[str]) -> bytes:
    out = [_damage_line(line, damage[n % len(damage)]) for n, line in enumerate(lines)]
    return b"\n".join(out) + b"\n"


def _compress(data: bytes, how: str) -> bytes:
    if how == "plain":
        return data
    packed = bytearray(gzip.compress(data, compresslevel=1))
    if how == "gzip_truncated":
        return bytes(packed[: max(10, len(packed) * 2 // 3)])
    if how == "gzip_crc":
        packed[-8] ^= 0xFF  # the stored CRC-32
    return bytes(packed)


def _check_run(engine: sa.Engine, records: list[RawRecord], input_text: str, *, single_line: bool = True) -> None:
    results: list[PostResult | object] = []
    for record in records:
        built = to_post(record)
        results.append(PostResult(built, [], [], Assessment(0.1)) if isinstance(built, Post) else built)
    run = start_run(engine, "fuzz", ["fuzz"], None)
    writer = PostWriter(engine, run)
    writer.write(results)  # type: ignore[arg-type]
    finish_run(engine, run, writer.counts, "ok")
    c = writer.counts
    assert c.read == len(records) and c.reconciles, c
    flat = " ".join(clean_text(input_text).split())  # the text cleaning every field gets (controls dropped, NFC)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(posts.c.title, posts.c.body).where(posts.c.run_id == run)).all()
    assert len(stored) == c.stored
    for title, body in stored:
        assert not single_line or "\n" not in body, f"records merged into one post: {body[:200]!r}"
        # A page's text is assembled from its text nodes, one per line: each line must be in the input.
        for text in (title, *body.split("\n")) if not single_line else (title, body):
            assert " ".join(text.split()) in flat, f"stored text not in the input: {text[:200]!r}"


def _read_file(path: Path, data: bytes, how: str) -> tuple[list[RawRecord], str]:
    path.write_bytes(_compress(data, how))
    records = list(read([path]))
    if how != "plain" and gzip_damage(path) is not None:
        assert all(r.error is not None for r in records), "a damaged gzip file stored records"
    return records, data.decode("utf-8", "replace")


@_settings
@given(
    records=_records,
    damage=st.lists(st.sampled_from(LINE_DAMAGE), min_size=1, max_size=5),
    gz=st.sampled_from(GZIP_DAMAGE),
)
def test_fuzz_jsonl(
    tmp_path: Path, engine: sa.Engine, records: list[tuple[object, str]], damage: list[str], gz: str
) -> None:
    data = _apply(_jsonl(records), damage)
    got, text = _read_file(tmp_path / ("f.jsonl.gz" if gz != "plain" else "f.jsonl"), data, gz)
    _check_run(engine, got, text)


@_settings
@given(records=_records, cut=st.integers(0, 100), gz=st.sampled_from(GZIP_DAMAGE))
def test_fuzz_json_array(
    tmp_path: Path, engine: sa.Engine, records: list[tuple[object, str]], cut: int, gz: str
) -> None:
    data = b"[" + b",\n".join(_jsonl(records)) + b"]"
    data = data[: max(1, len(data) * cut // 100)] if cut < 100 else data
    got, text = _read_file(tmp_path / ("f.json.gz" if gz != "plain" else "f.json"), data, gz)
    _check_run(engine, got, text)


@_settings
@given(
    records=_records,
    damage=st.lists(st.sampled_from(LINE_DAMAGE), min_size=1, max_size=5),
    sep=st.sampled_from([",", "\t"]),
    gz=st.sampled_from(GZIP_DAMAGE),
)
def test_fuzz_csv_and_tsv(
    tmp_path: Path, engine: sa.Engine, records: list[tuple[object, str]], damage: list[str], sep: str, gz: str
) -> None:
    lines = _csv(records, sep)
    data = lines[0] + b"\n" + _apply(lines[1:], damage)
    name = "f.tsv" if sep == "\t" else "f.csv"
    got, text = _read_file(tmp_path / (name + ".gz" if gz != "plain" else name), data, gz)
    _check_run(engine, got, text)


@_settings
@given(records=_records, damage=st.lists(st.sampled_from(LINE_DAMAGE), min_size=1, max_size=3), gz=st.booleans())
def test_fuzz_html_folder(
    tmp_path: Path, engine: sa.Engine, records: list[tuple[object, str]], damage: list[str], gz: bool
) -> None:
    root = tmp_path / "pages"
    for old in root.glob("*") if root.exists() else []:
        old.unlink()
    root.mkdir(exist_ok=True)
    texts = []
    for n, (_, body) in enumerate(records):
        page = _damage_line(f"<html><body><p>{body}</p></body></html>".encode(), damage[n % len(damage)])
        texts.append(decode_page(page)[0])  # as a browser decodes it: no charset and not UTF-8 -> windows-1252
        (root / f"p{n}.html{'.gz' if gz else ''}").write_bytes(gzip.compress(page) if gz else page)
    got = list(read([root]))
    assert len(got) == len(records)
    # A page is one record whose text has lines of its own (block elements), so no single-line check here.
    _check_run(engine, got, "\n".join(texts), single_line=False)


def _warc(records: list[tuple[object, str]], gz: bool) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    for n, (_, body) in enumerate(records):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/plain; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                f"https://ads.test/{n}", "response", payload=io.BytesIO(body.encode()), http_headers=headers
            )
        )
    return buf.getvalue()


WARC_DAMAGE: dict[str, Callable[[bytes, int], bytes]] = {
    "none": lambda d, k: d,
    "longer": lambda d, k: _nth_length(d, k, lambda n: n * 3 + 7),
    "shorter": lambda d, k: _nth_length(d, k, lambda n: max(0, n - 5)),
    "flip": lambda d, k: (
        d[: len(d) * k // 100] + bytes([d[len(d) * k // 100] ^ 0x20]) + d[len(d) * k // 100 + 1 :]
        if len(d) * k // 100 < len(d)
        else d
    ),
    "truncate": lambda d, k: d[: len(d) * k // 100],
}


def _nth_length(data: bytes, k: int, change: Callable[[int], int]) -> bytes:
    found = list(re.finditer(rb"Content-Length: (\d+)\r\n", data))
    if not found:
        return data
    m = found[k % len(found)]
    return data[: m.start(1)] + str(change(int(m.group(1)))).encode() + data[m.end(1) :]


@_settings
@given(records=_records, damage=st.sampled_from(sorted(WARC_DAMAGE)), k=st.integers(0, 99), gz=st.booleans())
def test_fuzz_warc(
    tmp_path: Path, engine: sa.Engine, records: list[tuple[object, str]], damage: str, k: int, gz: bool
) -> None:
    data = _warc(records, gz)
    if not gz or damage in ("truncate", "flip"):
        data = WARC_DAMAGE[damage](data, k)
    path = tmp_path / ("f.warc.gz" if gz else "f.warc")
    path.write_bytes(data)
    got = list(read([path]))
    if damage == "none":
        assert len(got) == len(records) and all(r.error is None for r in got)
    text = "\n".join(body for _, body in records)  # payload text as written (the damage only removes or garbles)
    if damage == "flip" and not gz:  # in a .warc.gz a flipped bit breaks its member (CRC): records are only lost
        text = data.decode("utf-8", "replace")
    _check_run(engine, got, text)
