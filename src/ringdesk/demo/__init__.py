"""The bundled demo helpdesk (I7): a small real HTTP server ringdesk can integrate with, so
a first run shows a complete flow. State lives in memory; `/_demo/*` endpoints let tests
inspect it and inject failures."""

from __future__ import annotations

from ringdesk.demo.app import create_demo_app

__all__ = ["create_demo_app"]
