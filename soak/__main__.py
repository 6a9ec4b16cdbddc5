"""`python -m soak [--calls N ...]`: run a soak; exit 1 when a guarantee is violated."""

from __future__ import annotations

import sys

from soak.options import parse
from soak.run import run

sys.exit(run(parse()))
