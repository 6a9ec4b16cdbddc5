"""The files in deploy/ (systemd units, proxy examples, Grafana dashboard, environment file)
name commands, options, settings and metrics that exist."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from ringdesk.cli import main as cli_main
from ringdesk.config import Settings
from tests.docs.pages import ROOT, import_docgen

import_docgen()

from ringdesk_docgen import operations  # noqa: E402

DEPLOY = ROOT / "deploy"


def exposed_metric_names() -> set[str]:
    return {name for row in operations.metric_rows() for name in row[0].split(", ")}


def test_the_dashboard_queries_only_metrics_ringdesk_exports():
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"\bringdesk_\w+", expr)}
    assert used, "the dashboard has no queries"
    assert used <= exposed_metric_names()
    # every metric family appears somewhere on the dashboard
    families = {row[0].split(", ")[0].removesuffix("_bucket") for row in operations.metric_rows()}
    assert {f for f in families if not any(u.startswith(f) for u in used)} == set()


def test_the_dashboard_asks_for_its_data_source_on_import():
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    assert [i["name"] for i in dashboard["__inputs"]] == ["DS_PROMETHEUS"]
    assert {p["datasource"]["uid"] for p in dashboard["panels"]} == {"${DS_PROMETHEUS}"}


def _exec_start(unit: str) -> list[str]:
    text = (DEPLOY / unit).read_text()
    return re.search(r"^ExecStart=(.+)$", text, re.M).group(1).split()  # type: ignore[union-attr]


def test_the_service_unit_runs_serve_with_options_it_has():
    words = _exec_start("ringdesk.service")
    assert words[1:3] == ["serve", "--host"]
    options = {o for p in cli_main.commands["serve"].params for o in p.opts}
    assert {w for w in words if w.startswith("--")} <= options


def test_the_outbox_unit_runs_the_worker_with_options_it_has():
    words = _exec_start("ringdesk-outbox@.service")
    assert words[1:3] == ["-m", "ringdesk.outbox"]
    usage = subprocess.run(
        [sys.executable, "-m", "ringdesk.outbox", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    for option in (w for w in words if w.startswith("--")):
        assert option in usage


def test_the_environment_example_sets_only_real_settings():
    text = (DEPLOY / "ringdesk.env.example").read_text()
    names = set(re.findall(r"^#? ?(RINGDESK_\w+)=", text, re.M))
    known = {f"RINGDESK_{field.upper()}" for field in Settings.model_fields}
    assert names
    assert names <= known


@pytest.mark.parametrize("name", ["nginx.conf", "Caddyfile"])
def test_proxy_examples_keep_metrics_internal_and_stream_pops(name: str):
    text = (DEPLOY / name).read_text()
    assert "127.0.0.1:8080" in text
    assert "/metrics" in text
    assert "/api/v1/metrics" in text
    assert "proxy_buffering off" in text or "flush_interval -1" in text


def test_the_units_use_the_environment_file_of_the_example():
    for unit in ("ringdesk.service", "ringdesk-outbox@.service"):
        assert "EnvironmentFile=/etc/ringdesk/ringdesk.env" in (DEPLOY / unit).read_text()
