"""Outbound HTTP to helpdesks: the executor and its pure parts (retry policy, redaction,
address guard, concurrency cap, request log)."""

from __future__ import annotations

__all__: list[str] = []
