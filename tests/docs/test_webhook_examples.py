"""The signed-webhook examples of docs/pbx/webhook.md work against a real ringdesk.

The Python and the curl example are taken from the page as written and run as separate
processes against the app served over loopback; the event must be stored. With a wrong
secret the same example is refused (the signature is what makes it work). curl and openssl
are required in CI (`.ci/run` installs them) and skip locally when missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from ringdesk.api.app import create_app
from ringdesk.config import Settings
from ringdesk.store.db import Database
from ringdesk.store.migrate import upgrade
from ringdesk.store.tables import CallEventRow
from tests.docs.pages import DOCS, code_blocks
from tests.live import serve_app

PAGE = DOCS / "pbx" / "webhook.md"
SECRET = "docs-example-webhook-secret"


def example(title: str) -> str:
    blocks = [b for b in code_blocks(PAGE) if b.title == title]
    assert len(blocks) == 1, f"{PAGE.name} must have one block titled {title!r}"
    return blocks[0].text


@pytest.fixture
def ringdesk_url(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A migrated SQLite ringdesk with a known webhook secret, served on loopback."""
    database_url = f"sqlite:///{tmp_path / 'ringdesk.db'}"
    upgrade(database_url)
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path / "var",
        secret_key=Fernet.generate_key().decode(),
        webhook_secret=SECRET,
        run_workers=False,
    )
    with serve_app(create_app(settings)) as url:
        yield url, database_url


def stored_events(database_url: str) -> list[tuple[str, str]]:
    database = Database(database_url)
    try:
        with database.session() as session:
            rows = session.execute(select(CallEventRow.call_id, CallEventRow.type)).all()
    finally:
        database.dispose()
    return [(call_id, kind) for call_id, kind in rows]


def run(command: list[str], path: Path, url: str, secret: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RINGDESK_URL": url, "RINGDESK_WEBHOOK_SECRET": secret}
    return subprocess.run(
        [*command, str(path)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is missing; .ci/run installs it")
        pytest.skip(f"{tool} is not installed")


def test_python_example_is_accepted_and_stored(ringdesk_url, tmp_path: Path):
    url, database_url = ringdesk_url
    script = tmp_path / "send_event.py"
    script.write_text(example("send_event.py"))
    result = run([sys.executable], script, url, SECRET)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith('200 {"accepted":true,"duplicate":false')
    assert stored_events(database_url) == [("example-call-1", "call.ringing")]


def test_python_example_with_a_wrong_secret_is_refused(ringdesk_url, tmp_path: Path):
    url, database_url = ringdesk_url
    script = tmp_path / "send_event.py"
    script.write_text(example("send_event.py"))
    result = run([sys.executable], script, url, "not-the-secret")
    assert result.returncode == 1
    assert result.stdout.startswith("401 ")
    assert stored_events(database_url) == []


def test_curl_example_is_accepted_and_stored(ringdesk_url, tmp_path: Path):
    need("curl")
    need("openssl")
    url, database_url = ringdesk_url
    script = tmp_path / "send_event.sh"
    script.write_text("set -eu\n" + example("send_event.sh"))
    result = run(["bash"], script, url, SECRET)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith('{"accepted":true,"duplicate":false'), result.stdout
    assert stored_events(database_url) == [("example-call-2", "call.ringing")]


def test_curl_example_with_a_wrong_secret_is_refused(ringdesk_url, tmp_path: Path):
    need("curl")
    need("openssl")
    url, database_url = ringdesk_url
    script = tmp_path / "send_event.sh"
    script.write_text("set -eu\n" + example("send_event.sh"))
    result = run(["bash"], script, url, "not-the-secret")
    assert "missing or bad X-Ringdesk-Signature" in result.stdout
    assert stored_events(database_url) == []
