"""`python -m ringdesk` runs the command-line interface."""

from __future__ import annotations

from ringdesk.cli import main

main()
