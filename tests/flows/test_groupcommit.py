"""flows.groupcommit: items submitted together share one flush; each caller gets its own
result or error, and only after the flush holding its item returned (issue 12, item 6)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from ringdesk.flows import groupcommit
from ringdesk.flows.groupcommit import GroupCommit


class Recorder:
    """A flush that takes a while (like a commit) and records what it committed."""

    def __init__(self, seconds: float = 0.02, refuse: frozenset[int] = frozenset()):
        self.seconds = seconds
        self.refuse = refuse
        self.batches: list[list[int]] = []
        self.committed: set[int] = set()
        self.lock = threading.Lock()

    def __call__(self, items):
        time.sleep(self.seconds)
        bad = [i for i in items if i in self.refuse]
        if bad:
            raise ValueError(f"refused {bad[0]}")
        with self.lock:
            self.batches.append(list(items))
            self.committed.update(items)
        return [i * 10 for i in items]


async def test_items_submitted_together_share_a_flush():
    """30 concurrent submits: far fewer flushes than items, each result its own."""
    flush = Recorder()
    commit = GroupCommit(flush)
    results = await asyncio.gather(*(commit.submit(n) for n in range(30)))
    assert results == [n * 10 for n in range(30)]
    assert sorted(i for b in flush.batches for i in b) == list(range(30))
    assert len(flush.batches) <= 3, flush.batches
    assert commit.flushes == len(flush.batches)


async def test_a_result_comes_only_after_its_item_was_flushed():
    """Durability is the flush's: when submit returns, the item is committed."""
    flush = Recorder()
    commit = GroupCommit(flush)

    async def one(n: int) -> None:
        await commit.submit(n)
        assert n in flush.committed

    await asyncio.gather(*(one(n) for n in range(20)))


async def test_a_failing_item_fails_only_its_caller():
    """The batch fails; flushed again one by one, only item 7 gets the error."""
    flush = Recorder(refuse=frozenset({7}))
    commit = GroupCommit(flush)
    results = await asyncio.gather(*(commit.submit(n) for n in range(12)), return_exceptions=True)
    errors = {n: r for n, r in enumerate(results) if isinstance(r, Exception)}
    assert list(errors) == [7]
    assert "refused 7" in str(errors[7])
    assert flush.committed == set(range(12)) - {7}


@pytest.mark.parametrize("max_batch", [1, 4], ids=["one-per-flush", "four-per-flush"])
async def test_batches_never_exceed_max_batch(max_batch):
    flush = Recorder(seconds=0.005)
    commit = GroupCommit(flush, max_batch=max_batch)
    await asyncio.gather(*(commit.submit(n) for n in range(17)))
    assert max(len(b) for b in flush.batches) <= max_batch
    assert sorted(i for b in flush.batches for i in b) == list(range(17))


async def test_a_caller_that_gives_up_does_not_break_the_others():
    """A cancelled submit (a client that hung up) leaves the rest of its batch intact."""
    flush = Recorder(seconds=0.05)
    commit = GroupCommit(flush)
    tasks = [asyncio.create_task(commit.submit(n)) for n in range(5)]
    await asyncio.sleep(0.01)
    tasks[2].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(done[2], asyncio.CancelledError)
    assert [done[n] for n in (0, 1, 3, 4)] == [0, 10, 30, 40]


async def test_committers_of_an_owner_are_dropped_when_idle():
    """`of` hands out one committer per owner and loop while it works, none afterwards."""
    owner = object()
    flush = Recorder()
    first = GroupCommit.of(owner, flush)
    same = GroupCommit.of(owner, flush)
    assert first is same
    await asyncio.gather(first.submit(1), same.submit(2))
    assert not [k for k in groupcommit._ACTIVE if k[0] == id(owner)]
