"""REST POST /api/v1/templates/{id}/copy: a built-in template copied into an editable custom
one, which counts toward the 10 custom templates while built-ins never do (G5, issue 15
item 5). Runs on SQLite and PostgreSQL through the `database_url` fixture."""

from __future__ import annotations

from ringdesk.templates import load_xml
from tests.api.test_templates import XML, named


def test_copy_of_a_builtin_is_an_editable_custom_template(admin):
    """The copy has the built-in's content under a new name and id, and can be replaced."""
    copied = admin.post("/api/v1/templates/zammad/copy")
    assert copied.status_code == 201, copied.text
    body = copied.json()
    assert (body["id"], body["name"], body["builtin"]) == ("zammad-copy", "Zammad (copy)", False)
    assert body["copied_from"] == "zammad"
    original = load_xml(admin.get("/api/v1/templates/zammad/xml").text)
    copy = load_xml(admin.get("/api/v1/templates/zammad-copy/xml").text)
    assert copy.general.name == "Zammad (copy)"
    assert copy.model_copy(update={"general": original.general}) == original

    edited = admin.get("/api/v1/templates/zammad-copy/xml").text.replace(
        "<MaxConcurrentRequests>4<", "<MaxConcurrentRequests>2<"
    )
    replaced = admin.put("/api/v1/templates/zammad-copy/xml", content=edited, headers=XML)
    assert replaced.status_code == 200, replaced.text
    assert "<MaxConcurrentRequests>2<" in admin.get("/api/v1/templates/zammad-copy/xml").text
    # the built-in itself stays read-only and unchanged
    assert admin.put("/api/v1/templates/zammad/xml", content=edited, headers=XML).status_code == 403
    listed = admin.get("/api/v1/templates").json()
    assert listed["custom_count"] == 1


def test_copy_takes_a_name_and_a_second_copy_gets_a_fresh_id(admin):
    first = admin.post("/api/v1/templates/help-scout/copy", json={"name": "  Our Help Scout "})
    assert first.status_code == 201, first.text
    assert (first.json()["id"], first.json()["name"]) == ("our-help-scout", "Our Help Scout")
    second = admin.post("/api/v1/templates/help-scout/copy", json={"name": "Our Help Scout"})
    assert second.json()["id"] == "our-help-scout-2"
    # a custom template can be copied too
    third = admin.post("/api/v1/templates/our-help-scout/copy")
    assert third.json()["name"] == "Our Help Scout (copy)"


def test_copies_count_toward_the_ten_custom_templates(admin):
    """covers G5: with 9 custom templates one copy fits, the next is refused with the
    problem; the built-ins never count."""
    for n in range(9):
        created = admin.post("/api/v1/templates", content=named(f"Desk {n}"), headers=XML)
        assert created.status_code == 201, created.text
    assert admin.post("/api/v1/templates/servicenow/copy").status_code == 201
    refused = admin.post("/api/v1/templates/servicenow/copy", json={"name": "Eleventh"})
    assert refused.status_code == 422
    [problem] = [p for p in refused.json()["problems"] if p["severity"] == "error"]
    assert "at most 10 custom templates" in problem["message"]
    listed = admin.get("/api/v1/templates").json()
    assert listed["custom_count"] == 10
    assert sum(1 for t in listed["templates"] if t["builtin"]) >= 8


def test_copy_needs_the_admin_token(client):
    assert client.post("/api/v1/templates/zammad/copy").status_code == 401


def test_copy_refusals(admin):
    assert admin.post("/api/v1/templates/no-such/copy").status_code == 404
    blank = admin.post("/api/v1/templates/zammad/copy", json={"name": "   "})
    assert blank.status_code == 422
    assert blank.json()["problems"][0]["field"] == "Name"
    assert admin.get("/api/v1/templates").json()["custom_count"] == 0
