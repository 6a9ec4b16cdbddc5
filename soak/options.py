"""The soak run's command line (`python -m soak --help`) and the options it yields."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SoakOptions", "parse"]


@dataclass(frozen=True)
class SoakOptions:
    calls: int = 2000
    kill_every: float = 10.0
    serve: int = 2
    workers: int = 2
    slow_helpdesk: bool = False
    latency_ms: int = 0
    revoke_every: float = 0.0
    seed: int = 12
    rate: float = 10.0
    fault_every: float = 8.0
    expiries: int = 4
    known_contacts: int = 200
    drain_timeout: float = 600.0
    max_kills: int = 0  # 0: no limit
    report_json: Path | None = None
    keep_logs: Path | None = None


def parse(argv: list[str] | None = None) -> SoakOptions:
    parser = argparse.ArgumentParser(
        prog="python -m soak",
        description="Soak ringdesk on PostgreSQL under kill -9 and helpdesk faults; exits "
        "non-zero when a guarantee is violated.",
    )
    add = parser.add_argument
    add("--calls", type=int, default=2000, help="calls to place (10000 for the long run)")
    add(
        "--kill-every",
        type=float,
        default=10.0,
        help="SIGKILL a process about this often (s); 0: never",
    )
    add("--max-kills", type=int, default=0, help="stop killing after this many (0: no limit)")
    add("--serve", type=int, default=2, help="`ringdesk serve` processes")
    add("--workers", type=int, default=2, help="`python -m ringdesk.outbox` processes")
    add("--slow-helpdesk", action="store_true", help="add slow windows (1.5-4 s per request)")
    add(
        "--latency-ms",
        type=int,
        default=0,
        help="delay every helpdesk request this long during the traffic (e.g. 1000)",
    )
    add("--revoke-every", type=float, default=0.0, help="revoke access tokens this often (s)")
    add("--expiries", type=int, default=4, help="access-token expiries over the run")
    add(
        "--fault-every",
        type=float,
        default=8.0,
        help="a 503/429 burst or drops about this often (s); 0: none",
    )
    add("--rate", type=float, default=10.0, help="new calls a second")
    add("--seed", type=int, default=12)
    add("--known-contacts", type=int, default=200)
    add("--drain-timeout", type=float, default=600.0, help="longest wait for the outbox (s)")
    add("--report-json", type=Path, default=None, help="also write the report here")
    add("--keep-logs", type=Path, default=None, help="copy process logs here")
    args = parser.parse_args(argv)
    if args.calls < 1 or args.serve < 1 or args.workers < 0 or args.rate <= 0:
        parser.error("--calls and --serve must be >= 1, --workers >= 0, --rate > 0")
    return SoakOptions(
        calls=args.calls,
        kill_every=args.kill_every,
        serve=args.serve,
        workers=args.workers,
        slow_helpdesk=args.slow_helpdesk,
        latency_ms=max(0, args.latency_ms),
        revoke_every=args.revoke_every,
        seed=args.seed,
        rate=args.rate,
        fault_every=args.fault_every,
        expiries=args.expiries,
        known_contacts=args.known_contacts,
        drain_timeout=args.drain_timeout,
        max_kills=args.max_kills,
        report_json=args.report_json,
        keep_logs=args.keep_logs,
    )
