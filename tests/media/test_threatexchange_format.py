"""Hash banks through Meta's python-threatexchange formats, checked by the library itself: a bank exported as the
``threatexchange`` dataset CSV is read back by the library (its signal types validate every hash, its opinion
category is parsed) and imported into another bank with identical hashes and metadata; the ``te`` export is what the
library's local-file exchange (LocalFileSignalExchangeAPI) fetches, with its own type names; hostile rows are named
by line and skipped, and nothing in a file is executed."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from threatexchange.exchanges.fetch_state import SignalOpinionCategory
from threatexchange.exchanges.impl.file_api import FileCollaborationConfig, LocalFileSignalExchangeAPI
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.sha256 import VideoSHA256Signal

from tipwatch.media.formats import EntryIn, detect, parse
from tipwatch.services.banks import add_entries, create_bank, export_bank, import_file, iter_entries
from tipwatch.store.facade import Store, open_store

PDQS = [
    "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
    "0000000000000000000000000000000000000000000000000000000000000001",
]
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
ENTRIES = [
    EntryIn("pdq", PDQS[0], {"case": 12, "quality": 100, "note": 'a, b "quoted" = x%y'}),
    EntryIn("pdq", PDQS[1], {"te_tags": "media_type_photo nsfw", "te_category": "INVESTIGATION_SEED"}),
    EntryIn("md5", MD5, {"filename": "victim 01.jpg"}),
    EntryIn("sha256", SHA, {}),
]
LIBRARY = {"pdq": PdqSignal, "video_md5": VideoMD5Signal, "video_sha256": VideoSHA256Signal}
TIPWATCH_NAME = {"pdq": "pdq", "video_md5": "md5", "video_sha256": "sha256"}


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'banks.db'}"


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    with open_store(url) as s:
        create_bank(s, "victims case 12", source="hotline list 2026-11", licence="agreement 7")
        add_entries(s, "victims case 12", ENTRIES)
        yield s


def test_a_bank_round_trips_through_the_threatexchange_dataset_csv(store: Store, tmp_path: Path) -> None:
    text = export_bank(store, "victims case 12", "threatexchange")
    path = tmp_path / "victims.csv"
    path.write_text(text, encoding="utf-8")
    assert detect(text) == "threatexchange"

    # The library reads every row: its signal types accept each hash, its category enum each category.
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert [r["signal_type"] for r in rows] == ["pdq", "pdq", "video_md5", "video_sha256"]
    assert {r["collab"] for r in rows} == {"victims case 12"}
    for row in rows:
        assert LIBRARY[row["signal_type"]].validate_signal_str(row["signal_str"]) == row["signal_str"]
        SignalOpinionCategory[row["category"]]
    assert rows[1]["category"] == "INVESTIGATION_SEED" and set(rows[1]["tags"].split()) == {"media_type_photo", "nsfw"}
    lib_view = {(TIPWATCH_NAME[r["signal_type"]], r["signal_str"]) for r in rows}
    assert lib_view == {(e.signal_type, e.value) for e in ENTRIES}

    # Back into another bank: identical hashes and metadata.
    create_bank(store, "copy", source="partner", licence="agreement 7")
    got = import_file(store, "copy", path)
    assert got.format == "threatexchange" and got.bad_lines == 0 and got.added.added == len(ENTRIES)
    copy = [(e.signal_type, e.value, e.meta) for e in iter_entries(store, "copy")]
    assert copy == [(e.signal_type, e.value, e.meta) for e in ENTRIES]


def test_the_te_export_is_what_the_librarys_local_file_exchange_fetches(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "hma.te"
    path.write_text(export_bank(store, "victims case 12", "te"), encoding="utf-8")
    api = LocalFileSignalExchangeAPI.for_collab(FileCollaborationConfig(name="tipwatch", filename=str(path)))
    fetched: set[tuple[str, str]] = set()
    for delta in api.fetch_iter([PdqSignal, VideoMD5Signal, VideoSHA256Signal], None):
        fetched |= set(delta.updates)
    assert fetched == {("pdq", PDQS[0]), ("pdq", PDQS[1]), ("video_md5", MD5), ("video_sha256", SHA)}
    for name, value in fetched:  # each one a valid signal of the type the library names
        assert LIBRARY[name].validate_signal_str(value) == value
    # And tipwatch reads the file back (hashes only: the file exchange carries no metadata).
    back = parse(path.read_text(encoding="utf-8"), "te")
    assert not back.errors and [(e.signal_type, e.value) for e in back.entries] == [
        (e.signal_type, e.value) for e in ENTRIES
    ]


def test_hostile_rows_are_named_and_skipped_and_nothing_runs(store: Store, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    hostile = "\n".join(
        [
            "signal_type,signal_str,collab,category,tags",
            f"pdq,{PDQS[0]},x,POSITIVE_CLASS,ok=1",
            "pdq,not-a-hash,x,POSITIVE_CLASS,",
            f"photo_md5,{MD5},x,POSITIVE_CLASS,",
            f"video_md5,{MD5},x,MAYBE,",
            f"video_sha256,{SHA}",
            f"pdq,{PDQS[1]},x,POSITIVE_CLASS,{'x' * 9000}",
            # Looks like code or a formula: it is only ever text.
            f"pdq,{PDQS[1]},\"__import__('os').system('touch {marker}')\",POSITIVE_CLASS,=cmd|' /c calc'!A0",
        ]
    )
    path = tmp_path / "hostile.csv"
    path.write_text(hostile + "\n", encoding="utf-8")
    bad: list[tuple[int, str]] = []
    create_bank(store, "in", source="s", licence="l")
    got = import_file(store, "in", path, on_bad_line=lambda n, r: bad.append((n, r)))
    assert [n for n, _ in bad] == [3, 4, 5, 6, 7]
    reasons = dict(bad)
    assert "PDQ" in reasons[3] and "photo_md5" in reasons[4] and "MAYBE" in reasons[5]
    assert "5 fields" in reasons[6] and "longer" in reasons[7]
    assert got.added.added == 2 and got.bad_lines == 5
    assert not marker.exists()
    meta = {e.value: e.meta for e in iter_entries(store, "in")}
    assert meta == {PDQS[0]: {"ok": 1}, PDQS[1]: {"te_tags": "/c =cmd|' calc'!A0"}}


def test_the_cli_exports_and_imports_the_threatexchange_format(store: Store, url: str, tmp_path: Path) -> None:
    tipwatch = str(Path(sys.executable).parent / "tipwatch")
    out = tmp_path / "bank.csv"
    env = {"PATH": "/usr/bin:/bin", "TIPWATCH_DATA_DIR": str(tmp_path / "data")}
    run = [tipwatch, "banks", "export", "victims case 12", "--format", "threatexchange", "--out", str(out), "--db"]
    done = subprocess.run([*run, url], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    create_bank(store, "cli copy", source="s", licence="l")
    run = [tipwatch, "banks", "import", "cli copy", str(out), "--format", "threatexchange", "--db", url]
    done = subprocess.run(run, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    copy = [(e.signal_type, e.value, e.meta) for e in iter_entries(store, "cli copy")]
    assert copy == [(e.signal_type, e.value, e.meta) for e in ENTRIES]
