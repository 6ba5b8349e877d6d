"""One typed configuration for every front door: database URL, data and state paths, limits.

Read, highest priority first, from explicit values (command-line flags), the environment (``TIPWATCH_*``), an
optional YAML file (``--config FILE`` or ``TIPWATCH_CONFIG``), and the defaults below. A bad value is reported with
the file (or variable) and the key, never as a traceback.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, PositiveInt, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, YamlConfigSettingsSource

from tipwatch.notices.settings import NoticeSettings

ENV_CONFIG = "TIPWATCH_CONFIG"
# The generated server secret, when none is configured: a file in data_dir, readable by its owner only.
SECRET_FILE = "secret_key"
MIN_SECRET_CHARS = 32


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

    secret_key: SecretStr | None = Field(
        None,
        description=(
            "Server secret keying API-token and session hashes (at least 32 characters; default: generated once into "
            "data_dir/secret_key, mode 0600). Changing it invalidates every token and session."
        ),
    )
    session_minutes: int = Field(720, ge=5, le=43_200, description="Lifetime of a web session (sign in again after).")
    plain_http_loopback: bool = Field(
        False,
        description="The web server runs on plain http on a loopback address (development): the session cookie is sent "
        "without the Secure flag. Refused by `tipwatch serve` for any other host.",
    )
    max_request_bytes: int = Field(10_000_000, ge=1_024, description="Largest request body the web server accepts.")
    login_failures_per_user: int = Field(5, ge=1, description="Failed logins per user name within the window.")
    login_failures_per_address: int = Field(20, ge=1, description="Failed logins per client address within the window.")
    login_window_minutes: int = Field(15, ge=1, description="Sliding window of the login rate limits.")
    image_roots: list[Path] = Field(
        default_factory=list,
        description="Folders the web workspace may serve post images from (blurred, audited; never restricted "
        "images). Stored image references are resolved only to regular files inside one of them; empty: no images.",
    )

    capture_allow_private: bool = Field(
        False,
        description="Let the web app's evidence capture fetch private and loopback addresses (a lab or an intranet "
        "mirror; the CLI's --allow-private-addresses). Off: such addresses are refused.",
    )
    tsa_url: str | None = Field(
        None,
        max_length=2000,
        description="An RFC 3161 timestamp authority (http or https URL): each evidence bundle's manifest is "
        "timestamped there when set (an export fails if the authority does not answer).",
    )
    tsa_allow_private: bool = Field(
        False, description="Let the timestamp authority be on a private or loopback address (an in-house TSA, tests)."
    )
    max_bundle_upload_bytes: int = Field(
        200_000_000,
        ge=1_024,
        description="Largest evidence bundle the web app's verify page accepts (the only request allowed over "
        "max_request_bytes); it may unpack to at most 5 times this.",
    )

    retention_days: dict[Literal["posts", "identifiers", "media", "faces", "logs"], PositiveInt] = Field(
        default_factory=dict,
        description="Days each area is kept, enforced by `tipwatch retention run` (posts, identifiers, media, faces, "
        "logs; an area not named is kept). Anything in an open case is on legal hold. See docs/dpia.md.",
    )

    notices: NoticeSettings = Field(
        default_factory=lambda: NoticeSettings.model_validate({}),
        description="Takedown notices: notifier, SMTP, overdue delay (issue 11).",
    )

    @field_validator("secret_key")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < MIN_SECRET_CHARS:
            raise ValueError(
                f"secret_key must be at least {MIN_SECRET_CHARS} characters (generate one with: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'), or leave it unset to have one "
                "generated into data_dir"
            )
        return value

    @field_validator("image_roots")
    @classmethod
    def _image_roots_are_folders(cls, value: list[Path]) -> list[Path]:
        roots = []
        for root in value:
            try:
                resolved = root.expanduser().resolve(strict=True)
            except (OSError, RuntimeError, ValueError):
                raise ValueError(f"image root {str(root)!r} does not exist") from None
            if not resolved.is_dir():
                raise ValueError(f"image root {str(root)!r} is not a folder")
            roots.append(resolved)
        return roots

    def server_secret(self) -> bytes:
        """The server secret: ``secret_key`` when set, else the key in ``data_dir/secret_key``, created on first use
        (mode 0600, written once atomically so that several starting workers agree on it)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().strip().encode("utf-8")
        path = self.data_dir / SECRET_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_urlsafe(48) + "\n")
            try:
                os.link(tmp, path)  # fails if another process made it first: then theirs is the secret
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"{path}: the server secret is readable by others (mode {mode & 0o777:o}); chmod 600 it")
        value = path.read_text(encoding="ascii").strip()
        if len(value) < MIN_SECRET_CHARS:
            raise ConfigError(f"{path}: the server secret is shorter than {MIN_SECRET_CHARS} characters")
        return value.encode("ascii")

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
