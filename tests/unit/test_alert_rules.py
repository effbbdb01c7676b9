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
