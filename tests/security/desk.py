"""A helpdesk double for the attack tests: it records the raw request line of everything it
receives (so a test sees exactly which path and host a request carried) and answers a
configurable JSON body to searches."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import quoteattr

from starlette.types import Receive, Scope, Send

__all__ = ["Received", "RecordingDesk"]


@dataclass(frozen=True)
class Received:
    method: str
    raw_path: str  # as sent on the wire, percent-escapes and all
    host: str
    authorization: str


@dataclass
class RecordingDesk:
    """A raw ASGI app: no routing or path normalisation between the socket and the record."""

    search_answer: bytes = b'{"data":[]}'
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        raw = scope["raw_path"].decode("latin-1")
        query = scope["query_string"].decode("latin-1")
        with self.lock:
            self.received.append(
                Received(
                    method=scope["method"],
                    raw_path=raw + (f"?{query}" if query else ""),
                    host=headers.get("host", ""),
                    authorization=headers.get("authorization", ""),
                )
            )
        more = True
        while more:  # drain the body
            message = await receive()
            more = message.get("more_body", False)
        body = self.search_answer if scope["method"] == "GET" else b'{"data":{"id":"r-1"}}'
        status = 200 if scope["method"] == "GET" else 201
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def paths(self, method: str | None = None) -> list[str]:
        with self.lock:
            return [r.raw_path for r in self.received if method in (None, r.method)]


def desk_template(
    base: str, *, url: str, body: str = '{"n":"{{.Call_From}}"}', **extra: Any
) -> str:
    """A template whose call log goes to `url` (`@BASE@` is replaced by `base`) with `body`."""
    search = quoteattr(extra.get("search_path", "data.#.id"))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<HelpdeskTemplate formatVersion="1">
  <General><Name>Attack Desk</Name><MaxConcurrentRequests>4</MaxConcurrentRequests></General>
  <Authentication method="none"/>
  <ContactSearch>
    <ContactType name="Contacts">
      <Request method="GET"><Url>{base}/search?phone={{{{.Phone}}}}</Url></Request>
      <Popup mode="url">{base}/c/{{{{.ContactId}}}}</Popup>
      <Mapping>
        <Field name="ContactId" path={search}/>
        <Field name="FirstName" path="data.#.first"/>
      </Mapping>
    </ContactType>
  </ContactSearch>
  <CallLog enabled="true">
    <Request method="POST">
      <Url>{url.replace("@BASE@", base)}</Url>
      <Body><![CDATA[{body}]]></Body>
    </Request>
  </CallLog>
</HelpdeskTemplate>
"""
