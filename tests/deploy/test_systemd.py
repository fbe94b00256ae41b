"""The shipped systemd unit passes ``systemd-analyze verify`` (issue 15), with this machine's paths put in."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "systemd" / "cybercollege@.service"
ENV = ROOT / "deploy" / "systemd" / "example.env"


def test_the_unit_verifies(tmp_path: Path) -> None:
    """verify reads the unit as systemd would: every directive known, the command present and executable.
    The command and the environment file are the only paths it checks that this machine has elsewhere."""
    binary = shutil.which("systemd-analyze")
    assert binary, "systemd-analyze is missing (Debian's systemd package)"
    cybercollege = Path(sys.executable).with_name("cybercollege")
    assert cybercollege.exists()
    env = tmp_path / "jean-moulin.env"
    env.write_text(ENV.read_text(encoding="utf-8"), encoding="utf-8")
    text = UNIT.read_text(encoding="utf-8")
    assert "ExecStart=/opt/cybercollege/venv/bin/cybercollege serve" in text
    assert "EnvironmentFile=/etc/cybercollege/%i.env" in text
    text = text.replace("/opt/cybercollege/venv/bin/cybercollege", str(cybercollege))
    text = text.replace("/etc/cybercollege/%i.env", str(env))
    unit = tmp_path / "cybercollege@jean-moulin.service"  # an instance of the template, as systemctl makes it
    unit.write_text(text, encoding="utf-8")
    check = subprocess.run([binary, "verify", str(unit)], capture_output=True, text=True)
    problems = [line for line in check.stderr.splitlines() if "cybercollege" in line or "Unknown" in line]
    assert check.returncode == 0 and not problems, check.stderr


def test_the_example_environment_names_only_real_options() -> None:
    from cybercollege.server.config import Settings

    names = {f"CYBERCOLLEGE_{name.upper()}" for name in Settings.model_fields}
    for line in ENV.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            assert line.split("=", 1)[0] in names, line
