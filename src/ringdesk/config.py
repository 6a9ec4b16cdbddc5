"""Service settings, read from `RINGDESK_*` environment variables; never built at import time."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ringdesk.errors import ConfigError

__all__ = [
    "WEBHOOK_KEY_FILE",
    "Settings",
    "make_private_dir",
    "read_or_create_key_file",
    "write_key_file",
]

WEBHOOK_KEY_FILE = "webhook.key"


class Settings(BaseSettings):
    """Everything an operator can configure; each field's description feeds the docs' table."""

    model_config = SettingsConfigDict(env_prefix="RINGDESK_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/ringdesk.db",
        description="SQLAlchemy URL of the database: a SQLite file, or "
        "`postgresql+psycopg://user:password@host/db` for PostgreSQL (required when several "
        "ringdesk processes share the work).",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8080",
        description="The address users and the PBX reach ringdesk at: the base of the OAuth2 "
        "`redirect_uri` (`/api/v1/oauth/callback`), agent links and the Yeastar webhook URL.",
    )
    data_dir: Path = Field(
        default=Path("./var"),
        description="Where the generated key files `secret.key` and `webhook.key` live.",
    )
    secret_key: str | None = Field(
        default=None,
        repr=False,
        description="Key that encrypts integration secrets at rest (Fernet key, or a "
        "passphrase a key is derived from) and signs OAuth2 state; agent-link keys are "
        "derived from it by HKDF. Unset: read from, or generated into, `DATA_DIR/secret.key` "
        "(mode 0600, in a 0700 directory).",
    )
    webhook_secret: str | None = Field(
        default=None,
        repr=False,
        description="HMAC key of the signed call-event webhook; the Yeastar URL token is "
        "derived from it. Unset: read from, or generated into, `DATA_DIR/webhook.key`.",
    )
    allow_private_networks: bool = Field(
        default=False,
        description="Let helpdesk URLs reach loopback, private, link-local and reserved "
        "addresses (checked after DNS resolution). Only for helpdesks on your own network.",
    )
    # Size limits (bytes) on what we accept and what we read back from helpdesks.
    max_upload_bytes: int = Field(
        default=2_000_000,
        description="Largest upload accepted (template XML, logo), in bytes.",
    )
    max_response_bytes: int = Field(
        default=5_000_000,
        description="Largest helpdesk response read, in bytes; a larger one fails the request.",
    )
    request_log_retention: int = Field(
        default=2_000, description="Request-log rows kept per integration (older ones go)."
    )
    outbox_poll_seconds: float = Field(
        default=1.0,
        description="How often outbox workers look for due jobs when nothing woke them.",
    )
    outbox_max_attempts: int = Field(
        default=12,
        description="Attempts before a delivery is marked failed (it can then be retried by hand).",
    )
    contact_wait_seconds: float = Field(
        default=3600.0,
        description="How long a call's log and ticket wait for its contact to be settled "
        "(found or created) before they go out without one (the request log says so).",
    )
    # Server-side guards on ringdesk's PostgreSQL sessions (store.db.PgGuards); 0 = none.
    pg_idle_in_transaction_timeout: float = Field(
        default=30.0,
        ge=0,
        description="PostgreSQL only: seconds a ringdesk session may sit idle inside an open "
        "transaction before the server ends it (`idle_in_transaction_session_timeout`). "
        "ringdesk never waits on the network inside a transaction; this makes sure a bug "
        "cannot hold locks (and hang every other process) for longer. 0 turns it off.",
    )
    pg_statement_timeout: float = Field(
        default=120.0,
        ge=0,
        description="PostgreSQL only: seconds one SQL statement of ringdesk may run "
        "(`statement_timeout`; migrations are not limited). 0 turns it off.",
    )
    pg_lock_timeout: float = Field(
        default=30.0,
        ge=0,
        description="PostgreSQL only: seconds a ringdesk statement waits for a lock before it "
        "fails and its work is retried (`lock_timeout`). 0 turns it off.",
    )
    run_workers: bool = Field(
        default=True,
        description="Run the background services (outbox worker, token refresh, contact "
        "sync, AMI listener, screen-pop relay) inside `ringdesk serve`.",
    )
    # Asterisk AMI listener (I2).
    ami_url: str | None = Field(
        default=None,
        repr=False,
        description="`ami://user:secret@host:5038` starts the Asterisk AMI listener; unset, "
        "none runs.",
    )
    pbx_timezone: str = Field(
        default="UTC",
        description="Time zone of PBX-local times in events (the Yeastar CDR `time_start`).",
    )
    sse_heartbeat_seconds: float = Field(
        default=15.0,
        description="Seconds between the comment lines an idle screen-pop stream sends, so "
        "proxies keep it open.",
    )
    # Who may read /metrics without the admin token (I8).
    metrics_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Client networks (CIDRs, comma-separated, e.g. "
        "`127.0.0.1/32,10.0.5.0/24`) that may read `/metrics` without the admin token; "
        "empty (the default): everyone needs it, loopback included. Behind a reverse proxy "
        "the client address is the proxy's unless it sends `X-Forwarded-For` (trusted from "
        "127.0.0.1 only).",
    )
    # Login throttling (limits notation; see ringdesk.web.throttle).
    login_limits_account: str = Field(
        default="5/minute;10/15 minutes;30/hour",
        description="Failed admin logins allowed per account name, in tiers that make each "
        "further burst of guesses wait longer (`limits` notation).",
    )
    login_limits_address: str = Field(
        default="10/minute;30/15 minutes;100/day",
        description="Failed admin logins allowed per client address, in growing tiers "
        "(`limits` notation).",
    )

    @field_validator("metrics_allow", mode="before")
    @classmethod
    def _split_networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):  # a JSON list is fine too
                import json

                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("metrics_allow")
    @classmethod
    def _check_networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(
                    f"{network!r} is not a network (use CIDRs such as 10.0.0.0/8)"
                ) from None
        return value

    @field_validator("login_limits_account", "login_limits_address")
    @classmethod
    def _check_limits(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a list of limits such as 5/minute;30/hour"
            ) from None
        return value

    def metrics_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """The networks of `metrics_allow`, parsed."""
        return [ipaddress.ip_network(n, strict=False) for n in self.metrics_allow]

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
        return read_or_create_key_file(self.webhook_key_path, _new_webhook_secret)

    @property
    def webhook_key_path(self) -> Path:
        """The generated webhook secret's file (used only when `webhook_secret` is unset)."""
        return self.data_dir / WEBHOOK_KEY_FILE

    def rotate_webhook_secret(self) -> str:
        """Write a new generated webhook secret and return it. Every process sharing this
        data dir reads the key file per request, so it takes effect at once. A secret set
        in the environment cannot be rotated from here: ConfigError says so."""
        if self.webhook_secret:
            raise ConfigError(
                "the webhook secret is set in the environment (RINGDESK_WEBHOOK_SECRET): "
                "rotate it there and restart ringdesk"
            )
        value = _new_webhook_secret()
        write_key_file(self.webhook_key_path, value)
        return value


def _new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def read_or_create_key_file(path: Path, make: Callable[[], str]) -> str:
    """Read a key file, creating it (mode 0600, atomically) on first use."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    make_private_dir(path.parent)
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


def write_key_file(path: Path, value: str) -> None:
    """Replace a key file atomically with mode 0600: a reader sees the old key or the new
    one, never a half-written file, and the key is never readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value + "\n")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ConfigError(f"cannot write key file {path}: {exc.strerror}") from exc


def make_private_dir(path: Path) -> None:
    """Create `path` (and missing parents) readable by this user only (0700). A directory
    that exists already keeps its mode: it may be shared on purpose."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
