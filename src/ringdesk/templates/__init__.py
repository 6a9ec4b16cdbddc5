"""Declarative integration templates: the model, the XML codec and validation (pure)."""

from __future__ import annotations

from ringdesk.templates.codec import dump_xml, load_xml
from ringdesk.templates.model import Template
from ringdesk.templates.validate import Problem, validate

__all__ = ["Problem", "Template", "dump_xml", "load_xml", "validate"]
