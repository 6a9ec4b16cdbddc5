"""The configuration table (from `ringdesk.config.Settings`) and the metrics list (from
`ringdesk.metrics.Metrics`), for the operations pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prometheus_client.metrics import MetricWrapperBase
from pydantic.fields import FieldInfo

from ringdesk.config import Settings
from ringdesk.metrics import Metrics
from ringdesk_docgen.markdown import code, table

__all__ = ["env_name", "metric_rows", "metrics_markdown", "settings_markdown"]

_PREFIX = str(Settings.model_config.get("env_prefix", ""))


def env_name(field: str) -> str:
    """The environment variable that sets `field`."""
    return f"{_PREFIX}{field}".upper()


def _type_name(info: FieldInfo) -> str:
    text = str(info.annotation).replace("typing.", "").replace("pathlib.", "")
    text = text.replace("<class '", "").replace("'>", "")
    return text.replace("PosixPath", "path").replace("Path", "path").replace(" | None", "")


def _default(info: FieldInfo) -> str:
    value: Any = info.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return code(str(value).lower())
    if isinstance(value, Path) and not value.is_absolute():
        return code(f"./{value.as_posix()}")
    return code(value)


def settings_markdown() -> str:
    """One row per `Settings` field: variable, type, default, description."""
    rows = []
    for field, info in Settings.model_fields.items():
        if not info.description:
            raise ValueError(f"Settings.{field} has no Field(description=...) to document it by")
        rows.append([code(env_name(field)), _type_name(info), _default(info), info.description])
    return table(["variable", "type", "default", "meaning"], rows)


def metric_rows() -> list[tuple[str, str, str, str]]:
    """(exposed sample names, type, labels, help) of every metric a ringdesk app exports."""
    metrics = Metrics()
    rows = []
    for value in vars(metrics).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        # The family name and label names are only kept on private attributes.
        name = str(value._name)
        kind = str(value._type)
        labels = ", ".join(value._labelnames)
        documentation = str(value._documentation)
        if kind == "counter":
            exposed = f"{name}_total"
        elif kind == "histogram":
            exposed = ", ".join(f"{name}_{s}" for s in ("bucket", "sum", "count"))
        else:
            exposed = name
        rows.append((exposed, kind, labels, documentation))
    return rows


def metrics_markdown() -> str:
    """The metrics table of the monitoring page."""
    rows = [
        (", ".join(code(n) for n in exposed.split(", ")), kind, labels, documentation)
        for exposed, kind, labels, documentation in metric_rows()
    ]
    return table(["metric", "type", "labels", "meaning"], rows)
