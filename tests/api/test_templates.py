"""REST /api/v1/templates: import, list, view, export/replace, validate, delete (G2, G5, G6, E4).
Runs on SQLite and PostgreSQL through the `database_url` fixture."""

from __future__ import annotations

from pathlib import Path

from ringdesk.store.tables import Integration
from ringdesk.templates import load_xml

CORPUS = Path(__file__).parents[1] / "templates" / "corpus"
VALID_XML = (CORPUS / "valid" / "a_basic_api_key.xml").read_text()
XML = {"Content-Type": "application/xml"}


def named(name: str) -> str:
    return VALID_XML.replace("<Name>Acme Desk</Name>", f"<Name>{name}</Name>")


def test_requests_without_admin_token_get_401(client):
    """Every template endpoint but the logo image needs the admin token."""
    assert client.get("/api/v1/templates").status_code == 401
    assert client.post("/api/v1/templates", content=VALID_XML, headers=XML).status_code == 401
    assert client.get("/api/v1/templates/zendesk/xml").status_code == 401
    assert client.post("/api/v1/templates/validate", content=VALID_XML).status_code == 401
    assert client.delete("/api/v1/templates/zendesk").status_code == 401


def test_builtins_are_listed_after_startup(admin):
    """Built-ins are seeded when the app starts and do not count toward the 10 (G5)."""
    body = admin.get("/api/v1/templates").json()
    builtin = {t["id"] for t in body["templates"] if t["builtin"]}
    assert {"zendesk", "freshdesk"} <= builtin
    assert body["custom_count"] == 0
    assert body["custom_limit"] == 10


def test_import_export_round_trip(admin):
    """covers G6: POST → GET xml → same model; export is stable; JSON view has the fields."""
    created = admin.post("/api/v1/templates", content=VALID_XML, headers=XML)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"] == "acme-desk"
    assert body["name"] == "Acme Desk"
    assert body["builtin"] is False
    assert body["problems"] == []
    exported = admin.get("/api/v1/templates/acme-desk/xml")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/xml")
    assert load_xml(exported.text) == load_xml(VALID_XML)
    again = admin.put("/api/v1/templates/acme-desk/xml", content=exported.text, headers=XML)
    assert again.status_code == 200
    assert admin.get("/api/v1/templates/acme-desk/xml").text == exported.text
    view = admin.get("/api/v1/templates/acme-desk").json()
    assert view["template"]["authentication"]["method"] == "basic"
    assert view["template"]["general"]["max_concurrent_requests"] == 5
    assert "locations" not in view["template"]


def test_ids_are_fresh_slugs_of_the_name(admin):
    """A second "Acme Desk" and a custom "Zendesk" get ids of their own."""
    first = admin.post("/api/v1/templates", content=VALID_XML, headers=XML).json()
    second = admin.post("/api/v1/templates", content=VALID_XML, headers=XML).json()
    assert (first["id"], second["id"]) == ("acme-desk", "acme-desk-2")
    created = admin.post("/api/v1/templates", content=named("Zendesk"), headers=XML).json()
    assert created["id"] == "zendesk-2"


def test_eleventh_custom_template_is_refused(admin):
    """covers G5: ten custom templates fit; the 11th gets 422 naming the limit."""
    for i in range(10):
        response = admin.post("/api/v1/templates", content=named(f"Desk {i}"), headers=XML)
        assert response.status_code == 201, response.text
    refused = admin.post("/api/v1/templates", content=named("Desk 11"), headers=XML)
    assert refused.status_code == 422
    messages = [p["message"] for p in refused.json()["problems"]]
    assert any("at most 10 custom templates" in m for m in messages)
    assert admin.get("/api/v1/templates").json()["custom_count"] == 10


def test_refusals_carry_located_problems_and_warnings_do_not_block(admin, settings):
    """covers E4: section, field and line of each error come back; warnings still save."""
    text = (CORPUS / "invalid" / "a_six_fields.xml").read_text()
    response = admin.post("/api/v1/templates", content=text, headers=XML)
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert {"severity": "error", "section": "Authentication", "field": "Fields[5]"}.items() <= (
        problems[0].items()
    )
    assert problems[0]["line"] == 14  # as the file's expect comment says

    text = (CORPUS / "invalid" / "x_billion_laughs.xml").read_text()
    response = admin.post("/api/v1/templates", content=text, headers=XML)
    assert response.status_code == 422
    assert "DTD" in response.json()["problems"][0]["message"]

    big = VALID_XML.replace(
        "<Name>", "<Notes>" + "x" * settings.max_upload_bytes + "</Notes><Name>"
    )
    assert admin.post("/api/v1/templates", content=big, headers=XML).status_code == 413

    text = (CORPUS / "valid" / "h_authorization_warning.xml").read_text()
    response = admin.post("/api/v1/templates", content=text, headers=XML)
    assert response.status_code == 201
    assert [p["severity"] for p in response.json()["problems"]] == ["warning"]


def test_validate_endpoint_saves_nothing(admin):
    bad = (CORPUS / "invalid" / "f_count_mismatch.xml").read_text()
    result = admin.post("/api/v1/templates/validate", content=bad, headers=XML).json()
    assert result["valid"] is False
    assert result["problems"][0]["section"] == "FollowUpRequests"
    good = admin.post("/api/v1/templates/validate", content=VALID_XML, headers=XML).json()
    assert good == {"valid": True, "problems": []}
    assert admin.get("/api/v1/templates").json()["custom_count"] == 0


def test_builtins_are_read_only_and_unknown_ids_are_404(admin):
    xml = admin.get("/api/v1/templates/zendesk/xml")
    assert xml.status_code == 200
    assert (
        admin.put("/api/v1/templates/zendesk/xml", content=xml.text, headers=XML).status_code == 403
    )
    response = admin.delete("/api/v1/templates/zendesk")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    for path in ("/api/v1/templates/nope", "/api/v1/templates/nope/xml"):
        assert admin.get(path).status_code == 404


def test_replace_with_errors_keeps_the_old_version(admin):
    admin.post("/api/v1/templates", content=VALID_XML, headers=XML)
    bad = VALID_XML.replace("<MaxConcurrentRequests>5", "<MaxConcurrentRequests>0")
    response = admin.put("/api/v1/templates/acme-desk/xml", content=bad, headers=XML)
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "MaxConcurrentRequests"
    exported = admin.get("/api/v1/templates/acme-desk/xml").text
    assert load_xml(exported).general.max_concurrent_requests == 5


def test_delete_is_refused_while_an_integration_uses_it(admin, database):
    admin.post("/api/v1/templates", content=VALID_XML, headers=XML)
    with database.session() as session:
        session.add(Integration(template_id="acme-desk", name="in use"))
    response = admin.delete("/api/v1/templates/acme-desk")
    assert response.status_code == 409
    with database.session() as session:
        session.query(Integration).delete()
    assert admin.delete("/api/v1/templates/acme-desk").status_code == 204
    assert admin.get("/api/v1/templates/acme-desk").status_code == 404


def test_concurrent_imports_never_pass_the_limit(settings, admin_token):
    """covers G5 under concurrency: 14 imports at once over real sockets → exactly 10 stored."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from ringdesk.api.app import create_app
    from tests.live import serve_app

    with serve_app(create_app(settings)) as url:
        headers = {**XML, "Authorization": f"Bearer {admin_token}"}

        def post(i: int) -> int:
            with httpx.Client(base_url=url, timeout=30) as http:
                return http.post(
                    "/api/v1/templates", content=named(f"D{i}"), headers=headers
                ).status_code

        with ThreadPoolExecutor(max_workers=7) as pool:
            codes = list(pool.map(post, range(14)))
        assert sorted(codes) == [201] * 10 + [422] * 4
        with httpx.Client(base_url=url, headers=headers) as http:
            assert http.get("/api/v1/templates").json()["custom_count"] == 10
