"""The site's own routes (issue 16): `/` leads to the admin UI, the favicon exists, every page
links it, and the API documentation pages load nothing from outside ringdesk."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image


def test_root_redirects_to_the_admin_ui(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"] == "/admin/"


def test_favicon_ico_is_a_real_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/vnd.microsoft.icon"
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32)} <= set(icon.ico.sizes())


def test_svg_favicon_is_served(client):
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.lstrip().startswith("<svg")


@pytest.mark.parametrize("path", ["/admin/login", "/admin/setup"], ids=["login", "setup"])
def test_pages_link_the_favicon(client, path):
    html = client.get(path).text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert re.search(r'<link rel="icon" href="/favicon.ico"', html)


@pytest.mark.parametrize(
    ("path", "asset"),
    [
        ("/docs", "/static/vendor/swagger-ui/swagger-ui-bundle.js"),
        ("/redoc", "/static/vendor/redoc/redoc.standalone.js"),
    ],
    ids=["swagger", "redoc"],
)
def test_api_docs_use_local_assets(client, path, asset):
    html = client.get(path).text
    assert asset in html
    assert "cdn." not in html
    assert "fonts.googleapis" not in html
    assert "/openapi.json" in html
    assert client.get(asset).status_code == 200


@pytest.mark.parametrize(
    "folder", ["swagger-ui", "redoc", "uplot"], ids=["swagger-ui", "redoc", "uplot"]
)
def test_vendored_assets_carry_their_licence(client, folder):
    licence = client.get(f"/static/vendor/{folder}/LICENSE")
    assert licence.status_code == 200
    assert re.search(r"MIT License|Apache License", licence.text)
