"""Logo checks (G1): really decoded, PNG/JPEG only, at most 500 KB, 150×150 recommended."""

from __future__ import annotations

import io
import math

import pytest
from PIL import Image

from ringdesk.templates.logo import LOGO_MAX_BYTES, check_logo


def image(fmt: str, size=(150, 150)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, fmt)
    return out.getvalue()


def noisy_png(min_bytes: int) -> bytes:
    """A real PNG bigger than `min_bytes` (random pixels do not compress)."""
    import random

    side = int((min_bytes / 3) ** 0.5) + 20
    rng = random.Random(7)
    img = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "declared", "content_type"),
    [
        ("PNG", None, "image/png"),
        ("JPEG", "image/jpeg", "image/jpeg"),
        ("PNG", "image/png", "image/png"),
    ],
    ids=["png", "jpeg", "png-declared"],
)
def test_png_and_jpeg_are_accepted(fmt, declared, content_type):
    verdict = check_logo(image(fmt), declared)
    assert verdict.ok
    assert verdict.content_type == content_type
    assert (verdict.width, verdict.height) == (150, 150)
    assert verdict.warnings == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (image("GIF"), "format GIF is not allowed"),
        (image("BMP"), "format BMP is not allowed"),
        (image("PNG")[:200], "corrupt or truncated"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not an image"),
        (b"", "empty"),
    ],
    ids=["gif", "bmp", "truncated-png", "svg", "empty"],
)
def test_other_formats_and_broken_files_are_refused(data, reason):
    verdict = check_logo(data)
    assert not verdict.ok
    assert reason in verdict.errors[0]


def test_oversize_is_refused_before_decoding():
    data = noisy_png(600 * 1024)
    assert len(data) > LOGO_MAX_BYTES
    verdict = check_logo(data)
    assert verdict.errors == [f"logo is {math.ceil(len(data) / 1024)} KB; the limit is 500 KB"]


def test_declared_type_must_match_the_bytes():
    verdict = check_logo(image("JPEG"), "image/png")
    assert "declared as image/png but the data is JPEG" in verdict.errors[0]


@pytest.mark.parametrize(
    ("size", "warning"),
    [((300, 200), "a square image"), ((64, 64), "150×150 is recommended")],
    ids=["not-square", "small"],
)
def test_odd_sizes_are_warnings(size, warning):
    verdict = check_logo(image("PNG", size))
    assert verdict.ok
    assert warning in verdict.warnings[0]
