"""Authentication with helpdesks (A1–A8): header schemes, the OAuth2 flow, token refresh."""

from __future__ import annotations

__all__: list[str] = []
