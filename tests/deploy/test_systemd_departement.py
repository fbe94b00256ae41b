"""The département's entry point's systemd unit passes ``systemd-analyze verify``, and its example colleges.toml
is a valid file of `cybercollege departement` (server/departement/config.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from cybercollege.server.departement.config import load

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "systemd" / "cybercollege-departement.service"
EXAMPLE = ROOT / "deploy" / "systemd" / "colleges.example.toml"
COMMAND = "/opt/cybercollege/venv/bin/cybercollege departement --colleges /etc/cybercollege/colleges.toml"


def test_the_unit_verifies(tmp_path: Path) -> None:
    binary = shutil.which("systemd-analyze")
    assert binary, "systemd-analyze is missing (Debian's systemd package)"
    cybercollege = Path(sys.executable).with_name("cybercollege")
    assert cybercollege.exists()
    text = UNIT.read_text(encoding="utf-8")
    assert f"ExecStart={COMMAND} --port 8000" in text
    unit = tmp_path / "cybercollege-departement.service"
    unit.write_text(text.replace("/opt/cybercollege/venv/bin/cybercollege", str(cybercollege)), encoding="utf-8")
    check = subprocess.run([binary, "verify", str(unit)], capture_output=True, text=True)
    problems = [line for line in check.stderr.splitlines() if "cybercollege" in line or "Unknown" in line]
    assert check.returncode == 0 and not problems, check.stderr


def test_the_example_colleges_file_is_valid() -> None:
    departement = load(EXAMPLE)
    assert [c.id for c in departement.colleges] == ["college-jean-moulin", "college-victor-hugo"]
    assert departement.college_of("0750002B") is not None and departement.college_of("0330099W") is None
    assert [e.id for e in departement.ents] == ["ent-academie"]


def test_the_command_runs_from_the_installed_entry_point() -> None:
    """``cybercollege departement --help`` from the installed script: the unit's command exists."""
    cybercollege = Path(sys.executable).with_name("cybercollege")
    done = subprocess.run([str(cybercollege), "departement", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--colleges" in done.stdout, done.stderr
