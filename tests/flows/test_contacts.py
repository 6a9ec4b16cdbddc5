"""Contact search query, mapping and popup URL (C1–C7), as pure tables."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ringdesk.expressions.gotemplate import SafeURL
from ringdesk.flows.contacts import (
    Contact,
    field_values,
    map_contacts,
    popup_url,
    render_path,
    search_request,
)
from ringdesk.http.request import render_url
from ringdesk.integrations.context import build_context
from ringdesk.templates.model import (
    ContactMapping,
    ContactSearch,
    ContactType,
    MappedField,
    Popup,
    RequestSpec,
    Template,
)

BODY = json.dumps(
    {
        "data": [
            {
                "id": 7,
                "first_name": "Ada",
                "last_name": "Lovelace",
                "company": "Engines Ltd",
                "phone": "+4930123456",
                "mobile": "",
                "slug": "ada lovelace/1",
                "url": "https://crm.example/c/7",
            },
            {
                "id": "x9",
                "first_name": "Charles",
                "last_name": "Babbage",
                "phone": "",
                "mobile": "+4917011111",
                "slug": "cb",
                "url": "https://crm.example/c/x9",
            },
            {"first_name": "No Id", "phone": "+4930999"},
        ],
        "meta": {"region": "EU"},
    }
)


URL_POPUP = Popup(mode="url", value="https://crm.example/c/{{.ContactId}}")


def _type(*fields, popup=URL_POPUP):
    return ContactType(
        name="Contacts",
        request=RequestSpec(url="https://crm.example/api/search?phone={{.Phone}}&k={{.api_key}}"),
        popup=popup,
        mapping=ContactMapping(fields=tuple(MappedField(name=n, path=p) for n, p in fields)),
    )


BASIC = _type(
    ("ContactId", "data.#.id"),
    ("FirstName", "data.#.first_name"),
    ("LastName", "data.#.last_name"),
    ("Company", "data.#.company"),
    ("BusinessNumber", "data.#.phone"),
)


def test_hash_paths_give_one_contact_per_element():
    """covers C4: `data.#.x` paths map element-wise; contacts without an ID are dropped."""
    contacts = map_contacts(BASIC, BODY, variables={}, phone="+4930123456")
    assert [c.id for c in contacts] == ["7", "x9"]
    ada, charles = contacts
    assert ada.fields == {
        "ContactId": "7",
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "Company": "Engines Ltd",
        "BusinessNumber": "+4930123456",
    }
    assert ada.display_name == "Ada Lovelace"
    assert "Company" not in charles.fields  # missing → not set
    assert charles.popup_url == "https://crm.example/c/x9"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("data.#.mobile,data.#.phone", ["+4930123456", "+4917011111", "+4930999"]),
        ("data.#.phone,data.#.mobile", ["+4930123456", "+4917011111", "+4930999"]),
        ("data.#.nothing, data.#.first_name", ["Ada", "Charles", "No Id"]),
        ("meta.region", ["EU", "EU", "EU"]),  # a scalar applies to every contact
        ("missing.path", ["", "", ""]),
        ("", ["", "", ""]),
    ],
    ids=["mobile-first", "phone-first", "skip-missing", "scalar", "missing", "unmapped"],
)
def test_comma_separated_paths_first_non_empty_wins(path, expected):
    """covers C4: several paths feed one field; per contact the first non-empty value wins."""
    assert field_values(BODY, path, "", 3) == expected


def test_missing_fields_do_not_shift_later_contacts():
    """covers C4: `data.#.phone` with the field missing on one element keeps alignment."""
    body = json.dumps({"data": [{"id": 1, "mobile": "m1"}, {"id": 2, "phone": "p2"}]})
    assert field_values(body, "data.#.phone", "", 2) == ["", "p2"]
    assert field_values(body, "data.#.phone,data.#.mobile", "", 2) == ["m1", "p2"]
    assert field_values(body, "data.#.id", "", 2) == ["1", "2"]


def test_phone_inside_a_query_path_is_rendered():
    """covers C4/C2: `{{.Phone}}` inside a GJSON query path selects the matching contact."""
    kind = _type(
        ("ContactId", 'data.#(phone=="{{.Phone}}").id'),
        ("FirstName", 'data.#(phone=="{{.Phone}}").first_name'),
        ("BusinessNumber", "data.#.phone"),
    )
    (contact,) = map_contacts(kind, BODY, variables={}, phone="+4930123456")
    assert (contact.id, contact.fields["FirstName"]) == ("7", "Ada")
    assert map_contacts(kind, BODY, variables={}, phone="+4930999") == []  # match has no ID
    assert map_contacts(kind, BODY, variables={}, phone="+1555") == []


@pytest.mark.parametrize(
    ("path", "phone", "expected"),
    [
        ('data.#(phone=="{{.Phone}}").id', "+49 30", 'data.#(phone=="+49 30").id'),
        ('data.#(phone=="{{.Phone}}").id', 'a"b', 'data.#(phone=="a\\"b").id'),
        ("by_phone.{{.Phone}}.id", "+49.30", "by_phone.\\+49\\.30.id"),
        ("data.#.id", "+1", "data.#.id"),
    ],
    ids=["quoted-json-escape", "quoted-quote", "bare-gjson-escape", "no-action"],
)
def test_render_path_escapes_by_position(path, phone, expected):
    """covers C4: `{{.Phone}}` is JSON-escaped inside a quoted query value, GJSON-escaped in a
    bare path component."""
    assert render_path(path, phone) == expected


def test_custom_value_only_in_popup():
    """covers C6: CustomValue feeds the popup URL (URL-escaped) but is not a contact field."""
    kind = _type(
        ("ContactId", "data.#.id"),
        ("FirstName", "data.#.first_name"),
        ("BusinessNumber", "data.#.phone"),
        ("CustomValue", "data.#.slug"),
        popup=Popup(
            mode="url", value="https://{{.subdomain}}.crm.example/p?s={{.CustomValue}}&n={{.Phone}}"
        ),
    )
    ada = map_contacts(kind, BODY, variables={"subdomain": "acme"}, phone="+49 30")[0]
    assert "CustomValue" not in ada.fields
    parts = urlsplit(ada.popup_url)
    assert parts.netloc == "acme.crm.example"
    assert " " not in ada.popup_url
    assert parse_qs(parts.query) == {"s": ["ada lovelace/1"], "n": ["+49 30"]}


def test_popup_from_field_path():
    """covers C3 (b): the popup URL comes from a contact field by GJSON path."""
    kind = _type(
        ("ContactId", "data.#.id"),
        ("FirstName", "data.#.first_name"),
        popup=Popup(mode="field", value="data.#.url"),
    )
    contacts = map_contacts(kind, BODY, variables={}, phone="")
    assert [c.popup_url for c in contacts] == [
        "https://crm.example/c/7",
        "https://crm.example/c/x9",
    ]


def test_popup_url_template_uses_contact_fields():
    """covers C3 (a)."""
    url = popup_url(
        BASIC, {"ContactId": "a/b"}, variables={}, phone="", custom_value="", field_value=""
    )
    assert url.startswith("https://crm.example/c/")
    assert unquote(url.rsplit("/", 1)[-1]) in ("b", "a/b")  # the ID is escaped, not split


@pytest.mark.parametrize("body", ["", "{}", '{"data": []}', "not json"], ids=str)
def test_nothing_found(body):
    assert map_contacts(BASIC, body, variables={}, phone="1") == []


def test_search_request_url_escapes_the_phone():
    """covers C2: the number and connect variables are URL-escaped into the query URL."""
    ctx = build_context(
        integration_id=1,
        name="t",
        template_id="t",
        template=Template(contact_search=ContactSearch(contact_types=(BASIC,))),
        fields={"api_key": "k&y"},
        secrets={},
        persisted={},
        options={},
        status="connected",
        public_url="http://127.0.0.1",
    )
    query = search_request(ctx, BASIC, "+49 30 123")
    params = parse_qs(urlsplit(query.url).query)
    assert params == {"phone": ["+49 30 123"], "k": ["k&y"]}
    assert query.method == "GET"
    assert query.body is None


@pytest.mark.parametrize(
    ("template", "data", "expected"),
    [
        (
            "{{.base_url}}/api/search?phone={{.Phone}}",
            {"base_url": SafeURL("http://127.0.0.1:8090"), "Phone": "+49 30/1&x"},
            "http://127.0.0.1:8090/api/search?phone=%2B49%2030%2F1%26x",
        ),
        (
            "https://{{.sub}}.example.com/c/{{.ContactId}}#{{.Phone}}",
            {"sub": "acme", "ContactId": "a b", "Phone": "+1"},
            "https://acme.example.com/c/a%20b#%2B1",
        ),
        (
            "{{.base}}&phone={{.Phone}}",
            {"base": SafeURL("https://h/x?k=1"), "Phone": "+1"},
            "https://h/x?k=1&phone=%2B1",
        ),
        ("https://h/plain", {}, "https://h/plain"),
    ],
    ids=["base-url-then-query", "host-path-fragment", "query-in-value", "no-action"],
)
def test_render_url_escapes_by_url_part(template, data, expected):
    """covers C2/C3: values before the query stay URL parts; query values are encoded.

    A URL base is a `url` connect field, which the context passes as SafeURL."""
    assert render_url(template, data) == expected


def test_contact_display_name_falls_back():
    assert Contact("T", "1", {"Company": "Acme"}).display_name == "Acme"
    assert Contact("T", "1", {}).display_name == "1"
    assert Contact("T", "1", {"MobileNumber": "2", "BusinessNumber": "1"}).phones == ["1", "2"]
