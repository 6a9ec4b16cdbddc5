"""REST /api/v1/extensions: PBX extensions `{number, name, email}` (U5) on both databases."""

from __future__ import annotations


def test_extensions_need_the_admin_token(client):
    assert client.get("/api/v1/extensions").status_code == 401
    assert client.put("/api/v1/extensions/1001", json={"name": "x"}).status_code == 401


def test_put_get_list_delete_and_bad_input(admin):
    assert admin.get("/api/v1/extensions").json() == []
    created = admin.put("/api/v1/extensions/1001", json={"name": "Ada", "email": "ada@ex.com"})
    assert created.status_code == 200
    assert created.json() == {"number": "1001", "name": "Ada", "email": "ada@ex.com"}
    admin.put("/api/v1/extensions/1000", json={"number": "1000", "name": "Bob"})
    updated = admin.put("/api/v1/extensions/1001", json={"name": "Ada L.", "email": ""})
    assert updated.json()["name"] == "Ada L."
    listed = admin.get("/api/v1/extensions").json()
    assert [e["number"] for e in listed] == ["1000", "1001"]
    assert admin.get("/api/v1/extensions/1001").json()["email"] == ""
    assert admin.delete("/api/v1/extensions/1001").status_code == 204
    assert admin.get("/api/v1/extensions/1001").status_code == 404
    assert admin.delete("/api/v1/extensions/1001").status_code == 404
    # bad input is 422
    assert admin.put("/api/v1/extensions/1001", json={"email": "not-an-email"}).status_code == 422
    assert admin.put("/api/v1/extensions/1001", json={"number": "1002"}).status_code == 422
    assert admin.put("/api/v1/extensions/10%2001", json={}).status_code == 422
    assert admin.put("/api/v1/extensions/1001", json={"secret": 1}).status_code == 422
