"""A throwaway PostgreSQL server for the test session (Debian's initdb/pg_ctl), or one named
by RINGDESK_TEST_POSTGRES_URL. In CI (CI=true) a missing PostgreSQL is a failure, not a skip."""

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

import pytest

ENV_URL = "RINGDESK_TEST_POSTGRES_URL"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _pg_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return versions[0] if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where every service must be present."""
    if in_ci():
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(reason)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a server URL (no database name) usable for creating test databases."""
    if os.environ.get(ENV_URL):
        yield os.environ[ENV_URL].rsplit("/", 1)[0]
        return
    bindir = _pg_bindir()
    if bindir is None:
        unavailable("no PostgreSQL binaries (apt-get install postgresql)")
        return
    workdir = Path(tempfile.mkdtemp(prefix="ringdesk-pg-"))
    datadir = workdir / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: run the server as the 'postgres' system user.
        shutil.chown(workdir, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(
        [
            *run_as,
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    )
    subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-o",
            options,
            "-l",
            str(workdir / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(workdir, ignore_errors=True)


def create_database(server_url: str) -> str:
    """Create a fresh database on the server and return its URL."""
    import psycopg

    name = "rd_" + uuid.uuid4().hex[:12]
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    deadline = time.monotonic() + 10
    while True:
        try:
            with psycopg.connect(plain + "/postgres", autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return f"{server_url}/{name}"
