"""Notice settings (``notices:`` in the config file, or ``TIPWATCH_NOTICES`` as JSON): who the notifier is, how
e-mail goes out, when a notice without removal is overdue, which registry file to use."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class NoticeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notifier_name: str | None = Field(
        None, max_length=200, description="Name of the notifying person or organisation (DSA Art. 16(2)(c))."
    )
    notifier_email: str | None = Field(None, max_length=320, description="E-mail of the notifier (Art. 16(2)(c)).")
    registry: Path | None = Field(None, description="Platform registry YAML (default: the bundled one).")
    overdue_hours: float = Field(
        48.0,
        gt=0,
        description="A sent notice whose content is still up this long after sending is overdue (escalated). The "
        "DSA says 'expeditiously' without a number: this is the organisation's own policy.",
    )
    recheck_timeout: float = Field(20.0, gt=0, le=300, description="Seconds for one URL's re-check fetch.")
    smtp_host: str = Field("localhost", description="SMTP server for notices by e-mail.")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_tls: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="starttls (port 587), ssl (implicit TLS, port 465) or none (a local relay only)."
    )
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = Field(
        None,
        max_length=320,
        description="From address (default: notifier_email). Notices about child sexual abuse material leave the "
        "notifier out of their text, but an e-mail always shows its From address: set a role address here.",
    )
    smtp_timeout: float = Field(30.0, gt=0, le=300)
    allow_private_addresses: bool = Field(
        False,
        description="Let webhooks and re-checks reach loopback and private addresses (a lab, or tests); off in use.",
    )
