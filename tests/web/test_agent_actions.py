"""The agent's create-contact / new-ticket pages open only with the extension's signed key."""

from __future__ import annotations

import pytest

from ringdesk.screenpop.agent_tokens import agent_key


@pytest.mark.parametrize("path", ["/agent/create-contact", "/agent/new-ticket"])
def test_agent_action_pages_need_the_extensions_key(client, settings, path):
    # covers C9: an unknown caller's actions are for the agent of that extension only
    key = agent_key(settings.resolved_secret_key(), "1001")
    query = "?phone=%2B4930999&call_id=c1&ext=1001"
    assert client.get(f"{path}{query}&key={key}").status_code == 200
    assert client.get(f"{path}{query}&key=wrong").status_code == 403
    other = agent_key(settings.resolved_secret_key(), "1002")
    assert client.get(f"{path}{query}&key={other}").status_code == 403
