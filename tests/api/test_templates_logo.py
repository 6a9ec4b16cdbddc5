"""REST logo upload and download (G1) on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image

from ringdesk.templates import load_xml

VALID_XML = (
    Path(__file__).parents[1] / "templates" / "corpus" / "valid" / "a_basic_api_key.xml"
).read_text()


def image(fmt: str, size=(150, 150)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, fmt)
    return out.getvalue()


def big_png() -> bytes:
    side = 460  # random RGB pixels: ~620 KB as PNG
    pixels = random.Random(3).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, "PNG")
    assert len(out.getvalue()) > 600 * 1024
    return out.getvalue()


@pytest.fixture
def template_id(admin) -> str:
    response = admin.post(
        "/api/v1/templates", content=VALID_XML, headers={"Content-Type": "application/xml"}
    )
    return str(response.json()["id"])


def test_png_upload_is_stored_served_and_exported(admin, client, template_id):
    """covers G1, G6: the logo is served for the UI and travels in the exported XML."""
    png = image("PNG")
    response = admin.post(
        f"/api/v1/templates/{template_id}/logo", files={"file": ("logo.png", png, "image/png")}
    )
    assert response.status_code == 200, response.text
    assert response.json()["content_type"] == "image/png"
    assert response.json()["problems"] == []
    served = client.get(f"/api/v1/templates/{template_id}/logo")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == png
    exported = load_xml(admin.get(f"/api/v1/templates/{template_id}/xml").text)
    assert exported.general.logo is not None
    assert exported.general.logo.data == png
    listed = admin.get("/api/v1/templates").json()["templates"]
    assert next(t for t in listed if t["id"] == template_id)["has_logo"] is True


def test_non_square_logo_is_kept_with_a_warning(admin, template_id):
    response = admin.post(
        f"/api/v1/templates/{template_id}/logo",
        files={"file": ("wide.jpg", image("JPEG", (300, 100)), "image/jpeg")},
    )
    assert response.status_code == 200
    assert response.json()["problems"][0]["severity"] == "warning"


def test_bad_logos_get_422_with_the_reason(admin, template_id):
    """covers G1: oversize (600 KB), GIF and truncated PNG are refused with a clear reason."""
    cases = [
        (big_png(), "the limit is 500 KB"),
        (image("GIF"), "GIF is not allowed"),
        (image("PNG")[:300], "corrupt or truncated"),
    ]
    for data, reason in cases:
        response = admin.post(
            f"/api/v1/templates/{template_id}/logo",
            files={"file": ("logo.png", data, "image/png")},
        )
        assert response.status_code == 422
        assert reason in response.json()["problems"][0]["message"]
    assert admin.get(f"/api/v1/templates/{template_id}/logo").status_code == 404


def test_logo_upload_needs_the_admin_token(client):
    response = client.post(
        "/api/v1/templates/zendesk/logo", files={"file": ("l.png", image("PNG"), "image/png")}
    )
    assert response.status_code == 401


def test_builtin_logo_is_read_only(admin):
    response = admin.post(
        "/api/v1/templates/zendesk/logo", files={"file": ("l.png", image("PNG"), "image/png")}
    )
    assert response.status_code == 403


def huge_png() -> bytes:
    """A 9400×9400 PNG of one colour: a few KB on the wire, ~88 million pixels to decode."""
    out = io.BytesIO()
    Image.new("1", (9400, 9400)).save(out, "PNG", optimize=True)
    return out.getvalue()


def header_only_png(width: int, height: int) -> bytes:
    """A PNG whose header claims `width`×`height` and whose image data is garbage: refusing
    it for its size proves the size is checked before anything is decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"junk") + chunk(b"IEND", b"")
    )


def test_decompression_bomb_logo_is_refused_by_its_pixel_size(admin, template_id):
    """Issue 14 #11: a small PNG of 9400×9400 pixels is refused, from its header, with the
    size and the limit named."""
    for data in (huge_png(), header_only_png(9400, 9400)):
        assert len(data) < 500 * 1024
        response = admin.post(
            f"/api/v1/templates/{template_id}/logo",
            files={"file": ("logo.png", data, "image/png")},
        )
        assert response.status_code == 422
        message = response.json()["problems"][0]["message"]
        assert message.startswith("logo is 9400×9400 pixels; the limit is 4096×4096")
    assert admin.get(f"/api/v1/templates/{template_id}/logo").status_code == 404


def test_oversize_logo_message_names_its_real_size(admin, template_id):
    """Issue 14 #11: a 671 KB upload is "671 KB", not the 500 KB read before refusing."""
    data = random.Random(5).randbytes(671 * 1024)
    response = admin.post(
        f"/api/v1/templates/{template_id}/logo", files={"file": ("logo.png", data, "image/png")}
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["message"] == "logo is 671 KB; the limit is 500 KB"
