"""HTML of the demo helpdesk: the home page listing what it received, the OAuth2 approval
page, and a contact page (the screen-pop target). Every value is HTML-escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["approve_page", "contact_page", "home_page"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}"
    "table{border-collapse:collapse;margin-bottom:1.5rem}"
    "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    "code{background:#f4f4f4}"
)


def _doc(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    if not rows:
        return "<p><em>none yet</em></p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(row.get(c, '')))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def home_page(snapshot: Mapping[str, Any]) -> str:
    records = snapshot["records"]
    body = (
        "<h1>Demo helpdesk</h1>"
        "<p>What ringdesk sent here. API token auth: <code>Authorization: Bearer …</code>; "
        "OAuth2 at <code>/oauth/authorize</code> and <code>/oauth/token</code>.</p>"
        f"<p>requests: {snapshot['requests']} · duplicates: {snapshot['duplicates']}</p>"
        "<h2>Calls</h2>"
        + _table(
            records["calls"],
            [
                "id",
                "call_id",
                "subject",
                "status",
                "direction",
                "from",
                "to",
                "duration",
                "description",
            ],
        )
        + "<h2>Tickets</h2>"
        + _table(
            records["tickets"], ["id", "call_id", "subject", "contact_id", "phone", "description"]
        )
        + "<h2>Contacts</h2>"
        + _table(
            records["contacts"],
            ["id", "first_name", "last_name", "company", "phone", "mobile", "email"],
        )
    )
    return _doc("Demo helpdesk", body)


def approve_page(params: Mapping[str, str]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
        for k, v in params.items()
        if k in ("client_id", "redirect_uri", "state", "scope", "response_type")
    )
    body = (
        "<h1>Authorise ringdesk?</h1>"
        f"<p>The application <strong>{escape(params.get('client_id', ''))}</strong> asks to "
        "read contacts and write calls and tickets in the demo helpdesk.</p>"
        f'<form method="post" action="/oauth/authorize">{hidden}'
        '<button type="submit" name="decision" value="approve">Approve</button> '
        '<button type="submit" name="decision" value="deny">Deny</button></form>'
    )
    return _doc("Authorise ringdesk", body)


def contact_page(contact: Mapping[str, Any]) -> str:
    name = f"{contact.get('first_name', '')} {contact.get('last_name', '')}".strip()
    rows = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in contact.items()
    )
    return _doc(name or "Contact", f"<h1>{escape(name)}</h1><table>{rows}</table>")
