"""`python -m ringdesk.outbox`: run an outbox worker on its own, against
`RINGDESK_DATABASE_URL`, until SIGTERM/SIGINT (graceful) or SIGKILL (its leases expire and
another worker takes the jobs over).

Options: `--lease SECONDS` (default 120), `--concurrency N` (default 64),
`--poll SECONDS` (default: the `outbox_poll_seconds` setting), `--retry-base SECONDS` (first
backoff step, default 2).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal

from ringdesk.config import Settings

__all__ = ["main"]


async def _run(args: argparse.Namespace) -> None:
    from ringdesk.api.app import create_app
    from ringdesk.outbox.policy import RetryPolicy
    from ringdesk.outbox.worker import OutboxWorker

    settings = Settings(run_workers=False)
    app = create_app(settings)
    # As `ringdesk serve` does: keep the start-up heap out of the cyclic collector's passes.
    gc.collect()
    gc.freeze()
    policy = RetryPolicy(base=args.retry_base, max_attempts=settings.outbox_max_attempts)
    worker = OutboxWorker(
        app.state,
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
        await app.state.executor.aclose()
        app.state.db.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ringdesk.outbox")
    parser.add_argument("--lease", type=float, default=120.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--poll", type=float, default=None)
    parser.add_argument("--retry-base", type=float, default=2.0, help="first backoff, seconds")
    asyncio.run(_run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
