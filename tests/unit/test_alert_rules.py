"""The alert rules in deploy/prometheus/ are valid and fire when they should (Prometheus's own
promtool: deploy/prometheus/alerts_test.yml holds the series and the expected alerts)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bot.settings import PROJECT_ROOT

RULES = PROJECT_ROOT / "deploy" / "prometheus"


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: bash scripts/ensure-ops-tools.sh", pytrace=False)
    return found


@pytest.mark.parametrize(
    "command",
    [
        ["check", "rules", str(RULES / "alerts.yml")],
        ["check", "config", str(RULES / "prometheus.yml")],
        ["test", "rules", str(RULES / "alerts_test.yml")],
    ],
    ids=["check rules", "check config", "test rules"],
)
def test_promtool_accepts_the_rules(command: list[str]):
    done = subprocess.run([promtool(), *command], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_dashboard_query_is_valid_promql(tmp_path):
    """Grafana's dashboard (deploy/grafana/) asks Prometheus with PromQL; promtool parses
    each query as a recording rule, so a typo fails here rather than on the wall screen."""
    import json

    import yaml

    dashboard = json.loads((RULES.parent / "grafana" / "mfa-assistant.json").read_text())
    queries = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(queries) >= 10
    metrics = {"mfa_chat_requests_total", "mfa_outbox_oldest_waiting_seconds", "mfa_ready"}
    assert all(any(m in q for q in queries) for m in metrics)
    recorded = [{"record": f"dashboard:query_{i}", "expr": q} for i, q in enumerate(queries)]
    rules = {"groups": [{"name": "dashboard", "rules": recorded}]}
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump(rules))
    done = subprocess.run(
        [promtool(), "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
