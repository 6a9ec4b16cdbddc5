"""`python -m ringdesk.outbox`: run an outbox worker on its own, against
`RINGDESK_DATABASE_URL`, until SIGTERM/SIGINT (graceful) or SIGKILL (its leases expire and
another worker takes the jobs over). It builds only the shared services, not the web app.

Options: `--lease SECONDS` (default 30), `--concurrency N` (default 64),
`--poll SECONDS` (default: the `outbox_poll_seconds` setting), `--retry-base SECONDS` (first
backoff step, default 2).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import signal

from ringdesk.config import Settings
from ringdesk.retry import DELIVERY_RETRY

__all__ = ["main"]


async def _run(args: argparse.Namespace) -> None:
    # An entry point is a program, not a layer: it composes the flows' job kinds, which
    # the outbox package itself never imports (see the import-linter contract).
    from ringdesk.runtime import outbox_worker, start_services

    settings = Settings()
    services = start_services(settings)
    # As `ringdesk serve` does: keep the start-up heap out of the cyclic collector's passes.
    gc.collect()
    gc.freeze()
    policy = dataclasses.replace(
        DELIVERY_RETRY, base=args.retry_base, max_attempts=settings.outbox_max_attempts
    )
    worker = outbox_worker(
        services,
        lease=args.lease,
        concurrency=args.concurrency,
        poll_seconds=args.poll,
        policy=policy,
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, worker.stop)
    try:
        await worker.run()
    finally:
        await services.aclose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ringdesk.outbox")
    parser.add_argument("--lease", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--poll", type=float, default=None)
    parser.add_argument("--retry-base", type=float, default=2.0, help="first backoff, seconds")
    asyncio.run(_run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
