"""Screen pops on their way to agents' browsers: the pub/sub hub and agent page keys (C9)."""

from __future__ import annotations

from ringdesk.screenpop.hub import Hub

__all__ = ["Hub"]
