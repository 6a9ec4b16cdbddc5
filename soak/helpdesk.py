"""The soak run's helpdesk: the bundled demo helpdesk (`ringdesk.demo`, with its fault
hooks, in-flight peak and per-call-id counters) seeded with the run's known contacts, served
by uvicorn in its own process on 127.0.0.1.

`python -m soak.helpdesk --port P --known N [--token-ttl S]`
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["build_app", "main", "seeded_contacts"]


def seeded_contacts(count: int) -> list[dict[str, Any]]:
    """The known callers, as the helpdesk stores them (ids and numbers from `plan`)."""
    from soak.plan import known_contact

    contacts = []
    for index in range(count):
        contact_id, number = known_contact(index)
        contacts.append(
            {
                "id": contact_id,
                "first_name": "Known",
                "last_name": f"Caller {contact_id}",
                "company": "Soak Ltd",
                "email": f"{contact_id}@example.org",
                "phone": number,
                "mobile": "",
            }
        )
    return contacts


def build_app(known: int, token_ttl: int) -> Any:
    from ringdesk.demo import create_demo_app
    from ringdesk.demo.store import DemoStore

    return create_demo_app(
        store=DemoStore(contacts=seeded_contacts(known)), access_token_ttl=token_ttl
    )


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m soak.helpdesk")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--known", type=int, default=200)
    parser.add_argument("--token-ttl", type=int, default=3600)
    args = parser.parse_args(argv)
    # "critical": a dropped connection is logged by uvicorn as an error on purpose.
    uvicorn.run(
        build_app(args.known, args.token_ttl),
        host="127.0.0.1",
        port=args.port,
        log_level="critical",
        access_log=False,
    )


if __name__ == "__main__":
    main()
