"""`ringdesk serve` that can trace its allocations, for `bench.rss --trace DIR`: the first
SIGUSR1 starts tracemalloc (tracing from the start would slow the process down several
times over), each later one writes a snapshot to DIR/snapshot-N.pickle (N = 1, 2, ...). A
snapshot then holds exactly what was allocated since tracing started and is still alive:
the growth.

`python -m bench._traced_serve DIR ringdesk-arguments...`
"""

from __future__ import annotations

import gc
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType


def main() -> None:
    outdir = Path(sys.argv[1])
    taken = [0]

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(10)
            (outdir / "tracing").touch()
            return
        gc.collect()
        taken[0] += 1
        tracemalloc.take_snapshot().dump(str(outdir / f"snapshot-{taken[0]}.pickle"))
        (outdir / f"snapshot-{taken[0]}.done").touch()

    signal.signal(signal.SIGUSR1, on_signal)
    from ringdesk.cli import main as ringdesk

    ringdesk(sys.argv[2:], prog_name="ringdesk")


if __name__ == "__main__":
    main()
