"""GJSON: score installed PyPI ports on the recorded tidwall/gjson cases, and time `get`.

`python -m bench` runs `main()`: conformance pass rates of every installed candidate, then the
time of `ringdesk.expressions.gjson.get` against the alternatives on generated 100 KB and
1 MB documents (same run, same paths), printed as ratios (alternative time / ours; > 1 means
we are faster). Alternatives that are not installed are skipped with a message.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ringdesk.expressions import ExpressionError
from ringdesk.expressions import gjson as ours

CASES_FILE = Path(__file__).parent.parent / "tests" / "expressions" / "data" / "gjson_cases.json"

Runner = Callable[[str, str], tuple[bool, Any]]


def _first_key_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        out.setdefault(k, v)
    return out


def _comparable(case: dict[str, Any]) -> bool:
    """Values compare only where Go's answer is plain JSON (not lenient garbage-in)."""
    if case["type"] != "JSON":
        return True
    try:
        json.loads(case["raw"])
    except ValueError:
        return False
    return True


def _expected_value(case: dict[str, Any]) -> Any:
    kind, text = case["type"], case["string"]
    if kind == "JSON":
        return json.loads(case["raw"], object_pairs_hook=_first_key_wins)
    if kind == "Number":
        return float(text)
    return {"True": True, "False": False, "Null": None}.get(kind, text)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def semantic_ok(case: dict[str, Any], run: Runner) -> bool:
    """Any candidate: same existence and, when found, an equal Python value."""
    try:
        exists, value = run(case["json"], case["path"])
    except Exception:  # a candidate that crashes on a case fails that case
        return False
    if exists != case["exists"]:
        return False
    return not exists or not _comparable(case) or _same(value, _expected_value(case))


def strict_ok(case: dict[str, Any]) -> bool:
    """Ours only: exists, raw and text equal Go's Exists(), Raw and String()."""
    try:
        res = ours.get(case["json"], case["path"])
    except ExpressionError:
        return False
    return (res.exists, res.raw, res.text) == (case["exists"], case["raw"], case["string"])


def _floats(v: Any) -> Any:
    if isinstance(v, list):
        return [_floats(x) for x in v]
    if isinstance(v, dict):
        return {k: _floats(x) for k, x in v.items()}
    if type(v) in (int, float):
        return float(v)
    return v


def _run_ours(doc: str, path: str) -> tuple[bool, Any]:
    res = ours.get(doc, path)
    return res.exists, _floats(res.value)


def candidates() -> dict[str, Runner]:
    """Installed GJSON implementations, adapted to (exists, Python value)."""
    found: dict[str, Runner] = {"ringdesk": _run_ours}
    try:
        import gjson as gjson_py  # type: ignore[import-not-found,unused-ignore]  # optional
    except ImportError:
        print("gjson (gjson-py) not installed: skipped")
    else:

        def run_gjson_py(doc: str, path: str) -> tuple[bool, Any]:
            try:
                value = gjson_py.get(json.loads(doc), path)
            except gjson_py.GJSONError:
                return False, None
            return True, _floats(value)

        found["gjson-py"] = run_gjson_py
    try:
        import pygjson  # type: ignore[import-not-found,unused-ignore]  # optional
    except ImportError:
        print("pygjson not installed: skipped")
    else:

        def plain(v: Any) -> Any:
            if isinstance(v, list):
                return [plain(x.value) for x in v]
            if isinstance(v, dict):
                return {k: plain(x.value) for k, x in v.items()}
            return float(v) if type(v) in (int, float) else v

        def run_pygjson(doc: str, path: str) -> tuple[bool, Any]:
            res = pygjson.get(doc, path)
            return (True, plain(res.value)) if res.exists() else (False, None)

        found["pygjson"] = run_pygjson
    return found


def score(found: dict[str, Runner]) -> dict[str, float]:
    """Print and return each candidate's semantic pass rate (and our strict one)."""
    data = json.loads(CASES_FILE.read_text("utf-8"))
    cases = data["cases"]
    n = len(cases)
    strict = sum(strict_ok(c) for c in cases)
    print(f"conformance: {n} cases recorded from tidwall/gjson {data['commit'][:12]}")
    print(f"  ringdesk strict (exists+raw+String): {strict}/{n} = {strict / n:.1%}")
    rates: dict[str, float] = {}
    for name, run in found.items():
        ok = sum(semantic_ok(c, run) for c in cases)
        rates[name] = ok / n
        print(f"  {name} semantic (exists+value): {ok}/{n} = {ok / n:.1%}")
    return rates


def make_document(target_bytes: int, seed: int = 7) -> str:
    """A helpdesk-like search response (`data` array of contacts) of about `target_bytes`."""
    rnd = random.Random(seed)
    items: list[dict[str, Any]] = []
    size = 0
    while size < target_bytes:
        n = len(items)
        item = {
            "id": n,
            "name": {"first": f"First{n}", "last": rnd.choice(["Murphy", "Craig", "Smith"])},
            "email": f"user{n}@example.com",
            "phones": [f"+4930{rnd.randrange(10**7):07d}" for _ in range(2)],
            "active": rnd.random() < 0.5,
            "score": round(rnd.random() * 100, 3),
            "notes": 'lorem ipsum "dolor" sit amet ' * rnd.randrange(1, 4),
            "custom_fields": [{"key": f"k{j}", "value": f"v{n}-{j}"} for j in range(3)],
        }
        items.append(item)
        size += len(json.dumps(item)) + 1
    return json.dumps({"meta": {"count": len(items)}, "data": items, "tail": "end"})


def _paths(doc: str) -> list[str]:
    count = json.loads(doc)["meta"]["count"]
    last = count - 1
    return [
        "meta.count",
        "tail",
        f"data.{count // 2}.email",
        f"data.{last}.name.first",
        f'data.#(email=="user{count // 2}@example.com").id',  # a first-match query stops here
        f'data.#(email=="user{last}@example.com").id',
        'data.#(name.last=="Murphy")#.id',
        "data.#.phones.0",
        "data.#",
    ]


def _time(fn: Callable[[], Any], budget: float = 0.4) -> float:
    """Best-of-N seconds per call within `budget` seconds (at least 3 calls)."""
    best = math.inf
    spent = 0.0
    calls = 0
    while calls < 3 or spent < budget:
        t0 = time.process_time()
        fn()
        dt = time.process_time() - t0
        best = min(best, dt)
        spent += dt
        calls += 1
    return best


def timers() -> dict[str, Callable[[str, str], Any]]:
    """What is timed: JSON text + path -> the Python value (each library's natural call)."""
    out: dict[str, Callable[[str, str], Any]] = {"ringdesk": lambda d, p: ours.get(d, p).value}
    try:
        import gjson as gjson_py  # type: ignore[import-not-found,unused-ignore]  # optional
    except ImportError:
        pass
    else:
        out["gjson-py"] = lambda d, p: gjson_py.get(json.loads(d), p, quiet=True)
    try:
        import pygjson  # type: ignore[import-not-found,unused-ignore]  # optional
    except ImportError:
        pass
    else:
        out["pygjson"] = lambda d, p: pygjson.get(d, p).value
    return out


def bench() -> None:
    """Time ours against each installed alternative; print alternative/ours ratios."""
    found = timers()
    others = {k: v for k, v in found.items() if k != "ringdesk"}
    if not others:
        print("no alternative installed: timing ours only")
    mine = found["ringdesk"]
    for label, size in (("3 KB", 3_000), ("100 KB", 100_000), ("1 MB", 1_000_000)):
        doc = make_document(size)
        print(f"document {label} ({len(doc)} chars); ratio = their time / ours (>1: we are faster)")
        for path in _paths(doc):
            t_ours = _time(lambda p=path, d=doc: mine(d, p))  # type: ignore[misc]
            line = f"  {path:<42} ours {t_ours * 1e3:8.3f} ms"
            for name, run in others.items():
                t_other = _time(lambda p=path, r=run, d=doc: r(d, p))  # type: ignore[misc]
                line += f" | {name} {t_other * 1e3:7.3f} ms {t_other / t_ours:6.2f}x"
            print(line)


def main() -> None:
    score(candidates())
    bench()


if __name__ == "__main__":
    main()
