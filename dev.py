#!/usr/bin/env python3
"""Cybercollège's two set-up commands. Needs only Python 3.11+ (and root for the test system packages).

    python3 dev.py run    # install into .venv, then run the server on its embedded defaults
    python3 dev.py test   # install everything the tests need, then ruff, mypy and the whole test suite
    python3 dev.py build-client   # the installable clients in dist/client (docs/client.md, "On school PCs")

Extra arguments go to ``cybercollege serve`` (run), to pytest (test) or to scripts/build_client.py (build-client).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".installed"
WORKERS = int(os.environ.get("CYBERCOLLEGE_TEST_WORKERS", "1"))
"""pytest-xdist workers for the whole suite (a test file per worker). One by default: on a shared 2-core
machine two workers took 14 instead of 25 minutes, but doubled the load that timing-sensitive peers feel."""
TEST_SYSTEM_SCRIPT = ROOT / "scripts" / "install-test-system-deps.sh"


def sh(*cmd: str | Path, **kw: object) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)  # type: ignore[call-overload]


def ensure_venv() -> None:
    """Create .venv and install the locked dependencies and the project (again only if the lock changed)."""
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    if STAMP.exists() and STAMP.read_bytes() == wanted:
        return
    sh(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", LOCK)
    sh(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "-e", ".")
    STAMP.write_bytes(wanted)


def ensure_test_system_packages() -> None:
    """The identity providers (LemonLDAP::NG, SimpleSAMLphp on PHP), xmlsec1, Mesa GL, Chromium and Firefox come from
    Debian's packages (scripts/install-test-system-deps.sh)."""
    tools = ("plackup", "xmlsec1", "chromium", "firefox-esr", "php", "turnserver", "nft", "Xvfb", "xclip", "nginx",
             "wine", "patchelf", "x86_64-w64-mingw32-ld", "makensis")
    missing = [tool for tool in tools if shutil.which(tool) is None]
    for package, path in (("lemonldap-ng", "/usr/share/perl5/Lemonldap/NG/Portal/Main.pm"),
                          ("simplesamlphp", "/usr/share/simplesamlphp/www/saml2/idp/SSOService.php")):
        if not Path(path).exists():
            missing.append(package)
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        sys.exit(f"missing {', '.join(missing)}: run `sudo sh {TEST_SYSTEM_SCRIPT.relative_to(ROOT)}` first")
    sh("sh", TEST_SYSTEM_SCRIPT)


def typecheck_tree() -> None:
    """mypy checks the installed names (cybercollege.server...): link .typecheck/cybercollege/<folder> to each
    top-level folder the wheel maps (pyproject.toml's package-dir), as mypy cannot follow an editable install."""
    tree = ROOT / ".typecheck" / "cybercollege"
    tree.mkdir(parents=True, exist_ok=True)
    for folder in ("protocol", "worlds", "server", "client"):
        link = tree / folder
        if not link.is_symlink():
            link.symlink_to(Path("..", "..", folder))


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "build-client"):
        print(__doc__)
        return 2
    ensure_venv()
    if argv[0] == "build-client":
        return subprocess.call([str(PY), str(ROOT / "scripts" / "build_client.py"), *argv[1:]], cwd=ROOT)
    if argv[0] == "run":
        demo = [] if any(a.startswith("--demo") for a in argv[1:]) else ["--demo", "true"]  # the demo users, asked for
        return subprocess.call([str(VENV / "bin" / "cybercollege"), "serve", *demo, *argv[1:]], cwd=ROOT)
    ensure_test_system_packages()
    args = argv[1:]
    if len(argv) == 1 or argv[1:] == ["-q"]:  # the whole suite: the linters first, as CI runs them
        typecheck_tree()
        for check in (["ruff", "check", "."], ["mypy"]):
            if subprocess.call([str(PY), "-m", *check], cwd=ROOT) != 0:
                return 1
        if WORKERS > 1:
            args += ["-n", str(WORKERS), "--dist", "loadfile"]  # a test file's tests share one worker
        if os.environ.get("CYBERCOLLEGE_INSTALLERS") == "apart":  # .ci/run runs tests/installers beside the rest
            args += ["-m", "not installers"]
    return subprocess.call([str(PY), "-m", "pytest", *args], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
