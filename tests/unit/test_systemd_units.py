"""The systemd units in deploy/systemd/: valid for systemd, and running commands that exist.

`systemd-analyze verify` reads them as systemd would (unknown keys, bad values, commands
that are not executable), with the install path pointed at this checkout so the commands
can be checked; the drop-in that every unit shares (mfa-.service.d/) is read too.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, Settings

UNITS = PROJECT_ROOT / "deploy" / "systemd"
INSTALLED_AT = "/opt/mfa-assistant"


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.fail("systemd-analyze is missing: bash scripts/ensure-ops-tools.sh", pytrace=False)
    return found


def units_here(tmp_path: Path) -> list[Path]:
    """The units copied with /opt/mfa-assistant replaced by this checkout."""
    shutil.copytree(UNITS, tmp_path, dirs_exist_ok=True)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            path.write_text(path.read_text().replace(INSTALLED_AT, str(PROJECT_ROOT)))
    return sorted(p for p in tmp_path.iterdir() if p.suffix in (".service", ".target", ".timer"))


def test_systemd_accepts_every_unit(tmp_path: Path):
    units = units_here(tmp_path)
    assert {u.name for u in units} >= {
        "mfa-prepare.service", "mfa-rasa@.service", "mfa-actions.service",
        "mfa-outbox.service", "mfa-console.service", "mfa-purge.service", "mfa-purge.timer",
        "mfa-assistant.target",
    }  # fmt: skip
    done = subprocess.run(
        [systemd_analyze(), "verify", "--man=no", *map(str, units)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"},
        timeout=60,
    )
    assert done.returncode == 0 and not done.stdout + done.stderr, done.stdout + done.stderr


def test_a_broken_unit_is_caught(tmp_path: Path):
    """The check above can fail: an unknown key and a missing command are reported."""
    units_here(tmp_path)
    broken = tmp_path / "mfa-actions.service"
    broken.write_text(broken.read_text().replace("Restart=", "Restrat=").replace("-m bot", "-m"))
    broken.write_text(broken.read_text().replace(f"{PROJECT_ROOT}/.venv", "/nowhere"))
    done = subprocess.run(
        [systemd_analyze(), "verify", "--man=no", str(broken)],
        capture_output=True,
        text=True,
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"},
        timeout=60,
    )
    assert "Restrat" in done.stderr and "/nowhere" in done.stderr


def test_every_command_the_units_run_exists():
    commands = [
        shlex.split(line.split("=", 1)[1])
        for unit in UNITS.glob("*.service")
        for line in unit.read_text().splitlines()
        if line.startswith("ExecStart=")
    ]
    subcommands = {command[3] for command in commands}
    assert subcommands == {"prepare", "rasa", "actions", "outbox", "console", "purge"}
    for command in commands:
        assert command[:3] == [f"{INSTALLED_AT}/.venv/bin/python", "-m", "bot"]
        args = [a.replace("%i", "5005") for a in command[4:]] + ["--help"]
        done = subprocess.run(
            [sys.executable, "-m", "bot", command[3], *args], capture_output=True, timeout=60
        )
        assert done.returncode == 0, (command, done.stderr)


def test_the_environment_file_sets_only_real_settings():
    fields = getattr(Settings, "model_fields", None) or Settings.__fields__
    names = [
        line.split("=", 1)[0]
        for line in (UNITS / "mfa-assistant.env").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    ours = {name.removeprefix("MFA_").lower() for name in names if name.startswith("MFA_")}
    assert ours and ours <= set(fields), ours - set(fields)
