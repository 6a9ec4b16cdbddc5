"""Start ringdesk for a first look (`make run`); the demo helpdesk joins it once it exists."""

from __future__ import annotations

import os
import subprocess
import sys


def main() -> int:
    port = os.environ.get("RINGDESK_PORT", "8080")
    print(f"ringdesk:      http://127.0.0.1:{port}/docs")  # noqa: T201
    return subprocess.call([sys.executable, "-m", "ringdesk", "serve", "--port", port])


if __name__ == "__main__":
    raise SystemExit(main())
