"""The media commands as a user (or a script) runs them: JSON lines on stdout, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from media_helpers import encode, photo
from PIL import Image
from typer.testing import CliRunner

from tipwatch.cli.main import app

runner = CliRunner()


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]


def test_hash_prints_one_json_line_per_file_and_fails_at_the_end(tmp_path: Path, pdq_dir: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"nope")
    good = pdq_dir / "dih" / "bridge-1-original.jpg"
    result = runner.invoke(app, ["hash", str(good), str(bad), str(tmp_path / "missing.jpg")])
    assert result.exit_code == 1
    rows = _lines(result.stdout)
    assert [r["file"] for r in rows] == [str(good), str(bad), str(tmp_path / "missing.jpg")]
    assert set(rows[0]) == {"file", "sha256", "md5", "pdq", "quality"}
    assert rows[0]["pdq"] == "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
    assert rows[0]["quality"] == 100
    assert "not an image" in str(rows[1]["error"]) and rows[1]["sha256"]
    assert "no such file" in str(rows[2]["error"])
    ok = runner.invoke(app, ["hash", "--dihedral", str(good)])
    assert ok.exit_code == 0 and len(_lines(ok.stdout)[0]["dihedral"]) == 8  # type: ignore[arg-type]


def test_banks_and_match_through_the_cli(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    original = photo(61, (700, 500))
    known = tmp_path / "known.jpg"
    original.save(known, quality=92)
    rotated = tmp_path / "rotated.jpg"
    original.transpose(Image.Transpose.ROTATE_180).save(rotated, quality=75)
    other = tmp_path / "other.png"
    photo(62).save(other)

    assert (
        runner.invoke(
            app, ["banks", "create", "victims", "--source", "case 12", "--licence", "case", "--db", db]
        ).exit_code
        == 0
    )
    added = runner.invoke(app, ["banks", "add", "victims", str(known), "--note", "V1", "--db", db])
    assert added.exit_code == 0, added.output
    listed = _lines(runner.invoke(app, ["banks", "list", "--db", db]).stdout)
    assert listed[0]["name"] == "victims" and listed[0]["entries"] == 3

    exported = tmp_path / "victims.csv"
    assert runner.invoke(app, ["banks", "export", "victims", "--out", str(exported), "--db", db]).exit_code == 0
    assert runner.invoke(app, ["banks", "create", "copy", "--source", "x", "--licence", "y", "--db", db]).exit_code == 0
    imported = runner.invoke(app, ["banks", "import", "copy", str(exported), "--db", db])
    assert imported.exit_code == 0, imported.output
    te = runner.invoke(app, ["banks", "export", "copy", "--format", "te", "--db", db])
    assert sorted(te.stdout.split()) == sorted(
        runner.invoke(app, ["banks", "export", "victims", "--format", "te", "--db", db]).stdout.split()
    )
    assert runner.invoke(app, ["banks", "disable", "copy", "--db", db]).exit_code == 0

    result = runner.invoke(app, ["match", str(rotated), str(other), "--db", db])
    assert result.exit_code == 0, result.output
    rows = _lines(result.stdout)
    assert [(r["file"], r["bank"], r["signal_type"], r["variant"]) for r in rows] == [
        (str(rotated), "victims", "pdq", "rotate-180")
    ]
    assert rows[0]["restricted"] is False and int(rows[0]["distance"]) <= 31  # type: ignore[call-overload]


def test_every_bank_change_from_the_cli_is_audited(tmp_path: Path) -> None:
    """What a bank matches decides which posts are flagged: a change made at the command line is in the audit log
    with who, why and the numbers, as one made in the web app (services.bank_admin)."""
    import hashlib

    from tipwatch.services import audit
    from tipwatch.store.facade import open_store

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    image = tmp_path / "known.jpg"
    photo(63, (600, 400)).save(image, quality=90)
    hashes = tmp_path / "list.txt"
    hashes.write_text("9e107d9d372bb6826bd81d3542a419d6\nnot-a-hash\n")
    steps = [
        ["banks", "create", "hotline", "--source", "hotline X", "--licence", "members", "--abuse-material"],
        ["banks", "import", "hotline", str(hashes), "--why", "list of 2026-11"],
        ["banks", "add", "hotline", str(image), "--why", "case 12 photo"],
        ["banks", "threshold", "hotline", "40", "--why", "too many misses"],
        ["banks", "disable", "hotline", "--why", "list withdrawn by the hotline"],
        ["banks", "enable", "hotline"],
        ["banks", "export", "hotline", "--format", "md5", "--out", str(tmp_path / "out.txt"), "--why", "to unit 7"],
        ["banks", "delete", "hotline", "--yes", "--why", "licence ended"],
    ]
    for args in steps:
        done = runner.invoke(app, [*args, "--db", db])
        assert done.exit_code in (0, 1), (args, done.output)  # the import has a bad line: exit 1, rest imported
    with open_store(db) as store:
        entries = [e for e in audit.entries(store) if e.action.startswith("bank.")]
    assert [e.action for e in entries] == [
        "bank.create",
        "bank.import",
        "bank.add_images",
        "bank.threshold",
        "bank.disable",
        "bank.enable",
        "bank.export",
        "bank.delete",
    ]
    assert all(e.actor.startswith("cli:") and e.target == "bank:hotline" for e in entries)
    by = {e.action: e for e in entries}
    assert by["bank.create"].details["abuse_material"] is True
    imported = by["bank.import"]
    assert imported.why == "list of 2026-11" and imported.details["file"] == "list.txt"
    assert imported.details["sha256"] == hashlib.sha256(hashes.read_bytes()).hexdigest()
    assert (imported.details["added"], imported.details["bad_lines"]) == (1, 1)
    assert by["bank.add_images"].details["added"] == 3 and by["bank.add_images"].details["entries"] == 4
    assert by["bank.threshold"].details == {"old": 31, "new": 40} and by["bank.threshold"].why == "too many misses"
    assert by["bank.disable"].why == "list withdrawn by the hotline"
    assert by["bank.export"].details == {"format": "md5", "entries": 4}
    assert by["bank.delete"].details["entries"] == 4 and by["bank.delete"].why == "licence ended"


def test_import_reports_bad_lines(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner.invoke(app, ["banks", "create", "list", "--source", "s", "--licence", "l", "--db", db])
    hashes = tmp_path / "list.txt"
    hashes.write_text("9e107d9d372bb6826bd81d3542a419d6\nnot-a-hash\n")
    result = runner.invoke(app, ["banks", "import", "list", str(hashes), "--db", db])
    assert result.exit_code == 1
    assert "list.txt:2:" in result.output and "1 added" in result.output
    ambiguous = tmp_path / "amb.txt"
    ambiguous.write_text("ab" * 32 + "\n")
    assert runner.invoke(app, ["banks", "import", "list", str(ambiguous), "--db", db]).exit_code != 0


@pytest.mark.parametrize("args", [["hash", "--help"], ["match", "--help"], ["banks", "--help"], ["faces", "--help"]])
def test_help(args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 0


def test_abuse_bank_match_is_marked_restricted(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    img = tmp_path / "x.jpg"
    img.write_bytes(encode(photo(63)))
    runner.invoke(app, ["banks", "create", "csam", "--source", "s", "--licence", "l", "--abuse-material", "--db", db])
    runner.invoke(app, ["banks", "add", "csam", str(img), "--db", db])
    rows = _lines(runner.invoke(app, ["match", str(img), "--db", db]).stdout)
    assert rows and all(r["restricted"] is True for r in rows)
    assert {r["signal_type"] for r in rows} == {"sha256", "md5", "pdq"}
