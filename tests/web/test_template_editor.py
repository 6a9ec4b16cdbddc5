"""The template editor over real HTTP, without a browser: the form page has an input for
every element (the issue-13 ones included), and what a browser submits from it rebuilds the
same template, through the XML view too (I5)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from ringdesk.templates import load_xml, validate
from ringdesk.web import template_form as tf
from tests.web.conftest import ADMIN
from tests.web.test_template_form import _form_pairs

CORPUS = Path(__file__).parents[1] / "templates" / "corpus" / "valid"
RT = (CORPUS / "r_request_tracker.xml").read_text()
# Every element of issue 13 with a value that differs from its default, so that an input
# missing from the page changes the rebuilt template.
KITCHEN_SINK = (
    RT.replace('<Bearer scheme="token">', '<Bearer scheme="Token token=">')
    .replace(
        '<ContactType name="Users" match="phone">',
        '<ContactType name="Users" match="phone" phoneForms="digits,e164">',
    )
    .replace(
        '<Pagination type="page" pageParam="page" pageSizeParam="per_page" pageSize="100"/>',
        '<Pagination type="cursor" cursorPath="meta.after" cursorParam="page[after]" '
        'hasMorePath="meta.more" pageSizeParam="page[size]" pageSize="50" pageParam="p" '
        'pageStart="0" offsetParam="o" offsetStart="1" limitParam="l" limit="7" '
        'nextLinkPath="next"/>',
    )
    .replace(
        '      <DuplicateCheck method="GET" idPath="items.0.id">\n        <Url>',
        "      <ExtraRequests>\n"
        '        <Request name="probe" method="POST">\n'
        "          <Url>https://rt.example/probe</Url>\n"
        '          <Body>{"a":1}</Body>\n'
        '          <Headers>{"X-A":"b"}</Headers>\n'
        '          <Outputs><Output name="Loc" header="Location"/></Outputs>\n'
        "        </Request>\n"
        "      </ExtraRequests>\n"
        '      <DuplicateCheck method="POST" idPath="items.0.id">\n'
        '        <Body>{"q":"{{.CallId}}"}</Body>\n'
        "        <Url>",
    )
)


class _Form(HTMLParser):
    """The name/value pairs a browser submits for the editor form (no button pressed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self.names: set[str] = set()
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name:
            self.names.add(name)
            kind = a.get("type", "text")
            if kind == "checkbox":
                if "checked" in a:
                    self.pairs.append((name, a.get("value") or "on"))
            elif kind not in ("file", "submit", "button"):
                self.pairs.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self.names.add(name)
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self.names.add(name)
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.pairs.append((self._textarea, "".join(self._text)))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _ in self._options[:1]
            ]
            self.pairs.append((self._select, chosen[0] if chosen else ""))
            self._select = None


def _form(html: str) -> _Form:
    start = html.index('<form method="post" action="/admin/templates/editor"')
    parser = _Form()
    parser.feed(html[start : html.index("</form>", start)])
    return parser


@pytest.fixture
def admin(live):
    live.add_admin()
    with httpx.Client(base_url=live.url) as client:
        page = client.get("/admin/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        response = client.post(
            "/admin/login",
            data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token[1]},
        )
        assert response.status_code == 303
        yield client


def _post_import(client: httpx.Client, xml: str) -> httpx.Response:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/templates").text)
    assert token
    return client.post(
        "/admin/templates/import",
        data={"csrf_token": token[1]},
        files={"file": ("t.xml", xml.encode(), "application/xml")},
    )


def _import(client: httpx.Client, xml: str) -> str:
    """The editor page an import leads to: the saved template's, or the refused file's."""
    response = _post_import(client, xml)
    if response.status_code == 303:
        response = client.get(response.headers["location"])
    assert response.status_code in (200, 422), response.text
    return response.text


@pytest.mark.parametrize("xml", [RT, KITCHEN_SINK], ids=["request-tracker", "kitchen-sink"])
def test_editor_form_round_trips_every_element(admin, xml):
    # covers I5
    """Import → the form page → submit what a browser would → XML view: the same template."""
    template = load_xml(xml)
    page = _import(admin, xml)
    form = _form(page)
    expected = {key for key, _ in _form_pairs(tf.view(tf.from_template(template)))}
    # not inputs on purpose: the format version is fixed, the user list is a GET
    expected -= {"format_version", "user_association.request.body"}
    assert expected <= form.names, sorted(expected - form.names)

    data = [(k, v) for k, v in form.pairs if k != "action"]
    response = admin.post(
        "/admin/templates/editor",
        content=urlencode([*data, ("action", "show_xml")]),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    xml_view = _form(response.text)
    shown = dict(xml_view.pairs)["xml"]
    assert load_xml(shown) == template


def test_editor_places_problems_of_new_elements_on_their_inputs(admin):
    """A bad output path and an unknown header scope are shown at their inputs."""
    xml = RT.replace(
        'path="items.0.id"/>\n          <Output name="TicketOwner"',
        'path="items.#(x"/>\n          <Output name="TicketOwner"',
    ).replace('appliesTo="scenarios,followups,extra"', 'appliesTo="scenarios,tokens"')
    page = _import(admin, xml)
    for key in ("call_log.extra_requests.0.outputs.0.path", "headers.0.applies_to"):
        assert re.search(rf'<p class="err sev-error" id="err-{re.escape(key)}-1"', page), key
    bad_path = next(p for p in validate(load_xml(xml)) if p.field.endswith("Outputs[0]@path"))
    assert bad_path.column is not None
    assert f"(line {bad_path.line}, column {bad_path.column})" in page


# ---- first use (issue 16) ------------------------------------------------------------------


def _csrf(client: httpx.Client, path: str = "/admin/templates") -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert token
    return token[1]


def _editor_post(client: httpx.Client, pairs: list[tuple[str, str]]) -> httpx.Response:
    return client.post(
        "/admin/templates/editor",
        content=urlencode(pairs),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


def test_import_saves_a_valid_template(admin, live):
    # covers G6
    """A valid file is saved by Import (no editor detour), and the list shows it."""
    response = _post_import(admin, RT)
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/admin/templates/[^/]+", location)
    page = admin.get(location).text
    assert "t.xml imported and saved as “Request Tracker 5”" in page
    assert 'class="problems' not in page
    with live.db.session() as session:
        from ringdesk.store import templates as repo

        assert [r.name for r in repo.list_rows(session) if not r.builtin] == ["Request Tracker 5"]


def test_import_of_an_invalid_template_says_it_was_not_saved(admin, live):
    """The refused file opens in the editor with the reason, each problem at line and column."""
    xml = re.sub(r"<Name>[^<]*</Name>", "<Name></Name>", RT, count=1)
    response = _post_import(admin, xml)
    assert response.status_code == 422
    page = response.text
    assert "t.xml was not imported: 1 problem below must be fixed first" in page
    assert re.search(r"helpdesk name is required \(line 6, column 5\)", page)
    with live.db.session() as session:
        from ringdesk.store import templates as repo

        assert [r for r in repo.list_rows(session) if not r.builtin] == []


def test_import_of_broken_xml_names_the_position_once(admin):
    response = _post_import(admin, "<HelpdeskTemplate><General>")
    assert response.status_code == 422
    error = re.search(
        r'<p class="err sev-error" role="alert" id="xml-error">([^<]*)</p>', response.text
    )
    assert error
    assert error[1] == "line 1, column 28: malformed XML: no element found"
    assert "t.xml was not imported" in response.text


def _new_form(client: httpx.Client) -> list[tuple[str, str]]:
    form = _form(client.get("/admin/templates/new").text)
    return [(k, v) for k, v in form.pairs if k != "action"]


def test_a_new_template_shows_no_errors_before_it_is_checked(admin):
    """Switching tabs on an untouched new template shows no "name is required"; Validate
    does, and from then on every tab switch shows the problems."""
    fresh = _new_form(admin)
    as_xml = _editor_post(admin, [*fresh, ("action", "show_xml")])
    assert as_xml.status_code == 200
    assert "required" not in as_xml.text
    assert 'class="problems' not in as_xml.text
    back = _editor_post(
        admin, [*[(k, v) for k, v in _form(as_xml.text).pairs], ("action", "show_form")]
    )
    assert "required" not in back.text

    checked = _editor_post(admin, [*fresh, ("action", "validate")])
    assert "the helpdesk name is required" in checked.text
    again = _form(checked.text)
    assert ("checked", "1") in again.pairs
    switched = _editor_post(admin, [*again.pairs, ("action", "show_xml")])
    assert "the helpdesk name is required" in switched.text


def test_typed_input_that_cannot_convert_is_shown_at_once(admin):
    """A number that is not one stops the tab switch: that is said even before Validate."""
    fresh = [
        (k, "lots" if k == "general.max_concurrent_requests" else v) for k, v in _new_form(admin)
    ]
    response = _editor_post(admin, [*fresh, ("action", "show_xml")])
    assert response.status_code == 422
    assert 'id="err-general.max_concurrent_requests-1"' in response.text


def test_console_sample_defaults_per_scenario(admin):
    """The console opens with a phone number to search for, and each scenario carries a
    sample that its runner accepts."""
    from ringdesk.web.views.template_editor import CONSOLE_SAMPLES

    page = admin.get("/admin/templates/new").text
    sample = re.search(r'<textarea id="console_inputs"[^>]*>([^<]*)</textarea>', page)
    assert sample
    assert sample[1] == "phone=+4930123456"
    for scenario, text in CONSOLE_SAMPLES.items():
        shown = text.replace("\n", "&#10;") if "\n" in text else text
        assert re.search(
            rf'<option data-sample="({re.escape(text)}|{re.escape(shown)})"[^>]*>{scenario}<', page
        ), scenario


def test_console_with_blank_input_runs_the_scenario_sample(admin, live):
    """A blank sample runs the scenario's default: contact search gets its phone number."""
    from tests.live import free_port

    page = _import(admin, RT)
    pairs = [(k, v) for k, v in _form(page).pairs if k not in ("action", "console_inputs")]
    response = _editor_post(
        admin,
        [
            *pairs,
            ("console_scenario", "contact-search"),
            ("console_inputs", ""),
            ("console_fields", f"base_url=http://127.0.0.1:{free_port()}\napi_token=x"),
            ("action", "console"),
        ],
    )
    assert response.status_code == 200
    assert "is required" not in response.text
    inputs = re.search(r'<textarea id="console_inputs"[^>]*>([^<]*)</textarea>', response.text)
    assert inputs
    assert inputs[1] == "phone=+4930123456"
    # The search really went out (to a port where nobody listens).
    assert re.findall(r'<span class="url">http://127\.0\.0\.1:\d+/REST/2\.0/users', response.text)
