"""Integrations: a template plus connect values, options and token state (I1)."""

from __future__ import annotations

__all__: list[str] = []
