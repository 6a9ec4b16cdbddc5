"""A throwaway PostgreSQL cluster for one soak or benchmark run (Debian's initdb/pg_ctl,
run as the `postgres` user when we are root, as `tests/pg.py` does), or the server named
by `RINGDESK_TEST_POSTGRES_URL`. Stopped and deleted when the block ends, even on error.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["create_database", "postgres_server"]


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    if not versions:
        raise RuntimeError("no PostgreSQL binaries (apt-get install postgresql)")
    return versions[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_server(max_connections: int = 300) -> Iterator[str]:
    """Yield a server URL (no database name): `postgresql+psycopg://postgres@127.0.0.1:P`."""
    if os.environ.get("RINGDESK_TEST_POSTGRES_URL"):
        yield os.environ["RINGDESK_TEST_POSTGRES_URL"].rsplit("/", 1)[0]
        return
    bindir = _bindir()
    workdir = Path(tempfile.mkdtemp(prefix="ringdesk-soak-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: the server runs as the 'postgres' system user.
        shutil.chown(workdir, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    datadir = workdir / "data"
    port = _free_port()
    try:
        subprocess.run(
            [
                *run_as,
                str(bindir / "initdb"),
                *("-D", str(datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8"),
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = (
            f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
            f" -c max_connections={max_connections}"
        )
        subprocess.run(
            [
                *run_as,
                str(bindir / "pg_ctl"),
                *("-D", str(datadir), "-o", options, "-l", str(workdir / "log")),
                *("-w", "start"),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(workdir, ignore_errors=True)


def create_database(server_url: str) -> str:
    """A fresh database on the server; returns its SQLAlchemy URL."""
    import psycopg

    name = "soak_" + uuid.uuid4().hex[:12]
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    deadline = time.monotonic() + 10
    while True:
        try:
            with psycopg.connect(plain + "/postgres", autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')  # a generated name, not input
            return f"{server_url}/{name}"
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
