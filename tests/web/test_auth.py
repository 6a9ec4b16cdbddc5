"""Admin accounts without a browser: hashing, the CLI, setup refusal, safe redirects (I5)."""

from __future__ import annotations

import re

import httpx
from click.testing import CliRunner
from sqlalchemy import select

from ringdesk.cli import main
from ringdesk.store.tables import AdminUser
from ringdesk.web.auth import hash_password, verify_password
from tests.web.conftest import ADMIN


def test_hash_and_verify():
    hashed = hash_password("s3cret-password")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "s3cret-password")
    assert not verify_password(hashed, "wrong")
    assert not verify_password("not a hash", "s3cret-password")


def test_cli_create_user(tmp_path, monkeypatch):
    """`ringdesk admin create-user NAME` prompts twice and stores an argon2 hash."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RINGDESK_DATABASE_URL", url)
    monkeypatch.setenv("RINGDESK_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    result = runner.invoke(
        main, ["admin", "create-user", "ops"], input="long enough pw\nlong enough pw\n"
    )
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    again = runner.invoke(
        main, ["admin", "create-user", "ops"], input="long enough pw\nlong enough pw\n"
    )
    assert again.exit_code != 0
    assert "already exists" in again.output
    short = runner.invoke(main, ["admin", "create-user", "x"], input="short\nshort\n")
    assert short.exit_code != 0
    from ringdesk.store.db import Database

    database = Database(url)
    with database.session() as session:
        users = session.scalars(select(AdminUser)).all()
        assert [u.username for u in users] == ["ops"]
        assert verify_password(users[0].password_hash, "long enough pw")
    database.dispose()


def _token(client: httpx.Client, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found[1]


def test_setup_refused_once_an_admin_exists(live):
    live.add_admin()
    with httpx.Client(base_url=live.url) as client:
        token = _token(client, "/admin/login")
        response = client.post(
            "/admin/setup",
            data={
                "username": "intruder",
                "password": "x" * 12,
                "password_again": "x" * 12,
                "csrf_token": token,
            },
        )
        assert response.status_code == 403
    with live.db.session() as session:
        assert session.scalars(select(AdminUser.username)).all() == [ADMIN[0]]


def test_login_never_redirects_off_site(live):
    live.add_admin()
    with httpx.Client(base_url=live.url) as client:
        token = _token(client, "/admin/login")
        response = client.post(
            "/admin/login",
            data={
                "username": ADMIN[0],
                "password": ADMIN[1],
                "csrf_token": token,
                "next": "//evil.example/x",
            },
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/"


def test_session_authorises_the_api_with_csrf_header(live):
    """The UI's session cookie works for the REST API when the CSRF header comes along."""
    live.add_admin()
    with httpx.Client(base_url=live.url) as client:
        assert client.get("/api/v1/outbox").status_code == 401
        token = _token(client, "/admin/login")
        client.post(
            "/admin/login", data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token}
        )
        assert client.get("/api/v1/outbox").status_code == 200
        token = _token(client, "/admin/extensions")
        ok = client.put(
            "/api/v1/extensions/1001",
            json={"name": "Desk", "email": ""},
            headers={"X-CSRF-Token": token},
        )
        assert ok.status_code == 200, ok.text
        assert client.put("/api/v1/extensions/1002", json={"name": "x"}).status_code == 403
