"""ringdesk: connect a PBX to any helpdesk through declarative integration templates."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
