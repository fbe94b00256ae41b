"""Journey of an ENT administrator: from an empty folder to a teacher's working login, following only
docs/sso.md — its files and commands, in its order — for each protocol against each identity provider.

The commands run as the administrator runs them (``cybercollege`` in a shell, the server as its own
process); the "system browser" that ``cybercollege ent try`` opens is a real Chromium signing in on the
provider's own page (tests/journeys/system_browser.py). The transcript and the browser's screenshots are
saved in var/journeys/<test>/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.idp import people
from tests.idp.lemonldap import free_port
from tests.journeys import guide
from tests.journeys.providers import PROVIDERS, Provider, Running
from tests.journeys.system_browser import browser_command

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TEACHER = people.TEACHER


class Administrator:
    """A shell in a fresh folder: runs the guide's steps, keeps the transcript."""

    def __init__(self, provider: Provider, folder: Path, shots: Path) -> None:
        self.provider, self.folder, self.shots = provider, folder, shots
        port = free_port()
        self.server_url = f"http://127.0.0.1:{port}"
        self.substitutions = {"https://college.example": self.server_url, "8765": str(port),
                              "monent": provider.ent_id}
        self.env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(ROOT),
            "BROWSER": browser_command(),
            "JOURNEY_PROVIDER": provider.key,
            "JOURNEY_PERSON": TEACHER.login,
            "JOURNEY_ENT_NAME": "Mon ENT",
            "JOURNEY_SHOTS": str(shots),
            "LANG": "fr_FR.UTF-8",  # a French administrator: the commands answer in French
            "LANGUAGE": "",
        }
        self.files: list[guide.Step] = []
        self.transcript: list[str] = []
        self.idp: Running | None = None
        self.server: subprocess.Popen | None = None

    def follow(self, step: guide.Step) -> str:
        """Do one step of the guide; returns what the commands printed."""
        if step.kind == "file":
            self.files.append(step)
            self._write_files()
            return ""
        if step.kind == "at-the-ent":
            (self.folder / "the-ent").mkdir()
            self.idp = self.provider.start(self.folder / "the-ent", self.server_url, self.folder / "ent")
            self.substitutions.update(self.idp.substitutions)
            self.env.update(self.idp.env)
            self._write_files()  # the administrator knew the ENT's addresses all along
            return ""
        text = step.substituted(self.substitutions)
        if step.kind == "serve":
            self._serve(text)
            return ""
        return "".join(self.run(line) for line in text.splitlines() if line.strip() and not line.startswith("#"))

    def run(self, command: str) -> str:
        self.transcript.append(f"$ {command}")
        done = subprocess.run(["bash", "-c", command], cwd=self.folder, env=self.env, capture_output=True,
                              text=True, timeout=180)
        self.transcript.append(done.stdout + done.stderr)
        self._save()
        assert done.returncode == 0, f"`{command}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=15)
        if self.idp is not None:
            self.idp.stop()
        self._save()

    def _write_files(self) -> None:
        for step in self.files:
            text = step.substituted(self.substitutions)
            path = self.folder / text.splitlines()[0].removeprefix("# ").strip()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)

    def _serve(self, command: str) -> None:
        self.transcript.append(f"$ {command} &")
        log = (self.shots / "server.log").open("wb")
        self.server = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=self.folder, env=self.env,
                                       stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.server.poll() is None, (self.shots / "server.log").read_text()
            try:
                with urllib.request.urlopen(f"{self.server_url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the server did not start:\n{(self.shots / 'server.log').read_text()}")

    def _save(self) -> None:
        (self.shots / "terminal.txt").write_text("\n".join(self.transcript))


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.key)
def test_administrator_connects_the_ent_following_the_guide(provider: Provider, tmp_path: Path, shots: Path):
    admin = Administrator(provider, tmp_path, shots)
    outputs: dict[str, str] = {}
    try:
        for step in guide.steps(provider.protocol):
            outputs[step.kind] = admin.follow(step)
    finally:
        admin.stop()
    assert "0 erreur(s), prêt pour un essai de connexion" in "\n".join(admin.transcript)  # LANG is French
    shown = outputs["try"]
    assert f"name shown: {TEACHER.display_name}" in shown
    assert "role: teacher" in shown
    assert f"school UAI: {people.SCHOOL_UAI}" in shown
    assert f"classes: {', '.join(TEACHER.expected_classes)}" in shown
    assert (shots / "browser-3-back-in-the-application.png").is_file()
    assert "Connexion réussie" in (shots / "browser-last-page.txt").read_text()
