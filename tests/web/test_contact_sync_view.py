"""The integration page shows how its last contact sync went (issue 13): a background sync
that failed is visible to the admin, not only in the server log."""

from __future__ import annotations

import re

import httpx

from ringdesk.store import integrations as repo
from ringdesk.store.tables import TemplateRow
from tests.web.conftest import ADMIN


def test_the_integration_page_shows_the_last_contact_syncs_error(live):
    live.add_admin()
    with live.db.session() as session:
        session.add(TemplateRow(id="t-sync", name="T", xml="<HelpdeskTemplate/>"))
        session.flush()
        row = repo.create(
            session, template_id="t-sync", name="Desk", fields={}, options={}, secrets=b""
        )
        integration_id = row.id
        failure = {
            "at": 1.0,
            "ok": False,
            "field": "ContactSearch.ContactType[0].Request.Url",
            "error": "ContactSearch.ContactType[0].Request.Url: <cannot render>",
        }
        repo.set_contact_sync(session, integration_id, failure)
    with httpx.Client(base_url=live.url) as client:
        login = client.get("/admin/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        client.post(
            "/admin/login", data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token}
        )
        page = client.get(f"/admin/integrations/{integration_id}")
    assert page.status_code == 200
    line = re.search(r'<p id="contact-sync-last" class="err">(.*?)</p>', page.text)
    assert line is not None, page.text
    assert line.group(1) == (
        "Last contact sync: failed: ContactSearch.ContactType[0].Request.Url: &lt;cannot render&gt;"
    )
