"""One typed configuration: flags over TIPWATCH_* environment over the --config YAML file over defaults; a bad value
names the file and the key and is bad usage (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tipwatch.cli.main import app
from tipwatch.config import ConfigError, load_config


def test_precedence_flags_environment_file_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg_file = tmp_path / "tw.yaml"
    cfg_file.write_text(f"data_dir: {tmp_path / 'from-file'}\ndatabase_url: sqlite:///file.db\n", encoding="utf-8")
    monkeypatch.delenv("TIPWATCH_DATABASE_URL", raising=False)
    assert load_config().data_dir == Path("tipwatch-data")
    assert load_config(cfg_file).data_dir == tmp_path / "from-file"
    monkeypatch.setenv("TIPWATCH_DATABASE_URL", "sqlite:///env.db")
    assert load_config(cfg_file).database_url == "sqlite:///env.db"
    assert load_config(cfg_file, database_url="sqlite:///flag.db").database_url == "sqlite:///flag.db"
    assert load_config(cfg_file, database_url=None).database_url == "sqlite:///env.db"  # None = flag not given


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIPWATCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("TIPWATCH_DATA_DIR", str(tmp_path))
    assert load_config().default_database_url() == f"sqlite:///{tmp_path / 'tipwatch.db'}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("link_state_backend: nowhere\n", "link_state_backend"),
        ("colour: blue\n", "colour: Extra inputs are not permitted"),
        ("quarantine_raw_limit: 5\n", "quarantine_raw_limit"),
        ("data_dir: [\n", "not a valid config file"),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        load_config(bad)
    assert str(err.value).startswith(str(bad))


def test_missing_config_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "none.yaml")


def test_cli_reports_a_bad_config_in_one_line_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("link_state_backend: nowhere\n", encoding="utf-8")
    posts = tmp_path / "p.jsonl"
    posts.write_text('{"id": "1", "text": "hello"}\n', encoding="utf-8")
    cmd = [sys.executable, "-m", "tipwatch.cli.main", "--config", str(bad), "analyze", str(posts), "--no-media"]
    res = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        f"error: {bad}: link_state_backend: Input should be 'directory' or 'store'"
    ]
    assert not (tmp_path / "tipwatch-data").exists()  # refused before anything was written


def test_link_state_kept_in_the_store_when_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg_file = tmp_path / "tw.yaml"
    cfg_file.write_text("link_state_backend: store\n", encoding="utf-8")
    posts = tmp_path / "p.jsonl"
    posts.write_text(
        '{"id": "1", "text": "new girls call 9876543210"}\n{"id": "2", "text": "hot call 98765 43210 now"}\n',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 's.db'}"
    res = CliRunner().invoke(app, ["--config", str(cfg_file), "analyze", str(posts), "--no-media", "--db", db])
    assert res.exit_code == 0, res.output
    assert "linked 2 new of 2 posts" in res.output
    assert not (tmp_path / "s.db.link").exists()  # no state directory: the state is in the database

    from tipwatch.store.facade import open_store

    with open_store(db) as store, store.link_state.lock():
        assert store.link_state.load() is not None
