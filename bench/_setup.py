"""What every benchmark's ringdesk side starts from: a migrated SQLite file in `workdir`
and settings that allow the loopback peer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["migrated_settings"]


def migrated_settings(workdir: Path) -> Any:
    """Settings for a fresh, migrated `workdir/bench.db` (no background workers)."""
    from cryptography.fernet import Fernet

    from ringdesk.config import Settings
    from ringdesk.store.migrate import upgrade

    db_url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(db_url)
    return Settings(
        database_url=db_url,
        data_dir=workdir,
        secret_key=Fernet.generate_key().decode(),
        allow_private_networks=True,
        run_workers=False,
    )
