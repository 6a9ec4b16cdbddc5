"""The PBX side: call events in, from the JSON webhook, Yeastar Open API and Asterisk AMI."""

from __future__ import annotations

from ringdesk.events.model import CallEvent, Party

__all__ = ["CallEvent", "Party"]
