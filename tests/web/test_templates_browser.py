"""The template editor in a real browser: form, inline validation, XML tab both ways,
logo upload, list and export (I5, G1, G5)."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.web.conftest import log_in, shot

pytestmark = pytest.mark.browser


def _png(size: int = 150) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (31, 95, 191)).save(out, format="PNG")
    return out.getvalue()


def _field(page, label):
    """The `.fld` block holding the input labelled `label` (its errors live there too)."""
    return page.locator(".fld", has=page.get_by_label(label, exact=True))


def test_create_template_through_the_form(page, live):
    # covers I5, G1
    """Create a template in the form; errors show at their field; XML ⇄ form; logo; list."""
    log_in(page, live)
    page.goto(f"{live.url}/admin/templates")
    assert page.locator("#custom-count").inner_text() == "0/10"
    assert page.get_by_role("link", name="Zendesk").is_visible()
    shot(page, "templates-list-builtin")

    page.get_by_role("link", name="New template").click()
    page.get_by_label("Helpdesk name", exact=True).fill("Acme Desk")
    page.get_by_label("Max concurrent requests", exact=True).fill("0")
    page.get_by_role("button", name="Add header").click()
    page.get_by_label("Name", exact=True).first.wait_for()
    headers = page.locator("#s-headers")
    headers.get_by_label("Name", exact=True).fill("Accept")
    headers.get_by_label("Value", exact=True).fill("application/json")
    # A file that is not an image: refused, with the reason next to the logo input.
    page.get_by_label(re.compile("^Upload logo")).set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": b"not an image"}]
    )
    page.get_by_role("button", name="Save", exact=True).click()

    mcr = _field(page, "Max concurrent requests")
    assert "at least 1" in mcr.locator(".err").inner_text()
    assert (
        page.get_by_label("Max concurrent requests", exact=True).get_attribute("aria-invalid")
        == "true"
    )
    assert page.locator(".logo-fld .err").count() == 1
    # What was typed survives the round trip.
    assert headers.get_by_label("Value", exact=True).input_value() == "application/json"
    shot(page, "template-editor-errors")

    page.get_by_label("Max concurrent requests", exact=True).fill("3")
    page.get_by_role("button", name="XML", exact=True).click()
    xml = page.get_by_label("Template XML")
    text = xml.input_value()
    assert "<Name>Acme Desk</Name>" in text
    assert "<MaxConcurrentRequests>3</MaxConcurrentRequests>" in text
    assert re.search(r'<Header name="Accept"[^>]*>application/json</Header>', text)
    shot(page, "template-editor-xml")

    # Edit the XML and go back: the form shows the change.
    xml.fill(text.replace("<Name>Acme Desk</Name>", "<Name>Acme Desk 2</Name>"))
    page.get_by_role("button", name="Form", exact=True).click()
    assert page.get_by_label("Helpdesk name", exact=True).input_value() == "Acme Desk 2"
    assert headers.get_by_label("Name", exact=True).input_value() == "Accept"

    # Broken XML is shown with its line, and stays on the XML tab.
    page.get_by_role("button", name="XML", exact=True).click()
    page.get_by_label("Template XML").fill("<HelpdeskTemplate><General>")
    page.get_by_role("button", name="Form", exact=True).click()
    assert "line" in page.locator("#xml-error").inner_text()
    page.get_by_label("Template XML").fill(text)
    page.get_by_role("button", name="Form", exact=True).click()

    page.get_by_label(re.compile("^Upload logo")).set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/templates/[^/]+$"))
    assert "Template saved" in page.locator(".flash").inner_text()
    assert page.locator("#logo-preview").evaluate("img => img.naturalWidth") == 150
    shot(page, "template-editor-saved")

    page.get_by_role("link", name="Templates", exact=True).click()
    assert page.locator("#custom-count").inner_text() == "1/10"
    logo = page.get_by_role("img", name="Acme Desk logo")
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 150
    row = page.locator("tr", has=page.get_by_role("link", name="Acme Desk", exact=True))
    with page.expect_download() as download:
        row.get_by_role("link", name="Export").click()
    exported = download.value.path().read_text()
    assert "<Name>Acme Desk</Name>" in exported
    assert "<Logo" in exported
    shot(page, "templates-list")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Delete").click()
    assert "Template deleted" in page.locator(".flash").inner_text()
    assert page.locator("#custom-count").inner_text() == "0/10"


def test_editor_rows_sections_and_phone_viewport(page, live):
    # covers I5
    """Rows stop at their limit; optional sections and pagination inputs follow their switch."""
    log_in(page, live)
    page.goto(f"{live.url}/admin/templates/new")
    for _ in range(5):
        page.get_by_role("button", name="Add connect field").click()
    assert page.get_by_role("button", name="Add connect field").is_disabled()
    assert page.locator("#s-authentication .limit").first.inner_text() == "5/5"
    page.get_by_role("button", name="Remove connect field 2").click()
    assert page.get_by_role("button", name="Add connect field").is_enabled()

    section = page.locator("#s-user_association .section-body")
    assert not section.is_visible()
    page.get_by_role("switch", name="User association").check()
    assert section.is_visible()
    page_size = page.get_by_label("Page size", exact=True)
    link_path = page.get_by_label("Next link path (GJSON)")
    assert not page_size.is_visible()
    assert not link_path.is_visible()
    page.get_by_label("Pagination type").select_option("page")
    assert page_size.is_visible()
    assert not link_path.is_visible()
    page.get_by_label("Pagination type").select_option("link")
    assert link_path.is_visible()
    assert not page_size.is_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_label("Helpdesk name", exact=True).fill("Phone test")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the editor scrolls sideways on a phone"
    shot(page, "template-editor-phone")


def test_console_sample_follows_the_scenario(page, live):
    """Choosing a scenario fills its sample input, unless the admin has edited it."""
    from ringdesk.web.views.template_editor import CONSOLE_SAMPLES

    log_in(page, live)
    page.goto(f"{live.url}/admin/templates/new")
    inputs = page.locator("#console_inputs")
    assert inputs.input_value() == CONSOLE_SAMPLES["contact-search"]
    page.get_by_label("Scenario").select_option("call-log")
    assert inputs.input_value() == CONSOLE_SAMPLES["call-log"]
    inputs.fill("phone=+15550100")
    page.get_by_label("Scenario").select_option("ticket")
    assert inputs.input_value() == "phone=+15550100"
