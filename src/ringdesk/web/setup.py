"""First-run setup codes: `/admin/setup` creates the first admin only with a one-time code
that `ringdesk serve` (or `ringdesk admin setup-link`) prints on the server's console.

Being on the console is the proof of being the operator; being on loopback is not (behind
a reverse proxy every request comes from loopback). A code is random (128 bits), stored as
its SHA-256, spent by the setup it opens and good for an hour; setup closes for good once
any admin exists, a UI user or a live admin API token.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from ringdesk.config import Settings
from ringdesk.store import admin
from ringdesk.store.db import Database

__all__ = ["SETUP_CODE_TTL", "SETUP_PATH", "issue_setup_link", "setup_url"]

SETUP_CODE_TTL = 3600.0
SETUP_PATH = "/admin/setup"


def setup_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}{SETUP_PATH}?{urlencode({'code': code})}"


def issue_setup_link(database: Database, settings: Settings, *, now: float) -> str | None:
    """A fresh setup link, or None when setup is closed (an admin exists). Codes issued
    before stay good until they expire or one of them is used."""
    code = secrets.token_urlsafe(16)
    with database.session() as session:
        if not admin.setup_open(session, now=now):
            return None
        admin.add_setup_code(session, code, now=now, expires_at=now + SETUP_CODE_TTL)
    return setup_url(settings.public_url, code)
