"""Service settings, read from `RINGDESK_*` environment variables; never built at import time."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ringdesk.errors import ConfigError

__all__ = ["Settings", "read_or_create_key_file"]


class Settings(BaseSettings):
    """Everything an operator can configure. See the table in README.md."""

    model_config = SettingsConfigDict(env_prefix="RINGDESK_", extra="ignore")

    database_url: str = "sqlite:///./var/ringdesk.db"
    public_url: str = "http://127.0.0.1:8080"
    data_dir: Path = Path("./var")
    secret_key: str | None = Field(default=None, repr=False)
    webhook_secret: str | None = Field(default=None, repr=False)
    allow_private_networks: bool = False
    # Size limits (bytes) on what we accept and what we read back from helpdesks.
    max_upload_bytes: int = 2_000_000
    max_response_bytes: int = 5_000_000
    request_log_retention: int = 2_000
    outbox_poll_seconds: float = 1.0
    outbox_max_attempts: int = 12
    run_workers: bool = True
    # Asterisk AMI listener (I2): `ami://user:secret@host:5038`; unset = no listener.
    ami_url: str | None = Field(default=None, repr=False)
    # Zone of PBX-local times in events (Yeastar CDR `time_start`).
    pbx_timezone: str = "UTC"
    # A comment line on idle screen-pop streams, so proxies keep them open (C9).
    sse_heartbeat_seconds: float = 15.0

    def resolved_secret_key(self) -> str:
        """The Fernet key for secrets at rest: the setting, or a generated 0600 key file."""
        if self.secret_key:
            return self.secret_key
        from cryptography.fernet import Fernet

        return read_or_create_key_file(
            self.data_dir / "secret.key", lambda: Fernet.generate_key().decode()
        )

    def resolved_webhook_secret(self) -> str:
        """The HMAC key for `/events`: the setting, or a generated 0600 key file."""
        if self.webhook_secret:
            return self.webhook_secret
        return read_or_create_key_file(
            self.data_dir / "webhook.key", lambda: secrets.token_urlsafe(32)
        )


def read_or_create_key_file(path: Path, make: Callable[[], str]) -> str:
    """Read a key file, creating it (mode 0600, atomically) on first use."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; use its key
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(f"cannot create key file {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value
