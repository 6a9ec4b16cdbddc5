"""`python -m bench` runs every benchmark module that defines `main()`."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path


def run_all() -> None:
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.name.startswith("_"):
            continue
        loaded = importlib.import_module(f"bench.{module.name}")
        if hasattr(loaded, "main"):
            print(f"== {module.name}")
            loaded.main()


run_all()
