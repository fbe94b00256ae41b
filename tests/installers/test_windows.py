"""The Windows build (the zip a school unpacks on its PCs), downloaded from a world server and started under wine
(Debian's wine 8, on Xvfb): every frozen module imports, and a demo pupil walks into classroom 103 in a real
window (OpenGL through wine), without --url.

Wine 8 lacks two functions every Windows 10 and 11 has; the test adds them to its own prefix and copy, never to
the build (docs/client.md, "On school PCs"):

* ``bcryptprimitives.dll`` (``ProcessPrng``), which the Rust modules (pydantic-core, cryptography) link: a DLL
  forwarding it to ``advapi32.SystemFunction036`` (RtlGenRandom), in the prefix's system32.
* ``crealf``/``cimagf``, which numpy 2.4's core imports from ``api-ms-win-crt-math-l1-1-0.dll``: wine maps that
  API set to its own ucrtbase, which lacks them ("unimplemented function ucrtbase.dll.crealf", then winedbg waits
  for ever). The copy's import is renamed to a DLL of ours with the same exports (forwarded to ucrtbase) and
  those two (a few instructions, assembled by mingw's ``as``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from cybercollege.protocol.messages import Anim
from tests.installers.conftest import SHOTS, download, missing_native, read_png, run, unpack, walk_to_salle_103

pytestmark = pytest.mark.installers

PLATFORM = "win_amd64"
API_SET = b"api-ms-win-crt-math-l1-1-0.dll"
OURS = b"api-xx-win-crt-math-l1-1-0.dll"  # the same length: the import table is patched in place
MISSING = {"crealf": "movd %ecx, %xmm0\n    ret", "cimagf": "shrq $32, %rcx\n    movd %ecx, %xmm0\n    ret"}
"""What wine 8's ucrtbase lacks, in x86-64 (a _Fcomplex comes in RCX, a float goes back in XMM0)."""


def windows_path(path: Path) -> str:
    return "Z:" + str(path).replace("/", "\\")


def wine_env(prefix: Path) -> dict[str, str]:
    return {**os.environ, "WINEPREFIX": str(prefix), "WINEDEBUG": "-all", "WINEDLLOVERRIDES": "winemenubuilder.exe=d"}


def link_dll(folder: Path, name: str, exports: list[str], objects: list[Path] = ()) -> Path:  # type: ignore[assignment]
    definition = folder / f"{name}.def"
    definition.write_text(f"LIBRARY {name}\nEXPORTS\n" + "".join(f"  {e}\n" for e in exports))
    out = folder / name
    subprocess.run(["x86_64-w64-mingw32-ld", "--dll", "-e", "0", "-o", str(out), *map(str, objects), str(definition)],
                   check=True)  # fmt: skip
    return out


def add_what_wine_lacks(app: Path, prefix: Path, work: Path) -> None:
    """The two shims of the module's docstring."""
    system32 = prefix / "drive_c" / "windows" / "system32"
    shutil.copyfile(link_dll(work, "bcryptprimitives.dll", ["ProcessPrng=advapi32.SystemFunction036"]),
                    system32 / "bcryptprimitives.dll")  # fmt: skip
    dump = subprocess.run(["x86_64-w64-mingw32-objdump", "-p", str(app / API_SET.decode())], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    names = re.findall(r"Forwarder RVA -- ucrtbase\.(\S+)", dump)
    assert set(MISSING) <= set(names)
    source = work / "missing.s"
    source.write_text("    .text\n" + "".join(f"    .globl {n}\n{n}:\n    {code}\n" for n, code in MISSING.items()))
    subprocess.run(["x86_64-w64-mingw32-as", "-o", str(work / "missing.o"), str(source)], check=True)
    exports = [n if n in MISSING else f"{n}=ucrtbase.{n}" for n in names]
    shutil.copyfile(link_dll(work, OURS.decode(), exports, [work / "missing.o"]), app / OURS.decode())
    core = app / "numpy._core._multiarray_umath.pyd"
    binary = core.read_bytes()
    assert binary.count(API_SET) == 1
    core.write_bytes(binary.replace(API_SET, OURS))


async def test_windows_build_starts_under_wine_and_walks_into_a_classroom(built, serve, tmp_path):
    dist = built("windows")
    prefix, work = tmp_path / "wine", tmp_path / "shims"
    work.mkdir()
    env = wine_env(prefix)
    boot = subprocess.run(["wineboot", "--init"], env=env, capture_output=True, text=True, timeout=600)
    assert boot.returncode == 0, boot.stderr
    async with serve(dist) as server:
        archive = await download(server.url, PLATFORM, ".zip", tmp_path)
        app = unpack(archive, tmp_path / "school-pc")
        assert (app / "data" / "server.json").is_file()
        assert missing_native(app, app / "data", ".pyd") == []
        assert (app / "python3.dll").is_file() and (app / "VCRUNTIME140_1.dll").is_file()
        add_what_wine_lacks(app, prefix, work)

        report = tmp_path / "modules.txt"
        xvfb = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "wine", str(app / "cybercollege.exe")]
        status, out = await run(*xvfb, "--check-modules", windows_path(report), env=env)
        text = report.read_text() if report.exists() else out
        assert status == 0, text
        assert [line for line in text.splitlines() if ": ok" not in line][-1].endswith("modules imported")

        shot = tmp_path / "salle-103.png"
        start = time.monotonic()  # no --url: the server it was downloaded from; a real window on Xvfb
        walk = ("--login", "lea.martin", "--script", "walk-to-salle-103", "--screenshot", windows_path(shot))
        status, out, anims = await walk_to_salle_103(server, *xvfb, *walk, env=env)
        print(f"Windows build under wine: walked to salle 103 in {time.monotonic() - start:.1f} s")
    assert status == 0, out
    assert {Anim.SIT, Anim.HAND_UP} <= anims, "she sat in salle 103 and raised her hand"
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SHOTS / "windows-wine-salle-103.png")
    width, height, colours = read_png(shot)
    assert (width, height) == (1280, 720)
    assert colours > 20, "a real picture of the room, not a blank frame"
