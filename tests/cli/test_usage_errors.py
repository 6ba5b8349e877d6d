"""Usage errors (issue 8 item 7): a bad --db is one clear line and exit 2; in-memory stores are refused; a bank
import with an oversized metadata field reports the line and goes on."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")


def tw(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TIPWATCH, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.mark.parametrize(
    ("db", "says"),
    [
        ("bogus", "is not a database URL"),
        ("DIR", "is a directory"),
        ("mysql://u@localhost/x", "unsupported database 'mysql'"),
        ("postgresql+nodriver://u@localhost/x", "unknown database driver"),
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
    ],
)
@pytest.mark.parametrize("command", ["analyze", "report", "networks"])
def test_a_bad_db_url_is_one_line_and_exit_2(tmp_path: Path, db: str, says: str, command: str) -> None:
    ads = tmp_path / "ads.jsonl"
    ads.write_text('{"id": 1, "body": "hello"}\n', encoding="utf-8")
    db = db.replace("DIR", f"sqlite:///{tmp_path}")
    args = {
        "analyze": ["analyze", str(ads), "--db", db, "--quarantine", str(tmp_path / "q")],
        "report": ["report", "--db", db, "--out", str(tmp_path / "r")],
        "networks": ["networks", "--db", db, "--out", str(tmp_path / "n.jsonl")],
    }[command]
    done = tw(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --db ") and says in lines[0], done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_password_in_a_bad_url_is_not_shown(tmp_path: Path) -> None:
    done = tw("report", "--db", "mysql://user:hunter2@localhost/x", "--out", str(tmp_path / "r"))
    assert done.returncode == 2 and "hunter2" not in done.stderr and "***" in done.stderr


def test_a_huge_metadata_field_in_a_bank_import_costs_its_line_only(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'banks.db'}"
    assert tw("banks", "create", "known", "--source", "s", "--licence", "l", "--db", db).returncode == 0
    bank = tmp_path / "bank.csv"
    huge = "x" * 300_000
    bank.write_text(
        "md5,note\n9e107d9d372bb6826bd81d3542a419d6,first\n"
        f"e4d909c290d0fb1ca068ffaddf22cbd0,{huge}\nd41d8cd98f00b204e9800998ecf8427e,third\n",
        encoding="utf-8",
    )
    done = tw("banks", "import", "known", str(bank), "--db", db)
    assert "Traceback" not in done.stderr and "_csv.Error" not in done.stderr
    assert done.returncode == 1  # a bad line is reported, as for any other bad line
    assert f"{bank}:3: CSV error: field larger than field limit" in done.stderr
    assert "2 added" in done.stderr


class _RunsCode:
    """Unpickling this runs a shell command (os.system): what a hostile model file does."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


@pytest.mark.parametrize("command", ["score", "analyze", "evaluate"])
def test_a_pickle_model_is_refused_in_one_line_and_never_run(tmp_path: Path, command: str) -> None:
    marker = tmp_path / "ran"
    evil = tmp_path / "model.joblib"
    evil.write_bytes(pickle.dumps(_RunsCode(f"touch {marker}")))
    data = tmp_path / "in.jsonl"
    data.write_text('{"id": 1, "text": "hello", "body": "hello", "label": 1}\n', encoding="utf-8")
    args = {
        "score": ["score", "--model", str(evil)],
        "analyze": ["analyze", str(data), "--model", str(evil), "--db", f"sqlite:///{tmp_path / 's.db'}"],
        "evaluate": [
            "evaluate",
            "--data",
            str(data),
            "--text-col",
            "text",
            "--label-col",
            "label",
            "--model",
            str(evil),
        ],
    }[command]
    done = subprocess.run([TIPWATCH, *args], input=data.read_bytes(), capture_output=True, timeout=300, cwd=tmp_path)
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert len(err.strip().splitlines()) == 1 and "refused" in err and "pickle" in err, err
    assert not marker.exists()
