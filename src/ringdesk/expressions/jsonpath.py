"""RFC 9535 JSONPath for follow-up response fields (F1), backed by python-jsonpath in strict mode.

python-jsonpath's strict environment passes all 703 cases of the JSONPath compliance test suite
(tests/expressions/data/jsonpath_cts.json); its default environment adds non-standard syntax, so
ringdesk never uses that one. `compile` validates once; `find` returns the matched values.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonpath import CompoundJSONPath, JSONPath, JSONPathEnvironment, JSONPathError

from ringdesk.expressions import ExpressionError

__all__ = ["CompiledPath", "compile", "find"]

CompiledPath = JSONPath | CompoundJSONPath

_ENV = JSONPathEnvironment(strict=True)
_MAX_PATH = 4096


@lru_cache(maxsize=512)
def compile(path: str) -> CompiledPath:
    """Parse an RFC 9535 query; raises ExpressionError (0-based `position` when known)."""
    if len(path) > _MAX_PATH:
        raise ExpressionError(f"JSONPath longer than {_MAX_PATH} characters", expression=path[:80])
    try:
        return _ENV.compile(path)
    except JSONPathError as exc:
        token = getattr(exc, "token", None)
        index = getattr(token, "index", None)
        position = None if index is None else (len(path) if index < 0 else index)
        message = getattr(exc, "message", None) or str(exc).splitlines()[0]
        raise ExpressionError(
            f"invalid JSONPath: {message}", position=position, expression=path
        ) from None


def _parse(document: Any) -> Any:
    if isinstance(document, bytes | bytearray):
        document = document.decode("utf-8", errors="replace")
    if isinstance(document, str):
        try:
            return json.loads(document)
        except ValueError as exc:
            raise ExpressionError(f"document is not JSON: {exc}") from None
        except RecursionError:
            raise ExpressionError("document is not JSON: nested too deep") from None
    return document


def find(document: Any, path: str) -> list[Any]:
    """Values selected by `path` in `document` (a parsed value, or JSON text as str/bytes)."""
    compiled = compile(path)
    data = _parse(document)
    if isinstance(data, str):
        # python-jsonpath would re-read a str as JSON text; a string node has no children.
        return [data] if not getattr(compiled, "segments", True) else []
    try:
        return list(compiled.findall(data))
    except JSONPathError as exc:
        raise ExpressionError(f"JSONPath evaluation failed: {exc}", expression=path) from None
