"""The outbound address guard: non-public destinations refused after DNS resolution unless
private networks are allowed."""

from __future__ import annotations

import pytest

from ringdesk.errors import HelpdeskError
from ringdesk.http.guard import is_public_address
from tests.integrations.support import (
    FakeHelpdesk,
    add_integration,
    insert_template,
    json_ok,
    make_state,
    send,
    template_xml,
)
from tests.live import serve_app


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("224.0.0.1", False),
        ("0.0.0.0", False),  # noqa: S104  (an address to refuse, not to bind)
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("100.64.0.1", False),
    ],
)
def test_public_addresses(address, public):
    assert is_public_address(address) is public


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_executor_refuses_loopback_unless_allowed(settings, database, host):
    """A private destination (an IP, or a name resolving to one) is refused, not retried."""
    fake = FakeHelpdesk()
    fake.on("/x", json_ok())
    insert_template(database, "fake", template_xml())
    with serve_app(fake.app()) as url:
        port = url.rsplit(":", 1)[1]
        target = f"http://{host}:{port}/x"
        guarded = make_state(
            settings.model_copy(update={"allow_private_networks": False}), database
        )
        integration_id = add_integration(guarded, "fake")
        ctx = await guarded.contexts.load(integration_id)
        with pytest.raises(HelpdeskError, match="non-public address") as caught:
            await send(guarded, ctx, scenario="t", method="GET", url=target)
        assert caught.value.retryable is False
        await guarded.aclose()
        open_state = make_state(settings, database)  # allow_private_networks=True
        response = await send(open_state, ctx, scenario="t", method="GET", url=target)
        await open_state.aclose()
    assert response.status == 200
    assert len(fake.paths("/x")) == 1  # the refused request never reached the server
