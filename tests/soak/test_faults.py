"""The soak run's fault schedule (soak.faults.schedule, pure): what issue 12 asks for, in
time order, the same for the same seed."""

from __future__ import annotations

from collections import Counter

import pytest
from soak.faults import FaultPlan, schedule


def test_expiries_are_spread_evenly_and_revocations_are_periodic():
    faults = schedule(FaultPlan(duration=200, every=0, expiries=4, revoke_every=60), seed=1)
    assert [(f.at, f.kind) for f in faults] == [
        (25.0, "expire"),
        (60.0, "revoke"),
        (75.0, "expire"),
        (120.0, "revoke"),
        (125.0, "expire"),
        (175.0, "expire"),
        (180.0, "revoke"),
    ]


@pytest.mark.parametrize(
    ("slow", "kinds"),
    [(False, {"burst503", "burst429", "drop"}), (True, {"burst503", "burst429", "drop", "slow"})],
    ids=["default", "slow-helpdesk"],
)
def test_random_faults_come_about_every_n_seconds(slow, kinds):
    plan = FaultPlan(duration=2000, every=8, expiries=0, slow=slow)
    faults = schedule(plan, seed=5)
    assert faults == schedule(plan, seed=5)
    assert [f.at for f in faults] == sorted(f.at for f in faults)
    assert set(Counter(f.kind for f in faults)) == kinds
    assert 2000 / 8 * 0.8 < len(faults) < 2000 / 8 * 1.2
    bursts = [f for f in faults if f.kind.startswith("burst")]
    assert all(f.count >= 10 and f.retry_after >= 1 for f in bursts)
