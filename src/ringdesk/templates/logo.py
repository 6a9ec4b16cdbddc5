"""Helpdesk logos (G1): really decode the image; PNG or JPEG, at most 500 KB and 4096×4096
pixels, 150×150 advised.

The pixel size is read from the header (Pillow opens lazily) and checked before anything is
decoded: a 257 KB PNG of 9400×9400 pixels would take ~500 MB to decode. `check_logo` is pure
(bytes in, verdict out) so the REST upload, the XML `<Logo>` element and the validator share
one rule set.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

__all__ = ["LOGO_MAX_BYTES", "LOGO_MAX_SIDE", "LOGO_SIZE", "LogoCheck", "check_logo"]

LOGO_MAX_BYTES = 500 * 1024
LOGO_MAX_SIDE = 4096
LOGO_SIZE = (150, 150)
# Pillow format name → the content type we store and serve.
_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
_DECLARED = {"image/png": "PNG", "image/jpeg": "JPEG", "image/jpg": "JPEG"}


@dataclass(frozen=True)
class LogoCheck:
    """The verdict on an image: `errors` refuse it, `warnings` do not."""

    content_type: str | None = None
    width: int = 0
    height: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _kb(size: int) -> int:
    # Rounded up, so nothing over the limit reads as "500 KB; the limit is 500 KB".
    return math.ceil(size / 1024)


def check_logo(
    data: bytes, declared_type: str | None = None, *, size: int | None = None
) -> LogoCheck:
    """Decode `data` with Pillow and check G1; `declared_type` (if any) must match the bytes.
    `size` is the real size of an upload of which only the start was read into `data`."""
    real_size = max(len(data), size or 0)
    if real_size > LOGO_MAX_BYTES:
        return LogoCheck(
            errors=[f"logo is {_kb(real_size)} KB; the limit is {_kb(LOGO_MAX_BYTES)} KB"]
        )
    if not data:
        return LogoCheck(errors=["logo is empty"])
    try:
        with warnings.catch_warnings():
            # DecompressionBombWarning and friends become refusals, not noise
            warnings.simplefilter("error")
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                if kind not in _FORMATS:
                    return LogoCheck(
                        errors=[f"logo format {kind or 'unknown'} is not allowed; use PNG or JPEG"]
                    )
                width, height = image.size  # from the header: nothing is decoded yet
                if max(width, height) > LOGO_MAX_SIDE:
                    return LogoCheck(
                        errors=[
                            f"logo is {width}×{height} pixels; the limit is "
                            f"{LOGO_MAX_SIDE}×{LOGO_MAX_SIDE} (150×150 is recommended)"
                        ]
                    )
                image.load()  # really decode: truncated or corrupt data fails here
                width, height = image.size
    except UnidentifiedImageError:
        return LogoCheck(errors=["logo is not an image Pillow can read; use PNG or JPEG"])
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning) as exc:
        return LogoCheck(errors=[f"logo image is corrupt or truncated ({exc})"])
    content_type = _FORMATS[kind]
    errors: list[str] = []
    if declared_type and _DECLARED.get(declared_type.lower().strip()) != kind:
        errors.append(f"logo is declared as {declared_type} but the data is {kind}")
    notes: list[str] = []
    if width != height:
        notes.append(f"logo is {width}×{height}; a square image (150×150) is recommended")
    elif (width, height) != LOGO_SIZE:
        notes.append(f"logo is {width}×{height}; 150×150 is recommended")
    return LogoCheck(content_type, width, height, errors, notes)
