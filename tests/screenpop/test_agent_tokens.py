"""Signed agent keys (C9)."""

from __future__ import annotations

import pytest

from ringdesk.screenpop.agent_tokens import agent_key, agent_url, verify_agent_key


@pytest.mark.parametrize(
    ("secret", "extension", "key_of", "ok"),
    [
        ("k", "1001", ("k", "1001"), True),
        ("k", "1001", ("k", "1002"), False),
        ("k", "1001", ("other", "1001"), False),
        ("k", "1001", None, False),
    ],
    ids=["good", "other-extension", "other-secret", "missing"],
)
def test_verify_agent_key(secret, extension, key_of, ok):
    """Only the key made for this extension with this secret verifies."""
    key = agent_key(*key_of) if key_of else None
    assert verify_agent_key(secret, extension, key) is ok


def test_agent_url():
    """The link carries the extension and its key, URL-safe."""
    url = agent_url("http://127.0.0.1:8080/", "k", "1001")
    assert url == f"http://127.0.0.1:8080/agent/1001?key={agent_key('k', '1001')}"
    assert len(agent_key("k", "1001")) == 32
