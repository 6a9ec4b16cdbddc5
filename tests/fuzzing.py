"""The hypothesis profile of every fuzz target (marker `fuzz`): a few seconds per target in
`make test`, at least 10,000 examples each with RINGDESK_FUZZ=deep (`make fuzz`).

A target module does `FUZZ = settings(settings.get_profile("ringdesk-fuzz"))` after
importing this module (tests/conftest.py imports it, so the profile always exists).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = ["FUZZ_DEEP", "PROFILE"]

PROFILE = "ringdesk-fuzz"
FUZZ_DEEP = os.environ.get("RINGDESK_FUZZ", "").lower() == "deep"

settings.register_profile(
    PROFILE,
    max_examples=10_000 if FUZZ_DEEP else 300,
    deadline=None,  # the budgets bound each example; the machine is shared, timing varies
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
    print_blob=True,
)
