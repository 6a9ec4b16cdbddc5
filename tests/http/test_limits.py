"""The request cap (G3) itself: one process (a semaphore), several processes on PostgreSQL
(short leases renewed while a request runs), a killed holder whose slots come back within
a lease, and a holder that stops before its lease can run out when renewals are late or
find the lease gone.

The cap over real HTTP, and what it is per, is in tests/http/test_cap_scope.py; the
outbox-level acceptance tests are in tests/outbox/test_cap_crash.py and
tests/outbox/test_fair_delivery.py.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from sqlalchemy import text

from ringdesk.errors import HelpdeskError
from ringdesk.http.limits import ConcurrencyLimiter
from ringdesk.store.db import Database

PG_ONLY = [
    pytest.mark.pg,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

# Small leases keep these tests short; the defaults are 8 s, 2 s and 2 s.
FAST = {"lease_seconds": 1.5, "renew_every": 0.25, "margin": 0.5}


class Gauge:
    """Counts the blocks running at once."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0

    async def hold(self, limiter: ConcurrencyLimiter, key: str, cap: int, seconds: float) -> None:
        async with limiter.slot(key, cap):
            self.now += 1
            self.most = max(self.most, self.now)
            try:
                await asyncio.sleep(seconds)
            finally:
                self.now -= 1


@pytest.mark.parametrize(
    ("lease", "renew", "margin"),
    [(2.0, 0.0, 0.5), (2.0, 1.0, 0.0), (2.0, 1.5, 0.5), (2.0, 1.6, 0.5)],
    ids=["no-renewal", "no-margin", "renewal-plus-margin-is-the-lease", "past-the-lease"],
)
def test_lease_timings_that_cannot_be_safe_are_refused(lease, renew, margin):
    with pytest.raises(ValueError, match="renew_every"):
        ConcurrencyLimiter(lease_seconds=lease, renew_every=renew, margin=margin)


async def test_one_process_cap_is_a_semaphore_per_key():
    """G3 without a shared database: at most `cap` blocks per key, keys independent."""
    limiter = ConcurrencyLimiter()
    a, b = Gauge(), Gauge()
    await asyncio.gather(
        *(a.hold(limiter, "t#a", 3, 0.02) for _ in range(20)),
        *(b.hold(limiter, "t#b", 2, 0.02) for _ in range(20)),
    )
    assert (a.most, b.most) == (3, 2)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_needs_no_lease_rows(database):
    """On SQLite there is one process: no slot rows are written."""
    limiter = ConcurrencyLimiter(database)
    gauge = Gauge()
    await asyncio.gather(*(gauge.hold(limiter, "t", 2, 0.01) for _ in range(6)))
    with database.session() as session:
        assert session.execute(text("SELECT count(*) FROM concurrency_leases")).scalar() == 0
    assert gauge.most == 2


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.pg
async def test_cap_holds_across_processes_and_leases_are_renewed(settings):
    """G3 on PostgreSQL: two limiters (as two processes would, each with its own pool)
    share a cap of 3, and blocks longer than a lease keep their slots (renewed)."""
    databases = [Database(settings.database_url) for _ in range(2)]
    try:
        limiters = [ConcurrencyLimiter(db, **FAST) for db in databases]
        gauge = Gauge()
        # 3 blocks of 2 × the lease, then 12 short ones queueing behind them.
        await asyncio.gather(
            *(gauge.hold(limiters[n % 2], "t#shared", 3, 3.0) for n in range(3)),
            *(gauge.hold(limiters[n % 2], "t#shared", 3, 0.02) for n in range(12)),
        )
        assert gauge.most == 3
        with databases[0].session() as session:
            held = session.execute(
                text("SELECT count(*) FROM concurrency_leases WHERE holder IS NOT NULL")
            ).scalar()
        assert held == 0  # every slot released after its block
    finally:
        for db in databases:
            db.dispose()


HOLDER_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from ringdesk.http.limits import ConcurrencyLimiter
    from ringdesk.store.db import Database

    async def main() -> None:
        limiter = ConcurrencyLimiter(Database(sys.argv[1]))  # the default lease timings
        async def hold() -> None:
            async with limiter.slot("t#killed", 3):
                print("held", flush=True)
                await asyncio.sleep(60)  # bounded: ends by itself if nobody kills it
        await asyncio.gather(*(hold() for _ in range(3)))

    asyncio.run(main())
    """
)


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.pg
async def test_slots_of_a_killed_process_come_back_within_a_lease(settings):
    """G3: a process holding all 3 slots is killed with SIGKILL; its slots are free again
    within one lease (8 s), with nobody cleaning up."""
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER_SCRIPT, settings.database_url, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None
        for _ in range(3):
            line = await asyncio.wait_for(holder.stdout.readline(), 20)
            assert line.strip() == b"held"
        await asyncio.sleep(2.5)  # long enough for a renewal: the lease was extended
    finally:
        holder.send_signal(signal.SIGKILL)
        await holder.wait()
    killed = time.monotonic()
    db = Database(settings.database_url)
    try:
        limiter = ConcurrencyLimiter(db)
        gauge = Gauge()
        await asyncio.wait_for(asyncio.gather(gauge.hold(limiter, "t#killed", 3, 0)), 20)
        back = time.monotonic() - killed
    finally:
        db.dispose()
    print(f"slot back {back:.2f} s after SIGKILL")  # noqa: T201  (the figure, with -s)
    assert back < 8.5


def _lease_seconds_left(database: Database) -> float:
    with database.connection() as connection:
        return float(
            connection.execute(
                text(
                    "SELECT expires_at - extract(epoch FROM clock_timestamp()) "
                    "FROM concurrency_leases WHERE template_id = 't#late'"
                )
            ).scalar_one()
        )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.pg
async def test_a_holder_whose_renewal_is_late_stops_before_its_lease_ends(database):
    """G3 is never exceeded: while the database cannot renew the lease (its row is locked by
    another transaction, as a stalled database would), the request is cancelled and fails
    retryably while its lease is still valid (so no other process can hold the slot yet)."""
    limiter = ConcurrencyLimiter(database, **FAST)
    locked = threading.Event()
    unlock = threading.Event()

    def lock_the_row() -> None:
        with database.session() as session:
            session.execute(
                text("SELECT 1 FROM concurrency_leases WHERE template_id = 't#late' FOR UPDATE")
            )
            locked.set()
            unlock.wait(10)

    stopped: dict[str, float] = {}
    blocker = threading.Thread(target=lock_the_row)

    async def hold() -> None:
        async with limiter.slot("t#late", 1):
            blocker.start()
            await asyncio.to_thread(locked.wait, 5)
            started = time.monotonic()
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                stopped["after"] = time.monotonic() - started
                stopped["lease_left"] = await asyncio.to_thread(_lease_seconds_left, database)
                unlock.set()  # now the release can go through
                raise

    try:
        with pytest.raises(HelpdeskError, match="could not be renewed") as caught:
            await hold()
    finally:
        unlock.set()
        blocker.join(10)
    assert caught.value.retryable
    assert stopped["after"] < FAST["lease_seconds"]
    # Stopped with about `margin` of the lease left: the slot was still ours.
    assert stopped["lease_left"] > 0.2, stopped


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.pg
async def test_a_holder_whose_lease_is_gone_stops_at_the_next_renewal(database):
    """A renewal that finds the lease no longer this holder's (its slot given to another)
    stops the request at once instead of waiting for the deadline."""
    limiter = ConcurrencyLimiter(database, **FAST)
    took: list[float] = []

    async def hold() -> None:
        async with limiter.slot("t#stolen", 1):
            with database.session() as session:
                session.execute(
                    text("UPDATE concurrency_leases SET holder = 'another' WHERE slot = 0")
                )
            started = time.monotonic()
            try:
                await asyncio.sleep(10)
            finally:
                took.append(time.monotonic() - started)

    with pytest.raises(HelpdeskError, match="could not be renewed"):
        await hold()
    assert took[0] < FAST["renew_every"] + 0.5
    with database.session() as session:  # the release left the other holder's slot alone
        assert session.execute(text("SELECT holder FROM concurrency_leases")).scalar() == "another"
