"""One typed configuration for every front door: database URL, data and state paths, limits.

Read, highest priority first, from explicit values (command-line flags), the environment (``TIPWATCH_*``), an
optional YAML file (``--config FILE`` or ``TIPWATCH_CONFIG``), and the defaults below. A bad value is reported with
the file (or variable) and the key, never as a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, YamlConfigSettingsSource

ENV_CONFIG = "TIPWATCH_CONFIG"


class ConfigError(ValueError):
    """A configuration value or file is wrong; the message names the file and the key."""


class Config(BaseSettings):
    """Where tipwatch keeps its data and how far it goes. Every field is also ``TIPWATCH_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="TIPWATCH_", extra="forbid", validate_default=True)

    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the store (default: a SQLite file in data_dir)."
    )
    data_dir: Path = Field(Path("tipwatch-data"), description="Default store, link state and quarantine files.")
    link_state: Path | None = Field(
        None, description="Directory of the link state (default: beside a SQLite file, else in data_dir)."
    )
    link_state_backend: Literal["directory", "store"] = Field(
        "directory",
        description="Keep the link state in a directory (fast, one machine) or in the database (shared by machines).",
    )
    quarantine_raw_limit: int = Field(
        1_000_000, ge=1_000, description="Characters of a rejected record's raw input kept in the quarantine table."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML file, when there is one, is named in the class's model_config by ``load_config``.
        return (init_settings, env_settings, YamlConfigSettingsSource(settings_cls))

    def default_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tipwatch.db'}"


def load_config(config_file: Path | None = None, **values: Any) -> Config:
    """The configuration from ``values`` (flags; None means "not given"), environment, file and defaults."""
    path = config_file or (Path(os.environ[ENV_CONFIG]) if os.environ.get(ENV_CONFIG) else None)
    if path is not None and not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    given = {k: v for k, v in values.items() if v is not None}
    cls: type[Config] = Config
    if path is not None:
        cls = type("Config", (Config,), {"model_config": {**Config.model_config, "yaml_file": path}})
    try:
        return cls(**given)
    except ValidationError as exc:
        where = str(path) if path is not None else "settings"
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(file)"
        raise ConfigError(f"{where}: {key}: {first['msg']}") from None
    except (OSError, ValueError, TypeError, yaml.YAMLError) as exc:  # unreadable or malformed YAML
        reason = " ".join(str(exc).split())
        raise ConfigError(f"{path}: not a valid config file: {reason}") from None
