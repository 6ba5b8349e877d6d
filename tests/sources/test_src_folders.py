"""Folders of pages (issue 8 item 4): symlinks never lead outside the input folder, never abort a run, and every
entry is read, quarantined with a reason, or counted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tipwatch.sources import ReadStats, read


def _page(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<html><body><p>{text}</p></body></html>", encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "pages"
    _page(root / "a.html", "first page")
    _page(root / "sub" / "b.html", "second page")
    secret = tmp_path / "secret.html"
    _page(secret, "outside the input folder")
    (root / "passwd.html").symlink_to("/etc/passwd")
    (root / "outside.html").symlink_to(secret)
    (root / "dangling.html").symlink_to(root / "gone.html")
    (root / "loop1.html").symlink_to(root / "loop2.html")
    (root / "loop2.html").symlink_to(root / "loop1.html")
    (root / "inside.html").symlink_to(root / "sub" / "b.html")
    (root / "sub" / "parent").symlink_to(root)  # a folder loop
    os.mkfifo(root / "fifo.html")  # opening it would block the run
    return root


def test_symlinks_never_leave_the_folder_and_every_entry_is_accounted(folder: Path) -> None:
    stats = ReadStats()
    records = list(read([folder], stats=stats))
    by_file = {r.position.removeprefix("file "): r for r in records}
    assert set(by_file) == {
        "a.html", "dangling.html", "fifo.html", "inside.html", "loop1.html", "loop2.html", "outside.html",
        "passwd.html", "sub/b.html",
    }  # fmt: skip
    read_ok = {name for name, r in by_file.items() if r.error is None}
    assert read_ok == {"a.html", "inside.html", "sub/b.html"}
    assert "outside the input folder" in (by_file["passwd.html"].error or "")
    assert "outside the input folder" in (by_file["outside.html"].error or "")
    assert "dangling symlink" in (by_file["dangling.html"].error or "")
    assert "symlink loop" in (by_file["loop1.html"].error or "")
    assert "not a regular file" in (by_file["fifo.html"].error or "")
    assert stats.skipped["symlinked folder (not followed)"] == 1
    texts = " ".join(str(r.fields) for r in records if r.fields)
    assert "root:" not in texts and "outside the input folder" not in texts


def test_a_folder_of_hostile_links_does_not_abort_analyze(folder: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tipwatch.cli.main import app

    db = f"sqlite:///{tmp_path / 'store.db'}"
    out = CliRunner().invoke(
        app, ["analyze", str(folder), "--db", db, "--no-link", "--workers", "1", "--quarantine", str(tmp_path / "q")]
    )
    assert out.exit_code == 0, out.output
    assert "reconciles" in out.output and "NO" not in out.output
    quarantine = (tmp_path / "q").read_text(encoding="utf-8")
    for name in ("passwd.html", "dangling.html", "loop1.html", "fifo.html"):
        assert name in quarantine
