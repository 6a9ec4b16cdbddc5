"""Declarative integration templates: the model, the XML codec and validation (pure)."""

from __future__ import annotations

from ringdesk.templates.model import Template

__all__ = ["Template"]
