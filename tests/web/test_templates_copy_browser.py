"""Copying a built-in template into an editable custom one from the admin UI, in a real
browser: the "Copy to custom" button of the list and of the built-in's page (issue 15
item 5, G5)."""

from __future__ import annotations

import pytest

from tests.web.conftest import log_in

pytestmark = pytest.mark.browser


def test_copy_a_builtin_from_the_list_and_from_its_page(page, live):
    """covers G5: the copy opens in the editor as a custom template and counts toward the
    10; the built-in stays."""
    log_in(page, live)
    page.goto(f"{live.url}/admin/templates")
    assert page.locator("#custom-count").inner_text() == "0/10"
    row = page.locator("tr", has=page.get_by_role("link", name="Zammad", exact=True))
    row.get_by_role("button", name="Copy to custom").click()
    page.wait_for_url(f"{live.url}/admin/templates/zammad-copy")
    assert "Copied to the custom template 'Zammad (copy)'" in page.content()
    assert page.locator("h1").inner_text() == "Template: Zammad (copy)"
    assert page.get_by_role("button", name="Save", exact=True).is_visible()

    page.goto(f"{live.url}/admin/templates/servicenow")
    assert page.locator("h1").inner_text() == "Built-in template: ServiceNow"
    page.get_by_label("Name of the copy").fill("Our ServiceNow")
    page.get_by_role("button", name="Copy to custom").click()
    page.wait_for_url(f"{live.url}/admin/templates/our-servicenow")

    page.goto(f"{live.url}/admin/templates")
    assert page.locator("#custom-count").inner_text() == "2/10"
    kinds = {
        name: page.locator("tr", has=page.get_by_role("link", name=name, exact=True))
        .locator("td")
        .nth(2)
        .inner_text()
        for name in ("Zammad", "Zammad (copy)", "Our ServiceNow")
    }
    assert kinds == {"Zammad": "built-in", "Zammad (copy)": "custom", "Our ServiceNow": "custom"}
